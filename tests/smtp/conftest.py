"""A real openses (dev mode) with its SMTP listeners, delivering to a loopback MX.

The MX is found through a real DNS server on loopback, as in the delivery tests;
every message the SMTP tests submit can be checked where it lands.
"""

from __future__ import annotations

import dataclasses
import ssl
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from openses.app import Application
from openses.servers.smtp_submission import SmtpStart
from tests.conftest import make_settings
from tests.fixtures.dns_server import DnsServer
from tests.fixtures.server import RunningServer
from tests.fixtures.smtp_sink import SinkScript, SmtpSink
from tests.smtp.smtp_helpers import (
    BARE_LIMITS,
    BareListener,
    client_tls_context,
    ses_smtp_password,
)

DOMAIN = "example.com"
RECIPIENT_DOMAIN = "receiver.test"
IDLE_TIMEOUT = 3.0


@dataclass
class SmtpTarget:
    """Where and how the tests reach openses over SMTP."""

    server: RunningServer
    mx: SmtpSink
    host: str
    starttls_port: int
    tls_port: int
    certificate: Path
    username: str = "test"
    password: str = ses_smtp_password("test", "us-east-1")

    def tls_context(self) -> ssl.SSLContext:
        return client_tls_context(self.certificate)


@pytest.fixture(scope="package")
def smtp_mx() -> Iterator[SmtpSink]:
    with SmtpSink(SinkScript()) as sink:
        yield sink


@pytest.fixture(scope="package")
def smtp_dns(smtp_mx: SmtpSink) -> Iterator[DnsServer]:
    with DnsServer() as dns:
        dns.add_mx(RECIPIENT_DOMAIN, f"mx.{RECIPIENT_DOMAIN}")
        dns.add_host(f"mx.{RECIPIENT_DOMAIN}", "127.0.0.1")
        yield dns


@pytest.fixture(scope="package")
def smtp_server(
    tmp_path_factory: pytest.TempPathFactory, smtp_mx: SmtpSink, smtp_dns: DnsServer
) -> Iterator[SmtpTarget]:
    settings = make_settings(tmp_path_factory.mktemp("smtp"), dev=True)
    smtp = dataclasses.replace(
        settings.smtp,
        listen=("127.0.0.1", 0),
        tls_listen=("127.0.0.1", 0),
        idle_timeout=IDLE_TIMEOUT,
        max_connections_per_client=30,
    )
    settings = settings.with_overrides(
        smtp=smtp,
        delivery="mx",
        mx_port=smtp_mx.port,
        dns_servers=tuple(smtp_dns.nameservers),
        hostname="openses.test",
    )
    server = RunningServer(settings).start()

    async def start(application: Application) -> SmtpStart:
        return await application.start_smtp()

    started = server.call(start)
    assert started.server is not None
    assert started.certificate is not None
    ports = {endpoint.tls: endpoint.port for endpoint in started.server.endpoints}
    yield SmtpTarget(
        server, smtp_mx, "127.0.0.1", ports["STARTTLS"], ports["TLS"], started.certificate
    )
    server.stop()


@pytest.fixture
def smtp(smtp_server: SmtpTarget) -> SmtpTarget:
    """The server with all state wiped and ``example.com`` verified (dev mode verifies at once)."""
    request = urllib.request.Request(f"{smtp_server.server.endpoint}/_openses/reset", method="POST")
    urllib.request.urlopen(request, timeout=30).close()
    smtp_server.mx.script.rcpt_replies.clear()
    smtp_server.server.client("sesv2").create_email_identity(EmailIdentity=DOMAIN)
    return smtp_server


@pytest.fixture
def listener(tmp_path: Path) -> Iterator[BareListener]:
    """The SMTP session alone, with a recording backend (see ``smtp_helpers``)."""
    running = BareListener(BARE_LIMITS).start(tmp_path)
    yield running
    running.stop()
