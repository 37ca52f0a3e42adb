"""Checking a raw message as SendRawEmail, SendEmail (Raw content) and SMTP DATA do,
and producing the bytes SES transmits.

Sources are tagged as in the spec digest: [SEED] the Developer Guide in
``shared/seeds``; [ISSUE] a public report quoting SES's answer (repository#number);
[INF] no SES text found — our wording, to be replaced when one is seen.

SMTP replies: SES answers a refused DATA with ``554 Transaction failed: <text>``
for the InvalidParameterValue kind ([ISSUE] Drewster727/goes-notify#10: "554
Transaction failed: Duplicate header 'MIME-Version'."; twilio/OpenVBX#255) and
``554 Message rejected: <text>`` for the MessageRejected kind ([SEED] "SMTP
response codes"), except the size limit, ``552 Message is too long.`` ([SEED]).
"""

from __future__ import annotations

import datetime as dt
import email.utils
import enum
import re
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Final

from openses.mail.common_headers import build_common_headers
from openses.mail.errors import MailRuleError, MessageFormatError, MessageRejectedError
from openses.mail.header_block import HeaderBlock, HeaderField, HeaderProblemKind
from openses.mail.header_block import parse_header_block as _parse_header_block
from openses.mail.message_addresses import MessageAddresses, read_addresses
from openses.mail.message_ids import SES_MESSAGE_ID_DOMAIN, message_id_header_value
from openses.mail.mime_walk import summarize_mime
from openses.mail.ses_headers import SesControlHeaders, extract_control_headers, is_control_header
from openses.mail.ses_lists import SINGLE_INSTANCE_BY_LOWER, blocked_extension


class RejectionKind(enum.Enum):
    FORMAT = "InvalidParameterValue"  # v2: BadRequestException
    REJECTED = "MessageRejected"


@dataclass(frozen=True)
class Rejection:
    kind: RejectionKind
    template: str
    source: str
    smtp_reply: str | None = None  # when SMTP does not answer "554 <prefix>: <text>"


_F, _R = RejectionKind.FORMAT, RejectionKind.REJECTED

# Every text SES gives when it refuses a message, with where it was found.
REJECTIONS: Final = MappingProxyType(
    {
        "duplicate_header": Rejection(
            _F,
            "Duplicate header '{name}'.",
            "[ISSUE] arithmetric/aws-lambda-ses-forwarder#11 ('DKIM-Signature'), #111, "
            "WPManageNinja/fluent-smtp#64 ('List-Unsubscribe'); list: [SEED] 'Amazon SES "
            "header fields' + List-Unsubscribe-Post (current guide)",
        ),
        "missing_from": Rejection(
            _F,
            "Missing required header 'From'.",
            "[ISSUE] loopingz/aws-smtp-relay#6, aws/aws-sdk-php#68",
        ),
        "empty_header_name": Rejection(
            _F,
            "Empty header names are illegal.",
            "[ISSUE] aws/aws-sdk-js#4121, arithmetric/aws-lambda-ses-forwarder#123",
        ),
        "malformed_header": Rejection(
            _F, "Illegal header '{name}'.", "[ISSUE] twilio/OpenVBX#255 (shape of the text)"
        ),
        "header_section_too_long": Rejection(
            _F, "Header section too long.", "[ISSUE] aws/aws-sdk-php#981"
        ),
        "header_line_too_long": Rejection(
            _F,
            "Header line too long: '{name}'.",
            "[INF] limit: RFC 5322 2.1.1 and the RawMessage docs (1,000 with CRLF)",
        ),
        "message_too_long": Rejection(
            _F,
            "Message length is more than {limit} bytes long: '{size}'.",
            "[ISSUE] aws/aws-sdk-go-v2#1774; limits [SEED] S3: 10 MB v1, 40 MB v2/SMTP",
            smtp_reply="552 Message is too long.",
        ),
        "too_many_mime_parts": Rejection(
            _F,
            "Message has more than {limit} MIME parts.",
            "[INF] limit [SEED] S3 'MIME parts: 500'",
        ),
        "illegal_attachment": Rejection(
            _R,
            "Illegal attachment type '{extension}' in file '{filename}'.",
            "[INF] list [SEED] 'Amazon SES unsupported attachment types'",
        ),
        "address": Rejection(_F, "{detail}", "JavaMail texts, see openses.mail.address_problems"),
        "no_recipients": Rejection(
            _R,
            "There are no recipients specified",
            "[SEED] 'Amazon SES email sending errors' (code [INF])",
        ),
        "invalid_tag_name": Rejection(
            _F,
            "Invalid tag name <{text}>: only alphanumeric ASCII characters, '_', and '-' "
            "are allowed.",
            "[ISSUE] localstack/localstack#8588, #11243 (AWS's answer quoted)",
        ),
        "invalid_tag_value": Rejection(
            _F,
            "Invalid tag value <{text}>: only alphanumeric ASCII characters, '_', and '-' "
            "are allowed.",
            "[ISSUE] localstack/localstack#8588",
        ),
        "disallowed_custom_header": Rejection(
            _F,
            "Header '{name}' cannot be set as a custom header.",
            "[INF] list: current guide 'Amazon SES header fields' (v2 Simple/Template)",
        ),
        "invalid_custom_header": Rejection(
            _F,
            "Invalid custom header '{name}'.",
            "[INF] rules: sesv2 MessageHeader (name ftext, value printable, <= 996)",
        ),
        "unsupported_charset": Rejection(_F, "Unsupported charset '{charset}'.", "[INF]"),
        "unencodable_content": Rejection(
            _F, "The {part} cannot be encoded in charset '{charset}'.", "[INF]"
        ),
    }
)


