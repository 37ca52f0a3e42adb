"""Handing a message to the next server: straight to the recipients' MX, or via a smarthost.

Both transports are ``Deliverer``s: ``await deliverer.deliver(envelope)`` gives a
``DeliveryReport`` with one ``RecipientOutcome`` per recipient: ``delivered``,
``transient_failure`` (try again later: 4xx, DNS trouble, timeouts, lost
connections) or ``permanent_failure`` (5xx, no such domain), the reply that
decided it, the remote host and IP, and when. They never raise for delivery
problems; ``ValueError`` only for envelopes they cannot take.

``MxTransport`` (RFC 5321 §5.1): resolve the recipients' domain, try its MX hosts
best first, each of their addresses in turn. It moves to the next address on a
connection failure or a 4xx greeting/EHLO, and stops at a 5xx one (that server
has spoken for the domain). STARTTLS is opportunistic and unverified, as between
MTAs (RFC 7435), TLS 1.2 or newer. Connections are kept per host and reused
with RSET; deliveries to one domain run at most ``max_connections_per_domain``
at a time. All recipients of one envelope must share a domain: the service
splits a message's recipients by domain before calling.

``RelayTransport``: one smarthost, any recipients, optional AUTH PLAIN/LOGIN and
TLS none/STARTTLS/implicit.

Both must be used from one event loop, and closed with ``close()``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable, Iterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from enum import StrEnum
from functools import partial
from typing import Protocol

from openses.domain.clock import Clock, SystemClock
from openses.mail import replies
from openses.mail.mx import MxLookupError, MxResolver, MxTarget
from openses.mail.replies import SmtpReply
from openses.mail.session_pool import SessionPool
from openses.mail.smtp_connect import SessionOpenError, client_tls_context, open_session
from openses.mail.smtp_session import (
    DEFAULT_TIMEOUTS,
    SessionOptions,
    SmtpSession,
    SmtpTimeouts,
    TlsMode,
)

DEFAULT_MX_PORT = 25


@dataclass(frozen=True, slots=True)
class Envelope:
    """What to send: ``mail_from`` may be ``""`` (the null sender of bounces, RFC 5321
    §4.5.5); ``message`` is the whole RFC 5322 message, any line endings."""

    mail_from: str
    recipients: tuple[str, ...]
    message: bytes

    def __post_init__(self) -> None:
        if not self.recipients:
            raise ValueError("an envelope needs at least one recipient")


class DeliveryStatus(StrEnum):
    DELIVERED = "delivered"
    TRANSIENT_FAILURE = "transient_failure"
    PERMANENT_FAILURE = "permanent_failure"

    @classmethod
    def of(cls, reply: SmtpReply) -> DeliveryStatus:
        """2xx delivered, 5xx permanent, anything else worth another try."""
        if reply.is_positive:
            return cls.DELIVERED
        if reply.is_permanent:
            return cls.PERMANENT_FAILURE
        return cls.TRANSIENT_FAILURE


@dataclass(frozen=True, slots=True)
class RecipientOutcome:
    recipient: str
    status: DeliveryStatus
    reply: SmtpReply
    remote_host: str | None  # the MX or smarthost name; None if none was reached
    remote_ip: str | None
    tls: bool
    started_at: dt.datetime
    finished_at: dt.datetime

    @property
    def smtp_response(self) -> str:
        """SES's ``delivery.smtpResponse``, e.g. ``250 2.0.0 OK 1499976645 ... - gsmtp``."""
        return str(self.reply)


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    outcomes: tuple[RecipientOutcome, ...]
    reporting_mta: str  # our EHLO name: SES's ``reportingMTA`` is ``dns; <this>``

    def outcome_for(self, recipient: str) -> RecipientOutcome:
        for outcome in self.outcomes:
            if outcome.recipient == recipient:
                return outcome
        raise KeyError(recipient)

    def with_status(self, status: DeliveryStatus) -> list[RecipientOutcome]:
        return [outcome for outcome in self.outcomes if outcome.status is status]


