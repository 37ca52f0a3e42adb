"""SendEmail's *Simple* content turned into the RFC 5322 message SES sends.

What SES does, and where it says so:

* From, To, Cc, Reply-To as headers; Bcc recipients only on the envelope (RFC 5322
  section 3.6.3's first way: the Bcc line is removed; SES's formatted mail never
  shows one [INF]); addresses must be 7-bit with Punycode domains (botocore
  ``Destination`` docs), non-ASCII display names become encoded-words;
* Subject and bodies in their ``Charset`` ("Because of the constraints of the SMTP
  protocol, Amazon SES uses 7-bit ASCII by default. If the text includes
  characters outside of the ASCII range, you have to specify a character set",
  botocore ``Content.Charset``); with none given we write UTF-8 [INF];
* text and HTML as ``multipart/alternative``, text first ([SEED] "Using MIME" example);
* v2 ``Headers`` (at most 15, name/value rules of sesv2 ``MessageHeader``) except
  the ones SES sets itself: BCC, CC, Content-Disposition, Content-Type, Date,
  From, Message-ID, MIME-Version, Reply-To, Return-Path, Subject, To (guide,
  "Amazon SES header fields", current edition);
* v2 ``Attachments`` (sesv2 ``Attachment``: RawContent, FileName, ContentType,
  ContentDisposition ATTACHMENT|INLINE, ContentId, ContentDescription,
  ContentTransferEncoding BASE64|QUOTED_PRINTABLE|SEVEN_BIT) in
  ``multipart/mixed``; inline ones sit with the HTML in ``multipart/related``;
  file names with an unsupported extension are refused as in raw messages;
* ``Date`` and ``Message-ID: <id@email.amazonses.com>`` set by SES, ``MIME-Version: 1.0``.
"""

from __future__ import annotations

import datetime as dt
import mimetypes
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from openses.mail.addresses import Mailbox, parse_address_list
from openses.mail.common_headers import build_common_headers
from openses.mail.compose_mime import (
    CRLF,
    EncodedBody,
    Entity,
    base64_body,
    fold,
    header_with_parameters,
    is_token,
    leaf,
    multipart,
    parameter,
    phrase_atoms,
    quoted_printable_body,
    seven_bit_body,
    text_body,
    unstructured_atoms,
)
from openses.mail.encoded_words import python_codec
from openses.mail.header_block import HeaderField
from openses.mail.inspect import (
    check_duplicate_headers,
    format_date,
    parse_headers,
    rejection,
)
from openses.mail.message_ids import SES_MESSAGE_ID_DOMAIN, message_id_header_value
from openses.mail.ses_lists import DISALLOWED_CUSTOM_HEADERS, blocked_extension

DEFAULT_CHARSET = "UTF-8"
MAX_CUSTOM_HEADERS = 15
_HEADER_NAME = re.compile(r"[!-9;-~]{1,126}")  # sesv2 MessageHeaderName
_HEADER_VALUE = re.compile(r"[ -~]{1,995}")  # sesv2 MessageHeaderValue
_CHARSET_NAME = re.compile(r"[A-Za-z0-9!#$%&'+\-^_`{}~]+")  # RFC 2978 mime-charset


@dataclass(frozen=True)
class Content:
    data: str
    charset: str | None = None


@dataclass(frozen=True)
class Attachment:
    raw_content: bytes
    file_name: str
    content_type: str | None = None
    content_disposition: Literal["ATTACHMENT", "INLINE"] | None = None
    content_id: str | None = None
    content_description: str | None = None
    content_transfer_encoding: Literal["BASE64", "QUOTED_PRINTABLE", "SEVEN_BIT"] | None = None


@dataclass(frozen=True)
class SimpleMessage:
    from_address: str
    subject: Content
    text: Content | None = None
    html: Content | None = None
    to: Sequence[str] = ()
    cc: Sequence[str] = ()
    bcc: Sequence[str] = ()
    reply_to: Sequence[str] = ()
    headers: Sequence[tuple[str, str]] = ()
    attachments: Sequence[Attachment] = field(default_factory=tuple)


