"""End to end: N messages accepted through the SES API and delivered, DKIM-signed, to a sink.

openses (dev mode, SQLite with ``synchronous=FULL``, ``OPENSES_DELIVERY=relay`` to
Postfix's ``smtp-sink`` on loopback, the sending domain an Easy DKIM RSA-2048 identity)
receives N SES v1 ``SendRawEmail`` requests of 5 KB, pre-signed with botocore's
``SigV4Auth`` and sent over 16 keep-alive connections by an asyncio client in this
process. The clock runs from the first request to the N-th message counted by
``smtp-sink -c``. The peer, in the same run, is Postfix relaying the same load:
``smtp-source`` (16 sessions, 5 KB) to a private Postfix instance (its own
``config_directory`` and durable queue in a temp dir, ``postfix start-fg`` under this
script's control) that relays to its own ``smtp-sink``. Ours and the peer alternate:
a warm-up round (which also checks that every message openses delivered carries a
DKIM-Signature), then ``--pairs`` rounds. Prints the figures and writes
``bench/results/end_to_end.json``.

    DEBIAN_FRONTEND=noninteractive apt-get install -y postfix   # "No configuration"
    .venv/bin/python bench/end_to_end.py [--messages 1000] [--pairs 5] [--profile-seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import harness

CONCURRENCY = 16
RECIPIENT_DOMAIN = "dest.test"
_COUNTER = re.compile(rb"mesg=(\d+)")


class Sink:
    """``smtp-sink -c``: counts the messages it receives (its counter read from stdout)."""

    def __init__(self, processes: harness.Processes, dump: Path | None = None) -> None:
        self.port = harness.free_port()
        command = ["smtp-sink", "-c", "-u", "nobody"]
        if dump is not None:
            command += ["-D", str(dump)]
        command += [f"127.0.0.1:{self.port}", "256"]
        self.process = processes.start(command, stdout=subprocess.PIPE)
        self.count = 0
        self._changed = threading.Condition()
        threading.Thread(target=self._read_counter, daemon=True).start()
        harness.wait_for_port(self.port)

    def _read_counter(self) -> None:
        assert self.process.stdout is not None
        while chunk := self.process.stdout.read1(65536):  # type: ignore[attr-defined]
            found = _COUNTER.findall(chunk)
            if found:
                with self._changed:
                    self.count = int(found[-1])
                    self._changed.notify_all()

    def wait_for(self, target: int, timeout: float) -> float | None:
        """The monotonic time at which the count reached ``target``, or None on timeout."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while self.count < target:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self._changed.wait(timeout=remaining)
            return time.monotonic()


# --- the API client ----------------------------------------------------------------------