class Deliverer(Protocol):
    async def deliver(self, envelope: Envelope) -> DeliveryReport: ...

    async def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class MxSettings:
    helo_hostname: str
    port: int = DEFAULT_MX_PORT  # OPENSES_MX_PORT; only tests want another
    timeouts: SmtpTimeouts = DEFAULT_TIMEOUTS
    tls: TlsMode = TlsMode.OPPORTUNISTIC
    verify_certificates: bool = False
    max_connections_per_domain: int = 4
    max_idle_per_host: int = 2
    idle_seconds: float = 10.0
    max_messages_per_connection: int = 100


@dataclass(frozen=True, slots=True)
class RelaySettings:
    host: str
    port: int
    helo_hostname: str
    tls: TlsMode = TlsMode.STARTTLS
    username: str | None = None
    password: str | None = None
    verify_certificates: bool = True
    ca_file: str | None = None
    timeouts: SmtpTimeouts = DEFAULT_TIMEOUTS
    max_connections: int = 4
    max_idle: int = 2
    idle_seconds: float = 10.0
    max_messages_per_connection: int = 100


@dataclass(frozen=True, slots=True)
class _Remote:
    host: str | None = None
    ip: str | None = None
    tls: bool = False


class MxTransport:
    """Delivers to the recipients' MX hosts; see the module docstring."""

    def __init__(
        self, resolver: MxResolver, settings: MxSettings, clock: Clock | None = None
    ) -> None:
        self._resolver = resolver
        self._settings = settings
        self._clock = clock or SystemClock()
        self._limits = _PerKeyLimit(settings.max_connections_per_domain)
        self._pool = SessionPool(
            max_idle_per_host=settings.max_idle_per_host,
            idle_seconds=settings.idle_seconds,
            max_transactions=settings.max_messages_per_connection,
        )
        self._options = SessionOptions(
            helo_hostname=settings.helo_hostname,
            tls=settings.tls,
            tls_context=client_tls_context(verify=settings.verify_certificates),
            timeouts=settings.timeouts,
        )

    async def deliver(self, envelope: Envelope) -> DeliveryReport:
        started = self._clock.now()
        domain = recipient_domain(envelope.recipients)
        async with self._limits.hold(domain):
            try:
                targets = await self._resolver.resolve(domain)
            except MxLookupError as failure:
                return self._report(envelope, started, _all(envelope, failure.reply), _Remote())
            return await self._try_targets(envelope, targets, started)

    async def close(self) -> None:
        await self._pool.close()

    async def _try_targets(
        self, envelope: Envelope, targets: list[MxTarget], started: dt.datetime
    ) -> DeliveryReport:
        failure, remote = replies.connection_failed(), _Remote()
        for target, address in _addresses(targets):
            remote = _Remote(target.host, address)
            key = (target.host, address, self._settings.port)
            try:
                session = await self._pool.acquire(key, self._opener(target.host, address))
            except SessionOpenError as error:
                failure = error.reply
                if error.final:  # a 5xx greeting or EHLO speaks for the whole domain
                    break
                continue
            results = await _send(self._pool, key, session, envelope)
            return self._report(envelope, started, results, _remote_of(session))
        return self._report(envelope, started, _all(envelope, failure), remote)

    def _opener(self, host: str, address: str) -> Callable[[], Awaitable[SmtpSession]]:
        port, options = self._settings.port, self._options
        return partial(open_session, address, port, server_name=host, options=options)

    def _report(
        self,
        envelope: Envelope,
        started: dt.datetime,
        results: Mapping[str, SmtpReply],
        remote: _Remote,
    ) -> DeliveryReport:
        return _build_report(
            envelope, started, self._clock.now(), results, remote, self._settings.helo_hostname
        )


