"""Turning one send request into the message SES accepts, with its first events.

No I/O: the caller checks identities and commits. For a templated request the
template is rendered here. A render that fails does not fail the call: SES "might
accept the message, but won't be able to deliver it" (guide, "Part 1: Set up
Rendering Failure event notifications"), so the message is accepted without content
or queue entries, with a ``Send`` and then a ``Rendering Failure`` event. Every
check the call itself makes (addresses, headers, recipients) still runs, on the
message composed with empty content.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from openses.domain import event_formats
from openses.domain.clock import Clock
from openses.domain.errors import (
    ConfigurationSetDoesNotExistError,
    InvalidParameterError,
    TemplateRenderingError,
)
from openses.domain.feedback import RenderingFailure
from openses.domain.messages import AcceptedMessage, Destination
from openses.mail.addresses import Mailbox, parse_mailbox
from openses.mail.compose import Content, compose_simple_message
from openses.mail.inspect import inspect_raw_message
from openses.mail.message_ids import SES_MESSAGE_ID_DOMAIN
from openses.mail.simulator import simulator_scenario
from openses.mail.virus_scan import carries_known_malware
from openses.services.acceptance import Acceptance
from openses.services.delegation import (
    SenderFacts,
    SendingArns,
    authorization_action,
    request_arns,
    sender_claims,
)
from openses.services.events import event_record
from openses.services.scope import Scope
from openses.services.send_requests import SendRequest, TemplateToRender
from openses.services.template_rendering import render_template

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
    # Sending authorization: the X-SES-*-ARN headers, and the From's display name.
    arns: SendingArns = field(default_factory=SendingArns)
    from_display_name: str | None = None


@dataclass(frozen=True, slots=True)
class AssembledMessage:
    """An accepted-to-be message and the addresses whose identities must be verified."""

    acceptance: Acceptance
    senders: tuple[str, ...]
    recipients: tuple[str, ...]
    sender_facts: SenderFacts | None = None  # what sending authorization checks

    @property
    def message_id(self) -> str:
        return self.acceptance.message.message_id


def is_simulator_address(address: str) -> bool:
    return simulator_scenario(address) is not None


class MessageAssembler:
    def __init__(
        self,
        clock: Clock,
        *,
        new_message_id: Callable[[], str],
        message_id_domain: str = SES_MESSAGE_ID_DOMAIN,
    ) -> None:
        self._clock = clock
        self._new_message_id = new_message_id
        self._message_id_domain = message_id_domain

    def assemble(self, scope: Scope, request: SendRequest) -> AssembledMessage:
        """The message for ``request``, or the SES error the call answers."""
        message_id = self._new_message_id()
        now = self._clock.now()
        # The Source parameter, parsed once: its address and its display name.
        source = source_mailbox(request.source) if request.source else None
        source_address = source.addr_spec if source else None
        request, failure = _rendered(request)
        prepared = self._prepare(
            request, message_id, now, source_address, source.display_name if source else None
        )
        envelope = _envelope(request, prepared, source_address)
        facts = _sender_facts(request, prepared, envelope)
        message = AcceptedMessage(
            message_id=message_id,
            account_id=scope.account_id,
            region=scope.region,
            source=request.source or envelope.source_address,
            feedback_address=envelope.feedback_address,
            from_address=envelope.from_address,
            destination=envelope.destination,
            raw=prepared.raw,
            headers=prepared.headers,
            common_headers=prepared.common_headers,
            accepted_at=now,
            # A delegate's message carries the owner's identity ARN (guide, "sourceArn").
            source_arn=facts.arns.source
            or facts.arns.from_
            or f"arn:aws:ses:{scope.region}:{scope.account_id}:identity/{envelope.source_address}",
            sending_account_id=scope.account_id,
            source_ip=request.source_ip,
            caller_identity=request.caller_identity,
            configuration_set_name=None,  # none can exist yet: see _envelope
            tags=request.tags or prepared.tags,
            headers_truncated=prepared.headers_truncated,
            to_simulator=all(is_simulator_address(r) for r in envelope.recipients),
            extra={event_formats.OPERATION_EXTRA_KEY: request.operation}
            if request.operation
            else {},
        )
        acceptance = _acceptance(message, envelope.recipients, failure, now)
        return AssembledMessage(acceptance, envelope.senders, envelope.recipients, facts)

    def _prepare(
        self,
        request: SendRequest,
        message_id: str,
        now: dt.datetime,
        source: str | None,
        source_display_name: str | None,
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
                from_display_name=source_display_name,
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
            arns=SendingArns(
                inspected.control.source_arn,
                inspected.control.from_arn,
                inspected.control.return_path_arn,
            ),
            from_display_name=(addresses.from_[0].display_name if addresses.from_ else None)
            or source_display_name,
        )


@dataclass(frozen=True, slots=True)
class _Envelope:
    destination: Destination
    recipients: tuple[str, ...]
    source_address: str
    from_address: str
    feedback_address: str
    senders: tuple[str, ...]


def _envelope(
    request: SendRequest, prepared: PreparedMessage, source_address: str | None
) -> _Envelope:
    """Who the message is from and to, with SES's checks of both."""
    # Parameters win over the X-SES-* headers (Developer Guide, event publishing).
    configuration_set = request.configuration_set_name or prepared.configuration_set_name
    if configuration_set:
        # Configuration sets arrive with their own issue; none can exist yet.
        raise ConfigurationSetDoesNotExistError(configuration_set)
    destination = request.destination or prepared.header_destination
    recipients = unique(destination.all)
    if not recipients:
        raise InvalidParameterError("There are no recipients specified.")
    if len(recipients) > MAX_RECIPIENTS:
        raise InvalidParameterError(f"Recipient count exceeds {MAX_RECIPIENTS}.")
    from_address = (prepared.from_addresses or (source_address,))[0]
    if not from_address:
        raise InvalidParameterError("Missing required header 'From'.")
    # Feedback goes to the ReturnPath parameter, else the Source parameter, else the
    # Return-Path header, else From (digest §6, test 12).
    feedback = request.feedback_address or source_address or prepared.return_path or from_address
    source_address = source_address or from_address
    senders = unique(
        [source_address, *prepared.from_addresses, prepared.sender or "",
         prepared.return_path or "", request.feedback_address or ""]
    )  # fmt: skip
    return _Envelope(
        destination, tuple(recipients), source_address, from_address, feedback, tuple(senders)
    )


