"""What happened to a message after SES accepted it: bounces, complaints, delays, opens.

These are the inputs of the event and notification JSON (``event_formats``) and of
the send statistics. Field meanings are those of the Developer Guide's tables,
"Contents of event data that Amazon SES publishes" and "Amazon SNS notification
contents"; the names in comments are the JSON keys they become.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

from openses.domain.messages import BouncedRecipient, BounceSubType, BounceType


class NotificationType(StrEnum):
    """Identity feedback notifications' ``notificationType`` (guide, "Top-level JSON object")."""

    BOUNCE = "Bounce"
    COMPLAINT = "Complaint"
    DELIVERY = "Delivery"


class DelayType(StrEnum):
    """``deliveryDelay.delayType``.

    The guide's table spells one value ``TransientCommunicationGeneral`` but both of
    its JSON examples (and SES itself) say ``TransientCommunicationFailure``; the
    table's spelling is accepted as an alias when parsing.
    """

    INTERNAL_FAILURE = "InternalFailure"
    GENERAL = "General"
    MAILBOX_FULL = "MailboxFull"
    SPAM_DETECTED = "SpamDetected"
    RECIPIENT_SERVER_ERROR = "RecipientServerError"
    IP_FAILURE = "IPFailure"
    TRANSIENT_COMMUNICATION_FAILURE = "TransientCommunicationFailure"
    BYOIP_HOST_NAME_LOOKUP_UNAVAILABLE = "BYOIPHostNameLookupUnavailable"
    UNDETERMINED = "Undetermined"

    @classmethod
    def _missing_(cls, value: object) -> DelayType | None:
        if value == "TransientCommunicationGeneral":
            return cls.TRANSIENT_COMMUNICATION_FAILURE
        return None


class ComplaintFeedbackType(StrEnum):
    """``complaint.complaintFeedbackType``: the IANA ARF feedback types (RFC 5965 §7.3)."""

    ABUSE = "abuse"
    AUTH_FAILURE = "auth-failure"
    FRAUD = "fraud"
    NOT_SPAM = "not-spam"
    OTHER = "other"
    VIRUS = "virus"


class ComplaintSubType(StrEnum):
    """``complaint.complaintSubType``: ``null`` or this one value (guide, "Complaint object")."""

    ON_ACCOUNT_SUPPRESSION_LIST = "OnAccountSuppressionList"


@dataclass(frozen=True, slots=True)
class BounceReport:
    """A ``bounce`` object: one bounce type for one or more recipients of one message."""

    bounce_type: BounceType
    bounce_sub_type: BounceSubType
    recipients: tuple[BouncedRecipient, ...]
    timestamp: dt.datetime  # when the receiving side sent the bounce
    feedback_id: str  # SES id format: openses.mail.message_ids.format_message_id
    reporting_mta: str | None = None  # the DSN's Reporting-MTA, "dns; mta.example.com"
    remote_mta_ip: str | None = None  # only when a remote MTA was contacted


@dataclass(frozen=True, slots=True)
class ComplaintReport:
    """A ``complaint`` object. The ARF fields are set only when a report came with it."""

    recipients: tuple[str, ...]  # complainedRecipients: those who *may* have complained
    timestamp: dt.datetime  # when the ISP sent the complaint
    feedback_id: str
    sub_type: ComplaintSubType | None = None
    user_agent: str | None = None  # ARF User-Agent
    feedback_type: ComplaintFeedbackType | None = None  # ARF Feedback-Type
    arrival_date: dt.datetime | None = None  # ARF Arrival-Date / Received-Date


@dataclass(frozen=True, slots=True)
class DelayedRecipient:
    email_address: str
    status: str | None = None  # "4.4.1"
    diagnostic_code: str | None = None  # "smtp; 421 4.4.1 Unable to connect to remote host"


@dataclass(frozen=True, slots=True)
class DeliveryDelayReport:
    """A ``deliveryDelay`` object: one temporary failure that SES will retry."""

    delay_type: DelayType
    recipients: tuple[DelayedRecipient, ...]
    timestamp: dt.datetime  # when the delay happened
    expiration_time: dt.datetime  # when SES stops retrying
    reporting_mta: str | None = None  # the MTA that reported the delay


@dataclass(frozen=True, slots=True)
class RenderingFailure:
    """A ``failure`` object (eventType ``Rendering Failure``)."""

    template_name: str
    error_message: str  # "Attribute 'x' is not present in the rendering data."


@dataclass(frozen=True, slots=True)
class OpenReport:
    """An ``open`` object: the tracking pixel was fetched."""

    ip_address: str
    timestamp: dt.datetime
    user_agent: str


@dataclass(frozen=True, slots=True)
class ClickReport:
    """A ``click`` object: a tracked link was followed."""

    ip_address: str
    timestamp: dt.datetime
    user_agent: str
    link: str
    # ses:tags on the link, name -> values, in the order written.
    link_tags: tuple[tuple[str, tuple[str, ...]], ...] = field(default=())