def rejection(rule: str, **fields: object) -> MailRuleError:
    """The error SES gives for ``rule`` (a key of ``REJECTIONS``)."""
    entry = REJECTIONS[rule]
    message = entry.template.format(**fields)
    if entry.kind is RejectionKind.FORMAT:
        reply = entry.smtp_reply or f"554 Transaction failed: {message}"
        return MessageFormatError(message, rule=rule, smtp_reply=reply)
    reply = entry.smtp_reply or f"554 Message rejected: {message}"
    return MessageRejectedError(message, rule=rule, smtp_reply=reply)


@dataclass(frozen=True)
class MessageLimits:
    max_message_bytes: int
    max_mime_parts: int = 500
    max_header_line_octets: int = 998
    max_header_section_bytes: int | None = None  # [INF] SES's own limit is not published


V1_API_LIMITS: Final = MessageLimits(max_message_bytes=10 * 1024 * 1024)
V2_API_LIMITS: Final = MessageLimits(max_message_bytes=40 * 1024 * 1024)
SMTP_LIMITS: Final = MessageLimits(max_message_bytes=40 * 1024 * 1024)

# Not carried into the delivered message: SES's own Message-ID and Date replace the
# sender's ([SEED] header fields, "overrides"); the receiving MTA writes Return-Path
# from the envelope ([SEED]: recipients see "a different value"); Bcc would show
# hidden recipients to everyone [INF]; X-SES-* are control headers ([SEED]).
_NOT_TRANSMITTED = frozenset({"message-id", "date", "return-path", "bcc"})


@dataclass(frozen=True)
class InspectedMessage:
    transmitted: bytes  # what SES sends: CRLF line endings, headers rewritten
    headers: tuple[HeaderField, ...]  # as submitted, X-SES-* included
    common_headers: dict[str, Any]
    control: SesControlHeaders
    addresses: MessageAddresses
    mime_part_count: int
    file_names: tuple[str, ...]


def parse_headers(data: bytes) -> tuple[HeaderField, ...]:
    """The header fields of a message, without any checks (e.g. for notifications)."""
    return _parse_header_block(data).fields


def _check_header_block(block: HeaderBlock) -> None:
    for problem in block.problems:
        if problem.kind is HeaderProblemKind.EMPTY_NAME:
            raise rejection("empty_header_name")
        if problem.kind is HeaderProblemKind.MALFORMED:
            raise rejection("malformed_header", name=problem.name)
        if problem.kind is HeaderProblemKind.SECTION_TOO_LONG:
            raise rejection("header_section_too_long")
        raise rejection("header_line_too_long", name=problem.name)


