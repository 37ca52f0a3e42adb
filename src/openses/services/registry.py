"""The set of services one running openses offers to its doors (HTTP API, SMTP, console)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from openses.domain.clock import Clock
from openses.mail.message_ids import MessageIdFactory
from openses.services.accounts import AccountService
from openses.services.dkim import DkimSigner
from openses.services.identities import IdentityService
from openses.services.sending import SendingService
from openses.services.statistics import StatisticsService
from openses.services.tags import TagService
from openses.services.templates import TemplateService
from openses.storage.engine import Database


@dataclass(frozen=True, slots=True)
class Services:
    database: Database
    clock: Clock
    accounts: AccountService
    identities: IdentityService
    tags: TagService
    sending: SendingService
    dkim: DkimSigner
    statistics: StatisticsService
    message_id_domain: str
    templates: TemplateService

    @classmethod
    def build(
        cls,
        database: Database,
        clock: Clock,
        *,
        dev: bool,
        message_id_domain: str = "email.amazonses.com",
        on_accepted: Callable[[], None] = lambda: None,
    ) -> Services:
        accounts = AccountService(database, clock)
        identities = IdentityService(database, clock, verify_at_once=dev)
        return cls(
            database=database,
            clock=clock,
            accounts=accounts,
            identities=identities,
            tags=TagService(database),
            sending=SendingService(
                database,
                clock,
                accounts,
                identities,
                new_message_id=MessageIdFactory(clock).new_id,
                message_id_domain=message_id_domain,
                on_accepted=on_accepted,
            ),
            dkim=DkimSigner(database, clock),
            statistics=StatisticsService(database, clock),
            message_id_domain=message_id_domain,
            templates=TemplateService(database, clock),
        )
