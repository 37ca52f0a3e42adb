"""Accepting messages for sending, with SES's rules, durably.

One path for every door (v1 SendEmail/SendRawEmail/SendTemplatedEmail/
SendBulkTemplatedEmail, v2 SendEmail/SendBulkEmail, SMTP): build or inspect the
message (``message_assembly``), check the senders (and in the sandbox the
recipients) against verified identities, take the recipients from the send quotas,
then store the message, one queue entry per recipient and its events in one
transaction. The caller hears "accepted" only after that commit. A throttled
message is never stored: clients retry throttles themselves.

A bulk send makes one message per destination, each with its own id. What concerns
the whole call fails the call: sending paused, a configuration set, the template,
an unverified sender, the quotas. What concerns one destination (its addresses,
its data, in the sandbox its recipients) fails only that destination, whose status
then carries the error (v1 ``BulkEmailDestinationStatus``, v2 ``BulkEmailEntryResult``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from openses.domain.accounts import SendingSettings
from openses.domain.clock import Clock
from openses.domain.errors import (
    ConfigurationSetDoesNotExistError,
    DomainError,
    IdentityNotVerifiedError,
    InvalidParameterError,
    SendingPausedError,
)
from openses.domain.identities import identity_candidates
from openses.mail.message_ids import SES_MESSAGE_ID_DOMAIN
from openses.services.acceptance import AcceptanceWriter
from openses.services.accounts import AccountService
from openses.services.identities import IdentityService
from openses.services.mail_from import MailFromResolver
from openses.services.message_assembly import (
    MAX_RECIPIENTS,
    AssembledMessage,
    MessageAssembler,
    bare_address,
    is_simulator_address,
)
from openses.services.scope import Scope
from openses.services.send_requests import BulkEntryResult, BulkSendRequest, SendRequest
from openses.services.sending_authorization import SendingAuthorizationService
from openses.services.templated_sending import check_destination_count, destination_request
from openses.storage.engine import Database
from openses.storage.repositories import quotas as quotas_repo

__all__ = [
    "MAX_RECIPIENTS",
    "BulkEntryResult",
    "BulkSendRequest",
    "SendRequest",
    "SendingService",
    "is_simulator_address",
]


class SendingService:
    def __init__(
        self,
        database: Database,
        clock: Clock,
        accounts: AccountService,
        identities: IdentityService,
        *,
        new_message_id: Callable[[], str],
        message_id_domain: str = SES_MESSAGE_ID_DOMAIN,
        on_accepted: Callable[[], None] = lambda: None,
        mail_from: MailFromResolver | None = None,
        authorization: SendingAuthorizationService | None = None,
    ) -> None:
        self._assembler = MessageAssembler(
            clock, new_message_id=new_message_id, message_id_domain=message_id_domain
        )
        self._writer = AcceptanceWriter(database, clock)
        self._db = database
        self._clock = clock
        self._accounts = accounts
        self._identities = identities
        # Wakes the in-process delivery worker so it need not wait for its next poll.
        self._on_accepted = on_accepted
        self._mail_from = mail_from or MailFromResolver(database)
        self._authorization = authorization or SendingAuthorizationService(database, clock)

    async def send(self, scope: Scope, request: SendRequest) -> str:
        """Accept the message and return its SES message id, or raise the SES error."""
        settings = await self._enabled_settings(scope)
        assembled = self._assembler.assemble(scope, request)
        senders, recipients = await self._unverified(scope, [assembled], sandbox=settings.sandbox)
        if senders or recipients[0]:
            raise IdentityNotVerifiedError(scope.region, [*senders, *recipients[0]])
        await self._mail_from.check_messages([assembled.acceptance.message])
        await self._writer.accept(settings, [assembled.acceptance])
        self._on_accepted()
        return assembled.message_id

    async def send_bulk(self, scope: Scope, bulk: BulkSendRequest) -> list[BulkEntryResult]:
        """One message per destination; a result per destination, in order.

        Raises the SES error when the whole call fails (see the module's docstring).
        """
        check_destination_count(len(bulk.destinations))
        settings = await self._enabled_settings(scope)
        if not bulk.base.source:
            raise InvalidParameterError("Missing required header 'From'.")
        bare_address(bulk.base.source)
        if bulk.base.configuration_set_name:
            raise ConfigurationSetDoesNotExistError(bulk.base.configuration_set_name)
        outcomes: list[AssembledMessage | DomainError] = []
        for entry in bulk.destinations:
            try:
                request = destination_request(bulk, entry)
                outcomes.append(self._assembler.assemble(scope, request))
            except DomainError as error:
                outcomes.append(error)
        outcomes = await self._check_bulk_identities(scope, outcomes, sandbox=settings.sandbox)
        await self._mail_from.check_messages(
            [o.acceptance.message for o in outcomes if isinstance(o, AssembledMessage)]
        )
        accepted = [o.acceptance for o in outcomes if isinstance(o, AssembledMessage)]
        await self._writer.accept(settings, accepted)
        if accepted:
            self._on_accepted()
        return [
            BulkEntryResult(message_id=o.message_id)
            if isinstance(o, AssembledMessage)
            else BulkEntryResult(error=o)
            for o in outcomes
        ]

    async def close(self) -> None:
        await self._writer.close()

    async def sent_last_24_hours(self, scope: Scope) -> float:
        async with self._db.read() as conn:
            sent = await quotas_repo.sent_last_24_hours(
                conn, scope.account_id, scope.region, self._clock.now()
            )
        return float(sent)

    async def _enabled_settings(self, scope: Scope) -> SendingSettings:
        settings = await self._accounts.sending_settings(scope)
        if not settings.sending_enabled:
            raise SendingPausedError(
                "Email sending is disabled for your entire Amazon SES account."
            )
        return settings

    async def _check_bulk_identities(
        self, scope: Scope, outcomes: list[AssembledMessage | DomainError], *, sandbox: bool
    ) -> list[AssembledMessage | DomainError]:
        """An unverified sender fails the call; an unverified recipient its destination."""
        assembled = [o for o in outcomes if isinstance(o, AssembledMessage)]
        senders, recipients = await self._unverified(scope, assembled, sandbox=sandbox)
        if senders:
            raise IdentityNotVerifiedError(scope.region, senders)
        failed = {
            id(message): IdentityNotVerifiedError(scope.region, addresses)
            for message, addresses in zip(assembled, recipients, strict=True)
            if addresses
        }
        return [failed.get(id(o), o) for o in outcomes]

    async def _unverified(
        self, scope: Scope, assembled: Sequence[AssembledMessage], *, sandbox: bool
    ) -> tuple[list[str], list[list[str]]]:
        """The senders not verified, and per message the recipients not verified.

        In the sandbox every recipient must be verified too, except the simulator's.
        One query answers for all the messages of a call. A sender another account's
        identity ARN vouches for is that account's to verify (sending authorization,
        which raises ``SendingNotAuthorizedError`` when its policies refuse the send).
        """
        vouched = await self._authorization.vouched_senders(scope, assembled)
        senders = list(
            dict.fromkeys(s for message in assembled for s in message.senders if s not in vouched)
        )
        to_check = [
            [r for r in message.recipients if not is_simulator_address(r)] if sandbox else []
            for message in assembled
        ]
        addresses = set(senders) | {a for group in to_check for a in group}
        candidates = {address: identity_candidates(address) for address in addresses}
        names = sorted({name for names in candidates.values() for name in names})
        verified = await self._identities.verified_names(scope, names) if names else set()

        def failed(address: str) -> bool:
            return not verified.intersection(candidates[address])

        return (
            [s for s in senders if failed(s)],
            [[r for r in group if failed(r)] for group in to_check],
        )
