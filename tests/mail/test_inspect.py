from __future__ import annotations

import datetime as dt
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openses.mail.common_headers import notification_headers
from openses.mail.errors import MessageFormatError, MessageRejectedError
from openses.mail.inspect import (
    REJECTIONS,
    SMTP_LIMITS,
    V1_API_LIMITS,
    V2_API_LIMITS,
    InspectedMessage,
    MessageLimits,
    inspect_raw_message,
    rejection,
)
from openses.mail.ses_headers import ListManagementOptions, MessageTag
from openses.mail.ses_lists import BLOCKED_EXTENSIONS, SINGLE_INSTANCE_HEADERS

SES_ID = "0100018f2c3b4a5d-3f2a9c1d-6e5b-4c8a-9d7e-1a2b3c4d5e6f-000000"
ACCEPTED = dt.datetime(2024, 5, 1, 12, 30, 45, tzinfo=dt.UTC)
OUR_HEADERS = (
    b"Message-ID: <" + SES_ID.encode() + b"@email.amazonses.com>\r\n"
    b"Date: Wed, 01 May 2024 12:30:45 +0000\r\n"
)
BASIC = (
    b"From: Sender <sender@example.com>\r\n"
    b"To: Recipient <recipient@example.net>\r\n"
    b"Subject: Hello\r\n"
    b"MIME-Version: 1.0\r\n"
    b"Content-Type: text/plain; charset=UTF-8\r\n"
    b"\r\n"
    b"Body line\r\n"
)


def inspect(data: bytes, **options: object) -> InspectedMessage:
    arguments: dict[str, object] = {"limits": V1_API_LIMITS, **options}
    return inspect_raw_message(
        data,
        ses_message_id=SES_ID,
        accepted_at=ACCEPTED,
        **arguments,  # type: ignore[arg-type]
    )


def refused(data: bytes, **options: object) -> MessageFormatError | MessageRejectedError:
    with pytest.raises((MessageFormatError, MessageRejectedError)) as caught:
        inspect(data, **options)
    error = caught.value
    assert isinstance(error, MessageFormatError | MessageRejectedError)
    return error


def with_headers(*lines: bytes, body: bytes = b"Body\r\n") -> bytes:
    return b"".join(line + b"\r\n" for line in lines) + b"\r\n" + body


# --- what is transmitted ------------------------------------------------------------


def test_transmitted_is_the_input_without_ses_headers_plus_our_id_and_date() -> None:
    kept = [
        b"From: Sender <sender@example.com>",
        b"To: recipient@example.net",
        b"Subject: =?utf-8?B?0K/QuiDRgtC4?=",
        b"DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=s1;\r\n\th=from:to:subject; b=abc",
        b"X-Custom: kept as is  ",
    ]
    dropped = [
        b"X-SES-CONFIGURATION-SET: ConfigSet",
        b"X-SES-MESSAGE-TAGS: campaign=book, team=a-b_c",
        b"Message-ID: <custom@example.com>",
        b"Date: Mon, 1 Jan 2024 00:00:00 +0000",
        b"x-ses-source-arn: arn:aws:ses:us-east-1:123456789012:identity/example.com",
        b"Bcc: hidden@example.org",
        b"Return-Path: <bounces@example.com>",
    ]
    body = b"Line one\r\n.leading dot\r\n\r\nLast line without newline"
    data = with_headers(*dropped[:2], *kept[:2], *dropped[2:], *kept[2:], body=body)
    expected = OUR_HEADERS + with_headers(*kept, body=body)
    assert inspect(data).transmitted == expected


def test_a_bare_lf_message_is_read_and_sent_with_crlf() -> None:
    data = BASIC.replace(b"\r\n", b"\n")
    data = b"X-SES-CONFIGURATION-SET: cs\nMessage-ID: <a@b>\n" + data
    inspected = inspect(data)
    assert inspected.transmitted == OUR_HEADERS + BASIC
    assert inspected.control.configuration_set == "cs"
    assert [field.name for field in inspected.headers][:3] == [
        "X-SES-CONFIGURATION-SET",
        "Message-ID",
        "From",
    ]


def test_a_message_without_a_body_keeps_its_headers() -> None:
    data = b"From: a@x.com\r\nTo: b@y.com\r\nSubject: s"
    assert (
        inspect(data).transmitted == OUR_HEADERS + b"From: a@x.com\r\nTo: b@y.com\r\nSubject: s\r\n"
    )