async def _connection(
    port: int, requests: list[bytes], position: list[int], outcome: dict[str, int]
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while position[0] < len(requests):
            request = requests[position[0]]
            position[0] += 1
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = re.search(rb"(?i)\r\ncontent-length: *(\d+)", head)
            await reader.readexactly(int(length.group(1)) if length else 0)
            outcome["ok" if head[9:12] == b"200" else "errors"] += 1
    finally:
        writer.close()


async def _send_all(port: int, requests: list[bytes]) -> dict[str, int]:
    position, outcome = [0], {"ok": 0, "errors": 0}
    await asyncio.gather(
        *(_connection(port, requests, position, outcome) for _ in range(CONCURRENCY))
    )
    return outcome


def send_all(port: int, requests: list[bytes]) -> dict[str, int]:
    try:
        import uvloop

        return uvloop.run(_send_all(port, requests))  # type: ignore[no-any-return]
    except ImportError:
        return asyncio.run(_send_all(port, requests))


# --- the two systems ---------------------------------------------------------------------


def run_ours(
    port: int, pid: int, sink: Sink, messages: int, round_number: int, timeout: float
) -> dict[str, Any]:
    requests = [
        harness.signed_send_raw_email(port, round_number * messages + i, f"r{i}@{RECIPIENT_DOMAIN}")
        for i in range(messages)
    ]
    target = sink.count + messages
    cpu_before, client_before = harness.cpu_seconds(pid), time.process_time()
    start = time.monotonic()
    outcome = send_all(port, requests)
    accepted_at = time.monotonic()
    delivered_at = sink.wait_for(target, timeout)
    end = delivered_at or time.monotonic()
    return {
        "messages": messages,
        "seconds": end - start,
        "msg_per_s": messages / (end - start) if delivered_at else 0.0,
        "accepted_per_s": messages / (accepted_at - start),
        "api_errors": outcome["errors"],
        "delivered": messages - max(0, target - sink.count),
        "server_cpu_ms_per_message": 1000 * (harness.cpu_seconds(pid) - cpu_before) / messages,
        "client_cpu_ms_per_message": 1000 * (time.process_time() - client_before) / messages,
    }


def run_postfix(
    smtpd_port: int, sink: Sink, messages: int, timeout: float, reuse: bool
) -> dict[str, Any]:
    target = sink.count + messages
    cpu_before = harness.children_cpu_seconds()
    start = time.monotonic()
    subprocess.run(
        ["smtp-source", *(["-d"] if reuse else []), "-s", str(CONCURRENCY),
         "-m", str(messages), "-l", str(harness.MESSAGE_BYTES),
         "-f", f"sender@{harness.SENDER_DOMAIN}", "-t", f"r@{RECIPIENT_DOMAIN}",
         f"127.0.0.1:{smtpd_port}"],
        check=True, timeout=timeout, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    accepted_at = time.monotonic()
    delivered_at = sink.wait_for(target, timeout)
    end = delivered_at or time.monotonic()
    return {
        "messages": messages,
        "seconds": end - start,
        "msg_per_s": messages / (end - start) if delivered_at else 0.0,
        "accepted_per_s": messages / (accepted_at - start),
        "delivered": messages - max(0, target - sink.count),
        "smtp_source_cpu_ms_per_message": 1000
        * (harness.children_cpu_seconds() - cpu_before)
        / messages,
    }


POSTFIX_MAIN_CF = """\
compatibility_level = 3.6
queue_directory = {root}/queue
data_directory = {root}/data
command_directory = /usr/sbin
daemon_directory = /usr/lib/postfix/sbin
meta_directory = /etc/postfix
shlib_directory = /usr/lib/postfix
mail_owner = postfix
setgid_group = postdrop
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = relay.bench.test
mydomain = bench.test
myorigin = bench.test
mydestination =
mynetworks = 127.0.0.0/8
relayhost = [127.0.0.1]:{sink_port}
smtpd_relay_restrictions = permit_mynetworks, reject
alias_maps =
alias_database =
local_recipient_maps =
smtp_tls_security_level = none
smtpd_tls_security_level = none
default_process_limit = 100
"""


class PrivatePostfix:
    """A Postfix instance of our own (config, queue and data in ``root``), relaying to a sink.

    Started with ``postfix -c DIR start-fg`` as our child; stopped with ``postfix -c DIR
    stop`` and, should that fail, by signalling its master's PID. Never the system's.
    """

    def __init__(self, processes: harness.Processes, root: Path, sink_port: int) -> None:
        self._processes = processes
        self.root = root
        self.config = root / "conf"
        self.smtpd_port = harness.free_port()
        for name in ("conf", "queue", "data"):
            (root / name).mkdir(parents=True)
        root.chmod(0o755)  # the postfix user must reach its queue
        shutil.chown(root / "data", user="postfix")
        (self.config / "main.cf").write_text(POSTFIX_MAIN_CF.format(root=root, sink_port=sink_port))
        (self.config / "master.cf").write_text(
            harness.POSTFIX_MASTER_CF.format(port=self.smtpd_port)
        )
        self.process = processes.start(["postfix", "-c", str(self.config), "start-fg"])
        try:
            harness.wait_for_port(self.smtpd_port)
        except RuntimeError:
            self.stop()
            raise RuntimeError(f"private Postfix did not start: postfix -c {self.config}") from None

    def stop(self) -> None:
        subprocess.run(
            ["postfix", "-c", str(self.config), "stop"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60, check=False,
        )  # fmt: skip
        self._processes.stop(self.process)
        pid_file = self.root / "queue" / "pid" / "master.pid"
        if pid_file.exists():
            master = int(pid_file.read_text().split()[0] or 0)
            if master and Path(f"/proc/{master}").exists():
                os.kill(master, signal.SIGTERM)


# --- rounds and report -------------------------------------------------------------------


def start_ours(
    processes: harness.Processes, data_dir: Path, sink: Sink
) -> tuple[int, subprocess.Popen[bytes]]:
    port = harness.free_port()
    server = harness.start_openses(
        processes, data_dir, port,
        OPENSES_DELIVERY="relay", OPENSES_RELAY=f"127.0.0.1:{sink.port}", OPENSES_RELAY_TLS="none",
    )  # fmt: skip
    identity = harness.boto3_client("sesv2", port).create_email_identity(
        EmailIdentity=harness.SENDER_DOMAIN
    )
    if not identity.get("DkimAttributes", {}).get("SigningEnabled"):
        raise RuntimeError(f"no Easy DKIM on {harness.SENDER_DOMAIN}: {identity}")
    return port, server


def check_dkim(dump: Path, messages: int) -> int:
    deadline = time.monotonic() + 10
    signed = 0
    while time.monotonic() < deadline:
        signed = dump.read_bytes().count(b"\nDKIM-Signature:") if dump.exists() else 0
        if signed >= messages:
            break
        time.sleep(0.2)
    if signed < messages:
        raise RuntimeError(f"only {signed} of {messages} delivered messages carry DKIM-Signature")
    return signed


def show(system: str, run: dict[str, Any]) -> None:
    print(
        f"  {system:8} {run['msg_per_s']:7,.0f} msg/s end to end"
        f" ({run['delivered']}/{run['messages']} in {run['seconds']:.1f} s),"
        f" accepted at {run['accepted_per_s']:,.0f}/s",
        flush=True,
    )


def measure(args: argparse.Namespace, work: Path, processes: harness.Processes) -> dict[str, Any]:
    dump = work / "dkim-check.mbox"
    work.chmod(0o777)  # smtp-sink runs as nobody and appends the warm-up dump here
    check_sink = Sink(processes, dump=dump)
    ours_sink, peer_sink = Sink(processes), Sink(processes)
    port, server = start_ours(processes, work / "openses-check", check_sink)
    # Warm-up, delivered to the dumping sink: every message must carry a DKIM-Signature.
    show("openses", run_ours(port, server.pid, check_sink, args.warmup, 0, args.timeout))
    signed = check_dkim(dump, args.warmup)
    print(f"  DKIM check: {signed}/{args.warmup} delivered messages signed")
    processes.stop(server)
    port, server = start_ours(processes, work / "openses-data", ours_sink)
    pid = server.pid
    postfix = PrivatePostfix(processes, work / "postfix", peer_sink.port)
    try:
        runs: dict[str, list[dict[str, Any]]] = {"openses": [], "postfix": []}
        for round_number in range(args.pairs + 1):
            print("warm-up round" if round_number == 0 else f"pair {round_number}", flush=True)
            order = ["openses", "postfix"] if round_number % 2 else ["postfix", "openses"]
            for system in order:
                if system == "openses":
                    run = run_ours(port, pid, ours_sink, args.messages, round_number + 1,
                                   args.timeout)  # fmt: skip
                else:
                    run = run_postfix(postfix.smtpd_port, peer_sink, args.messages,
                                      args.timeout, args.smtp_source_reuse)  # fmt: skip
                show(system, run)
                if round_number > 0:
                    runs[system].append(run)
        profile = profile_ours(args, port, pid, ours_sink) if args.profile_seconds else None
    finally:
        postfix.stop()
    return {"runs": runs, "profile": profile, "dkim_checked": signed}


def profile_ours(args: argparse.Namespace, port: int, pid: int, sink: Sink) -> dict[str, Any]:
    profile: dict[str, Any] = {}
    seconds = max(1, round(args.profile_seconds))
    for mode in ("gil", "native"):
        collapsed = harness.RESULTS / f"end_to_end_profile_{mode}.txt"
        run = harness.profiled_run(
            pid, collapsed, mode, seconds,
            lambda: run_ours(port, pid, sink, args.messages, 900, args.timeout),
        )  # fmt: skip
        if mode == "gil":
            breakdown = harness.profile_breakdown(collapsed, PROFILE_MARKERS)
        else:
            breakdown = harness.wait_breakdown(collapsed)
        print(f"\nprofile ({mode}) of openses end to end, {run['msg_per_s']:,.0f} msg/s:")
        harness.print_breakdown(breakdown)
        profile[mode] = {"msg_per_s_while_profiled": run["msg_per_s"], **breakdown}
    return profile


PROFILE_MARKERS = (
    "openses/api/",
    "openses/services/sending.py",
    "openses/queue/worker.py",
    "openses/services/delivery.py",
    "lease_due",
    "openses/mail/dkim",
    "aiosmtplib/",
    "openses/protocol/sigv4",
    "aiosqlite/",
    "sqlalchemy/",
)


def summarize(runs: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    rates = {system: [r["msg_per_s"] for r in rs] for system, rs in runs.items()}
    summary = {system: harness.spread(values) for system, values in rates.items()}
    summary["ratio_ours_to_postfix"] = harness.paired_ratios(rates["openses"], rates["postfix"])
    print("\nend to end, msg/s, medians over the pairs (min-max):")
    for system in runs:
        figure = summary[system]
        print(f"  {system:8} {figure['median']:7,.0f} ({figure['min']:,.0f}-{figure['max']:,.0f})")
    ratio = summary["ratio_ours_to_postfix"]["median"]
    print(f"  openses/postfix, median of paired ratios: {ratio:.2f}")
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1000, help="per run")
    parser.add_argument("--pairs", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=200, help="messages of the DKIM check")
    parser.add_argument("--timeout", type=float, default=300.0, help="per run")
    parser.add_argument("--smtp-source-reuse", action="store_true",
                        help="smtp-source -d: several messages per SMTP session")  # fmt: skip
    parser.add_argument("--profile-seconds", type=float, default=0.0)
    args = parser.parse_args()
    if not shutil.which("smtp-sink") or not shutil.which("postfix"):
        raise SystemExit("needs Debian's postfix package (smtp-sink, smtp-source, postfix)")
    with harness.Processes() as processes, tempfile.TemporaryDirectory() as temp:
        measured = measure(args, Path(temp), processes)
        report = {
            "machine": harness.machine(),
            "settings": vars(args),
            "concurrency": CONCURRENCY,
            "summary": summarize(measured["runs"]),
            **measured,
        }
        harness.write_results("end_to_end", report)


if __name__ == "__main__":
    main()
