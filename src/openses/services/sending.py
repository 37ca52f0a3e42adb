"""Accepting messages for sending, with SES's rules, durably.

One path for every door (v1 SendEmail/SendRawEmail, v2 SendEmail, and later
SMTP): build or inspect the message, check the senders (and in the sandbox the
recipients) against verified identities, take the recipients from the send
quotas, then store the message, one queue entry per recipient and the ``Send``
event in one transaction. The caller hears "accepted" only after that commit.
A throttled message is never stored: clients retry throttles themselves.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from openses.domain import event_formats
from openses.domain.clock import Clock
from openses.domain.errors import (
    ConfigurationSetDoesNotExistError,
    IdentityNotVerifiedError,
    InvalidParameterError,
    SendingPausedError,
)
from openses.domain.identities import identity_candidates
from openses.domain.messages import AcceptedMessage, Destination
from openses.mail.addresses import parse_mailbox
from openses.mail.compose import SimpleMessage, compose_simple_message
from openses.mail.inspect import V2_API_LIMITS, MessageLimits, inspect_raw_message
from openses.mail.message_ids import SES_MESSAGE_ID_DOMAIN
from openses.mail.simulator import simulator_scenario
from openses.services.acceptance import AcceptanceWriter
from openses.services.accounts import AccountService
from openses.services.events import event_record
from openses.services.identities import IdentityService
from openses.services.scope import Scope
from openses.storage.engine import Database
from openses.storage.repositories import quotas as quotas_repo

MAX_RECIPIENTS = 50  # Developer Guide, quotas: "50 recipients per message"


@dataclass(frozen=True, slots=True)
class PreparedMessage:
    """A message ready to be accepted: built from Simple content or inspected from raw."""

    raw: bytes
    headers: tuple[tuple[str, str], ...]
    common_headers: dict[str, object]
    from_addresses: tuple[str, ...]
    sender: str | None = None
    return_path: str | None = None
    header_destination: Destination = field(default_factory=Destination)
    configuration_set_name: str | None = None
    tags: tuple[tuple[str, str], ...] = ()
    headers_truncated: bool = False


@dataclass(frozen=True, slots=True)
class SendRequest:
    """One send, from any door. Exactly one of ``simple`` and ``raw`` is given."""

    simple: SimpleMessage | None = None
    raw: bytes | None = None
    limits: MessageLimits = V2_API_LIMITS
    # v1 Source / v2 FromEmailAddress as given (a display name is allowed).
    source: str | None = None
    # Explicit envelope recipients (v1 Destination(s), v2 Destination); else the headers'.
    destination: Destination | None = None
    # v1 ReturnPath / v2 FeedbackForwardingEmailAddress.
    feedback_address: str | None = None
    configuration_set_name: str | None = None
    tags: tuple[tuple[str, str], ...] = ()
    source_ip: str = ""
    caller_identity: str = ""
    # The API operation, for the ses:operation tag of events ("SendEmail", "SendRawEmail").
    operation: str = ""


def is_simulator_address(address: str) -> bool:
    return simulator_scenario(address) is not None


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
    ) -> None:
        self._message_id_domain = message_id_domain
        self._writer = AcceptanceWriter(database, clock)
        self._db = database
        self._clock = clock
        self._accounts = accounts
        self._identities = identities
        self._new_message_id = new_message_id
        # Wakes the in-process delivery worker so it need not wait for its next poll.
        self._on_accepted = on_accepted

    async def send(self, scope: Scope, request: SendRequest) -> str:
        """Accept the message and return its SES message id, or raise the SES error."""
        settings = await self._accounts.sending_settings(scope)
        if not settings.sending_enabled:
            raise SendingPausedError(
                "Email sending is disabled for your entire Amazon SES account."
            )
        message_id = self._new_message_id()
        now = self._clock.now()
        source_address = _bare_address(request.source) if request.source else None
        prepared = self._prepare(request, message_id, now, source_address)
        # Parameters win over the X-SES-* headers (Developer Guide, event publishing).
        configuration_set = request.configuration_set_name or prepared.configuration_set_name
        if configuration_set:
            # Configuration sets arrive with their own issue; none can exist yet.
            raise ConfigurationSetDoesNotExistError(configuration_set)
        destination = request.destination or prepared.header_destination
        recipients = _unique(destination.all)
        if not recipients:
            raise InvalidParameterError("There are no recipients specified.")
        if len(recipients) > MAX_RECIPIENTS:
            raise InvalidParameterError(f"Recipient count exceeds {MAX_RECIPIENTS}.")
        from_address = (prepared.from_addresses or (source_address,))[0]
        if not from_address:
            raise InvalidParameterError("Missing required header 'From'.")
        # Feedback goes to the ReturnPath parameter, else the Source parameter, else the
        # Return-Path header, else From (digest §6, test 12).
        feedback = (
            request.feedback_address or source_address or prepared.return_path or from_address
        )
        source_address = source_address or from_address
        senders = _unique(
            [source_address, *prepared.from_addresses, prepared.sender or "",
             prepared.return_path or "", request.feedback_address or ""]
        )  # fmt: skip
        await self._check_identities(scope, senders, recipients, sandbox=settings.sandbox)
        message = AcceptedMessage(
            message_id=message_id,
            account_id=scope.account_id,
            region=scope.region,
            source=request.source or source_address,
            feedback_address=feedback,
            from_address=from_address,
            destination=destination,
            raw=prepared.raw,
            headers=prepared.headers,
            common_headers=prepared.common_headers,
            accepted_at=now,
            source_arn=self._source_arn(scope, source_address),
            sending_account_id=scope.account_id,
            source_ip=request.source_ip,
            caller_identity=request.caller_identity,
            configuration_set_name=configuration_set,
            tags=request.tags or prepared.tags,
            headers_truncated=prepared.headers_truncated,
            to_simulator=all(is_simulator_address(r) for r in recipients),
            extra={event_formats.OPERATION_EXTRA_KEY: request.operation}
            if request.operation
            else {},
        )
        send_event = event_record(message, event_formats.send_event(message), occurred_at=now)
        await self._writer.accept(settings, message, recipients, send_event)
        self._on_accepted()
        return message.message_id

    async def close(self) -> None:
        await self._writer.close()

    async def sent_last_24_hours(self, scope: Scope) -> float:
        async with self._db.read() as conn:
            sent = await quotas_repo.sent_last_24_hours(
                conn, scope.account_id, scope.region, self._clock.now()
            )
        return float(sent)

    def _prepare(
        self, request: SendRequest, message_id: str, now: dt.datetime, source: str | None
    ) -> PreparedMessage:
        if request.simple is not None:
            composed = compose_simple_message(
                request.simple,
                ses_message_id=message_id,
                accepted_at=now,
                message_id_domain=self._message_id_domain,
            )
            return PreparedMessage(
                raw=composed.data,
                headers=tuple((field.name, field.value) for field in composed.headers),
                common_headers=composed.common_headers,
                from_addresses=(source,) if source else (),
            )
        if request.raw is None:
            raise InvalidParameterError("The message has no content.")
        inspected = inspect_raw_message(
            request.raw,
            ses_message_id=message_id,
            accepted_at=now,
            limits=request.limits,
            source=source,
            message_id_domain=self._message_id_domain,
        )
        addresses = inspected.addresses
        return PreparedMessage(
            raw=inspected.transmitted,
            headers=tuple((field.name, field.value) for field in inspected.headers),
            common_headers=inspected.common_headers,
            from_addresses=tuple(mailbox.addr_spec for mailbox in addresses.from_),
            sender=addresses.sender.addr_spec if addresses.sender else None,
            return_path=addresses.return_path.addr_spec if addresses.return_path else None,
            header_destination=Destination(
                tuple(m.addr_spec for m in addresses.to),
                tuple(m.addr_spec for m in addresses.cc),
                tuple(m.addr_spec for m in addresses.bcc),
            ),
            configuration_set_name=inspected.control.configuration_set,
            tags=tuple((tag.name, tag.value) for tag in inspected.control.message_tags),
        )

    def _source_arn(self, scope: Scope, address: str) -> str:
        return f"arn:aws:ses:{scope.region}:{scope.account_id}:identity/{address}"

    async def _check_identities(
        self, scope: Scope, senders: Sequence[str], recipients: Sequence[str], *, sandbox: bool
    ) -> None:
        to_check = list(senders)
        if sandbox:
            # In the sandbox every recipient must be verified too, except the simulator's.
            to_check += [r for r in recipients if not is_simulator_address(r)]
        candidates = {address: identity_candidates(address) for address in to_check}
        names = sorted({name for names in candidates.values() for name in names})
        verified = await self._identities.verified_names(scope, names)
        failed = [a for a, names in candidates.items() if not verified.intersection(names)]
        if failed:
            raise IdentityNotVerifiedError(scope.region, failed)


def _bare_address(text: str) -> str:
    """The addr-spec of a "Name <a@b>" mailbox; SES's address error when it has none."""
    parsed = parse_mailbox(text)
    if parsed.first_problem is not None:
        raise InvalidParameterError(parsed.first_problem.message)
    if not parsed.mailboxes:
        raise InvalidParameterError("Missing final '@domain'")
    return parsed.mailboxes[0].addr_spec


def _unique(addresses: Sequence[str]) -> list[str]:
    seen: dict[str, None] = {}
    for address in addresses:
        if address and address not in seen:
            seen[address] = None
    return list(seen)