def check_duplicate_headers(fields: tuple[HeaderField, ...]) -> None:
    seen: set[str] = set()
    for field in fields:
        key = field.name.lower()
        if key in SINGLE_INSTANCE_BY_LOWER:
            if key in seen:
                raise rejection("duplicate_header", name=SINGLE_INSTANCE_BY_LOWER[key])
            seen.add(key)


def _check_mime(data: bytes, limits: MessageLimits) -> tuple[int, tuple[str, ...]]:
    summary = summarize_mime(data)
    if summary.too_deep or summary.part_count > limits.max_mime_parts:
        raise rejection("too_many_mime_parts", limit=limits.max_mime_parts)
    for name in summary.file_names:
        extension = blocked_extension(name)
        if extension is not None:
            raise rejection("illegal_attachment", extension=extension, filename=name)
    return summary.part_count, summary.file_names


def format_date(moment: dt.datetime) -> str:
    """RFC 5322 date in UTC, as SES writes it (``Wed, 27 Jan 2016 14:05:45 +0000``)."""
    return email.utils.format_datetime(moment.astimezone(dt.UTC))


def _to_crlf(data: bytes) -> bytes:
    return re.sub(rb"\r?\n", b"\r\n", data)


def rewrite_for_transmission(
    data: bytes, block: HeaderBlock, *, message_id_value: str, date_value: str
) -> bytes:
    """``data`` with SES's Message-ID and Date first and the headers SES drops removed;
    every other byte kept, line endings made CRLF (RFC 5321 section 2.3.8)."""
    new_fields = f"Message-ID: {message_id_value}\r\nDate: {date_value}\r\n".encode("ascii")
    kept = b"".join(
        field.raw
        for field in block.fields
        if field.name.lower() not in _NOT_TRANSMITTED and not is_control_header(field)
    )
    if kept and not kept.endswith(b"\n"):
        kept += b"\r\n"
    rest = data[block.body_start - len(block.separator) :]
    return new_fields + _to_crlf(kept + rest)


def _check_headers(
    block: HeaderBlock, source: str | None
) -> tuple[MessageAddresses, SesControlHeaders]:
    """Header syntax, single instances, addresses, From, then the X-SES-* values."""
    _check_header_block(block)
    check_duplicate_headers(block.fields)
    addresses = read_addresses(block)
    if not isinstance(addresses, MessageAddresses):
        raise rejection("address", detail=addresses.message)
    if not addresses.from_ and not source:
        raise rejection("missing_from")
    control, tag_problem = extract_control_headers(block.fields)
    if tag_problem is not None:
        raise rejection(tag_problem.rule, text=tag_problem.text)
    return addresses, control


def inspect_raw_message(
    data: bytes,
    *,
    ses_message_id: str,
    accepted_at: dt.datetime,
    limits: MessageLimits,
    source: str | None = None,
    message_id_domain: str = SES_MESSAGE_ID_DOMAIN,
) -> InspectedMessage:
    """Check ``data`` against SES's rules and build what SES would transmit.

    ``source`` is the envelope sender given outside the message (the ``Source``
    parameter, SMTP MAIL FROM); without it the message must have a From header.
    Raises ``MessageFormatError`` / ``MessageRejectedError`` with SES's text.
    """
    if len(data) > limits.max_message_bytes:
        raise rejection("message_too_long", limit=limits.max_message_bytes, size=len(data))
    block = _parse_header_block(
        data,
        max_line_octets=limits.max_header_line_octets,
        max_section_bytes=limits.max_header_section_bytes,
    )
    addresses, control = _check_headers(block, source)
    part_count, file_names = _check_mime(data, limits)
    transmitted = rewrite_for_transmission(
        data,
        block,
        message_id_value=message_id_header_value(ses_message_id, message_id_domain),
        date_value=format_date(accepted_at),
    )
    return InspectedMessage(
        transmitted=transmitted,
        headers=block.fields,
        common_headers=build_common_headers(block.fields, ses_message_id),
        control=control,
        addresses=addresses,
        mime_part_count=part_count,
        file_names=file_names,
    )
