"""A production-mode openses that mails verification links to a real SMTP sink.

openses delivers by MX: a real DNS server on loopback names the sink as the MX of
``receiver.test``; the server's clock is a ``ShiftableClock`` so a test can jump 24
hours ahead (and back, so that SigV4 signatures stay within their clock window).
Links are followed with a real HTTP client that does not follow redirects, so a
test sees the 302s themselves.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import email
import email.policy
import re
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from botocore.exceptions import ClientError

from openses.app import Application
from tests.conftest import make_settings
from tests.fixtures.dns_server import DnsServer
from tests.fixtures.server import RunningServer
from tests.fixtures.smtp_sink import SinkScript, SmtpSink
from tests.fixtures.smtp_sink_server import ReceivedMessage

RECEIVER = "receiver.test"
HOSTNAME = "openses.test"
_LINK = re.compile(r"https?://[^\s\"'<>]+/_openses/verify-email\?token=[A-Za-z0-9_.%-]+")


class ShiftableClock:
    """System time plus an offset a test may change while the server runs."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._offset = dt.timedelta()

    def now(self) -> dt.datetime:
        with self._lock:
            return dt.datetime.now(dt.UTC) + self._offset

    def shift(self, offset: dt.timedelta) -> None:
        with self._lock:
            self._offset = offset


@dataclass
class VerificationEnv:
    server: RunningServer
    sink: SmtpSink
    clock: ShiftableClock

    def new_account(self, name: str, *, sandbox: bool = False) -> tuple[Any, Any]:
        """A new account's v1 and v2 clients."""

        async def create(application: Application) -> tuple[str, str]:
            _account, key = await application.services.accounts.create_account(
                name, sandbox=sandbox
            )
            return key.access_key_id, key.secret_access_key

        key_id, secret = self.server.call(create)
        return (
            self.server.client("ses", access_key_id=key_id, secret_access_key=secret),
            self.server.client("sesv2", access_key_id=key_id, secret_access_key=secret),
        )

    def mails_to(self, address: str) -> list[ReceivedMessage]:
        return [m for m in self.sink.messages if address in m.rcpt_tos]

    def wait_for_mails(self, address: str, count: int = 1) -> list[ReceivedMessage]:
        self.sink.wait_until(lambda sink: len(self.mails_to(address)) >= count, timeout=20)
        return self.mails_to(address)

    def link_in(self, message: ReceivedMessage) -> str:
        parsed = email.message_from_bytes(message.content, policy=email.policy.default)
        body = parsed.get_body(preferencelist=("plain", "html"))
        assert body is not None
        found = _LINK.findall(body.get_content().replace("&amp;", "&"))
        assert found, "no verification link in the mail"
        return str(found[0])

    def verify_by_link(self, ses: Any, address: str) -> None:
        """Verify ``address`` as a person would: ask, read the mail, open the link."""
        before = len(self.mails_to(address))
        ses.verify_email_identity(EmailAddress=address)
        mail = self.wait_for_mails(address, before + 1)[-1]
        assert open_link(self.link_in(mail)).status == 200


@dataclass(frozen=True)
class Page:
    status: int
    headers: dict[str, str]
    body: str


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def open_link(url: str, *, method: str = "GET") -> Page:
    opener = urllib.request.build_opener(_NoRedirects)
    request = urllib.request.Request(url, method=method)
    try:
        with opener.open(request, timeout=30) as response:
            return Page(
                response.status,
                {k.lower(): v for k, v in response.headers.items()},
                response.read().decode("utf-8"),
            )
    except urllib.error.HTTPError as error:
        return Page(
            error.code,
            {k.lower(): v for k, v in error.headers.items()},
            error.read().decode("utf-8"),
        )


def aws_error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str, int]:
    response: Any = exc.value.response
    return (
        response["Error"]["Code"],
        response["Error"]["Message"],
        response["ResponseMetadata"]["HTTPStatusCode"],
    )


@contextlib.contextmanager
def running_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VerificationEnv]:
    """Sink, DNS and server for one test module (its ``env`` fixture enters this)."""
    with SmtpSink(SinkScript()) as sink, DnsServer() as dns:
        dns.add_mx(RECEIVER, f"mx.{RECEIVER}")
        dns.add_host(f"mx.{RECEIVER}", "127.0.0.1")
        settings = make_settings(tmp_path_factory.mktemp("verify"), dev=False).with_overrides(
            delivery="mx",
            mx_port=sink.port,
            dns_servers=tuple(dns.nameservers),
            hostname=HOSTNAME,
        )
        server = RunningServer(settings)
        # The links must point at this server's real port, known only once it is bound.
        server.settings = server.settings.with_overrides(
            identities=dataclasses.replace(server.settings.identities, public_url=server.endpoint)
        )
        clock = ShiftableClock()
        server.application = Application(server.settings, clock=clock)
        server.start()
        try:
            yield VerificationEnv(server, sink, clock)
        finally:
            clock.shift(dt.timedelta())
            server.stop()