def test_our_date_replaces_the_senders_and_is_utc() -> None:
    data = with_headers(b"Date: Tue, 30 Apr 2024 23:00:00 -0500", b"From: a@x.com")
    moment = dt.datetime(2024, 5, 1, 14, 30, 45, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    inspected = inspect_raw_message(
        data, ses_message_id=SES_ID, accepted_at=moment, limits=V1_API_LIMITS
    )
    assert b"Date: Wed, 01 May 2024 12:30:45 +0000\r\n" in inspected.transmitted
    assert b"-0500" not in inspected.transmitted


def test_message_id_domain_is_a_parameter() -> None:
    inspected = inspect(BASIC, message_id_domain="mail.example.org")
    assert inspected.transmitted.startswith(
        b"Message-ID: <" + SES_ID.encode() + b"@mail.example.org>\r\n"
    )


# --- SES control headers --------------------------------------------------------------


def test_control_headers_are_read_first_instance_winning() -> None:
    data = with_headers(
        b"X-SES-CONFIGURATION-SET: first-set",
        b"X-SES-MESSAGE-TAGS: campaign=book, ses:feedback-id-a=abc ,empty=",
        b"X-SES-SOURCE-ARN: arn:aws:ses:us-west-2:123456789012:identity/example.com",
        b"X-SES-FROM-ARN: arn:aws:ses:us-west-2:123456789012:identity/from.example",
        b"X-SES-RETURN-PATH-ARN: arn:aws:ses:us-west-2:123456789012:identity/rp.example",
        b"X-SES-LIST-MANAGEMENT-OPTIONS: newsletter; topic=sports",
        b"X-SES-CONFIGURATION-SET: second-set",
        b"X-SES-SOURCE-ARN: arn:aws:ses:us-west-2:999999999999:identity/evil.example",
        b"From: a@x.com",
    )
    control = inspect(data).control
    assert control.configuration_set == "first-set"
    assert control.message_tags == (
        MessageTag("campaign", "book"),
        MessageTag("ses:feedback-id-a", "abc"),
        MessageTag("empty", ""),
    )
    assert control.source_arn == "arn:aws:ses:us-west-2:123456789012:identity/example.com"
    assert control.from_arn == "arn:aws:ses:us-west-2:123456789012:identity/from.example"
    assert control.return_path_arn == "arn:aws:ses:us-west-2:123456789012:identity/rp.example"
    assert control.list_management == ListManagementOptions("newsletter", "sports")


def test_list_management_topic_is_optional() -> None:
    data = with_headers(b"X-SES-LIST-MANAGEMENT-OPTIONS: newsletter", b"From: a@x.com")
    assert inspect(data).control.list_management == ListManagementOptions("newsletter", None)


@pytest.mark.parametrize(
    ("tags", "message"),
    [
        (
            b"event:id=1",
            "Invalid tag name <event:id>: only alphanumeric ASCII characters, '_', and '-' "
            "are allowed.",
        ),
        (
            b"campaign=a b",
            "Invalid tag value <a b>: only alphanumeric ASCII characters, '_', and '-' "
            "are allowed.",
        ),
        (
            b"ok=1, =2",
            "Invalid tag name <>: only alphanumeric ASCII characters, '_', and '-' are allowed.",
        ),
    ],
)
def test_bad_message_tags_are_refused(tags: bytes, message: str) -> None:
    error = refused(with_headers(b"X-SES-MESSAGE-TAGS: " + tags, b"From: a@x.com"))
    assert isinstance(error, MessageFormatError)
    assert error.message == message
    assert error.smtp_reply == f"554 Transaction failed: {message}"


# --- header rules -----------------------------------------------------------------------


@pytest.mark.parametrize("name", SINGLE_INSTANCE_HEADERS)
def test_single_instance_headers_may_not_repeat(name: str) -> None:
    value = b"a@x.com" if name in ("From", "Sender", "Reply-To") else b"v"
    data = with_headers(
        b"From: a@x.com", name.encode() + b": " + value, name.lower().encode() + b": " + value
    )
    if name == "From":
        data = with_headers(b"From: a@x.com", b"FROM: b@y.com")
    error = refused(data)
    assert error.message == f"Duplicate header '{name}'."
    assert error.smtp_reply == f"554 Transaction failed: Duplicate header '{name}'."


def test_repeated_recipient_headers_are_allowed_and_all_count() -> None:
    data = with_headers(b"From: a@x.com", b"To: b@y.com", b"To: c@z.com", b"Cc: d@w.com")
    addresses = inspect(data).addresses
    assert [box.addr_spec for box in addresses.recipients] == ["b@y.com", "c@z.com", "d@w.com"]


def test_missing_from_is_refused_without_a_source() -> None:
    data = with_headers(b"To: b@y.com", b"Subject: s")
    error = refused(data)
    assert error.message == "Missing required header 'From'."
    assert inspect(data, source="sender@example.com").addresses.from_ == ()


def test_an_empty_header_name_is_refused() -> None:
    assert refused(with_headers(b"From: a@x.com", b": value")).message == (
        "Empty header names are illegal."
    )


def test_a_line_that_is_not_a_header_is_refused() -> None:
    data = b"From sender@example.com Tue Apr 30 12:00:00 2024\r\n" + BASIC
    assert (
        refused(data).message
        == "Illegal header 'From sender@example.com Tue Apr 30 12:00:00 2024'."
    )


def test_header_lines_longer_than_998_characters_are_refused() -> None:
    data = with_headers(b"From: a@x.com", b"X-Long: " + b"x" * 991)
    assert refused(data).message == "Header line too long: 'X-Long'."
    assert inspect(with_headers(b"From: a@x.com", b"X-Long: " + b"x" * 990))
    assert inspect(with_headers(b"From: a@x.com", b"X-Long: " + b"x" * 990 + b"\r\n folded"))


def test_the_header_section_limit_is_a_parameter() -> None:
    limits = MessageLimits(max_message_bytes=10_000, max_header_section_bytes=100)
    data = with_headers(b"From: a@x.com", *(b"X-Filler: 0123456789" for _ in range(10)))
    assert refused(data, limits=limits).message == "Header section too long."


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (b"From: j\xc3\xb6rg@x.com", "There are non-ASCII characters in the email address"),
        (b"To: a@x.com\r\nCc: fake email", "Local address contains control or whitespace"),
        (b"Reply-To: <a@x.com> <b@y.com>", "Extra route-addr"),
        (b"To: someone", "Missing final '@domain'"),
        (b"Bcc: a@b\xc3\xbccher.de", "Domain contains illegal character"),
    ],
)
def test_malformed_addresses_are_refused(header: bytes, message: str) -> None:
    data = (
        header + b"\r\n" + (BASIC if not header.startswith(b"From") else BASIC.split(b"\r\n", 1)[1])
    )
    error = refused(data)
    assert error.message == message
    assert error.smtp_reply == f"554 Transaction failed: {message}"


