"""What the sending benchmarks share: processes, pre-signed requests, statistics, profiles.

Every process a benchmark starts goes through ``Processes``, which stops each one by its
PID when the benchmark ends, also on an error or Ctrl-C: no server is left running.
Requests are signed with botocore's ``SigV4Auth`` ahead of the load and replayed as raw
HTTP/1.1 bytes, so the load generator spends no CPU on boto3 (about 3 ms per call).
"""

from __future__ import annotations

import base64
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import time
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import FrameType
from typing import Any

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

BENCH = Path(__file__).resolve().parent
RESULTS = BENCH / "results"
VENV_BIN = BENCH.parent / ".venv" / "bin"
REGION = "us-east-1"
DEV_ACCOUNT = "000000000000"
CREDENTIALS = Credentials("test", "test")
SENDER_DOMAIN = "example.com"
MESSAGE_BYTES = 5120


# --- processes ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _raise_keyboard_interrupt(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


class Processes:
    """Starts processes and stops every one of them, by PID, when the block ends."""

    def __init__(self) -> None:
        self._started: list[subprocess.Popen[bytes]] = []

    def __enter__(self) -> Processes:
        # SIGTERM (e.g. `timeout`) unwinds like Ctrl-C, so the cleanup below still runs.
        signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
        return self

    def __exit__(self, *_exc: object) -> None:
        for process in reversed(self._started):
            self.stop(process)

    def start(self, command: Sequence[str], **options: Any) -> subprocess.Popen[bytes]:
        options.setdefault("stdout", subprocess.DEVNULL)
        options.setdefault("stderr", subprocess.DEVNULL)
        process = subprocess.Popen(list(command), **options)
        self._started.append(process)
        return process

    def stop(self, process: subprocess.Popen[bytes], grace: float = 10.0) -> None:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        if process in self._started:
            self._started.remove(process)


def wait_for_http(url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"nothing answered at {url}") from None
            time.sleep(0.1)


