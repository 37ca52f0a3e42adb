"""``openses serve`` prints where and how to send over SMTP; a stock client does just that.

The issue's "done when": swaks, configured only with the host, port, certificate and
credentials the banner prints, sends with STARTTLS and AUTH, and the mail arrives
DKIM-signed at a loopback MX.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest

from tests.fixtures.dns_server import DnsServer
from tests.fixtures.smtp_sink import SmtpSink
from tests.smtp.conftest import DOMAIN, RECIPIENT_DOMAIN
from tests.smtp.delivery_checks import delivered, dkim_verifies

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Serving:
    process: subprocess.Popen[str]
    banner: str
    endpoint: str
    data_dir: Path

    def field(self, pattern: str) -> re.Match[str]:
        match = re.search(pattern, self.banner)
        assert match is not None, self.banner
        return match


def serve(data_dir: Path, *args: str, **settings: str) -> Serving:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "OPENSES_"))}
    env.update(
        OPENSES_DATA_DIR=str(data_dir),
        OPENSES_SMTP_LISTEN="127.0.0.1:0",
        OPENSES_SMTPS_LISTEN="127.0.0.1:0",
        OPENSES_LOG_LEVEL="warning",
        **settings,
    )
    process = subprocess.Popen(
        [str(BIN / "openses"), "serve", "--listen", f"127.0.0.1:{port}", *args],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    assert process.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not any("Credentials:" in line for line in lines):
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
    return Serving(process, "".join(lines), f"http://127.0.0.1:{port}", data_dir)


def stop(serving: Serving) -> None:
    serving.process.send_signal(signal.SIGTERM)
    try:
        serving.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        serving.process.kill()
        serving.process.wait()
        pytest.fail("openses serve did not stop on SIGTERM")


@pytest.fixture
def dev_serve(tmp_path: Path, smtp_mx: SmtpSink, smtp_dns: DnsServer) -> Iterator[Serving]:
    serving = serve(
        tmp_path,
        "--dev",
        OPENSES_DELIVERY="mx",
        OPENSES_MX_PORT=str(smtp_mx.port),
        OPENSES_DNS_SERVERS=",".join(f"{host}:{port}" for host, port in smtp_dns.nameservers),
    )
    yield serving
    stop(serving)


def dkim_record_from_database(data_dir: Path, domain: str) -> dict[bytes, bytes]:
    from openses.mail.dkim_keys import load_private_key, public_key_txt

    with sqlite3.connect(data_dir / "openses.db") as db:
        selector, pem = db.execute(
            "SELECT selector, private_key FROM dkim_keys WHERE domain = ?", (domain,)
        ).fetchone()
    record = public_key_txt(load_private_key(pem)).encode()
    return {f"{selector}._domainkey.{domain}.".encode(): record}


def test_a_stock_client_sends_with_what_the_banner_prints(
    dev_serve: Serving, smtp_mx: SmtpSink
) -> None:
    endpoint = dev_serve.field(r"SMTP endpoint: (\S+) port (\d+) \(STARTTLS\)")
    host, port = endpoint.group(1), endpoint.group(2)
    certificate = dev_serve.field(r"SMTP TLS: +self-signed certificate (\S+)").group(1)
    login = dev_serve.field(r"SMTP login: +user (\S+) password (\S+)")
    assert re.search(r"^ +\S+ port \d+ \(TLS\)$", dev_serve.banner, re.MULTILINE)
    boto3.client(
        "sesv2", endpoint_url=dev_serve.endpoint, region_name="us-east-1",
        aws_access_key_id="test", aws_secret_access_key="test",
    ).create_email_identity(EmailIdentity=DOMAIN)  # fmt: skip
    result = subprocess.run(
        [
            "swaks", "--server", f"{host}:{port}", "--tls", "--tls-verify",
            "--tls-ca-path", certificate, "--tls-sni", "localhost",
            "--auth", "PLAIN", "--auth-user", login.group(1), "--auth-password", login.group(2),
            "--from", f"banner@{DOMAIN}", "--to", f"reader@{RECIPIENT_DOMAIN}",
            "--header", "Subject: configured from the banner",
        ],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    message_id = re.search(r"<~  250 Ok (\S+)", result.stdout)
    assert message_id is not None, result.stdout
    received = delivered(smtp_mx, message_id.group(1))
    assert dkim_verifies(received.content, dkim_record_from_database(dev_serve.data_dir, DOMAIN))
    # The CLI prints the same credentials again on request.
    credentials = subprocess.run(
        [str(BIN / "openses"), "account", "smtp-credentials", login.group(1)],
        env={**os.environ, "OPENSES_DATA_DIR": str(dev_serve.data_dir)},
        capture_output=True, text=True, timeout=60, check=True,
    ).stdout  # fmt: skip
    assert f"SmtpPassword: {login.group(2)}" in credentials


def test_without_a_certificate_a_production_server_keeps_smtp_off(tmp_path: Path) -> None:
    serving = serve(tmp_path)
    try:
        assert "SMTP endpoint: SMTP is off: TLS is mandatory" in serving.banner
    finally:
        stop(serving)
