"""The one place that wires settings, storage, services, delivery and servers together."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from openses.api.admin import AdminEndpoints
from openses.api.gateway import ApiGateway
from openses.api.inspection import InspectionEndpoints
from openses.config import Settings
from openses.domain.clock import Clock, SystemClock
from openses.mail.dns_records import RecordResolver
from openses.mail.local_transports import CaptureTransport
from openses.mail.mx import MxResolver
from openses.mail.retry import RetryPolicy
from openses.mail.smtp_session import TlsMode
from openses.mail.transports import (
    Deliverer,
    MxSettings,
    MxTransport,
    RelaySettings,
    RelayTransport,
)
from openses.queue.verifier import VerificationRunner
from openses.queue.worker import DeliveryWorker
from openses.servers.dns_answers import ZoneSettings
from openses.servers.dns_responder import DnsResponder
from openses.servers.http import HttpApp, Lifecycle
from openses.servers.smtp_submission import SmtpStart, start_smtp_server
from openses.services.delivery import DeliveryPipeline
from openses.services.email_verification import VerificationMailSettings
from openses.services.registry import Services
from openses.services.verification import IdentityVerifier, RecordTargets
from openses.storage.engine import Database, create_engine
from openses.storage.migrate import migrate

logger = logging.getLogger("openses")

DEV_ACCESS_KEY_ID = "test"
DEV_SECRET_ACCESS_KEY = "test"  # noqa: S105 - dev mode's documented, public credential


def build_transport(settings: Settings, clock: Clock) -> Deliverer:
    """The transport ``OPENSES_DELIVERY`` names (the mailbox simulator is in the pipeline)."""
    inner: Deliverer
    if settings.delivery_mode == "capture":
        inner = CaptureTransport(settings.hostname, clock)
    elif settings.delivery_mode == "relay":
        assert settings.relay is not None  # config refuses relay without a smarthost
        host, port = settings.relay
        inner = RelayTransport(
            RelaySettings(
                host=host,
                port=port,
                helo_hostname=settings.hostname,
                tls=TlsMode(settings.relay_tls),
                username=settings.relay_username or None,
                password=settings.relay_password or None,
            ),
            clock,
        )
    else:
        resolver = MxResolver(settings.dns_servers or None)
        inner = MxTransport(
            resolver, MxSettings(helo_hostname=settings.hostname, port=settings.mx_port), clock
        )
    return inner


@dataclass
class Application:
    settings: Settings
    clock: Clock = field(default_factory=SystemClock)
    database: Database = field(init=False)
    services: Services = field(init=False)
    transport: Deliverer = field(init=False)
    workers: list[DeliveryWorker] = field(init=False, default_factory=list)
    _pipelines: list[DeliveryPipeline] = field(init=False, default_factory=list)
    smtp: SmtpStart | None = field(init=False, default=None)
    verifier: VerificationRunner | None = field(init=False, default=None)
    dns: DnsResponder | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.database = Database(create_engine(self.settings.effective_database_url))
        self.services = Services.build(
            self.database,
            self.clock,
            dev=self.settings.dev,
            message_id_domain=self.settings.message_id_domain,
            on_accepted=self._wake_workers,
            on_check_due=self._wake_verifier,
            verification_mail=VerificationMailSettings.for_host(
                self.settings.identities.public_url, self.settings.hostname
            ),
        )
        self.transport = build_transport(self.settings, self.clock)

    def _wake_workers(self) -> None:
        for worker in self.workers:
            worker.wake()

    def _wake_verifier(self) -> None:
        if self.verifier is not None:
            self.verifier.wake()

    async def start(self) -> None:
        """Migrate the database and, in dev mode, make sure the default account exists."""
        await migrate(self.database)
        await self._seed()

    async def start_delivery(self) -> None:
        """Start the delivery workers (``openses serve`` does; CLI commands do not)."""
        pipeline = DeliveryPipeline(
            self.database,
            self.clock,
            self.transport,
            self.services.dkim,
            retry_policy=RetryPolicy(
                max_age=dt.timedelta(minutes=self.settings.max_message_age_minutes)
            ),
            feedback_domain=self.settings.hostname,
            reporting_mta=self.settings.hostname,
            mail_from=self.services.mail_from,
        )
        self._pipelines.append(pipeline)
        for _ in range(self.settings.workers):
            worker = DeliveryWorker(self.database, self.clock, pipeline.deliver_group)
            worker.start()
            self.workers.append(worker)

    async def start_verifier(self) -> VerificationRunner | None:
        """Start the identity verifier (``openses serve`` does). Not in dev mode, where
        identities are verified at once and nothing waits for DNS."""
        if self.settings.dev or self.verifier is not None:
            return self.verifier
        identities = self.settings.identities
        verifier = IdentityVerifier(
            self.database,
            self.clock,
            RecordResolver(self.settings.dns_servers or None),
            RecordTargets(dkim_domain=identities.dkim_domain, mail_from_mx=identities.mail_from_mx),
            # A status the verifier changed must not wait for the sending check's cache.
            after_change=self.services.identities.forget_cached,
        )
        self.verifier = VerificationRunner(verifier, interval=identities.verify_interval)
        self.verifier.start()
        return self.verifier

    async def _seed(self) -> None:
        if self.settings.dev:
            await self.services.accounts.ensure_dev_account(self.settings.dev_account_id)

    # -- SMTP submission: `openses serve` starts it next to the HTTP API ----------------

    async def start_smtp(self) -> SmtpStart:
        """Start the SMTP listeners (``openses serve`` does; CLI commands and tests choose)."""
        self.smtp = await start_smtp_server(
            self.settings.smtp,
            self.services,
            hostname=self.settings.hostname,
            region=self.settings.region,
            data_dir=self.settings.data_dir,
            dev=self.settings.dev,
        )
        return self.smtp

    async def _stop_smtp(self) -> None:
        if self.smtp is not None and self.smtp.server is not None:
            await self.smtp.server.stop()
        self.smtp = None

    # -- The Easy DKIM zone's DNS responder: `openses serve` starts it when configured ----

    async def start_dns(self) -> DnsResponder | None:
        """Serve ``dkim.<OPENSES_DKIM_DOMAIN>`` on ``OPENSES_DNS_LISTEN`` (None when unset)."""
        identities = self.settings.identities
        if identities.dns_listen is None or self.dns is not None:
            return self.dns
        responder = DnsResponder(
            ZoneSettings(zone=identities.dkim_zone, nameserver=self.settings.hostname),
            self.services.published_keys.txt_record,
        )
        await responder.start(*identities.dns_listen)
        self.dns = responder
        return responder

    async def _stop_dns(self) -> None:
        if self.dns is not None:
            await self.dns.stop()
        self.dns = None

    # ------------------------------------------------------------------------------------

    async def stop(self) -> None:
        await self._stop_smtp()  # first: sessions still sending need the database
        if self.verifier is not None:
            await self.verifier.stop()
            self.verifier = None
        await self._stop_dns()
        for worker in self.workers:
            await worker.stop()
        self.workers.clear()
        for pipeline in self._pipelines:
            await pipeline.close()
        self._pipelines.clear()
        await self.services.sending.close()
        await self.transport.close()
        await self.database.dispose()

    def http_app(self, lifecycle: Lifecycle | None = None) -> HttpApp:
        """The ASGI app; ``lifecycle`` (default: this application) runs at start and stop."""
        gateway = ApiGateway(self.services)
        inspection = InspectionEndpoints(
            self.services, dev=self.settings.dev, authenticate=gateway.authenticate_account
        )
        admin = AdminEndpoints(
            self.services, dev=self.settings.dev, after_reset=self._seed, inspection=inspection
        )
        return HttpApp(
            gateway,
            admin,
            lifecycle or _Serving(self),
            max_body_bytes=self.settings.max_body_bytes,
        )


class _Serving:
    """What serving needs at start and stop: the application and its delivery workers."""

    def __init__(self, application: Application) -> None:
        self._application = application

    async def start(self) -> None:
        await self._application.start()
        await self._application.start_delivery()
        await self._application.start_verifier()
        await self._application.start_dns()

    async def stop(self) -> None:
        await self._application.stop()