# --- size ------------------------------------------------------------------------------


def test_size_limits_per_door() -> None:
    assert V1_API_LIMITS.max_message_bytes == 10_485_760
    assert V2_API_LIMITS.max_message_bytes == SMTP_LIMITS.max_message_bytes == 41_943_040
    assert V1_API_LIMITS.max_mime_parts == 500


def test_messages_over_the_limit_are_refused_with_both_sizes() -> None:
    big = BASIC + b"x" * (V1_API_LIMITS.max_message_bytes - len(BASIC) + 1)
    error = refused(big)
    assert error.message == f"Message length is more than 10485760 bytes long: '{len(big)}'."
    assert error.smtp_reply == "552 Message is too long."
    assert inspect(big, limits=V2_API_LIMITS).mime_part_count == 1


# --- attachments and MIME parts ------------------------------------------------------


def mixed(*parts: bytes) -> bytes:
    body = b"".join(b"--b1\r\n" + part + b"\r\n" for part in parts) + b"--b1--\r\n"
    return with_headers(
        b"From: a@x.com",
        b"MIME-Version: 1.0",
        b'Content-Type: multipart/mixed; boundary="b1"',
        body=b"\r\n" + body,
    )


def attachment(params: bytes, disposition: bytes = b"") -> bytes:
    headers = b"Content-Type: application/octet-stream" + params + b"\r\n"
    if disposition:
        headers += b"Content-Disposition: attachment" + disposition + b"\r\n"
    return headers + b"Content-Transfer-Encoding: base64\r\n\r\nAAAA"


@pytest.mark.parametrize("extension", sorted(BLOCKED_EXTENSIONS))
def test_every_unsupported_extension_is_refused(extension: str) -> None:
    error = refused(
        mixed(attachment(b"", b'; filename="file.' + extension.upper().encode() + b'"'))
    )
    assert isinstance(error, MessageRejectedError)
    assert (
        error.message
        == f"Illegal attachment type '{extension}' in file 'file.{extension.upper()}'."
    )
    assert error.smtp_reply.startswith("554 Message rejected: ")