def wait_for_port(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"nothing listens on port {port}") from None
            time.sleep(0.05)


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a running process (all its threads), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children_cpu_seconds() -> float:
    """CPU of the children this process has waited for (the load generators)."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def openses_environment(data_dir: Path, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "OPENSES_"))}
    env.update(OPENSES_DATA_DIR=str(data_dir), OPENSES_LOG_LEVEL="warning", **settings)
    return env


def start_openses(
    processes: Processes, data_dir: Path, port: int, **settings: str
) -> subprocess.Popen[bytes]:
    """A dev-mode openses with the quotas raised, so the load is never throttled."""
    env = openses_environment(data_dir, **settings)
    server = processes.start(
        [str(VENV_BIN / "openses"), "serve", "--dev", "--listen", f"127.0.0.1:{port}"], env=env
    )
    wait_for_http(f"http://127.0.0.1:{port}/_openses/health")
    # The dev account exists once the server has started; quotas are read per request.
    subprocess.run(
        [str(VENV_BIN / "openses"), "account", "update", DEV_ACCOUNT,
         "--max-send-rate", "100000", "--max-24-hour-send", "100000000"],
        env=env, check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    quota = boto3_client("sesv2", port).get_account()["SendQuota"]
    if quota["MaxSendRate"] < 100000:
        raise RuntimeError(f"the send quota was not raised: {quota}")
    return server


def boto3_client(service: str, port: int) -> Any:
    import boto3

    return boto3.client(
        service,
        endpoint_url=f"http://127.0.0.1:{port}",
        region_name=REGION,
        aws_access_key_id=CREDENTIALS.access_key,
        aws_secret_access_key=CREDENTIALS.secret_key,
    )


# --- messages and pre-signed requests ---------------------------------------------------


def five_kilobyte_message(serial: int, recipient: str) -> bytes:
    head = (
        f"From: Bench Sender <sender@{SENDER_DOMAIN}>\r\nTo: {recipient}\r\n"
        f"Subject: Your monthly statement {serial} is ready\r\n"
        "Date: Tue, 02 Jan 2024 10:00:00 +0000\r\nMIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\n"
    ).encode()
    return head + body_text(MESSAGE_BYTES - len(head)).encode()


def body_text(size: int) -> str:
    line = "The quick brown fox jumps over the lazy dog; all work and no play.\r\n"
    text = line * (size // len(line) + 1)
    return text[: size - 2] + "\r\n"


def _signed(port: int, method: str, path: str, body: bytes, content_type: str) -> bytes:
    host = f"127.0.0.1:{port}"
    request = AWSRequest(
        method=method,
        url=f"http://{host}{path}",
        data=body,
        headers={"Host": host, "Content-Type": content_type},
    )
    SigV4Auth(CREDENTIALS, "ses", REGION).add_auth(request)
    lines = [f"{method} {path} HTTP/1.1"]
    lines += [f"{name}: {value}" for name, value in request.headers.items()]
    lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def signed_send_raw_email(port: int, serial: int, recipient: str) -> bytes:
    """SES v1 SendRawEmail (query protocol) of a 5 KB message, signed for the port."""
    raw = base64.b64encode(five_kilobyte_message(serial, recipient)).decode()
    form = {"Action": "SendRawEmail", "Version": "2010-12-01", "RawMessage.Data": raw}
    body = urllib.parse.urlencode(form).encode()
    return _signed(port, "POST", "/", body, "application/x-www-form-urlencoded; charset=utf-8")


def signed_send_email_v2(port: int, serial: int, recipient: str) -> bytes:
    """SES v2 SendEmail with Simple content (a 5 KB text body), signed for the port."""
    document = {
        "FromEmailAddress": f"sender@{SENDER_DOMAIN}",
        "Destination": {"ToAddresses": [recipient]},
        "Content": {
            "Simple": {
                "Subject": {"Data": f"Your monthly statement {serial} is ready"},
                "Body": {"Text": {"Data": body_text(MESSAGE_BYTES - 400)}},
            }
        },
    }
    body = json.dumps(document).encode()
    return _signed(port, "POST", "/v2/email/outbound-emails", body, "application/json")


SIGNERS = {"v1-SendRawEmail": signed_send_raw_email, "v2-SendEmail": signed_send_email_v2}


# --- statistics and reports ------------------------------------------------------------


def spread(values: Sequence[float]) -> dict[str, float]:
    return {
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
    }


def paired_ratios(ours: Sequence[float], peer: Sequence[float]) -> dict[str, Any]:
    ratios = [a / b for a, b in zip(ours, peer, strict=True) if b]
    return {"median": statistics.median(ratios) if ratios else None, "all": ratios}


def machine() -> dict[str, Any]:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "unknown",
    )
    return {
        "nproc": os.cpu_count(),
        "cpu_model": model,
        "python": platform.python_version(),
        "kernel": platform.release(),
        "load_average": os.getloadavg(),
    }


def write_results(name: str, report: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(report, indent=2) + "\n")
    print(f"written to {path}")
    return path


# --- profiles -------------------------------------------------------------------------

# Where a sample's time goes, judged by the deepest frame that belongs to a component.
# Order matters only between patterns that could match the same frame.
COMPONENTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("DKIM signing (openses.mail.dkim*, cryptography)", ("openses/mail/dkim", "cryptography/")),
    ("SigV4 verification (openses.protocol.sigv4*)", ("openses/protocol/sigv4",)),
    ("wire protocol: query/XML, JSON, validation", ("openses/protocol/",)),
    ("SQLite driver thread (aiosqlite, sqlite3: execute, commit, fsync)", ("aiosqlite/",)),
    ("SQLAlchemy Core (compile, execute, rows)", ("sqlalchemy/",)),
    ("SMTP client (aiosmtplib, openses.mail.smtp*/transports)",
     ("aiosmtplib/", "openses/mail/smtp", "openses/mail/transports", "openses/mail/session")),
    ("MIME parse/compose (openses.mail, stdlib email)", ("openses/mail/", "/email/")),
    ("delivery worker and queue (openses.queue, services.delivery)",
     ("openses/queue/", "openses/services/delivery", "repositories/deliveries")),
    ("other openses code (api, services, storage)", ("openses/",)),
    ("HTTP server (uvicorn, httptools)", ("uvicorn/", "httptools")),
    ("event loop, threads, other", ("",)),
)  # fmt: skip


def _frames(stack: str) -> list[str]:
    return [frame for frame in stack.split(";") if frame]


def component_of(frames: Sequence[str]) -> str:
    for frame in reversed(frames):
        for name, patterns in COMPONENTS[:-1]:
            if any(pattern in frame for pattern in patterns):
                return name
    return COMPONENTS[-1][0]


def read_collapsed(path: Path) -> Iterator[tuple[list[str], int]]:
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            yield _frames(stack), int(count)


def profile_breakdown(path: Path, markers: Sequence[str]) -> dict[str, Any]:
    """Self time by component, and inclusive time under each marker frame, in %."""
    by_component: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for frames, count in read_collapsed(path):
        total += count
        by_component[component_of(frames)] += count
        joined = ";".join(frames)
        for marker in markers:
            if marker in joined:
                inclusive[marker] += count
    if not total:
        return {"samples": 0}
    return {
        "samples": total,
        "self_by_component_percent": {
            name: round(100 * count / total, 1) for name, count in by_component.most_common()
        },
        "inclusive_percent": {m: round(100 * inclusive[m] / total, 1) for m in markers},
    }


def print_breakdown(breakdown: dict[str, Any]) -> None:
    print(f"  {breakdown.get('samples', 0)} samples")
    for name, percent in breakdown.get("thread_states_percent", {}).items():
        print(f"    {percent:5.1f} %  {name}")
    for name, percent in breakdown.get("self_by_component_percent", {}).items():
        print(f"    {percent:5.1f} %  {name}")
    if "inclusive_percent" in breakdown:
        print("  inclusive:")
    for name, percent in breakdown.get("inclusive_percent", {}).items():
        print(f"    {percent:5.1f} %  {name}")


def profiled_run(
    pid: int, collapsed: Path, mode: str, seconds: int, load: Callable[[], dict[str, Any]]
) -> dict[str, Any]:
    """Runs ``load`` while py-spy records the process (``mode``: "gil" or "native")."""
    collapsed.parent.mkdir(parents=True, exist_ok=True)
    # Native unwinding of every thread pauses the process for long: sample it less often.
    rate = "200" if mode == "gil" else "10"
    command = [
        str(VENV_BIN / "py-spy"),
        "record",
        "--pid",
        str(pid),
        "--rate",
        rate,
        "--duration",
        str(seconds),
        "--format",
        "raw",
        "--output",
        str(collapsed),
    ]
    command += ["--gil"] if mode == "gil" else ["--native", "--threads", "--idle"]  # fmt: skip
    spy = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(0.5)  # py-spy attaches before the load starts
        run = load()
        spy.wait(timeout=seconds + 60)
    finally:
        if spy.poll() is None:
            spy.terminate()
            spy.wait(timeout=10)
    return run


# Thread states in a native all-threads profile, judged by the frames of each sample.
WAIT_STATES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("SQLite busy handler: sleeping for the write lock", ("sqlite3InvokeBusyHandler",)),
    ("fsync/fdatasync (durable commit)", ("fdatasync", "fsync")),
    ("waiting for the GIL", ("take_gil",)),
    ("idle: driver threads waiting for work", ("_queue_SimpleQueue_get", "_worker (concurrent")),
    ("idle: event loop waiting for I/O", ("epoll_pwait", "epoll_wait")),
    ("SQLite executing (C)", ("sqlite3_step", "_pysqlite_query_execute", "pysqlite_connection")),
)


def wait_breakdown(path: Path) -> dict[str, Any]:
    """Share of all threads' samples (wall time) in each state, in %."""
    states: Counter[str] = Counter()
    total = 0
    for frames, count in read_collapsed(path):
        total += count
        joined = ";".join(frames)
        state = next(
            (name for name, marks in WAIT_STATES if any(mark in joined for mark in marks)),
            "running other code (Python and C)",
        )
        states[state] += count
    if not total:
        return {"samples": 0}
    shares = {name: round(100 * count / total, 1) for name, count in states.most_common()}
    return {"samples": total, "thread_states_percent": shares}


# master.cf of the private Postfix instances the benchmarks run as peers: smtpd on
# 127.0.0.1:{port} and the daemons a queue needs, nothing else.
POSTFIX_MASTER_CF = """\
127.0.0.1:{port} inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
"""