@dataclass(frozen=True)
class ComposedMessage:
    data: bytes
    headers: tuple[HeaderField, ...]
    common_headers: dict[str, Any]
    envelope_recipients: tuple[str, ...]  # To, Cc and Bcc addr-specs, in that order


def _random_boundary() -> str:
    # "=_" cannot occur in base64 or quoted-printable text (RFC 2045 6.7).
    return f"=_{uuid.uuid4().hex}"


def _codec(charset: str | None) -> tuple[str, str]:
    name = charset or DEFAULT_CHARSET
    codec = python_codec(name) if _CHARSET_NAME.fullmatch(name) else None
    if codec is None:
        raise rejection("unsupported_charset", charset=name)
    return name, codec


def _mailboxes(addresses: Sequence[str]) -> list[Mailbox]:
    found: list[Mailbox] = []
    for address in addresses:
        parsed = parse_address_list(address)
        if parsed.first_problem is not None:
            raise rejection("address", detail=parsed.first_problem.message)
        found.extend(parsed.mailboxes)
    return found


def _address_header(name: str, mailboxes: Sequence[Mailbox]) -> bytes:
    atoms: list[str] = []
    for index, mailbox in enumerate(mailboxes):
        comma = "," if index < len(mailboxes) - 1 else ""
        if mailbox.display_name:
            atoms.extend(phrase_atoms(mailbox.display_name, header=name))
            atoms.append(f"<{mailbox.addr_spec}>{comma}")
        else:
            atoms.append(f"{mailbox.addr_spec}{comma}")
    return fold(name, atoms)


def _text_entity(content: Content, subtype: str, part: str) -> Entity:
    charset, codec = _codec(content.charset)
    try:
        body = text_body(content.data, codec)
    except UnicodeEncodeError:
        raise rejection("unencodable_content", part=part, charset=charset) from None
    content_type = f"Content-Type: text/{subtype}; charset={charset}".encode("ascii") + CRLF
    return leaf(content_type, body)


def _check_custom_headers(headers: Sequence[tuple[str, str]]) -> bytes:
    if len(headers) > MAX_CUSTOM_HEADERS:
        raise rejection("invalid_custom_header", name=headers[MAX_CUSTOM_HEADERS][0])
    lines = b""
    for name, value in headers:
        if name.lower() in DISALLOWED_CUSTOM_HEADERS:
            raise rejection("disallowed_custom_header", name=name)
        if not (_HEADER_NAME.fullmatch(name) and _HEADER_VALUE.fullmatch(value)):
            raise rejection("invalid_custom_header", name=name)
        if len(name) + len(value) > 996:
            raise rejection("invalid_custom_header", name=name)
        lines += f"{name}: {value}".encode("ascii") + CRLF
    return lines


def _attachment_body(attachment: Attachment, content_type: str) -> EncodedBody:
    encoding = attachment.content_transfer_encoding or "BASE64"
    if encoding == "QUOTED_PRINTABLE":
        # Text line breaks are CRLF line breaks in quoted-printable (RFC 2045 6.7 (4)).
        is_text = content_type.lower().startswith("text/")
        return quoted_printable_body(attachment.raw_content, text=is_text)
    if encoding == "SEVEN_BIT":
        body = seven_bit_body(attachment.raw_content)
        if body is None:
            raise rejection("unencodable_content", part="attachment", charset="7bit")
        return body
    return base64_body(attachment.raw_content)


def _attachment_entity(attachment: Attachment) -> Entity:
    name = attachment.file_name
    extension = blocked_extension(name)
    if extension is not None:
        raise rejection("illegal_attachment", extension=extension, filename=name)
    guessed = mimetypes.guess_type(name, strict=False)[0]
    content_type = attachment.content_type or guessed or "application/octet-stream"
    kind, _slash, subtype = content_type.partition("/")
    if not (is_token(kind) and is_token(subtype)):
        raise rejection("invalid_custom_header", name="Content-Type")
    disposition = "inline" if attachment.content_disposition == "INLINE" else "attachment"
    extra = header_with_parameters("Content-Disposition", disposition, parameter("filename", name))
    if attachment.content_id:
        content_id = attachment.content_id.strip("<>")
        if not content_id.isascii() or not content_id.isprintable() or "<" in content_id:
            raise rejection("invalid_custom_header", name="Content-ID")
        extra += f"Content-ID: <{content_id}>".encode("ascii") + CRLF
    if attachment.content_description:
        atoms = unstructured_atoms(
            attachment.content_description, DEFAULT_CHARSET, header="Content-Description"
        )
        extra += fold("Content-Description", atoms)
    type_line = header_with_parameters("Content-Type", content_type, parameter("name", name))
    return leaf(type_line, _attachment_body(attachment, content_type), extra)