class RelayTransport:
    """Delivers everything through one smarthost; see the module docstring."""

    def __init__(self, settings: RelaySettings, clock: Clock | None = None) -> None:
        self._settings = settings
        self._clock = clock or SystemClock()
        self._slots = asyncio.Semaphore(settings.max_connections)
        self._pool = SessionPool(
            max_idle_per_host=settings.max_idle,
            idle_seconds=settings.idle_seconds,
            max_transactions=settings.max_messages_per_connection,
        )
        self._options = SessionOptions(
            helo_hostname=settings.helo_hostname,
            tls=settings.tls,
            tls_context=_relay_tls_context(settings),
            username=settings.username,
            password=settings.password,
            timeouts=settings.timeouts,
        )

    async def deliver(self, envelope: Envelope) -> DeliveryReport:
        started = self._clock.now()
        settings = self._settings
        key = (settings.host, settings.port)
        opener = partial(
            open_session,
            settings.host,
            settings.port,
            server_name=settings.host,
            options=self._options,
        )
        async with self._slots:
            try:
                session = await self._pool.acquire(key, opener)
            except SessionOpenError as error:
                remote = _Remote(settings.host)
                return self._report(envelope, started, _all(envelope, error.reply), remote)
            results = await _send(self._pool, key, session, envelope)
            return self._report(envelope, started, results, _remote_of(session))

    async def close(self) -> None:
        await self._pool.close()

    def _report(
        self,
        envelope: Envelope,
        started: dt.datetime,
        results: Mapping[str, SmtpReply],
        remote: _Remote,
    ) -> DeliveryReport:
        return _build_report(
            envelope, started, self._clock.now(), results, remote, self._settings.helo_hostname
        )


def recipient_domain(recipients: tuple[str, ...]) -> str:
    """The one domain all ``recipients`` share (lower-cased), or ``ValueError``."""
    domains = {recipient.rpartition("@")[2].lower() for recipient in recipients}
    if len(domains) != 1 or "" in domains:
        raise ValueError(f"MX delivery takes recipients of one domain, got {sorted(domains)}")
    return domains.pop()


def _addresses(targets: list[MxTarget]) -> Iterator[tuple[MxTarget, str]]:
    for target in targets:
        for address in target.addresses:
            yield target, address


async def _send(
    pool: SessionPool, key: Hashable, session: SmtpSession, envelope: Envelope
) -> dict[str, SmtpReply]:
    try:
        results = await session.send(envelope.mail_from, envelope.recipients, envelope.message)
    except BaseException:
        session.close()
        raise
    await pool.release(key, session)
    return results


def _remote_of(session: SmtpSession) -> _Remote:
    return _Remote(session.server_name, session.remote_ip or None, session.tls)


def _all(envelope: Envelope, reply: SmtpReply) -> dict[str, SmtpReply]:
    return dict.fromkeys(envelope.recipients, reply)


def _build_report(
    envelope: Envelope,
    started: dt.datetime,
    finished: dt.datetime,
    results: Mapping[str, SmtpReply],
    remote: _Remote,
    reporting_mta: str,
) -> DeliveryReport:
    outcomes = tuple(
        RecipientOutcome(
            recipient=recipient,
            status=DeliveryStatus.of(reply),
            reply=reply,
            remote_host=remote.host,
            remote_ip=remote.ip,
            tls=remote.tls,
            started_at=started,
            finished_at=finished,
        )
        for recipient, reply in ((r, results[r]) for r in dict.fromkeys(envelope.recipients))
    )
    return DeliveryReport(outcomes, reporting_mta)


def _relay_tls_context(settings: RelaySettings) -> ssl.SSLContext:
    return client_tls_context(verify=settings.verify_certificates, ca_file=settings.ca_file)


class _PerKeyLimit:
    """At most ``limit`` holders per key; keys vanish when nobody holds or waits."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._slots: dict[str, tuple[asyncio.Semaphore, int]] = {}

    @asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        semaphore, users = self._slots.get(key, (asyncio.Semaphore(self._limit), 0))
        self._slots[key] = (semaphore, users + 1)
        try:
            async with semaphore:
                yield
        finally:
            semaphore, users = self._slots[key]
            if users == 1:
                del self._slots[key]
            else:
                self._slots[key] = (semaphore, users - 1)
