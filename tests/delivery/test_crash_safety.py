"""Accepted means durable: SIGKILL the server during a load, restart it, lose nothing."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from tests.fixtures.dns_server import DnsServer
from tests.fixtures.smtp_sink import SinkScript, SmtpSink

BIN = Path(sys.executable).parent
TOTAL = 2000
KILL_AFTER = 700
_MESSAGE_ID = re.compile(rb"Message-ID: <([0-9a-f-]+)@", re.IGNORECASE)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Server:
    def __init__(self, data_dir: Path, sink: SmtpSink, dns: DnsServer, port: int) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "OPENSES_"))}
        env.update(
            OPENSES_DATA_DIR=str(data_dir),
            OPENSES_DELIVERY="mx",
            OPENSES_MX_PORT=str(sink.port),
            OPENSES_DNS_SERVERS=",".join(f"{h}:{p}" for h, p in dns.nameservers),
            OPENSES_LOG_LEVEL="warning",
        )
        self.endpoint = f"http://127.0.0.1:{port}"
        self.process = subprocess.Popen(
            [str(BIN / "openses"), "serve", "--dev", "--listen", f"127.0.0.1:{port}"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{self.endpoint}/_openses/health", timeout=2).close()
                return
            except OSError:
                time.sleep(0.1)
        self.kill()
        raise RuntimeError("openses serve did not start")

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def mx_and_dns() -> Iterator[tuple[SmtpSink, DnsServer]]:
    with SmtpSink(SinkScript()) as sink, DnsServer() as dns:
        dns.add_mx("crash.test", "mx.crash.test")
        dns.add_host("mx.crash.test", "127.0.0.1")
        yield sink, dns


def test_sigkill_during_load_loses_no_accepted_message(
    tmp_path: Path, mx_and_dns: tuple[SmtpSink, DnsServer]
) -> None:
    sink, dns = mx_and_dns
    port = _free_port()
    server = Server(tmp_path, sink, dns, port)
    accepted: list[str] = []
    lock = threading.Lock()
    killed = threading.Event()

    def client() -> object:
        return boto3.client(
            "sesv2",
            endpoint_url=server.endpoint,
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
            config=Config(retries={"max_attempts": 1}, connect_timeout=2, read_timeout=10),
        )

    client().create_email_identity(EmailIdentity="sender.test")  # type: ignore[attr-defined]
    body = "x" * 5000

    def load(worker: int) -> None:
        sesv2 = client()
        for i in range(worker, TOTAL, 8):
            if killed.is_set():
                return
            try:
                response = sesv2.send_email(  # type: ignore[attr-defined]
                    FromEmailAddress="load@sender.test",
                    Destination={"ToAddresses": [f"r{i}@crash.test"]},
                    Content={
                        "Simple": {"Subject": {"Data": f"m{i}"}, "Body": {"Text": {"Data": body}}}
                    },
                )
            except (ClientError, BotoCoreError):
                continue  # no 200, no promise: the kill can cut any request
            with lock:
                accepted.append(response["MessageId"])
                if len(accepted) >= KILL_AFTER and not killed.is_set():
                    killed.set()
                    server.kill()

    threads = [threading.Thread(target=load, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    server.kill()
    assert len(accepted) >= KILL_AFTER

    restarted = Server(tmp_path, sink, dns, port)
    try:

        def delivered_ids(current: SmtpSink) -> set[str]:
            found = set()
            for message in current.accepted_messages:
                match = _MESSAGE_ID.search(message.content)
                if match:
                    found.add(match.group(1).decode())
            return found

        sink.wait_until(lambda s: set(accepted) <= delivered_ids(s), timeout=240)
        delivered = delivered_ids(sink)
        assert set(accepted) - delivered == set()
        # Duplicates only for deliveries in flight at the kill: a small number.
        copies = len(sink.accepted_messages) - len(delivered)
        assert copies <= 100, copies
    finally:
        restarted.stop()
