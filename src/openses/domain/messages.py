"""Messages accepted for sending, and what happens to each recipient."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum


@dataclass(frozen=True, slots=True)
class Destination:
    to: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    bcc: tuple[str, ...] = ()

    @property
    def all(self) -> tuple[str, ...]:
        return self.to + self.cc + self.bcc


@dataclass(frozen=True, slots=True)
class AcceptedMessage:
    """A message SES accepted: what the ``mail`` object of every event describes.

    ``raw`` is the message as it will be transmitted (X-SES-* headers removed,
    our Message-ID and Date set), before DKIM signing, which happens at delivery.
    ``headers`` are the original headers, X-SES-* included, for event JSON.
    """

    message_id: str
    account_id: str
    region: str
    # The Source / envelope sender as given ("Name <a@b>" allowed): SES's mail.source.
    source: str
    # The bare address bounces and complaints go to (Return-Path / Source / From).
    feedback_address: str
    # The bare From address used for DKIM and the identity checks.
    from_address: str
    destination: Destination  # the envelope recipients, as To, Cc and Bcc
    raw: bytes
    headers: tuple[tuple[str, str], ...]
    common_headers: dict[str, object]
    accepted_at: dt.datetime
    source_arn: str
    sending_account_id: str
    source_ip: str = ""
    caller_identity: str = ""
    configuration_set_name: str | None = None
    tags: tuple[tuple[str, str], ...] = ()
    headers_truncated: bool = False
    # Mailbox-simulator sends count against the send rate but not the daily quota.
    to_simulator: bool = False
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def recipients(self) -> tuple[str, ...]:
        """Every envelope recipient, in order: SES's ``mail.destination``."""
        return self.destination.all


class RecipientStatus(StrEnum):
    QUEUED = "queued"
    DELIVERED = "delivered"
    BOUNCED = "bounced"


class BounceType(StrEnum):
    UNDETERMINED = "Undetermined"
    PERMANENT = "Permanent"
    TRANSIENT = "Transient"


class BounceSubType(StrEnum):
    UNDETERMINED = "Undetermined"
    GENERAL = "General"
    NO_EMAIL = "NoEmail"
    SUPPRESSED = "Suppressed"
    ON_ACCOUNT_SUPPRESSION_LIST = "OnAccountSuppressionList"
    MAILBOX_FULL = "MailboxFull"
    MESSAGE_TOO_LARGE = "MessageTooLarge"
    CONTENT_REJECTED = "ContentRejected"
    ATTACHMENT_REJECTED = "AttachmentRejected"


class EventType(StrEnum):
    """SES's event-publishing ``eventType`` values (Developer Guide, event publishing)."""

    SEND = "Send"
    REJECT = "Reject"
    BOUNCE = "Bounce"
    COMPLAINT = "Complaint"
    DELIVERY = "Delivery"
    DELIVERY_DELAY = "DeliveryDelay"
    RENDERING_FAILURE = "Rendering Failure"
    OPEN = "Open"
    CLICK = "Click"
    SUBSCRIPTION = "Subscription"


@dataclass(frozen=True, slots=True)
class BouncedRecipient:
    email_address: str
    action: str | None = None  # "failed"
    status: str | None = None  # enhanced status, "5.1.1"
    diagnostic_code: str | None = None  # "smtp; 550 5.1.1 user unknown"


@dataclass(frozen=True, slots=True)
class DeliveryOutcome:
    """The result of one delivery attempt for some recipients of one message."""

    recipients: tuple[str, ...]
    timestamp: dt.datetime
    smtp_response: str
    reporting_mta: str
    remote_mta_ip: str = ""
