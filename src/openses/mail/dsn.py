"""The mail SES sends about mail: bounce DSNs, complaint reports and auto-replies.

* ``build_bounce_dsn``: the RFC 3464 delivery status notification SES forwards to
  the feedback address (Return-Path / Source) when a message finally bounces.
  Its shape follows DSNs SES really sent (kept in sisimai's test corpus): From
  ``MAILER-DAEMON@<domain>``, Subject ``Delivery Status Notification (Failure)``,
  a text part starting "An error occurred while trying to deliver the mail to
  the following recipients:", then the ``message/delivery-status`` part. The
  third part is the original's headers only (``text/rfc822-headers``): "bounce
  forwards contain headers only" (spec digest §1.14).
* ``build_complaint_report``: an RFC 5965 ARF report, as the mailbox simulator's
  complaint address sends one ("The complaint response ... is compliant with RFC
  5965", guide "Using the mailbox simulator").
* ``build_auto_reply``: an RFC 3834 out-of-office reply (the simulator's ``ooto``).

All three are sent with a null reverse-path (``MAIL FROM:<>``) so that nothing
answers them: RFC 5321 §4.5.5 for DSNs, RFC 3834 §3.3 for auto-replies; reports
follow suit. Pure functions: the caller supplies dates and Message-IDs.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage, Message, MIMEPart
from email.parser import BytesParser
from email.utils import format_datetime
from enum import StrEnum

from openses.domain.feedback import ComplaintFeedbackType

DSN_SUBJECT = "Delivery Status Notification (Failure)"
DSN_INTRO = "An error occurred while trying to deliver the mail to the following recipients:"
SIMULATOR_USER_AGENT = "Amazon SES Mailbox Simulator"  # complaint.userAgent SES reports
AUTO_REPLY_TEXT = (
    "Thank you for your message. I am out of the office and will reply when I return.\n"
)

_POLICY = policy.SMTP  # CRLF line endings, 8-bit clean, folding at 78
_TYPED_VALUE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]*;\s*")
_HEADER_END = re.compile(rb"\r?\n\r?\n")


class FeedbackMailKind(StrEnum):
    """What a ``FeedbackMail`` is, so the sender can apply SES's forwarding rules.

    DSNs and complaint reports go out only when email feedback forwarding applies
    to the message (guide: SES "sends it to you in an email or sends a
    notification to an Amazon SNS topic"); an auto-reply is the recipient's own
    answer and always goes to the Return-Path.
    """

    BOUNCE_DSN = "bounce-dsn"
    COMPLAINT_REPORT = "complaint-report"
    AUTO_REPLY = "auto-reply"


@dataclass(frozen=True, slots=True)
class Addressing:
    """The header fields every generated message needs."""

    sender: str  # From, e.g. mailer_daemon("amazonses.com")
    recipient: str  # To, and the envelope recipient: the feedback address
    date: dt.datetime  # timezone-aware
    message_id: str  # "<id@domain>", fresh for this message


@dataclass(frozen=True, slots=True)
class FeedbackMail:
    """A generated message and its SMTP envelope."""

    kind: FeedbackMailKind
    envelope_sender: str  # "" is the null reverse-path
    envelope_recipient: str
    message: EmailMessage

    def as_bytes(self) -> bytes:
        return self.message.as_bytes(policy=_POLICY)


@dataclass(frozen=True, slots=True)
class FailedRecipient:
    """One per-recipient block of a DSN (RFC 3464 §2.3)."""

    address: str  # Final-Recipient; an "rfc822;" prefix is tolerated, never doubled
    status: str  # enhanced status code, "5.1.1"
    diagnostic_code: str | None = None  # "smtp; 550 5.1.1 user unknown" ("smtp; " added)
    remote_mta: str | None = None  # host name or IP address of the MTA that refused
    last_attempt: dt.datetime | None = None
    action: str = "failed"


def mailer_daemon(domain: str) -> str:
    """The From of SES's DSNs: ``MAILER-DAEMON@amazonses.com`` on AWS."""
    return f"MAILER-DAEMON@{domain}"


def build_bounce_dsn(
    original: bytes,
    recipients: Sequence[FailedRecipient],
    *,
    addressing: Addressing,
    reporting_mta: str,
    arrival_date: dt.datetime,
) -> FeedbackMail:
    """A ``multipart/report; report-type=delivery-status`` for ``recipients``.

    ``original`` is the message as SES transmitted it; ``reporting_mta`` the host
    name of the MTA that gave up (``dns; `` is added unless a type is given).
    """
    if not recipients:
        raise ValueError("a DSN reports at least one recipient")
    addresses = [_bare_address(recipient.address) for recipient in recipients]
    notice = _text_part("\n".join([DSN_INTRO, *addresses]) + "\n", "Notification")
    status = _report_part("message/delivery-status", "Delivery Status Notification")
    per_message = _field_block(
        ("Reporting-MTA", _typed(reporting_mta, "dns")),
        ("Arrival-Date", format_datetime(_utc(arrival_date))),
    )
    status.set_payload([per_message, *(_recipient_block(r) for r in recipients)])
    headers = _original_headers_part(original)
    message = _report(addressing, DSN_SUBJECT, "delivery-status", [notice, status, headers])
    return FeedbackMail(FeedbackMailKind.BOUNCE_DSN, "", addressing.recipient, message)


def build_complaint_report(
    original: bytes,
    *,
    addressing: Addressing,
    original_mail_from: str,
    original_rcpt_to: str,
    arrival_date: dt.datetime,
    user_agent: str = SIMULATOR_USER_AGENT,
    feedback_type: ComplaintFeedbackType = ComplaintFeedbackType.ABUSE,
    source_ip: str | None = None,
) -> FeedbackMail:
    """An RFC 5965 ``multipart/report; report-type=feedback-report``.

    The second part carries the required Feedback-Type, User-Agent and Version
    (§3.1) and the optional Original-Mail-From, Original-Rcpt-To, Arrival-Date
    and Source-IP; the third part is the whole original message (§2 (d)).
    """
    rcpt = _bare_address(original_rcpt_to)
    notice = _text_part(
        f"This is an email abuse report for an email message sent to {rcpt}"
        f" on {format_datetime(_utc(arrival_date))}.\n",
        "Notification",
    )
    fields = [
        ("Feedback-Type", str(feedback_type)),
        ("User-Agent", user_agent),
        ("Version", "1"),
        ("Original-Mail-From", f"<{_bare_address(original_mail_from)}>"),
        ("Original-Rcpt-To", f"<{rcpt}>"),
        ("Arrival-Date", format_datetime(_utc(arrival_date))),
    ]
    if source_ip:
        fields.append(("Source-IP", source_ip))
    report = _report_part("message/feedback-report", "Feedback Report")
    report.set_payload([_field_block(*fields)])
    attached = _report_part("message/rfc822", "Original Message")
    attached.set_payload([_parse(original)])
    subject = f"FW: {_original_subject(original)}".rstrip()
    message = _report(addressing, subject, "feedback-report", [notice, report, attached])
    return FeedbackMail(FeedbackMailKind.COMPLAINT_REPORT, "", addressing.recipient, message)


def build_auto_reply(
    original: bytes, *, addressing: Addressing, text: str = AUTO_REPLY_TEXT
) -> FeedbackMail:
    """An RFC 3834 automatic response: ``Auto-Submitted: auto-replied`` (§5),
    ``In-Reply-To`` and ``References`` naming the original (§3.1.4), and the
    suggested ``Auto:`` subject prefix (§3.1.5).
    """
    parsed = _parse(original)
    message = EmailMessage(policy=_POLICY)
    _put_addressing(message, addressing, f"Auto: {_original_subject(original)}".rstrip())
    original_id = str(parsed.get("Message-ID", "")).strip()
    if original_id:
        earlier = str(parsed.get("References", "")).split()
        message["In-Reply-To"] = original_id
        message["References"] = " ".join([*earlier, original_id])
    message["Auto-Submitted"] = "auto-replied"
    message.set_content(text, charset=_charset(text), cte=_cte(text))
    return FeedbackMail(FeedbackMailKind.AUTO_REPLY, "", addressing.recipient, message)


# --- message parts ---------------------------------------------------------------


def _report(
    addressing: Addressing, subject: str, report_type: str, parts: list[Message]
) -> EmailMessage:
    message = EmailMessage(policy=_POLICY)
    _put_addressing(message, addressing, subject)
    message["Auto-Submitted"] = "auto-replied"
    message["MIME-Version"] = "1.0"
    boundary = f"----=_Part_{uuid.uuid4().hex}"
    message["Content-Type"] = f'multipart/report; report-type={report_type}; boundary="{boundary}"'
    payload: list[Message | str] = [*parts]
    message.set_payload(payload)
    return message


def _put_addressing(message: EmailMessage, addressing: Addressing, subject: str) -> None:
    if not (addressing.message_id.startswith("<") and addressing.message_id.endswith(">")):
        raise ValueError("message_id must be a Message-ID header value, '<id@domain>'")
    message["From"] = addressing.sender
    message["To"] = addressing.recipient
    message["Subject"] = subject
    message["Date"] = format_datetime(_utc(addressing.date))
    message["Message-ID"] = addressing.message_id


def _text_part(text: str, description: str) -> MIMEPart:
    part = MIMEPart(policy=_POLICY)
    part.set_content(text, charset=_charset(text), cte=_cte(text))
    part["Content-Description"] = description
    return part


def _report_part(content_type: str, description: str) -> MIMEPart:
    part = MIMEPart(policy=_POLICY)
    part["Content-Type"] = content_type
    part["Content-Description"] = description
    return part


def _field_block(*fields: tuple[str, str]) -> Message:
    """One group of ``Name: value`` lines inside a report part."""
    block = Message(policy=_POLICY)
    for name, value in fields:
        block[name] = value
    return block


def _recipient_block(recipient: FailedRecipient) -> Message:
    fields = [
        ("Final-Recipient", f"rfc822; {_bare_address(recipient.address)}"),
        ("Action", recipient.action),
        ("Status", recipient.status),
    ]
    if recipient.remote_mta:
        fields.append(("Remote-MTA", f"dns; {_mta_name(recipient.remote_mta)}"))
    if recipient.diagnostic_code:
        fields.append(("Diagnostic-Code", _typed(_one_line(recipient.diagnostic_code), "smtp")))
    if recipient.last_attempt is not None:
        fields.append(("Last-Attempt-Date", format_datetime(_utc(recipient.last_attempt))))
    return _field_block(*fields)


def _original_headers_part(original: bytes) -> MIMEPart:
    part = _report_part("text/rfc822-headers", "Undelivered Message Headers")
    block = _HEADER_END.split(original, maxsplit=1)[0]
    text = block.decode("utf-8", errors="replace").rstrip("\r\n") + "\n"
    if text.isascii():
        part.set_payload(text)
    else:
        part.set_payload(text, charset="utf-8")
    return part


# --- values ----------------------------------------------------------------------


def _bare_address(value: str) -> str:
    """``x@y`` from ``x@y``, ``<x@y>``, ``rfc822; x@y`` or ``rfc822;<x@y>``."""
    text = value.strip()
    if text.lower().startswith("rfc822;"):
        text = text[len("rfc822;") :].strip()
    return text.removeprefix("<").removesuffix(">").strip()


def _typed(value: str, default_type: str) -> str:
    """``type; value`` as RFC 3464 fields want it, adding ``default_type`` if absent."""
    text = value.strip()
    return text if _TYPED_VALUE.match(text) else f"{default_type}; {text}"


def _mta_name(host_or_ip: str) -> str:
    """A host name as is; an address as an RFC 5321 literal, ``[192.0.2.1]`` as SES
    writes it, ``[IPv6:2001:db8::1]``.
    """
    text = host_or_ip.strip().removeprefix("[").removesuffix("]")
    try:
        address = ipaddress.ip_address(text.removeprefix("IPv6:"))
    except ValueError:
        return text
    return f"[IPv6:{address}]" if address.version == 6 else f"[{address}]"


def _one_line(text: str) -> str:
    """Multi-line SMTP replies become one header value; the header folds where needed."""
    return " ".join(line.strip() for line in text.splitlines() if line.strip())


def _charset(text: str) -> str:
    return "us-ascii" if text.isascii() else "utf-8"


def _cte(text: str) -> str:
    """7bit for ASCII text, as SES's DSNs are; quoted-printable otherwise."""
    return "7bit" if text.isascii() else "quoted-printable"


def _utc(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        raise ValueError("dates must be timezone-aware")
    return moment.astimezone(dt.UTC)


def _parse(original: bytes) -> Message:
    return BytesParser(policy=_POLICY).parsebytes(original)


def _original_subject(original: bytes) -> str:
    return str(_parse(original).get("Subject", "")).strip()