def _sender_facts(
    request: SendRequest, prepared: PreparedMessage, envelope: _Envelope
) -> SenderFacts:
    claims = sender_claims(
        source=envelope.source_address,
        from_addresses=prepared.from_addresses,
        sender=prepared.sender,
        return_path=prepared.return_path,
        feedback_parameter=request.feedback_address,
    )
    return SenderFacts(
        arns=request_arns(request).over(prepared.arns),
        claims=claims,
        action=authorization_action(request),
        from_address=envelope.from_address,
        from_display_name=prepared.from_display_name,
        feedback_address=envelope.feedback_address,
        recipients=envelope.recipients,
        source_ip=request.source_ip,
    )


def _rendered(request: SendRequest) -> tuple[SendRequest, RenderingFailure | None]:
    """``request`` with its template rendered into its Simple content.

    On a rendering failure the content is left empty (the message is composed only
    for the call's own checks) and the failure is returned for its event.
    """
    template = request.template
    if template is None:
        return request, None
    if request.simple is None:
        raise InvalidParameterError("A templated message needs an envelope.")
    try:
        rendered = render_template(
            template.content, template.data, template_name=template.template_name
        )
    except TemplateRenderingError as error:
        simple = dataclasses.replace(request.simple, subject=Content(""), text=Content(""))
        return dataclasses.replace(request, simple=simple), _failure(template, error)
    simple = dataclasses.replace(
        request.simple,
        subject=Content(rendered.subject),
        text=None if rendered.text is None else Content(rendered.text),
        html=None if rendered.html is None else Content(rendered.html),
    )
    return dataclasses.replace(request, simple=simple), None


def _failure(template: TemplateToRender, error: TemplateRenderingError) -> RenderingFailure:
    return RenderingFailure(template_name=template.template_name, error_message=error.message)


def _acceptance(
    message: AcceptedMessage,
    recipients: Sequence[str],
    failure: RenderingFailure | None,
    now: dt.datetime,
) -> Acceptance:
    if failure is None:
        send = event_record(message, event_formats.send_event(message), occurred_at=now)
        if carries_known_malware(message.raw):
            # Accepted (the caller gets its message id) and counted, then rejected:
            # a Reject event and nothing delivered, as SES does with a virus.
            reject = event_record(message, event_formats.reject_event(message), occurred_at=now)
            return Acceptance(message, recipients, (send, reject), deliver=False)
        return Acceptance(message, recipients, (send,))
    # Nothing was rendered: no content, no headers, nothing to deliver.
    message = dataclasses.replace(message, raw=b"", headers=(), common_headers={})
    send_document = event_formats.send_event(message, include_headers=False)
    failure_document = event_formats.rendering_failure_event(message, failure)
    events = (
        event_record(message, send_document, occurred_at=now),
        event_record(message, failure_document, occurred_at=now),
    )
    return Acceptance(message, recipients, events, deliver=False)


def source_mailbox(text: str) -> Mailbox:
    """The one mailbox of a "Name <a@b>" parameter; SES's address error when it has none."""
    parsed = parse_mailbox(text)
    if parsed.first_problem is not None:
        raise InvalidParameterError(parsed.first_problem.message)
    if not parsed.mailboxes:
        raise InvalidParameterError("Missing final '@domain'")
    return parsed.mailboxes[0]


def bare_address(text: str) -> str:
    """The addr-spec of a "Name <a@b>" mailbox; SES's address error when it has none."""
    return source_mailbox(text).addr_spec


def unique(addresses: Sequence[str]) -> list[str]:
    seen: dict[str, None] = {}
    for address in addresses:
        if address and address not in seen:
            seen[address] = None
    return list(seen)