@pytest.mark.parametrize(
    ("part", "extension"),
    [
        (attachment(b'; name="evil.exe"'), "exe"),
        (attachment(b'; name="ok.pdf"', b'; filename="evil.Bat"'), "bat"),
        (attachment(b'; name="evil.js"', b'; filename="ok.pdf"'), "js"),
        (attachment(b"", b"; filename*=UTF-8''%C3%A9vil.%65xe"), "exe"),
        (attachment(b"", b"; filename*0*=UTF-8''evil; filename*1*=.%45XE"), "exe"),
        (attachment(b'; name="=?UTF-8?B?ZXZpbC5zY3I=?="'), "scr"),
        (attachment(b"", b'; filename="evil.exe."'), "exe"),
        (attachment(b"", b'; filename="dir\\\\evil.vbs"'), "vbs"),
        (attachment(b"", b"; FileName=evil.PS1"), "ps1"),
    ],
)
def test_attachment_names_are_found_wherever_a_client_would_look(
    part: bytes, extension: str
) -> None:
    error = refused(mixed(part))
    assert error.rule == "illegal_attachment"
    assert error.message.startswith(f"Illegal attachment type '{extension}' in file ")


def test_unsupported_attachments_are_found_in_nested_parts() -> None:
    inner_message = (
        b"Content-Type: message/rfc822\r\n\r\n"
        + b"From: c@d.com\r\n"
        + b'Content-Type: multipart/mixed; boundary="b2"\r\n\r\n'
        + b"--b2\r\n"
        + attachment(b'; name="payload.cmd"')
        + b"\r\n--b2--\r\n"
    )
    alternative = (
        b'Content-Type: multipart/alternative; boundary="b3"\r\n\r\n'
        b"--b3\r\nContent-Type: text/plain\r\n\r\ntext\r\n--b3--\r\n"
    )
    error = refused(mixed(alternative, inner_message))
    assert error.message == "Illegal attachment type 'cmd' in file 'payload.cmd'."


@pytest.mark.parametrize("name", ["report.pdf", "exe", "archive.exe.zip", "photo.JPEG", "notes"])
def test_other_attachments_are_accepted(name: str) -> None:
    inspected = inspect(mixed(attachment(b"", b'; filename="' + name.encode() + b'"')))
    assert name in inspected.file_names


def test_at_most_500_mime_parts() -> None:
    leaf = b"Content-Type: text/plain\r\n\r\nx"
    assert inspect(mixed(*[leaf] * 499)).mime_part_count == 500
    error = refused(mixed(*[leaf] * 500))
    assert error.message == "Message has more than 500 MIME parts."


def test_very_deep_nesting_counts_as_too_many_parts() -> None:
    depth = 1200
    opening = b"".join(
        b'Content-Type: multipart/mixed; boundary="n%d"\r\n\r\n--n%d\r\n' % (i, i)
        for i in range(depth)
    )
    closing = b"".join(b"\r\n--n%d--\r\n" % i for i in reversed(range(depth)))
    data = b"From: a@x.com\r\n" + opening + b"Content-Type: text/plain\r\n\r\nx" + closing
    assert refused(data).message == "Message has more than 500 MIME parts."


# --- what notifications need ------------------------------------------------------------


def test_common_headers_use_ses_names_and_the_senders_message_id() -> None:
    data = with_headers(
        b'From: "John Doe" <john@example.com>',
        b"To: Jane Doe <jane@example.com>, Mary Doe <mary@example.com>",
        b"Cc: cc@example.com",
        b"Reply-To: reply@example.com",
        b"Sender: sender@example.com",
        b"Return-Path: <bounce@example.com>",
        b"Message-ID: custom-message-ID",
        b"Date: Wed, 27 Jan 2016 14:05:45 +0000",
        b"Subject: =?UTF-8?Q?Caf=C3=A9?=",
    )
    assert inspect(data).common_headers == {
        "from": ["John Doe <john@example.com>"],
        "to": ["Jane Doe <jane@example.com>", "Mary Doe <mary@example.com>"],
        "cc": ["cc@example.com"],
        "sender": ["sender@example.com"],
        "replyTo": ["reply@example.com"],
        "returnPath": "bounce@example.com",
        "date": "Wed, 27 Jan 2016 14:05:45 +0000",
        "messageId": "custom-message-ID",
        "subject": "Café",
    }


