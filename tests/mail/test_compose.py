from __future__ import annotations

import datetime as dt
import email
import email.message
import email.policy
import itertools
import re
from dataclasses import dataclass
from email.header import decode_header, make_header
from email.utils import getaddresses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openses.mail.compose import (
    Attachment,
    ComposedMessage,
    Content,
    SimpleMessage,
    compose_simple_message,
)
from openses.mail.errors import MessageFormatError, MessageRejectedError
from openses.mail.inspect import V2_API_LIMITS, inspect_raw_message
from tests.mail.email_mime_parser import parse_with_email_mime, require_email_mime

SES_ID = "0100018f2c3b4a5d-3f2a9c1d-6e5b-4c8a-9d7e-1a2b3c4d5e6f-000000"
ACCEPTED = dt.datetime(2024, 5, 1, 12, 30, 45, tzinfo=dt.UTC)


def compose(message: SimpleMessage) -> ComposedMessage:
    counter = itertools.count()
    return compose_simple_message(
        message,
        ses_message_id=SES_ID,
        accepted_at=ACCEPTED,
        new_boundary=lambda: f"=_test{next(counter)}",
    )


# --- what both parsers must read back ------------------------------------------------


@dataclass(frozen=True)
class View:
    subject: str
    addresses: dict[str, list[tuple[str | None, str]]]
    text: str | None
    html: str | None
    attachments: list[tuple[str | None, bytes]]  # sorted: inline ones come first in MIME


def _text(payload: str | None) -> str | None:
    if payload is None:
        return None
    return payload.replace("\r\n", "\n").rstrip("\n")


def _python_addresses(data: bytes) -> dict[str, list[tuple[str | None, str]]]:
    """Addresses through the standard library's classic API: its newer header
    registry puts a space between adjacent encoded-words in a phrase, which
    RFC 2047 section 6.2 says to drop (a CPython quirk, not a fault in the data)."""
    classic = email.message_from_bytes(data, policy=email.policy.compat32)
    found: dict[str, list[tuple[str | None, str]]] = {}
    for key in ("from", "to", "cc", "bcc"):
        raw = [re.sub(r"\r?\n", "", str(value)) for value in classic.get_all(key, [])]
        found[key] = [
            (str(make_header(decode_header(name))) or None, address)
            for name, address in getaddresses(raw)
        ]
    return found


def python_view(data: bytes) -> View:
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(message, email.message.EmailMessage)
    assert not message.defects
    text = html = None
    attachments: list[tuple[str | None, bytes]] = []
    for part in message.walk():
        if part.is_multipart():
            continue
        assert not part.defects, part.defects
        if part.get_content_disposition() in ("attachment", "inline"):
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            attachments.append((part.get_filename(), payload))
        elif part.get_content_type() == "text/plain":
            text = part.get_content()
        elif part.get_content_type() == "text/html":
            html = part.get_content()
    return View(
        str(message["subject"]),
        _python_addresses(data),
        _text(text),
        _text(html),
        sorted(attachments),
    )


def _charset(content_type: str) -> str:
    match = re.search(r"charset=\"?([^\";]+)", content_type)
    return match.group(1) if match else "us-ascii"


def perl_view(data: bytes) -> View:
    parsed = parse_with_email_mime(data)
    text = html = None
    attachments: list[tuple[str | None, bytes]] = []
    for part in parsed.parts:
        if part.disposition is not None:
            attachments.append((part.filename, part.body))
        elif part.content_type.startswith("text/plain"):
            text = part.body.decode(_charset(part.content_type))
        elif part.content_type.startswith("text/html"):
            html = part.body.decode(_charset(part.content_type))
    return View(
        parsed.subject or "", parsed.addresses, _text(text), _text(html), sorted(attachments)
    )


def expected_view(
    message: SimpleMessage, addresses: dict[str, list[tuple[str | None, str]]]
) -> View:
    def normalized(content: Content | None) -> str | None:
        if content is None:
            return None
        return _text(content.data.replace("\r\n", "\n").replace("\r", "\n"))

    return View(
        subject=message.subject.data,
        addresses={"bcc": [], "cc": [], **addresses},
        text=normalized(message.text) if message.text or message.html else "",
        html=normalized(message.html),
        attachments=sorted((a.file_name, a.raw_content) for a in message.attachments),
    )


def assert_well_formed(data: bytes) -> None:
    assert data.isascii()
    assert not re.search(rb"(?<!\r)\n", data), "bare LF"
    assert all(len(line) <= 998 for line in data.split(b"\r\n"))
    head = data.split(b"\r\n\r\n", 1)[0]
    # RFC 5322's 78 is a SHOULD; SES's own Message-ID (one token) is longer.
    folded = [line for line in head.split(b"\r\n") if not line.startswith(b"Message-ID:")]
    assert all(len(line) <= 78 for line in folded), head


