"""What the SMTP tests share: independent credentials, a raw-socket client, a bare listener.

* ``ses_smtp_password`` derives the SMTP password from the Developer Guide's
  algorithm, written here again from the text (not imported from openses), and is
  itself checked against the digest's test vectors.
* ``RawSmtp`` speaks SMTP over a plain socket, byte for byte, for the tests where
  a real client would be too polite (smuggling, injection, limits).
* ``BareListener`` serves ``SubmissionSession`` with a recording backend on its own
  loop in a thread: the protocol alone, no database, with any limits a test wants.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import socket
import ssl
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from openses.servers.smtp_auth import Principal
from openses.servers.smtp_commands import SubmissionSession
from openses.servers.smtp_connection import (
    ConnectionRegistry,
    Envelope,
    ListenerContext,
    SessionLimits,
)
from tests.fixtures.tls_certs import self_signed_certificate, self_signed_server_context


def ses_smtp_password(secret_access_key: str, region: str) -> str:
    """Developer Guide, "Obtaining Amazon SES SMTP credentials": HMAC-SHA256 chain, v4."""

    def sign(key: bytes, message: str) -> bytes:
        return hmac.new(key, message.encode("utf-8"), hashlib.sha256).digest()

    signature = sign(("AWS4" + secret_access_key).encode("utf-8"), "11111111")
    for part in (region, "ses", "aws4_request", "SendRawEmail"):
        signature = sign(signature, part)
    return base64.b64encode(bytes([0x04]) + signature).decode("utf-8")


def client_tls_context(cafile: Path | None = None) -> ssl.SSLContext:
    """A verifying client context trusting ``cafile`` (the server's self-signed cert)."""
    context = ssl.create_default_context(cafile=str(cafile) if cafile else None)
    if cafile is None:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


class RawSmtp:
    """A line-level SMTP client on a socket; every byte sent is exactly what the test says."""

    def __init__(
        self,
        port: int,
        *,
        host: str = "127.0.0.1",
        implicit_tls: ssl.SSLContext | None = None,
        source: str | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.sock: socket.socket = socket.create_connection(
            (host, port), timeout=timeout, source_address=(source, 0) if source else None
        )
        if implicit_tls is not None:
            self.sock = implicit_tls.wrap_socket(self.sock, server_hostname=host)
        self._pending = b""

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def command(self, line: str) -> str:
        self.send(line.encode("ascii") + b"\r\n")
        return self.reply()

    def reply(self) -> str:
        """One whole reply (all its lines), as text with CRLFs; "" if the server closed."""
        lines: list[bytes] = []
        while True:
            line = self._line()
            if line is None:
                return b"".join(lines).decode("ascii", "replace")
            lines.append(line)
            if len(line) < 4 or line[3:4] != b"-":
                return b"".join(lines).decode("ascii", "replace")

    def _line(self) -> bytes | None:
        while b"\n" not in self._pending:
            chunk = self.sock.recv(65536)
            if not chunk:
                return None
            self._pending += chunk
        line, _, self._pending = self._pending.partition(b"\n")
        return line + b"\n"

    def read_until_closed(self, timeout: float = 10.0) -> bytes:
        """Everything the server still says, until it closes (or ``timeout``)."""
        self.sock.settimeout(timeout)
        received, self._pending = self._pending, b""
        try:
            while chunk := self.sock.recv(65536):
                received += chunk
        except (TimeoutError, ConnectionResetError, ssl.SSLError):
            pass
        return received

    def starttls(self, context: ssl.SSLContext, host: str = "127.0.0.1") -> None:
        assert not self._pending, "the server said more than the 220"
        self.sock = context.wrap_socket(self.sock, server_hostname=host)

    def ehlo_starttls_auth(self, username: str, password: str, context: ssl.SSLContext) -> None:
        assert self.reply().startswith("220")
        assert self.command("EHLO client.test").startswith("250")
        assert self.command("STARTTLS").startswith("220")
        self.starttls(context)
        assert self.command("EHLO client.test").startswith("250")
        credentials = base64.b64encode(f"\0{username}\0{password}".encode()).decode()
        assert self.command(f"AUTH PLAIN {credentials}").startswith("235")

    def close(self) -> None:
        self.sock.close()

    def __enter__(self) -> RawSmtp:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


PRINCIPAL = Principal("111122223333", "AKIDBARELISTENER0001", "us-east-1")
BARE_PASSWORD = "right password"


@dataclass
class RecordingBackend:
    """Accepts every message (``250 Ok <n>``), remembers it; one user, ``BARE_PASSWORD``."""

    envelopes: list[Envelope] = field(default_factory=list)
    trusted: bool = False
    submit_delay: float = 0.0

    async def authenticate(
        self, username: str | None, password: bytes | None, client_ip: str
    ) -> Principal | None:
        ok = username == PRINCIPAL.access_key_id and password == BARE_PASSWORD.encode()
        return PRINCIPAL if ok else None

    def trusted_principal(self, client_ip: str) -> Principal | None:
        return PRINCIPAL if self.trusted else None

    async def submit(self, principal: Principal, envelope: Envelope, client_ip: str) -> str:
        if self.submit_delay:
            await asyncio.sleep(self.submit_delay)
        self.envelopes.append(envelope)
        return f"250 Ok message-{len(self.envelopes)}"


class BareListener:
    """``SubmissionSession`` on a loopback port, STARTTLS with the tests' self-signed cert."""

    def __init__(
        self,
        limits: SessionLimits | None = None,
        *,
        backend: RecordingBackend | None = None,
        max_connections: int = 100,
        max_per_client: int = 100,
        implicit_tls: bool = False,
    ) -> None:
        self.backend = backend or RecordingBackend()
        self.limits = limits or SessionLimits(max_message_bytes=1024 * 1024)
        self.registry = ConnectionRegistry(max_connections, max_per_client)
        self._implicit_tls = implicit_tls
        self.certificate_file: Path | None = None
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None

    def start(self, certificate_dir: Path) -> BareListener:
        certificate, _key = self_signed_certificate("bare.test")
        self.certificate_file = certificate_dir / "bare-cert.pem"
        self.certificate_file.write_bytes(certificate)
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=10)
        return self

    async def _start(self) -> None:
        tls = self_signed_server_context("bare.test")
        context = ListenerContext("bare.test", self.backend, self.limits, self.registry, tls)
        implicit = tls if self._implicit_tls else None
        self._server = await self._loop.create_server(
            lambda: SubmissionSession(context, implicit_tls=implicit is not None),
            "127.0.0.1",
            0,
            ssl=implicit,
        )
        self.port = self._server.sockets[0].getsockname()[1]

    @property
    def open_connections(self) -> int:
        return len(self.registry)

    def wait_for_connections(self, count: int, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while self.open_connections != count:
            assert time.monotonic() < deadline, f"{self.open_connections} open, not {count}"
            time.sleep(0.02)

    def stop(self) -> None:
        async def close() -> None:
            assert self._server is not None
            self._server.close()
            self.registry.abort_all()

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)


BARE_LIMITS = SessionLimits(max_message_bytes=64 * 1024, idle_timeout=5.0, max_messages=5)
BARE_ENVELOPE = b"MAIL FROM:<a@example.com>\r\nRCPT TO:<b@receiver.test>\r\nDATA\r\n"


def bare_tls(listener: BareListener) -> ssl.SSLContext:
    """A client context that trusts ``listener``'s certificate."""
    return client_tls_context(listener.certificate_file)


def bare_logged_in(listener: BareListener) -> RawSmtp:
    """A raw client through greeting, EHLO, STARTTLS, EHLO and AUTH PLAIN."""
    client = RawSmtp(listener.port)
    client.ehlo_starttls_auth(PRINCIPAL.access_key_id, BARE_PASSWORD, bare_tls(listener))
    return client