def _body_entity(message: SimpleMessage, boundary: Callable[[], str]) -> Entity:
    inline = [a for a in message.attachments if a.content_disposition == "INLINE"]
    html: Entity | None = None
    if message.html is not None:
        html = _text_entity(message.html, "html", "HTML body")
        if inline:
            html = multipart("related", [html, *map(_attachment_entity, inline)], boundary)
    text = _text_entity(message.text, "plain", "text body") if message.text is not None else None
    if text is not None and html is not None:
        return multipart("alternative", [text, html], boundary)
    if html is not None:
        return html
    return text if text is not None else _text_entity(Content(""), "plain", "text body")


def _root_entity(message: SimpleMessage, boundary: Callable[[], str]) -> Entity:
    body = _body_entity(message, boundary)
    related_inline = message.html is not None
    attached = [
        a for a in message.attachments if not (related_inline and a.content_disposition == "INLINE")
    ]
    if not attached:
        return body
    return multipart("mixed", [body, *map(_attachment_entity, attached)], boundary)


def _envelope_headers(message: SimpleMessage) -> tuple[bytes, tuple[str, ...]]:
    from_boxes = _mailboxes([message.from_address])
    if len(from_boxes) != 1:
        raise rejection("address", detail="Illegal address")
    to, cc, bcc = _mailboxes(message.to), _mailboxes(message.cc), _mailboxes(message.bcc)
    reply_to = _mailboxes(message.reply_to)
    lines = _address_header("From", from_boxes)
    for name, boxes in (("Reply-To", reply_to), ("To", to), ("Cc", cc)):
        if boxes:
            lines += _address_header(name, boxes)
    return lines, tuple(box.addr_spec for box in (*to, *cc, *bcc))


def compose_simple_message(
    message: SimpleMessage,
    *,
    ses_message_id: str,
    accepted_at: dt.datetime,
    message_id_domain: str = SES_MESSAGE_ID_DOMAIN,
    new_boundary: Callable[[], str] = _random_boundary,
) -> ComposedMessage:
    """The message SES builds for ``message``; raises SES's error when it refuses it."""
    address_lines, recipients = _envelope_headers(message)
    subject_charset, _codec_name = _codec(message.subject.charset)
    try:
        subject_atoms = unstructured_atoms(message.subject.data, subject_charset, header="Subject")
    except UnicodeEncodeError:
        raise rejection("unencodable_content", part="subject", charset=subject_charset) from None
    root = _root_entity(message, new_boundary)
    message_id = message_id_header_value(ses_message_id, message_id_domain)
    # Message-ID and Date first, where inspect_raw_message puts them in raw messages.
    head = (
        f"Message-ID: {message_id}\r\nDate: {format_date(accepted_at)}\r\n".encode("ascii")
        + address_lines
        + fold("Subject", subject_atoms)
        + _check_custom_headers(message.headers)
        + b"MIME-Version: 1.0"
        + CRLF
        + root.headers
    )
    body = root.body if not root.body or root.body.endswith(CRLF) else root.body + CRLF
    data = head + CRLF + body
    headers = parse_headers(data)
    check_duplicate_headers(headers)
    common_headers = build_common_headers(headers, ses_message_id)
    # SES's own Message-ID shows as the bare id (guide, Send event example).
    common_headers["messageId"] = ses_message_id
    return ComposedMessage(
        data=data,
        headers=headers,
        common_headers=common_headers,
        envelope_recipients=recipients,
    )