Addresses = dict[str, list[tuple[str | None, str]]]
SCENARIOS: dict[str, tuple[SimpleMessage, Addresses]] = {
    "plain ASCII": (
        SimpleMessage(
            from_address="sender@example.com",
            to=["recipient@example.net"],
            subject=Content("Hello there"),
            text=Content("Just text.\nTwo lines."),
        ),
        {"from": [(None, "sender@example.com")], "to": [(None, "recipient@example.net")]},
    ),
    "unicode subject, names and body": (
        SimpleMessage(
            from_address="Jörg Müller <jorg@example.com>",
            to=['"Doe, John" <john@example.net>', "山田 太郎 <taro@example.jp>"],
            cc=["Ὀδυσσεύς <odysseus@example.gr>"],
            reply_to=["replies@example.com"],
            subject=Content("Як ти поживаєш? 😀 — ça va ? 你好", "UTF-8"),
            text=Content("Grüße aus Köln 🍻\r\nZweite Zeile\n", "UTF-8"),
        ),
        {
            "from": [("Jörg Müller", "jorg@example.com")],
            "to": [("Doe, John", "john@example.net"), ("山田 太郎", "taro@example.jp")],
            "cc": [("Ὀδυσσεύς", "odysseus@example.gr")],
        },
    ),
    "long lines": (
        SimpleMessage(
            from_address="sender@example.com",
            to=["recipient@example.net"],
            subject=Content("word " * 60 + "x" * 200),
            text=Content("a" * 3000 + "\nshort\n" + "é" * 1500),
            html=Content("<p>" + "long " * 800 + "</p>"),
        ),
        {"from": [(None, "sender@example.com")], "to": [(None, "recipient@example.net")]},
    ),
    "HTML in non-Latin scripts": (
        SimpleMessage(
            from_address="=?UTF-8?B?2YXYsdit2KjYpw==?= <sender@xn--mgbh0fb.example>",
            to=["recipient@example.net"],
            subject=Content("नमस्ते दुनिया", "UTF-8"),
            text=Content("مرحبا بالعالم", "UTF-8"),
            html=Content("<html><body><h1>こんにちは世界</h1><p>नमस्ते</p></body></html>", "UTF-8"),
        ),
        {
            "from": [("مرحبا", "sender@xn--mgbh0fb.example")],
            "to": [(None, "recipient@example.net")],
        },
    ),
    "attachments": (
        SimpleMessage(
            from_address="sender@example.com",
            to=["recipient@example.net"],
            subject=Content("Files"),
            text=Content("See attached."),
            html=Content('<p>Logo: <img src="cid:logo123"></p>'),
            attachments=[
                Attachment(
                    bytes(range(256)) * 8, "résumé \u2013 final version (2024) " + "x" * 80 + ".pdf"
                ),
                Attachment(
                    b"\x89PNG\r\n\x1a\n" + b"\x00" * 50,
                    "logo.png",
                    "image/png",
                    "INLINE",
                    "logo123",
                ),
                # text/* line breaks are canonically CRLF (RFC 2046 4.1.1); parsers
                # may rewrite bare LF there, so this text uses CRLF.
                Attachment(
                    "caf\u00e9\r\nline\r\n".encode(),
                    "notes.txt",
                    "text/plain",
                    content_transfer_encoding="QUOTED_PRINTABLE",
                ),
                Attachment(
                    b"plain ascii\r\ncontent\r\n",
                    "ascii.txt",
                    content_transfer_encoding="SEVEN_BIT",
                ),
            ],
        ),
        {"from": [(None, "sender@example.com")], "to": [(None, "recipient@example.net")]},
    ),
    "other charsets": (
        SimpleMessage(
            from_address="sender@example.com",
            to=["recipient@example.net"],
            subject=Content("Déjà vu", "ISO-8859-1"),
            text=Content("Voilà, très bien.", "ISO-8859-1"),
            html=Content("<p>日本語のテキスト</p>", "Shift_JIS"),
        ),
        {"from": [(None, "sender@example.com")], "to": [(None, "recipient@example.net")]},
    ),
}


@pytest.mark.parametrize("name", SCENARIOS)
def test_both_parsers_read_back_what_was_composed(name: str) -> None:
    require_email_mime()
    message, addresses = SCENARIOS[name]
    composed = compose(message)
    assert_well_formed(composed.data)
    expected = expected_view(message, addresses)
    assert python_view(composed.data) == expected
    assert perl_view(composed.data) == expected


