"""``mail.headers`` and ``mail.commonHeaders`` as SES puts them in notifications and events.

Developer Guide, "Contents of notifications" / "Contents of event data" (digest
§1.23): ``headers`` is the list of the original headers as submitted, ``X-SES-*``
included (event examples show ``X-SES-CONFIGURATION-SET`` and
``X-SES-MESSAGE-TAGS``); ``commonHeaders`` has ``from``, ``to``, ``messageId``,
``subject`` and, when present, ``date``, ``cc``, ``bcc``, ``sender``, ``replyTo``,
``returnPath``. ``messageId`` is the sender's own Message-ID when there was one
(bounce example: ``"custom-message-ID"``), else SES's id (send event example).
Address headers are lists with one entry per address, names decoded
(``"John Doe <john@example.com>"`` for ``"John Doe" <john@example.com>``).
``headersTruncated`` is true when the original headers reach 10 KB (guide p.151).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from openses.mail.addresses import AddressList, format_mailbox, parse_address_list
from openses.mail.encoded_words import decode_words
from openses.mail.header_block import HeaderField

HEADERS_TRUNCATION_BYTES = 10 * 1024

_ADDRESS_KEYS = (
    ("From", "from"),
    ("To", "to"),
    ("Cc", "cc"),
    ("Bcc", "bcc"),
    ("Sender", "sender"),
    ("Reply-To", "replyTo"),
)


def _first(fields: Sequence[HeaderField], name: str) -> HeaderField | None:
    for field in fields:
        if field.is_named(name):
            return field
    return None


def _formatted(parsed: AddressList) -> list[str]:
    return [format_mailbox(mailbox) for mailbox in parsed.mailboxes]


def _return_path(value: str) -> str:
    parsed = parse_address_list(value)
    return parsed.mailboxes[0].addr_spec if parsed.mailboxes else value.strip("<> \t")


def build_common_headers(fields: Sequence[HeaderField], ses_message_id: str) -> dict[str, Any]:
    """The ``commonHeaders`` object for a message with these (original) header fields."""
    common: dict[str, Any] = {}
    for header, key in _ADDRESS_KEYS:
        values = [field.value for field in fields if field.is_named(header)]
        if values:
            common[key] = _formatted(parse_address_list(", ".join(values)))
    return_path = _first(fields, "Return-Path")
    if return_path is not None:
        common["returnPath"] = _return_path(return_path.value)
    date = _first(fields, "Date")
    if date is not None:
        common["date"] = date.value
    message_id = _first(fields, "Message-ID")
    common["messageId"] = message_id.value if message_id is not None else ses_message_id
    subject = _first(fields, "Subject")
    if subject is not None:
        common["subject"] = decode_words(subject.value)
    return common


def notification_headers(fields: Sequence[HeaderField]) -> tuple[list[dict[str, str]], bool]:
    """``mail.headers`` (name/value pairs in order) and ``mail.headersTruncated``."""
    total = sum(len(field.raw) for field in fields)
    truncated = total >= HEADERS_TRUNCATION_BYTES
    headers: list[dict[str, str]] = []
    size = 0
    for field in fields:
        size += len(field.raw)
        if truncated and size > HEADERS_TRUNCATION_BYTES:
            break
        headers.append({"name": field.name, "value": field.value})
    return headers, truncated
