"""The set of services one running openses offers to its doors (HTTP API, SMTP, console)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from openses.domain.clock import Clock
from openses.mail.message_ids import MessageIdFactory
from openses.services.accounts import AccountService
from openses.services.custom_verification import CustomVerificationService
from openses.services.dkim import DkimSigner
from openses.services.dkim_dns import PublishedKeyService
from openses.services.dkim_identities import DkimIdentityService
from openses.services.email_verification import (
    EmailVerificationService,
    VerificationMailSettings,
)
from openses.services.identities import IdentityService
from openses.services.identity_settings import IdentitySettingsService
from openses.services.mail_from import MailFromResolver
from openses.services.sending import SendingService
from openses.services.sending_authorization import SendingAuthorizationService
from openses.services.statistics import StatisticsService
from openses.services.system_mail import SystemMailer
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
    sending_authorization: SendingAuthorizationService
    dkim: DkimSigner
    statistics: StatisticsService
    message_id_domain: str
    email_verification: EmailVerificationService
    custom_verification: CustomVerificationService
    templates: TemplateService
    mail_from: MailFromResolver
    identity_settings: IdentitySettingsService
    dkim_identities: DkimIdentityService
    published_keys: PublishedKeyService

    @classmethod
    def build(
        cls,
        database: Database,
        clock: Clock,
        *,
        dev: bool,
        message_id_domain: str = "email.amazonses.com",
        on_accepted: Callable[[], None] = lambda: None,
        verification_mail: VerificationMailSettings | None = None,
        on_check_due: Callable[[], None] = lambda: None,
    ) -> Services:
        accounts = AccountService(database, clock)
        # on_check_due wakes the identity verifier when a change wants a DNS check now.
        identities = IdentityService(database, clock, verify_at_once=dev, on_check_due=on_check_due)
        mail_from = MailFromResolver(database)
        sending_authorization = SendingAuthorizationService(database, clock)
        dkim = DkimSigner(database, clock)
        published_keys = PublishedKeyService(database)
        email_verification = EmailVerificationService(
            database,
            clock,
            identities,
            SystemMailer(
                database,
                clock,
                new_message_id=MessageIdFactory(clock).new_id,
                message_id_domain=message_id_domain,
                on_queued=on_accepted,
            ),
            verification_mail or VerificationMailSettings.defaults(),
        )
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
                mail_from=mail_from,
                authorization=sending_authorization,
            ),
            sending_authorization=sending_authorization,
            dkim=dkim,
            statistics=StatisticsService(database, clock),
            message_id_domain=message_id_domain,
            email_verification=email_verification,
            custom_verification=CustomVerificationService(
                database, clock, accounts, identities, email_verification
            ),
            templates=TemplateService(database, clock),
            mail_from=mail_from,
            identity_settings=IdentitySettingsService(
                database, clock, mail_from, verify_at_once=dev, on_check_due=on_check_due
            ),
            dkim_identities=DkimIdentityService(
                database, clock, identities, dkim, published_keys, verify_at_once=dev
            ),
            published_keys=published_keys,
        )