def test_header_order_and_ses_headers() -> None:
    message, _addresses = SCENARIOS["unicode subject, names and body"]
    composed = compose(message)
    names = [field.name for field in composed.headers]
    assert names[:7] == ["Message-ID", "Date", "From", "Reply-To", "To", "Cc", "Subject"]
    assert names[-3:] == ["MIME-Version", "Content-Type", "Content-Transfer-Encoding"]
    values = {field.name: field.value for field in composed.headers}
    assert values["Message-ID"] == f"<{SES_ID}@email.amazonses.com>"
    assert values["Date"] == "Wed, 01 May 2024 12:30:45 +0000"
    assert values["MIME-Version"] == "1.0"


def test_bcc_is_on_the_envelope_only() -> None:
    composed = compose(
        SimpleMessage(
            from_address="s@example.com",
            to=["t@example.net"],
            cc=["c@example.net"],
            bcc=["hidden@example.org", "Other <other@example.org>"],
            subject=Content("s"),
            text=Content("t"),
        )
    )
    assert b"hidden@example.org" not in composed.data
    assert b"Bcc" not in composed.data
    assert composed.envelope_recipients == (
        "t@example.net",
        "c@example.net",
        "hidden@example.org",
        "other@example.org",
    )


def test_text_comes_before_html_in_multipart_alternative() -> None:
    composed = compose(SCENARIOS["long lines"][0])
    message = email.message_from_bytes(composed.data, policy=email.policy.default)
    assert message.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in message.iter_parts()] == ["text/plain", "text/html"]


def test_transfer_encodings_suit_the_content() -> None:
    def encoding(text: str) -> str:
        composed = compose(
            SimpleMessage(from_address="s@x.com", subject=Content("s"), text=Content(text))
        )
        return {f.name: f.value for f in composed.headers}["Content-Transfer-Encoding"]

    assert encoding("plain ascii") == "7bit"
    assert encoding("x" * 1200) == "quoted-printable"
    assert encoding("Mostly ASCII with a café") == "quoted-printable"
    assert encoding("Полностью кириллический текст") == "base64"


def test_common_headers_carry_the_ses_id() -> None:
    composed = compose(SCENARIOS["unicode subject, names and body"][0])
    assert composed.common_headers["messageId"] == SES_ID
    assert composed.common_headers["from"] == ["Jörg Müller <jorg@example.com>"]
    assert composed.common_headers["subject"] == "Як ти поживаєш? 😀 — ça va ? 你好"
    assert "bcc" not in composed.common_headers


def test_custom_headers_are_written_as_given() -> None:
    composed = compose(
        SimpleMessage(
            from_address="s@x.com",
            subject=Content("s"),
            text=Content("t"),
            headers=[
                ("List-Unsubscribe", "<https://example.com/u?id=1>, <mailto:u@example.com>"),
                ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
                ("X-Campaign", "spring"),
            ],
        )
    )
    assert b"List-Unsubscribe: <https://example.com/u?id=1>, <mailto:u@example.com>\r\n" in (
        composed.data
    )
    assert b"X-Campaign: spring\r\n" in composed.data


def test_composed_messages_pass_the_raw_message_checks_unchanged() -> None:
    for message, _addresses in SCENARIOS.values():
        composed = compose(message)
        inspected = inspect_raw_message(
            composed.data, ses_message_id=SES_ID, accepted_at=ACCEPTED, limits=V2_API_LIMITS
        )
        assert inspected.transmitted == composed.data


def test_line_breaks_in_values_never_become_header_lines() -> None:
    composed = compose(
        simple(
            subject=Content("Hi\r\nBcc: victim@example.org"),
            attachments=[
                Attachment(
                    b"x",
                    "a\r\nBcc: victim@example.org.txt",
                    content_description="d\r\nBcc: victim@example.org",
                )
            ],
        )
    )
    assert b"\r\nBcc:" not in composed.data
    assert_well_formed(composed.data)
    parsed = email.message_from_bytes(composed.data, policy=email.policy.default)
    assert parsed["bcc"] is None
    assert str(parsed["subject"]) == "Hi\r\nBcc: victim@example.org"


@pytest.mark.parametrize(
    "attachment",
    [
        Attachment(b"x", "a.txt", content_type="text/plain\r\nBcc: v@example.org"),
        Attachment(b"x", "a.txt", content_id="id>\r\nBcc: v@example.org"),
    ],
)
def test_attachment_fields_cannot_inject_headers(attachment: Attachment) -> None:
    assert refusal(simple(attachments=[attachment])).rule == "invalid_custom_header"


# --- refusals -----------------------------------------------------------------------


def refusal(message: SimpleMessage) -> MessageFormatError | MessageRejectedError:
    with pytest.raises((MessageFormatError, MessageRejectedError)) as caught:
        compose(message)
    error = caught.value
    assert isinstance(error, MessageFormatError | MessageRejectedError)
    return error