def test_without_a_message_id_common_headers_carry_the_ses_id() -> None:
    common = inspect(BASIC).common_headers
    assert common["messageId"] == SES_ID
    assert "date" not in common


def test_headers_keep_the_ses_control_headers_for_notifications() -> None:
    data = with_headers(b"X-SES-MESSAGE-TAGS: a=b", b"From: a@x.com", b"Subject: folded\r\n line")
    headers = [(field.name, field.value) for field in inspect(data).headers]
    assert headers == [
        ("X-SES-MESSAGE-TAGS", "a=b"),
        ("From", "a@x.com"),
        ("Subject", "folded line"),
    ]


def test_address_warnings_are_passed_on() -> None:
    data = with_headers(b'From: "boss@bank.com" <a%b@x.com>')
    codes = {warning.code.key for warning in inspect(data).addresses.warnings}
    assert codes == {"percent_hack", "name_looks_like_address"}


# --- the table ---------------------------------------------------------------------------


def test_every_rejection_names_its_source_and_formats() -> None:
    samples: dict[str, dict[str, object]] = {
        "duplicate_header": {"name": "X"},
        "malformed_header": {"name": "X"},
        "header_line_too_long": {"name": "X"},
        "message_too_long": {"limit": 1, "size": 2},
        "too_many_mime_parts": {"limit": 1},
        "illegal_attachment": {"extension": "exe", "filename": "a.exe"},
        "address": {"detail": "Missing domain"},
        "invalid_tag_name": {"text": "x"},
        "invalid_tag_value": {"text": "x"},
        "disallowed_custom_header": {"name": "X"},
        "invalid_custom_header": {"name": "X"},
        "unsupported_charset": {"charset": "x"},
        "unencodable_content": {"part": "subject", "charset": "x"},
    }
    for rule, entry in REJECTIONS.items():
        assert entry.source
        error = rejection(rule, **samples.get(rule, {}))
        assert error.rule == rule
        assert re.match(r"^5\d\d ", error.smtp_reply)


# --- robustness --------------------------------------------------------------------------

_MESSAGE_PIECES = st.sampled_from(
    [
        b"From: a@x.com\r\n",
        b"To: b@y.com, c@z.com\r\n",
        b"Subject: =?utf-8?q?x?=\r\n",
        b"X-SES-MESSAGE-TAGS: a=b\r\n",
        b"Content-Type: multipart/mixed; boundary=q\r\n",
        b'Content-Disposition: attachment; filename="a.exe"\r\n',
        b"\r\n",
        b"\n",
        b"--q\r\n",
        b"--q--\r\n",
        b" folded\r\n",
        b":\r\n",
        b"\xff\xfe",
        b"\x00",
        b"body text\r\n",
        b"From: <a@x.com\r\n",
    ]
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_MESSAGE_PIECES, max_size=20).map(b"".join) | st.binary(max_size=300))
def test_any_input_is_inspected_or_refused_with_an_ses_error(data: bytes) -> None:
    outcome: InspectedMessage | MessageFormatError | MessageRejectedError
    try:
        outcome = inspect(data, source="envelope@example.com")
    except (MessageFormatError, MessageRejectedError) as error:
        outcome = error
    if isinstance(outcome, InspectedMessage):
        assert outcome.transmitted.startswith(OUR_HEADERS)
        assert not re.search(rb"(?<!\r)\n", outcome.transmitted)
    else:
        assert outcome.rule in REJECTIONS


def test_notification_headers_are_truncated_from_10_kb() -> None:
    short = inspect(with_headers(b"X-SES-MESSAGE-TAGS: a=b", b"From: a@x.com")).headers
    assert notification_headers(short) == (
        [{"name": "X-SES-MESSAGE-TAGS", "value": "a=b"}, {"name": "From", "value": "a@x.com"}],
        False,
    )
    filler = [b"X-Filler-%03d: " % i + b"x" * 100 for i in range(100)]
    long_headers = inspect(with_headers(b"From: a@x.com", *filler)).headers
    listed, truncated = notification_headers(long_headers)
    assert truncated
    assert listed[0] == {"name": "From", "value": "a@x.com"}
    assert sum(len(h["name"]) + len(h["value"]) + 4 for h in listed) <= 10 * 1024
