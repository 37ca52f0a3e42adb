"""SES's SMTP interface: the listeners, and what their sessions ask of openses.

Two kinds of listener (Developer Guide, "Connecting to an Amazon SES SMTP
endpoint"): STARTTLS (``OPENSES_SMTP_LISTEN``; SES uses 25, 587, 2587) and
implicit TLS (``OPENSES_SMTPS_LISTEN``; SES: 465, 2465). TLS is mandatory, so
without a certificate (``OPENSES_SMTP_TLS_CERT``/``_KEY``, or dev mode's
self-signed one) no listener starts.

A message goes through ``SendingService.send``, the path of SendRawEmail: the
same identity checks (MAIL FROM, From, Sender, Return-Path; sandbox recipients),
quotas, pause switch, size and header rules, and the X-SES-* headers are read
and stripped there. ``250 Ok <MessageId>`` is written only after ``send`` has
returned, that is after the transaction that queues the message has committed.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from openses.config import ConfigError, SmtpSettings
from openses.domain.messages import Destination
from openses.mail.inspect import SMTP_LIMITS
from openses.servers import smtp_replies as replies
from openses.servers.smtp_auth import Principal, SmtpAuthenticator
from openses.servers.smtp_commands import SubmissionSession
from openses.servers.smtp_connection import (
    ConnectionRegistry,
    Envelope,
    ListenerContext,
    SessionLimits,
)
from openses.servers.smtp_tls import dev_certificate, server_tls_context
from openses.services.registry import Services
from openses.services.scope import Scope
from openses.services.sending import SendingService, SendRequest

logger = logging.getLogger("openses.smtp")

# [INF] SES's ses:operation auto-tag for mail sent through its SMTP interface.
SMTP_OPERATION = "SendSmtpEmail"
_SHUTDOWN_GRACE_SECONDS = 10.0


class SubmissionBackend:
    """The ``SessionBackend`` of ``smtp_connection``: credentials, trusted networks, sending."""

    def __init__(
        self,
        sending: SendingService,
        authenticator: SmtpAuthenticator,
        trusted_networks: Sequence[str] = (),
    ) -> None:
        self._sending = sending
        self._authenticator = authenticator
        self._trusted_networks = [ipaddress.ip_network(n) for n in trusted_networks]
        self._trusted_principal: Principal | None = None

    def trust(self, principal: Principal) -> None:
        """Sessions from the trusted networks send as ``principal`` without AUTH."""
        self._trusted_principal = principal

    async def authenticate(
        self, username: str | None, password: bytes | None, client_ip: str
    ) -> Principal | None:
        return await self._authenticator.authenticate(username, password, client_ip)

    def trusted_principal(self, client_ip: str) -> Principal | None:
        if self._trusted_principal is None or not client_ip:
            return None
        address = ipaddress.ip_address(client_ip)
        if any(address in network for network in self._trusted_networks):
            return self._trusted_principal
        return None

    async def submit(self, principal: Principal, envelope: Envelope, client_ip: str) -> str:
        request = SendRequest(
            raw=envelope.data,
            limits=SMTP_LIMITS,
            source=envelope.mail_from or None,
            destination=Destination(to=envelope.recipients),
            source_ip=client_ip,
            caller_identity=principal.access_key_id,
            operation=SMTP_OPERATION,
        )
        scope = Scope(principal.account_id, principal.region)
        try:
            message_id = await self._sending.send(scope, request)
        except Exception as error:
            return replies.reply_for_error(error)
        return replies.accepted(message_id)


@dataclass(frozen=True, slots=True)
class SmtpEndpoint:
    tls: str  # "STARTTLS" or "TLS" (implicit, from the first byte)
    host: str
    port: int


class SmtpSubmissionServer:
    """The SMTP listeners of one openses process."""

    def __init__(
        self,
        context: ListenerContext,
        *,
        listen: tuple[str, int] | None,
        tls_listen: tuple[str, int] | None,
        tls_context: ssl.SSLContext,
    ) -> None:
        self._context = context
        self._plan = [("STARTTLS", listen, None), ("TLS", tls_listen, tls_context)]
        self._servers: list[asyncio.Server] = []
        self.endpoints: list[SmtpEndpoint] = []
        self.failures: list[str] = []

    async def start(self) -> None:
        """Bind what can be bound; a busy address is logged and reported, not fatal,
        so that the HTTP API of a second instance on one machine still comes up."""
        loop = asyncio.get_running_loop()
        for kind, address, tls_context in self._plan:
            if address is None:
                continue
            implicit = tls_context is not None

            def factory(implicit: bool = implicit) -> SubmissionSession:
                return SubmissionSession(self._context, implicit_tls=implicit)

            try:
                server = await loop.create_server(
                    factory,
                    address[0],
                    address[1],
                    ssl=tls_context,
                    ssl_handshake_timeout=self._context.limits.idle_timeout if implicit else None,
                    backlog=1024,
                )
            except OSError as error:
                message = f"SMTP ({kind}) on {address[0]}:{address[1]} not started: {error}"
                logger.error(message)
                self.failures.append(message)
                continue
            self._servers.append(server)
            host, port = server.sockets[0].getsockname()[:2]
            self.endpoints.append(SmtpEndpoint(kind, str(host), int(port)))

    async def stop(self, grace: float = _SHUTDOWN_GRACE_SECONDS) -> None:
        """Stop accepting; idle sessions get a 421, busy ones finish their reply first."""
        for server in self._servers:
            server.close()
        registry = self._context.registry
        registry.shut_down_all()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(grace):
                await registry.wait_until_empty()
        registry.abort_all()
        for server in self._servers:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(server.wait_closed(), timeout=1.0)
        self._servers.clear()


@dataclass(frozen=True, slots=True)
class SmtpStart:
    """What ``openses serve`` tells the user about SMTP."""

    server: SmtpSubmissionServer | None
    certificate: Path | None
    problem: str | None = None


async def start_smtp_server(
    smtp: SmtpSettings,
    services: Services,
    *,
    hostname: str,
    region: str,
    data_dir: Path,
    dev: bool,
) -> SmtpStart:
    """Build and start the listeners the settings ask for; see ``SmtpStart``."""
    if smtp.listen is None and smtp.tls_listen is None:
        return SmtpStart(None, None, "no SMTP listener configured")
    if smtp.tls_cert is not None and smtp.tls_key is not None:
        cert_file, key_file = smtp.tls_cert, smtp.tls_key
    elif dev:
        cert_file, key_file = dev_certificate(data_dir, hostname)
    else:
        problem = "SMTP is off: TLS is mandatory, set OPENSES_SMTP_TLS_CERT and _KEY"
        logger.warning(problem)
        return SmtpStart(None, None, problem)
    tls_context = server_tls_context(cert_file, key_file)
    context = ListenerContext(
        hostname=hostname,
        backend=await _backend(smtp, services, region),
        limits=_limits(smtp),
        registry=ConnectionRegistry(smtp.max_connections, smtp.max_connections_per_client),
        starttls_context=tls_context,
    )
    server = SmtpSubmissionServer(
        context, listen=smtp.listen, tls_listen=smtp.tls_listen, tls_context=tls_context
    )
    await server.start()
    return SmtpStart(server, cert_file, "; ".join(server.failures) or None)


async def _backend(smtp: SmtpSettings, services: Services, region: str) -> SubmissionBackend:
    authenticator = SmtpAuthenticator(services.accounts.find_access_key, region)
    backend = SubmissionBackend(services.sending, authenticator, smtp.trusted_networks)
    if smtp.trusted_networks:
        key = await services.accounts.find_access_key(smtp.trusted_access_key)
        if key is None:
            raise ConfigError(
                f"OPENSES_SMTP_TRUSTED_ACCESS_KEY: no access key {smtp.trusted_access_key}"
            )
        backend.trust(Principal(key.account_id, key.access_key_id, region))
    return backend


def _limits(smtp: SmtpSettings) -> SessionLimits:
    return SessionLimits(
        max_message_bytes=SMTP_LIMITS.max_message_bytes,
        idle_timeout=smtp.idle_timeout,
        data_timeout=smtp.data_timeout,
        max_messages=smtp.max_messages_per_connection,
    )
