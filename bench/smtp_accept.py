"""SMTP accept rate: messages accepted durably per second, openses next to Postfix.

Three measurements, each alternating its contenders round by round, in one run:

1. **protocol layer** — ``smtp-source`` (20 sessions reused, 5 KB) against openses's
   SMTP core and against aiosmtpd, both answering ``250`` without keeping anything
   (``bench/smtp_null_servers.py``): what the protocol alone costs per message, in
   server CPU (``docs/adr/0004-smtp-protocol-core.md``).
2. **durable accept, plaintext** — the same load against ``openses serve``
   (accept only: ``OPENSES_WORKERS=0``; the bench's client is on
   ``OPENSES_SMTP_TRUSTED_NETWORKS``, as ``smtp-source`` speaks neither STARTTLS nor
   AUTH) and against a private Postfix ``smtpd`` whose ``cleanup`` writes and fsyncs
   each message into its disk queue, with every transport deferred so nothing leaves
   the queue during the run. Accepted messages are counted where they were stored.
3. **openses with STARTTLS and AUTH** — our own figure, the way SES clients connect,
   with ``bench/smtp_tls_client.py`` (asyncio) in place of ``smtp-source``.

    .venv/bin/python bench/smtp_accept.py [--messages 3000] [--core-messages 20000] [--pairs 3]

Writes ``bench/results/smtp_accept.json``. Needs Debian's ``postfix`` package (for
``smtp-source`` and ``smtpd``); the system's Postfix is never started or touched, and
every process started here is stopped by its PID.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import harness
from smtp_tls_client import TlsLoad, run_tls_load

from openses.domain.credentials import smtp_password

SESSIONS = 20
SENDER = f"sender@{harness.SENDER_DOMAIN}"
RECIPIENT = "reader@receiver.test"
NULL_SERVERS = harness.BENCH / "smtp_null_servers.py"

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
myhostname = accept.bench.test
mydestination =
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
alias_maps =
alias_database =
local_recipient_maps =
smtpd_tls_security_level = none
default_process_limit = 100
"""
# Postfix as it runs, but with deliveries held back: qmgr moves each message from
# incoming to active to deferred (all on disk) and never hands it to smtp.
POSTFIX_DEFER = """\
defer_transports = smtp, relay, local, virtual, error, retry
"""