def simple(**changes: object) -> SimpleMessage:
    fields: dict[str, object] = {
        "from_address": "s@example.com",
        "to": ["t@example.net"],
        "subject": Content("s"),
        "text": Content("t"),
        **changes,
    }
    return SimpleMessage(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "name",
    [
        "BCC",
        "cc",
        "Content-Disposition",
        "content-type",
        "Date",
        "From",
        "Message-ID",
        "MIME-Version",
        "Reply-To",
        "Return-Path",
        "Subject",
        "TO",
    ],
)
def test_headers_ses_sets_cannot_be_custom_headers(name: str) -> None:
    error = refusal(simple(headers=[(name, "value")]))
    assert error.message == f"Header '{name}' cannot be set as a custom header."


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("X-Bad", "line\r\nBcc: victim@example.org"),
        ("X-Bad:Name", "v"),
        ("X Bad", "v"),
        ("X-Bad", "caf\u00e9"),
        ("X-Bad", ""),
        ("X-" + "a" * 125, "v"),
        ("X-Long", "v" * 992),
    ],
)
def test_malformed_custom_headers_are_refused(name: str, value: str) -> None:
    assert refusal(simple(headers=[(name, value)])).rule == "invalid_custom_header"


def test_at_most_15_custom_headers() -> None:
    headers = [(f"X-H{i}", "v") for i in range(16)]
    assert refusal(simple(headers=headers)).rule == "invalid_custom_header"
    assert compose(simple(headers=headers[:15]))


def test_a_custom_header_that_duplicates_ours_is_refused() -> None:
    error = refusal(simple(headers=[("Content-Transfer-Encoding", "8bit")]))
    assert error.message == "Duplicate header 'Content-Transfer-Encoding'."


def test_unsupported_attachment_types_are_refused() -> None:
    error = refusal(simple(attachments=[Attachment(b"MZ", "setup.EXE")]))
    assert isinstance(error, MessageRejectedError)
    assert error.message == "Illegal attachment type 'exe' in file 'setup.EXE'."


def test_seven_bit_attachments_must_be_seven_bit() -> None:
    attachment = Attachment(b"\xff\xfe", "a.bin", content_transfer_encoding="SEVEN_BIT")
    assert refusal(simple(attachments=[attachment])).rule == "unencodable_content"


@pytest.mark.parametrize("charset", ["x-no-such-charset", "utf-8\r\nBcc: v@x.com", "utf 8"])
def test_unknown_charsets_are_refused(charset: str) -> None:
    error = refusal(simple(text=Content("t", charset)))
    assert error.message == f"Unsupported charset '{charset}'."


def test_text_that_the_charset_cannot_hold_is_refused() -> None:
    error = refusal(simple(subject=Content("日本語", "ISO-8859-1")))
    assert error.message == "The subject cannot be encoded in charset 'ISO-8859-1'."


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("from_address", "no-at-sign", "Missing final '@domain'"),
        ("from_address", "a@x.com, b@y.com", "Illegal address"),
        ("to", ["ok@x.com", "bad@bücher.de"], "Domain contains illegal character"),
        ("cc", ["jörg@example.com"], "There are non-ASCII characters in the email address"),
        ("reply_to", ["a@x.com\r\nBcc: v@x.com"], "Local address contains control or whitespace"),
    ],
)
def test_bad_addresses_are_refused(field: str, value: object, message: str) -> None:
    assert refusal(simple(**{field: value})).message == message


# --- property: whatever the text, both parsers read it back ----------------------------

_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cn"), blacklist_characters="\x00"),  # type: ignore[arg-type]
    max_size=200,
)
_NAME = st.text(
    # Cn (unassigned and noncharacters): Perl's strict UTF-8 turns those into U+FFFD.
    alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Cn", "Zl", "Zp")),
    min_size=1,
    max_size=30,
).filter(lambda name: name == " ".join(name.split()))


@settings(max_examples=25, deadline=None)
@given(subject=_TEXT, body=_TEXT, html=_TEXT, name=_NAME)
def test_any_unicode_text_survives_the_round_trip(
    subject: str, body: str, html: str, name: str
) -> None:
    require_email_mime()
    subject = " ".join(subject.split())  # parsers unfold and trim header white space
    message = SimpleMessage(
        from_address="s@example.com",
        to=[
            f'"{name.replace(chr(92), chr(92) * 2).replace(chr(34), chr(92) + chr(34))}" '
            "<t@example.net>"
        ],
        subject=Content(subject, "UTF-8"),
        text=Content(body, "UTF-8"),
        html=Content(html, "UTF-8"),
    )
    composed = compose(message)
    assert_well_formed(composed.data)
    expected = expected_view(
        message, {"from": [(None, "s@example.com")], "to": [(name, "t@example.net")]}
    )
    assert python_view(composed.data) == expected
    assert perl_view(composed.data) == expected
