"""The plumbing of one SMTP server connection: bytes in, replies out, timers, TLS upgrade.

A plain ``asyncio.Protocol`` rather than streams: lines are cut out of one buffer
and handled synchronously; only the steps that wait (checking credentials,
accepting a message, the TLS handshake) run as a task, during which input is
buffered and left unread (``busy``). The commands themselves live in the subclass
(``smtp_commands.SubmissionSession``); this class knows framing and limits:

* one command line at a time, at most ``MAX_COMMAND_LINE`` octets, CRLF or LF ended;
* DATA through ``DataCollector``, which ends only at ``<CRLF>.<CRLF>``;
* the idle timer restarts on a *complete* command line (a client trickling one
  byte at a time does not keep a connection) and on any DATA bytes, within a
  deadline for the whole DATA; it never runs out while the server is busy;
* reading pauses when unread input piles up, processing pauses while the client
  does not read our replies (``pause_writing``);
* STARTTLS (RFC 3207 §4.2, CVE-2011-0411, aiosmtpd CVE-2024-34083): after the
  ``220`` nothing already received is kept or read, and reading stops at once,
  so commands pipelined behind STARTTLS in plaintext never get a reply.
"""

from __future__ import annotations

import asyncio
import logging
import math
import ssl
from collections import Counter
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any, Protocol, cast

from openses.servers import smtp_replies as replies
from openses.servers.smtp_auth import Principal, client_key
from openses.servers.smtp_wire import MAX_COMMAND_LINE, DataCollector

logger = logging.getLogger("openses.smtp")

_INBOX_HIGH_WATER = 256 * 1024  # unread bytes held before we stop reading the socket


@dataclass(frozen=True, slots=True)
class Envelope:
    mail_from: str  # "" for the null reverse-path
    recipients: tuple[str, ...]
    data: bytes  # the message: CRLF lines, dot-stuffing removed


class SessionBackend(Protocol):
    """What a session asks of openses: credentials, the trusted networks, sending."""

    async def authenticate(
        self, username: str | None, password: bytes | None, client_ip: str
    ) -> Principal | None: ...

    def trusted_principal(self, client_ip: str) -> Principal | None: ...

    async def submit(self, principal: Principal, envelope: Envelope, client_ip: str) -> str: ...


@dataclass(frozen=True, slots=True)
class SessionLimits:
    max_message_bytes: int
    max_recipients: int = 50  # SES: 50 recipients per message
    idle_timeout: float = 10.0
    data_timeout: float = 300.0
    max_messages: int = 1000
    max_auth_failures: int = 3  # per connection; then it is closed
    max_errors: int = 10  # refused commands per connection; then it is closed


class ConnectionRegistry:
    """Open connections, in all and per client, to refuse more than the limits allow."""

    def __init__(self, max_connections: int, max_per_client: int) -> None:
        self._max = max_connections
        self._max_per_client = max_per_client
        self._connections: dict[SmtpConnection, str] = {}
        self._per_client: Counter[str] = Counter()
        self._empty = asyncio.Event()
        self._empty.set()

    def admit(self, connection: SmtpConnection, client_ip: str) -> bool:
        key = client_key(client_ip)
        if len(self._connections) >= self._max or self._per_client[key] >= self._max_per_client:
            return False
        self._connections[connection] = key
        self._per_client[key] += 1
        self._empty.clear()
        return True

    def release(self, connection: SmtpConnection) -> None:
        key = self._connections.pop(connection, None)
        if key is not None:
            self._per_client[key] -= 1
            if self._per_client[key] <= 0:
                del self._per_client[key]
        if not self._connections:
            self._empty.set()

    async def wait_until_empty(self) -> None:
        await self._empty.wait()

    def __len__(self) -> int:
        return len(self._connections)

    def shut_down_all(self) -> None:
        for connection in list(self._connections):
            connection.shut_down()

    def abort_all(self) -> None:
        for connection in list(self._connections):
            connection.abort()