class PostfixAcceptor:
    """A private Postfix (own config and queue under ``root``): smtpd and a disk queue."""

    def __init__(self, processes: harness.Processes, root: Path) -> None:
        self.root, self.port = root, harness.free_port()
        self.config = root / "conf"
        for name in ("conf", "queue", "data"):
            (root / name).mkdir(parents=True)
        root.chmod(0o755)  # the postfix user must reach its queue
        shutil.chown(root / "data", user="postfix")
        (self.config / "main.cf").write_text(POSTFIX_MAIN_CF.format(root=root) + POSTFIX_DEFER)
        (self.config / "master.cf").write_text(harness.POSTFIX_MASTER_CF.format(port=self.port))
        self._processes = processes
        self.process = processes.start(["postfix", "-c", str(self.config), "start-fg"])
        harness.wait_for_port(self.port)

    def queued(self) -> int:
        """Queue files by name (the queue id), which qmgr keeps while it moves them on:
        scanning in the order they move, none is missed or counted twice."""
        names: set[str] = set()
        for queue in ("incoming", "active", "deferred"):
            names.update(p.name for p in (self.root / "queue" / queue).rglob("*") if p.is_file())
        return len(names)

    def stop(self) -> None:
        subprocess.run(
            ["postfix", "-c", str(self.config), "stop"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60, check=False,
        )  # fmt: skip
        self._processes.stop(self.process)


class OpensesAcceptor:
    """``openses serve`` (dev, accept only) with SMTP on a free port; the bench is trusted."""

    def __init__(self, processes: harness.Processes, root: Path) -> None:
        self.data_dir, self.port = root, harness.free_port()
        self.http_port = harness.free_port()
        self.process = harness.start_openses(
            processes, root, self.http_port,
            OPENSES_WORKERS="0",
            OPENSES_SMTP_LISTEN=f"127.0.0.1:{self.port}",
            OPENSES_SMTPS_LISTEN="",
            OPENSES_SMTP_TRUSTED_NETWORKS="127.0.0.1/32",
            OPENSES_SMTP_TRUSTED_ACCESS_KEY="test",
            OPENSES_SMTP_MAX_MESSAGES_PER_CONNECTION="1000000000",
        )  # fmt: skip
        harness.wait_for_port(self.port)
        sesv2 = harness.boto3_client("sesv2", self.http_port)
        sesv2.create_email_identity(EmailIdentity=harness.SENDER_DOMAIN)
        self.certificate = root / "smtp-tls" / "cert.pem"

    def queued(self) -> int:
        with sqlite3.connect(self.data_dir / "openses.db") as db:
            count: int = db.execute("SELECT count(*) FROM messages").fetchone()[0]
        return count


def smtp_source(port: int, messages: int, message_file: Path) -> dict[str, Any]:
    """One ``smtp-source`` run: 20 reused sessions, the 5 KB message, one recipient."""
    cpu_before = harness.children_cpu_seconds()
    started = time.perf_counter()
    result = subprocess.run(
        ["smtp-source", "-d", "-s", str(SESSIONS), "-m", str(messages), "-F", str(message_file),
         "-f", SENDER, "-t", RECIPIENT, "-M", "bench.test", f"127.0.0.1:{port}"],
        capture_output=True, text=True, timeout=3600, check=False,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(f"smtp-source failed: {result.stderr.strip()[-500:]}")
    cpu = harness.children_cpu_seconds() - cpu_before
    return {"seconds": seconds, "client_cpu_ms_per_message": 1000 * cpu / messages}


def protocol_round(
    processes: harness.Processes, kind: str, messages: int, message_file: Path
) -> dict[str, Any]:
    port = harness.free_port()
    server = processes.start([str(harness.VENV_BIN / "python"), str(NULL_SERVERS), kind, str(port)])
    harness.wait_for_port(port)
    cpu_before = harness.cpu_seconds(server.pid)
    run = smtp_source(port, messages, message_file)
    cpu = harness.cpu_seconds(server.pid) - cpu_before
    processes.stop(server)
    run.update(msg_per_s=messages / run["seconds"], server_cpu_ms_per_message=1000 * cpu / messages)
    return run


def accept_round(acceptor: Any, messages: int, message_file: Path) -> dict[str, Any]:
    before = acceptor.queued()
    pid = acceptor.process.pid
    cpu_before = harness.cpu_seconds(pid)
    run = smtp_source(acceptor.port, messages, message_file)
    stored = acceptor.queued() - before
    if stored != messages:
        raise RuntimeError(f"{messages} sent, {stored} stored")
    run["msg_per_s"] = messages / run["seconds"]
    if isinstance(acceptor, OpensesAcceptor):  # Postfix's work is spread over short-lived processes
        run["server_cpu_ms_per_message"] = 1000 * (harness.cpu_seconds(pid) - cpu_before) / messages
    return run


def tls_round(ours: OpensesAcceptor, messages: int, message: bytes) -> dict[str, Any]:
    before = ours.queued()
    cpu_before = harness.cpu_seconds(ours.process.pid)
    load = TlsLoad(
        ours.port, str(ours.certificate), "test", smtp_password("test", harness.REGION),
        SENDER, RECIPIENT, message, messages, SESSIONS,
    )  # fmt: skip
    result = run_tls_load(load)
    stored = ours.queued() - before
    if result.refused or stored != messages:
        raise RuntimeError(f"{messages} sent, {result.refused} refused, {stored} stored")
    server_cpu = harness.cpu_seconds(ours.process.pid) - cpu_before
    return {
        "seconds": result.seconds,
        "msg_per_s": messages / result.seconds,
        "server_cpu_ms_per_message": 1000 * server_cpu / messages,
        "client_cpu_ms_per_message": 1000 * result.client_cpu_seconds / messages,
    }


def alternate(pairs: int, contenders: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """``pairs`` rounds after a warm-up; the order flips every round."""
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in contenders}
    names = list(contenders)
    for round_number in range(pairs + 1):
        for name in names if round_number % 2 else reversed(names):
            run = contenders[name]()
            print(f"  {'warm-up' if round_number == 0 else f'round {round_number}'} {name}: "
                  f"{run['msg_per_s']:.0f} msg/s")  # fmt: skip
            if round_number:
                runs[name].append(run)
    return runs


def summary(runs: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name, measured in runs.items():
        result[name] = {
            key: harness.spread([run[key] for run in measured])
            for key in measured[0]
            if key != "seconds"
        }
    return result


def measure(args: argparse.Namespace, work: Path, processes: harness.Processes) -> dict[str, Any]:
    work.chmod(0o755)  # Postfix's own user must reach its queue inside
    message = harness.five_kilobyte_message(1, RECIPIENT)
    message_file = work / "message.eml"
    message_file.write_bytes(message.replace(b"\r\n", b"\n"))  # smtp-source adds the CRs
    print("1. protocol layer (null servers)")
    layer = alternate(args.pairs, {
        kind: lambda kind=kind: protocol_round(processes, kind, args.core_messages, message_file)
        for kind in ("openses", "aiosmtpd")
    })  # fmt: skip
    ours = OpensesAcceptor(processes, work / "openses")
    postfix = PostfixAcceptor(processes, work / "postfix")
    try:
        print("2. durable accept, plaintext, smtp-source")
        accept = alternate(args.pairs, {
            "openses": lambda: accept_round(ours, args.messages, message_file),
            "postfix": lambda: accept_round(postfix, args.messages, message_file),
        })  # fmt: skip
        print("3. openses with STARTTLS + AUTH PLAIN")
        tls = alternate(args.pairs, {"openses": lambda: tls_round(ours, args.messages, message)})
    finally:
        postfix.stop()
    rates = (
        [run["msg_per_s"] for run in accept["openses"]],
        [run["msg_per_s"] for run in accept["postfix"]],
    )
    return {
        "settings": vars(args) | {"sessions": SESSIONS, "message_bytes": len(message)},
        "machine": harness.machine(),
        "protocol_layer": {"summary": summary(layer), "runs": layer},
        "durable_accept_plaintext": {
            "summary": summary(accept)
            | {"ratio_openses_to_postfix": harness.paired_ratios(*rates)},
            "runs": accept,
        },
        "openses_starttls_auth": {"summary": summary(tls), "runs": tls},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=3000, help="per durable-accept run")
    parser.add_argument("--core-messages", type=int, default=20000, help="per protocol run")
    parser.add_argument("--pairs", type=int, default=3)
    args = parser.parse_args()
    if not shutil.which("smtp-source") or not shutil.which("postfix"):
        raise SystemExit("needs Debian's postfix package (smtp-source, postfix)")
    with tempfile.TemporaryDirectory(prefix="smtp-accept-") as directory, harness.Processes() as p:
        report = measure(args, Path(directory), p)
    harness.write_results("smtp_accept", report)


if __name__ == "__main__":
    main()
