"""What a door asks of the sending service: one message, or a bulk send of templated ones."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from openses.domain.errors import DomainError
from openses.domain.messages import Destination
from openses.domain.templates import TemplateContent
from openses.mail.compose import SimpleMessage
from openses.mail.inspect import V2_API_LIMITS, MessageLimits


@dataclass(frozen=True, slots=True)
class TemplateToRender:
    """A template and the data to render it with, for one message.

    ``template_name`` is what a Rendering Failure event reports: the stored
    template's name, or "" for v2 inline ``TemplateContent``, which has none.
    """

    content: TemplateContent
    data: Mapping[str, Any]
    template_name: str


@dataclass(frozen=True, slots=True)
class SendRequest:
    """One send, from any door. Exactly one of ``simple`` and ``raw`` is given.

    With ``template``, ``simple`` is the envelope (addresses, Reply-To, custom
    headers, attachments) and its subject and bodies come from rendering the template.
    """

    simple: SimpleMessage | None = None
    raw: bytes | None = None
    limits: MessageLimits = V2_API_LIMITS
    # v1 Source / v2 FromEmailAddress as given (a display name is allowed).
    source: str | None = None
    # Explicit envelope recipients (v1 Destination(s), v2 Destination); else the headers'.
    destination: Destination | None = None
    # v1 ReturnPath / v2 FeedbackForwardingEmailAddress.
    feedback_address: str | None = None
    # Sending authorization (services/delegation): v1 SourceArn / v2
    # FromEmailAddressIdentityArn, v1 FromArn, v1 ReturnPathArn / v2
    # FeedbackForwardingEmailAddressIdentityArn. The X-SES-*-ARN headers fill the gaps.
    source_arn: str | None = None
    from_arn: str | None = None
    return_path_arn: str | None = None
    configuration_set_name: str | None = None
    tags: tuple[tuple[str, str], ...] = ()
    source_ip: str = ""
    caller_identity: str = ""
    # The API operation, for the ses:operation tag of events ("SendEmail", "SendRawEmail").
    operation: str = ""
    template: TemplateToRender | None = None


@dataclass(frozen=True, slots=True)
class BulkDestination:
    """One destination of a bulk send (v1 ``BulkEmailDestination``, v2 ``BulkEmailEntry``)."""

    destination: Destination
    # ReplacementTemplateData as given (JSON text); None or "{}" means the defaults.
    replacement_data: str | None = None
    replacement_tags: tuple[tuple[str, str], ...] = ()
    replacement_headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class BulkSendRequest:
    """A bulk send: ``base`` carries what all destinations share (sender, template with
    the default data, default tags and headers); each destination becomes one message."""

    base: SendRequest
    destinations: tuple[BulkDestination, ...]


@dataclass(frozen=True, slots=True)
class BulkEntryResult:
    """What happened to one destination: its message id, or the error that stopped it."""

    message_id: str | None = None
    error: DomainError | None = None