@dataclass(frozen=True, slots=True)
class ListenerContext:
    """What every connection of one server shares."""

    hostname: str
    backend: SessionBackend
    limits: SessionLimits
    registry: ConnectionRegistry
    starttls_context: ssl.SSLContext | None


class SmtpConnection(asyncio.Protocol):
    """Framing, limits and timers; subclasses implement ``greet``, ``handle_line``, ``end_data``."""

    def __init__(self, context: ListenerContext, *, implicit_tls: bool) -> None:
        self.context = context
        self.limits = context.limits
        self.tls_active = implicit_tls
        self.client_ip = ""
        self._loop = asyncio.get_running_loop()
        self._transport: asyncio.Transport | None = None
        self._inbox = bytearray()
        self._collector: DataCollector | None = None
        self._discarding_line = False
        self._busy = False
        self._closing = False
        self._close_when_idle = False
        self._eof = False
        self._reading_paused = False
        self._writing_paused = False
        self._errors = 0
        self._deadline = math.inf
        self._data_deadline = math.inf
        self._timer: asyncio.TimerHandle | None = None

    # -- asyncio.Protocol -----------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports implement asyncio.Transport without subclassing it.
        self._transport = cast(asyncio.Transport, transport)
        peer = self._transport.get_extra_info("peername")
        self.client_ip = str(peer[0]) if peer else ""
        if not self.context.registry.admit(self, self.client_ip):
            self.reply(replies.TOO_MANY_CONNECTIONS)
            self.close()
            return
        self.touch()
        self._timer = self._loop.call_at(self._deadline, self._on_timer)
        self.greet()

    def connection_lost(self, exc: Exception | None) -> None:
        self._closing = True
        self.context.registry.release(self)
        if self._timer is not None:
            self._timer.cancel()

    def data_received(self, data: bytes) -> None:
        if self._closing:
            return
        self._inbox += data
        self._process()

    def eof_received(self) -> bool:
        # The client will send no more; what it sent before still gets its replies.
        self._eof = True
        self._process()
        return not self._closing

    def pause_writing(self) -> None:
        self._writing_paused = True
        self._flow()

    def resume_writing(self) -> None:
        self._writing_paused = False
        self._process()

    # -- for the commands -------------------------------------------------------

    def greet(self) -> None:
        raise NotImplementedError

    def handle_line(self, line: str) -> None:
        raise NotImplementedError

    def end_data(self, collector: DataCollector) -> None:
        raise NotImplementedError

    def reply(self, text: str) -> None:
        if self._transport is not None and not self._transport.is_closing():
            self._transport.write(text.encode("ascii", "replace") + b"\r\n")

    def reply_lines(self, lines: list[str]) -> None:
        self.reply("\r\n".join(lines))

    def refuse(self, text: str) -> None:
        """A refused command: replied, and counted towards ``max_errors``."""
        self._errors += 1
        self.reply(text)
        if self._errors >= self.limits.max_errors:
            self.reply(replies.TOO_MANY_ERRORS)
            self.close()

    def close(self) -> None:
        self._closing = True
        if self._transport is not None:
            self._transport.close()

    def abort(self) -> None:
        self._closing = True
        if self._transport is not None:
            self._transport.abort()

    def shut_down(self) -> None:
        """Server stopping: idle sessions are told and closed, busy ones after their reply."""
        if self._busy:
            self._close_when_idle = True
        else:
            self.reply(replies.SHUTTING_DOWN)
            self.close()

    def touch(self) -> None:
        self._deadline = self._loop.time() + self.limits.idle_timeout

    def start_data(self, collector: DataCollector) -> None:
        self._collector = collector
        self._data_deadline = self._loop.time() + self.limits.data_timeout

    def run(self, step: Coroutine[Any, Any, None]) -> None:
        """Run a waiting step; input stays unread until it is done."""
        self._busy = True
        self._loop.create_task(self._run(step))

    def start_tls(self) -> None:
        """After the ``220`` to STARTTLS: drop what was pipelined, stop reading, handshake."""
        assert self._transport is not None
        assert self.context.starttls_context is not None
        self._transport.pause_reading()
        self._inbox.clear()
        self.run(self._upgrade(self.context.starttls_context))

    def tls_started(self) -> None:
        """Called once the STARTTLS handshake is done; the session starts over."""

    # -- internals ------------------------------------------------------------------

    async def _run(self, step: Coroutine[Any, Any, None]) -> None:
        try:
            await step
        except Exception:
            logger.exception("SMTP session step failed")
            self.reply(replies.TEMPORARY_FAILURE)
            self.close()
        finally:
            self._busy = False
            self.touch()
        if self._close_when_idle and not self._closing:
            self.reply(replies.SHUTTING_DOWN)
            self.close()
        self._process()

    async def _upgrade(self, context: ssl.SSLContext) -> None:
        assert self._transport is not None
        try:
            transport = await self._loop.start_tls(
                self._transport,
                self,
                context,
                server_side=True,
                ssl_handshake_timeout=self.limits.idle_timeout,
            )
        except (OSError, ssl.SSLError, TimeoutError, ConnectionError):
            self.abort()
            return
        if transport is None:
            self.abort()
            return
        self._transport = transport
        self._reading_paused = False
        self.tls_active = True
        self.tls_started()

    def _process(self) -> None:
        while self._inbox and not (self._busy or self._closing or self._writing_paused):
            if self._collector is not None:
                self._process_data()
            elif not self._process_line():
                break
        if self._eof and not (self._busy or self._closing):
            self.close()  # all answered; a half-sent command or message is dropped
        self._flow()

    def _process_data(self) -> None:
        assert self._collector is not None
        self.touch()
        chunk = bytes(self._inbox)
        self._inbox.clear()
        rest = self._collector.feed(chunk)
        if rest is None:
            return
        self._inbox += rest
        collector, self._collector = self._collector, None
        self._data_deadline = math.inf
        self.end_data(collector)

    def _process_line(self) -> bool:
        end = self._inbox.find(b"\n")
        if self._discarding_line:  # the rest of an over-long line
            del self._inbox[: end + 1 if end >= 0 else len(self._inbox)]
            self._discarding_line = end < 0
            return end >= 0
        if end < 0 or end > MAX_COMMAND_LINE:
            if end > MAX_COMMAND_LINE or len(self._inbox) > MAX_COMMAND_LINE:
                self._discarding_line = True
                self.refuse(replies.LINE_TOO_LONG)
                return True
            return False
        raw = bytes(self._inbox[:end])
        del self._inbox[: end + 1]
        self.touch()
        if raw.endswith(b"\r"):
            raw = raw[:-1]
        if not raw.isascii() or b"\r" in raw:
            self.refuse(replies.NOT_ASCII if not raw.isascii() else replies.UNRECOGNIZED)
            return True
        self.handle_line(raw.decode("ascii"))
        return True

    def _flow(self) -> None:
        """Stop reading while unread input piles up or our replies are not read."""
        if self._transport is None or self._closing:
            return
        full = len(self._inbox) > _INBOX_HIGH_WATER or self._writing_paused
        if full and not self._reading_paused:
            self._reading_paused = True
            self._transport.pause_reading()
        elif not full and self._reading_paused and not self._busy:
            self._reading_paused = False
            self._transport.resume_reading()

    def _on_timer(self) -> None:
        if self._closing:
            return
        now = self._loop.time()
        deadline = min(self._deadline, self._data_deadline)
        if self._busy:  # we are the slow one
            deadline = max(deadline, now + self.limits.idle_timeout)
        if now < deadline:
            self._timer = self._loop.call_at(deadline, self._on_timer)
            return
        self.reply(replies.TIMEOUT)
        self.close()
