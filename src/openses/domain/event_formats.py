"""SES's event records and feedback notifications, as dicts ready for ``json.dumps``.

Two envelopes that must not be mixed (Developer Guide, "Amazon SNS notification
contents" p.149-166 and "Contents of event data that Amazon SES publishes"
p.256-295):

* event publishing (configuration-set destinations): ``{"eventType": ...,
  "mail": {... "tags": ...}, "<payload>": ...}``; ``mail`` always carries the
  original headers (not for ``Rendering Failure``: the message never rendered)
  and the tags, never ``sourceIp``;
* identity feedback notifications: ``{"notificationType": ..., ...}``; ``mail``
  carries ``sourceIp``, no tags, and the headers only when the identity asked for
  them (SetIdentityHeadersInNotificationsEnabled).

Key order follows the guide's examples and payloads SES really sent (signed SNS
messages kept in public test suites): the payload comes before ``mail`` for
Bounce, Complaint and Click records and in Bounce and Complaint notifications.
JSON ignores order, but people reading logs do not.

Pure functions: the caller supplies every time, id and address.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping

from openses.domain.feedback import (
    BounceReport,
    ClickReport,
    ComplaintReport,
    DeliveryDelayReport,
    NotificationType,
    OpenReport,
    RenderingFailure,
)
from openses.domain.messages import AcceptedMessage, DeliveryOutcome, EventType

JsonObject = dict[str, object]

# AcceptedMessage.extra key naming the API operation ("SendEmail", "SendRawEmail", ...).
# SES tags events with it: a signed 2022 Complaint record has "ses:operation":["SendEmail"].
OPERATION_EXTRA_KEY = "operation"

# The Reject object's only documented reason: a virus was found (guide, "Reject object").
REJECT_REASON_BAD_CONTENT = "Bad content"

_PAYLOAD_FIRST = frozenset({EventType.BOUNCE, EventType.COMPLAINT, EventType.CLICK})
_COMMON_HEADER_ORDER = (
    "returnPath",
    "from",
    "replyTo",
    "date",
    "to",
    "cc",
    "bcc",
    "messageId",
    "subject",
)


def iso_timestamp(moment: dt.datetime) -> str:
    """``YYYY-MM-DDThh:mm:ss.sssZ`` in UTC, milliseconds truncated (guide's format)."""
    if moment.tzinfo is None:
        raise ValueError("timestamps must be timezone-aware")
    utc = moment.astimezone(dt.UTC)
    return f"{utc:%Y-%m-%dT%H:%M:%S}.{utc.microsecond // 1000:03d}Z"


def encode(document: Mapping[str, object]) -> str:
    """Compact JSON as SES publishes it (SNS ``Message``; Firehose adds a newline)."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


# --- the mail object ---------------------------------------------------------------


def mail_tags(message: AcceptedMessage, *, outgoing_ip: str | None = None) -> JsonObject:
    """``mail.tags``: SES's auto-tags, then the message's own, each ``name -> [value]``.

    Auto-tags (guide, "Event publishing", and the examples): ``ses:configuration-set``
    only when a set was used, ``ses:source-ip`` the caller's IP, ``ses:from-domain``,
    ``ses:caller-identity`` the IAM identity, ``ses:outgoing-ip`` once SES has
    tried to deliver from some IP. A tag whose value is unknown is left out. Message
    tags cannot overwrite an auto-tag.
    """
    tags: dict[str, list[str]] = {}
    operation = message.extra.get(OPERATION_EXTRA_KEY)
    auto = (
        ("ses:operation", operation if isinstance(operation, str) else ""),
        ("ses:configuration-set", message.configuration_set_name or ""),
        ("ses:source-ip", message.source_ip),
        ("ses:from-domain", _domain_of(message.from_address)),
        ("ses:caller-identity", message.caller_identity),
        ("ses:outgoing-ip", outgoing_ip or ""),
    )
    for name, value in auto:
        if value:
            tags[name] = [value]
    reserved = set(tags)
    for name, value in message.tags:
        if name not in reserved:
            tags.setdefault(name, []).append(value)
    return dict(tags)


def event_mail(
    message: AcceptedMessage, *, outgoing_ip: str | None = None, include_headers: bool = True
) -> JsonObject:
    """The ``mail`` object of an event record.

    ``commonHeaders.messageId`` falls back to SES's id when the sender wrote no
    Message-ID (guide's Send and Delivery examples; a signed 2022 record).
    """
    mail: JsonObject = {"timestamp": iso_timestamp(message.accepted_at), "source": message.source}
    if message.source_arn:
        mail["sourceArn"] = message.source_arn
    mail["sendingAccountId"] = message.sending_account_id
    mail["messageId"] = message.message_id
    mail["destination"] = list(message.recipients)
    mail["headersTruncated"] = message.headers_truncated
    if include_headers:
        mail["headers"] = _header_list(message.headers)
        mail["commonHeaders"] = _common_headers(message, fallback_message_id=message.message_id)
    mail["tags"] = mail_tags(message, outgoing_ip=outgoing_ip)
    return mail


def notification_mail(message: AcceptedMessage, *, include_headers: bool = False) -> JsonObject:
    """The ``mail`` object of a feedback notification.

    Without "include original headers", ``headersTruncated``, ``headers`` and
    ``commonHeaders`` are all absent (guide, "Mail object"). ``commonHeaders`` has
    a ``messageId`` only if the original message had a Message-ID (a signed 2022
    Bounce notification has none where the sender wrote none).
    """
    mail: JsonObject = {
        "timestamp": iso_timestamp(message.accepted_at),
        "source": message.source,
        "sourceArn": message.source_arn,
        "sourceIp": message.source_ip,
        "sendingAccountId": message.sending_account_id,
        "messageId": message.message_id,
        "destination": list(message.recipients),
    }
    if include_headers:
        mail["headersTruncated"] = message.headers_truncated
        mail["headers"] = _header_list(message.headers)
        mail["commonHeaders"] = _common_headers(message, fallback_message_id=None)
    return mail


def _header_list(headers: Iterable[tuple[str, str]]) -> list[JsonObject]:
    return [{"name": name, "value": value} for name, value in headers]


def _common_headers(message: AcceptedMessage, *, fallback_message_id: str | None) -> JsonObject:
    common = dict(message.common_headers)
    has_own_id = any(name.lower() == "message-id" for name, _ in message.headers)
    if fallback_message_id is not None:
        common.setdefault("messageId", fallback_message_id)
    elif not has_own_id:
        common.pop("messageId", None)
    ordered: JsonObject = {key: common[key] for key in _COMMON_HEADER_ORDER if key in common}
    ordered.update((key, value) for key, value in common.items() if key not in ordered)
    return ordered


def _domain_of(address: str) -> str:
    return address.rpartition("@")[2] if "@" in address else ""


# --- payload objects ---------------------------------------------------------------


def bounce_object(bounce: BounceReport) -> JsonObject:
    """``bounce``: ``reportingMTA`` only with a DSN, ``remoteMtaIp`` only if one was reached."""
    recipients: list[JsonObject] = []
    for recipient in bounce.recipients:
        entry: JsonObject = {"emailAddress": recipient.email_address}
        _put_optional(entry, "action", recipient.action)
        _put_optional(entry, "status", recipient.status)
        _put_optional(entry, "diagnosticCode", recipient.diagnostic_code)
        recipients.append(entry)
    obj: JsonObject = {
        "bounceType": str(bounce.bounce_type),
        "bounceSubType": str(bounce.bounce_sub_type),
        "bouncedRecipients": recipients,
        "timestamp": iso_timestamp(bounce.timestamp),
        "feedbackId": bounce.feedback_id,
    }
    _put_optional(obj, "reportingMTA", bounce.reporting_mta)
    _put_optional(obj, "remoteMtaIp", bounce.remote_mta_ip)
    return obj


def complaint_object(complaint: ComplaintReport) -> JsonObject:
    """``complaint``: ``complaintSubType`` is always there, ``null`` unless suppressed.

    The guide's examples omit it; its table and every signed SES record include it.
    The ARF fields appear only when the ISP attached a feedback report.
    """
    obj: JsonObject = {
        "complainedRecipients": [{"emailAddress": address} for address in complaint.recipients],
        "timestamp": iso_timestamp(complaint.timestamp),
        "feedbackId": complaint.feedback_id,
        "complaintSubType": str(complaint.sub_type) if complaint.sub_type else None,
    }
    _put_optional(obj, "userAgent", complaint.user_agent)
    if complaint.feedback_type is not None:
        obj["complaintFeedbackType"] = str(complaint.feedback_type)
    if complaint.arrival_date is not None:
        obj["arrivalDate"] = iso_timestamp(complaint.arrival_date)
    return obj


def delivery_object(message: AcceptedMessage, delivery: DeliveryOutcome) -> JsonObject:
    """``delivery``; ``processingTimeMillis`` runs from acceptance to the remote's 250."""
    elapsed = delivery.timestamp - message.accepted_at
    obj: JsonObject = {
        "timestamp": iso_timestamp(delivery.timestamp),
        "processingTimeMillis": max(0, elapsed // dt.timedelta(milliseconds=1)),
        "recipients": list(delivery.recipients),
        "smtpResponse": delivery.smtp_response,
        "reportingMTA": delivery.reporting_mta,
    }
    _put_optional(obj, "remoteMtaIp", delivery.remote_mta_ip)
    return obj


def delivery_delay_object(delay: DeliveryDelayReport) -> JsonObject:
    recipients: list[JsonObject] = []
    for recipient in delay.recipients:
        entry: JsonObject = {"emailAddress": recipient.email_address}
        _put_optional(entry, "status", recipient.status)
        _put_optional(entry, "diagnosticCode", recipient.diagnostic_code)
        recipients.append(entry)
    obj: JsonObject = {
        "timestamp": iso_timestamp(delay.timestamp),
        "delayType": str(delay.delay_type),
        "expirationTime": iso_timestamp(delay.expiration_time),
        "delayedRecipients": recipients,
    }
    _put_optional(obj, "reportingMTA", delay.reporting_mta)
    return obj


def _put_optional(target: JsonObject, key: str, value: str | None) -> None:
    if value:
        target[key] = value


# --- event records -----------------------------------------------------------------


def send_event(message: AcceptedMessage, *, include_headers: bool = True) -> JsonObject:
    """``Send``: the request was accepted; the payload is always ``{}``.

    ``include_headers`` False for a templated message that failed to render: it never
    had headers, as its ``Rendering Failure`` record shows [INF].
    """
    return _event(EventType.SEND, event_mail(message, include_headers=include_headers), {})


def reject_event(message: AcceptedMessage, reason: str = REJECT_REASON_BAD_CONTENT) -> JsonObject:
    return _event(EventType.REJECT, event_mail(message), {"reason": reason})


def delivery_event(
    message: AcceptedMessage, delivery: DeliveryOutcome, *, outgoing_ip: str | None = None
) -> JsonObject:
    mail = event_mail(message, outgoing_ip=outgoing_ip)
    return _event(EventType.DELIVERY, mail, delivery_object(message, delivery))


def bounce_event(
    message: AcceptedMessage, bounce: BounceReport, *, outgoing_ip: str | None = None
) -> JsonObject:
    mail = event_mail(message, outgoing_ip=outgoing_ip)
    return _event(EventType.BOUNCE, mail, bounce_object(bounce))


def complaint_event(
    message: AcceptedMessage, complaint: ComplaintReport, *, outgoing_ip: str | None = None
) -> JsonObject:
    mail = event_mail(message, outgoing_ip=outgoing_ip)
    return _event(EventType.COMPLAINT, mail, complaint_object(complaint))


def delivery_delay_event(
    message: AcceptedMessage,
    delay: DeliveryDelayReport,
    *,
    outgoing_ip: str | None = None,
    include_headers: bool = True,
) -> JsonObject:
    """``DeliveryDelay``. The guide's example has no headers; its table says they are there."""
    mail = event_mail(message, outgoing_ip=outgoing_ip, include_headers=include_headers)
    return _event(EventType.DELIVERY_DELAY, mail, delivery_delay_object(delay))


def rendering_failure_event(message: AcceptedMessage, failure: RenderingFailure) -> JsonObject:
    """``Rendering Failure``: the message never rendered, so ``mail`` has no headers."""
    payload: JsonObject = {
        "errorMessage": failure.error_message,
        "templateName": failure.template_name,
    }
    return _event(EventType.RENDERING_FAILURE, event_mail(message, include_headers=False), payload)


def open_event(message: AcceptedMessage, opened: OpenReport) -> JsonObject:
    payload: JsonObject = {
        "ipAddress": opened.ip_address,
        "timestamp": iso_timestamp(opened.timestamp),
        "userAgent": opened.user_agent,
    }
    return _event(EventType.OPEN, event_mail(message), payload)


def click_event(message: AcceptedMessage, click: ClickReport) -> JsonObject:
    payload: JsonObject = {
        "ipAddress": click.ip_address,
        "link": click.link,
        "linkTags": {name: list(values) for name, values in click.link_tags},
        "timestamp": iso_timestamp(click.timestamp),
        "userAgent": click.user_agent,
    }
    return _event(EventType.CLICK, event_mail(message), payload)


_PAYLOAD_KEYS: Mapping[EventType, str] = {
    EventType.SEND: "send",
    EventType.REJECT: "reject",
    EventType.DELIVERY: "delivery",
    EventType.BOUNCE: "bounce",
    EventType.COMPLAINT: "complaint",
    EventType.DELIVERY_DELAY: "deliveryDelay",
    EventType.RENDERING_FAILURE: "failure",
    EventType.OPEN: "open",
    EventType.CLICK: "click",
    EventType.SUBSCRIPTION: "subscription",
}


def _event(event_type: EventType, mail: JsonObject, payload: JsonObject) -> JsonObject:
    key = _PAYLOAD_KEYS[event_type]
    if event_type in _PAYLOAD_FIRST:
        return {"eventType": str(event_type), key: payload, "mail": mail}
    return {"eventType": str(event_type), "mail": mail, key: payload}


# --- identity feedback notifications ---------------------------------------------


def bounce_notification(
    message: AcceptedMessage, bounce: BounceReport, *, include_headers: bool = False
) -> JsonObject:
    return {
        "notificationType": str(NotificationType.BOUNCE),
        "bounce": bounce_object(bounce),
        "mail": notification_mail(message, include_headers=include_headers),
    }


def complaint_notification(
    message: AcceptedMessage, complaint: ComplaintReport, *, include_headers: bool = False
) -> JsonObject:
    return {
        "notificationType": str(NotificationType.COMPLAINT),
        "complaint": complaint_object(complaint),
        "mail": notification_mail(message, include_headers=include_headers),
    }


def delivery_notification(
    message: AcceptedMessage, delivery: DeliveryOutcome, *, include_headers: bool = False
) -> JsonObject:
    return {
        "notificationType": str(NotificationType.DELIVERY),
        "mail": notification_mail(message, include_headers=include_headers),
        "delivery": delivery_object(message, delivery),
    }
