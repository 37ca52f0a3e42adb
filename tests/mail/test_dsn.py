"""Bounce DSNs, ARF complaint reports and auto-replies, read back by two parsers."""

from __future__ import annotations

import datetime as dt
import email
from email import policy
from email.message import EmailMessage, Message
from email.utils import parsedate_to_datetime

import pytest
from flufl.bounce import all_failures
from hypothesis import given, settings
from hypothesis import strategies as st

from openses.domain.feedback import ComplaintFeedbackType
from openses.mail.dsn import (
    DSN_INTRO,
    DSN_SUBJECT,
    Addressing,
    FailedRecipient,
    FeedbackMail,
    FeedbackMailKind,
    build_auto_reply,
    build_bounce_dsn,
    build_complaint_report,
    mailer_daemon,
)

ACCEPTED = dt.datetime(2024, 5, 20, 12, 0, 0, tzinfo=dt.UTC)
NOW = dt.datetime(2024, 5, 20, 12, 0, 7, tzinfo=dt.UTC)
ORIGINAL_HEAD = (
    b"From: Sender Name <sender@example.com>\r\n"
    b"To: jane@example.org, bob@example.org\r\n"
    b"Subject: Hello\r\n"
    b"Message-ID: <0100018f9a-1111@email.amazonses.com>\r\n"
    b"References: <earlier@example.com>\r\n"
    b"Date: Mon, 20 May 2024 12:00:00 +0000\r\n"
    b"MIME-Version: 1.0\r\n"
    b"Content-Type: text/plain; charset=UTF-8\r\n"
)
ORIGINAL = ORIGINAL_HEAD + b"\r\nThe body must not travel with a bounce.\r\n"


def daemon_addressing() -> Addressing:
    return Addressing(
        mailer_daemon("amazonses.com"),
        "sender@example.com",
        NOW,
        "<0100018f9a-2222@email.amazonses.com>",
    )


def parse(mail: FeedbackMail) -> EmailMessage:
    parsed = email.message_from_bytes(mail.as_bytes(), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def parts(message: Message) -> list[Message]:
    payload = message.get_payload()
    assert isinstance(payload, list)
    return [part for part in payload if isinstance(part, Message)]


def status_blocks(report: Message) -> list[Message]:
    status = parts(report)[1]
    assert status.get_content_type() == "message/delivery-status"
    return parts(status)


def dsn(*recipients: FailedRecipient) -> FeedbackMail:
    return build_bounce_dsn(
        ORIGINAL,
        recipients,
        addressing=daemon_addressing(),
        reporting_mta="a8-70.smtp-out.amazonses.com",
        arrival_date=ACCEPTED,
    )


USER_UNKNOWN = FailedRecipient(
    "jane@example.org",
    "5.1.1",
    "smtp; 550 5.1.1 <jane@example.org>... User unknown",
    remote_mta="mx.example.org",
    last_attempt=NOW,
)


# --- RFC 3464 delivery status notifications -----------------------------------------


def test_a_dsn_comes_from_the_mailer_daemon_to_the_feedback_address() -> None:
    mail = dsn(USER_UNKNOWN)
    message = parse(mail)
    assert message["From"] == "MAILER-DAEMON@amazonses.com"
    assert message["To"] == "sender@example.com"
    assert message["Subject"] == DSN_SUBJECT
    assert message["Message-ID"] == "<0100018f9a-2222@email.amazonses.com>"
    assert message["Auto-Submitted"] == "auto-replied"
    assert message["MIME-Version"] == "1.0"
    assert parsedate_to_datetime(message["Date"]) == NOW
    assert message.get_content_type() == "multipart/report"
    assert message.get_param("report-type") == "delivery-status"
    assert (mail.kind, mail.envelope_sender, mail.envelope_recipient) == (
        FeedbackMailKind.BOUNCE_DSN,
        "",
        "sender@example.com",
    )


def test_a_dsn_has_a_readable_part_a_status_part_and_the_original_headers() -> None:
    message = parse(dsn(USER_UNKNOWN))
    readable, status, headers = parts(message)
    assert readable.get_content_type() == "text/plain"
    text = readable.get_payload(decode=True)
    assert isinstance(text, bytes)
    assert text.decode().splitlines() == [DSN_INTRO, "jane@example.org"]
    assert status.get_content_type() == "message/delivery-status"
    assert headers.get_content_type() == "text/rfc822-headers"
    original_headers = headers.get_payload(decode=True)
    assert isinstance(original_headers, bytes)
    assert original_headers.replace(b"\r\n", b"\n") == ORIGINAL_HEAD.replace(b"\r\n", b"\n")


def test_the_status_part_names_the_reporting_mta_and_every_recipient_field() -> None:
    per_message, per_recipient = status_blocks(parse(dsn(USER_UNKNOWN)))
    assert per_message["Reporting-MTA"] == "dns; a8-70.smtp-out.amazonses.com"
    assert parsedate_to_datetime(per_message["Arrival-Date"]) == ACCEPTED
    assert dict(per_recipient.items()) == {
        "Final-Recipient": "rfc822; jane@example.org",
        "Action": "failed",
        "Status": "5.1.1",
        "Remote-MTA": "dns; mx.example.org",
        "Diagnostic-Code": "smtp; 550 5.1.1 <jane@example.org>... User unknown",
        "Last-Attempt-Date": "Mon, 20 May 2024 12:00:07 +0000",
    }


@pytest.mark.parametrize(
    "written",
    [
        "jane@example.org",
        "<jane@example.org>",
        "rfc822; jane@example.org",
        "RFC822;<jane@example.org>",
    ],
)
def test_final_recipient_never_doubles_its_address_type(written: str) -> None:
    blocks = status_blocks(parse(dsn(FailedRecipient(written, "5.1.1"))))
    assert blocks[1]["Final-Recipient"] == "rfc822; jane@example.org"


def test_diagnostic_codes_get_the_smtp_type_unless_they_have_one() -> None:
    recipients = (
        FailedRecipient("a@example.org", "5.0.0", "550 user unknown"),
        FailedRecipient("b@example.org", "5.0.0", "X-Postfix; unknown user"),
        FailedRecipient(
            "c@example.org", "5.2.2", "550-5.2.2 The mailbox is full\n550 5.2.2 Try later"
        ),
    )
    codes = [block["Diagnostic-Code"] for block in status_blocks(parse(dsn(*recipients)))[1:]]
    assert codes == [
        "smtp; 550 user unknown",
        "X-Postfix; unknown user",
        "smtp; 550-5.2.2 The mailbox is full 550 5.2.2 Try later",
    ]


@pytest.mark.parametrize(
    ("remote", "written"),
    [
        ("192.0.2.222", "dns; [192.0.2.222]"),
        ("[192.0.2.222]", "dns; [192.0.2.222]"),
        ("2001:db8::1", "dns; [IPv6:2001:db8::1]"),
        ("mx1.example.org", "dns; mx1.example.org"),
    ],
)
def test_a_remote_mta_given_as_an_ip_address_is_a_bracketed_literal(
    remote: str, written: str
) -> None:
    recipient = FailedRecipient("a@example.org", "5.1.1", remote_mta=remote)
    assert status_blocks(parse(dsn(recipient)))[1]["Remote-MTA"] == written


def test_optional_recipient_fields_are_left_out_when_unknown() -> None:
    block = status_blocks(parse(dsn(FailedRecipient("a@example.org", "5.0.0"))))[1]
    assert list(block.keys()) == ["Final-Recipient", "Action", "Status"]


def test_the_dsn_is_seven_bit_with_crlf_lines_of_legal_length() -> None:
    data = dsn(USER_UNKNOWN).as_bytes()
    assert data.isascii()
    lines = data.split(b"\r\n")
    assert b"\n" not in b"".join(lines)
    assert max(len(line) for line in lines) <= 998
    assert b"The body must not travel" not in data


def test_a_second_parser_finds_the_permanent_failures() -> None:
    recipients = (
        USER_UNKNOWN,
        FailedRecipient("bounce+label1@simulator.amazonses.com", "5.1.1", "550 5.1.1 user unknown"),
    )
    data = dsn(*recipients).as_bytes()
    temporary, permanent = all_failures(email.message_from_bytes(data))
    assert temporary == frozenset()
    assert permanent == {b"jane@example.org", b"bounce+label1@simulator.amazonses.com"}


_local = st.from_regex(r"[a-z0-9][a-z0-9._+-]{0,20}[a-z0-9]", fullmatch=True)
_domains = st.sampled_from(["example.org", "mail.example.net", "simulator.amazonses.com"])
_statuses = st.builds("5.{}.{}".format, st.integers(0, 7), st.integers(0, 9))


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(_local, _domains, _statuses, st.text("abc xyz<>@.;-", max_size=60)),
        min_size=1,
        max_size=5,
    )
)
def test_every_recipient_reads_back_as_written(
    specs: list[tuple[str, str, str, str]],
) -> None:
    recipients = [
        FailedRecipient(f"{local}@{domain}", status, f"550 {text}".strip())
        for local, domain, status, text in specs
    ]
    blocks = status_blocks(parse(dsn(*recipients)))[1:]
    assert [b["Final-Recipient"] for b in blocks] == [f"rfc822; {r.address}" for r in recipients]
    assert [b["Status"] for b in blocks] == [r.status for r in recipients]
    # Folding may move whitespace, never words.
    assert [" ".join(b["Diagnostic-Code"].split()) for b in blocks] == [
        " ".join(f"smtp; {r.diagnostic_code}".split()) for r in recipients
    ]


def test_non_ascii_original_headers_still_arrive_readable() -> None:
    original = "Subject: Grüße\r\nFrom: a@example.com\r\n\r\nx\r\n".encode()
    mail = build_bounce_dsn(
        original,
        [FailedRecipient("a@example.org", "5.1.1")],
        addressing=daemon_addressing(),
        reporting_mta="mta.example.com",
        arrival_date=ACCEPTED,
    )
    headers = parts(parse(mail))[2]
    decoded = headers.get_payload(decode=True)
    assert isinstance(decoded, bytes)
    assert "Subject: Grüße" in decoded.decode("utf-8")


def test_a_dsn_needs_recipients_aware_dates_and_a_message_id() -> None:
    with pytest.raises(ValueError, match="at least one"):
        dsn()
    naive = Addressing("m@x", "s@x", dt.datetime(2024, 1, 1), "<a@b>")
    with pytest.raises(ValueError, match="timezone"):
        build_bounce_dsn(
            ORIGINAL, [USER_UNKNOWN], addressing=naive, reporting_mta="m", arrival_date=NOW
        )
    bare_id = Addressing("m@x", "s@x", NOW, "a@b")
    with pytest.raises(ValueError, match="Message-ID"):
        build_bounce_dsn(
            ORIGINAL, [USER_UNKNOWN], addressing=bare_id, reporting_mta="m", arrival_date=NOW
        )


# --- RFC 5965 complaint reports ---------------------------------------------------


def complaint(**overrides: object) -> FeedbackMail:
    arguments: dict[str, object] = {
        "addressing": Addressing(
            "complaints@email-abuse.amazonses.com", "sender@example.com", NOW, "<c@example.com>"
        ),
        "original_mail_from": "sender@example.com",
        "original_rcpt_to": "complaint@simulator.amazonses.com",
        "arrival_date": ACCEPTED,
    }
    arguments.update(overrides)
    return build_complaint_report(ORIGINAL, **arguments)  # type: ignore[arg-type]


def test_a_complaint_report_is_a_feedback_report_with_the_original_attached() -> None:
    mail = complaint()
    message = parse(mail)
    assert message["From"] == "complaints@email-abuse.amazonses.com"
    assert message["To"] == "sender@example.com"
    assert message["Subject"] == "FW: Hello"
    assert message["Auto-Submitted"] == "auto-replied"
    assert message.get_content_type() == "multipart/report"
    assert message.get_param("report-type") == "feedback-report"
    readable, report, attached = parts(message)
    assert readable.get_content_type() == "text/plain"
    assert report.get_content_type() == "message/feedback-report"
    assert attached.get_content_type() == "message/rfc822"
    original = parts(attached)[0]
    assert original["Message-ID"] == "<0100018f9a-1111@email.amazonses.com>"
    body = original.get_payload()
    assert isinstance(body, str)
    assert body.strip() == "The body must not travel with a bounce."
    assert (mail.kind, mail.envelope_sender) == (FeedbackMailKind.COMPLAINT_REPORT, "")


def test_the_feedback_report_has_rfc_5965s_fields() -> None:
    mail = complaint(source_ip="192.0.2.10", feedback_type=ComplaintFeedbackType.FRAUD)
    fields = parts(parts(parse(mail))[1])[0]
    assert dict(fields.items()) == {
        "Feedback-Type": "fraud",
        "User-Agent": "Amazon SES Mailbox Simulator",
        "Version": "1",
        "Original-Mail-From": "<sender@example.com>",
        "Original-Rcpt-To": "<complaint@simulator.amazonses.com>",
        "Arrival-Date": "Mon, 20 May 2024 12:00:00 +0000",
        "Source-IP": "192.0.2.10",
    }


def test_a_complaint_report_is_not_mistaken_for_a_bounce() -> None:
    temporary, permanent = all_failures(email.message_from_bytes(complaint().as_bytes()))
    assert temporary == permanent == frozenset()


# --- RFC 3834 automatic responses ------------------------------------------------


def auto_reply(original: bytes = ORIGINAL) -> FeedbackMail:
    addressing = Addressing("no-reply@amazonses.com", "sender@example.com", NOW, "<r@example.com>")
    return build_auto_reply(original, addressing=addressing)


def test_an_auto_reply_says_so_and_threads_under_the_original() -> None:
    mail = auto_reply()
    message = parse(mail)
    assert message["Auto-Submitted"] == "auto-replied"
    assert message["In-Reply-To"] == "<0100018f9a-1111@email.amazonses.com>"
    assert message["References"] == "<earlier@example.com> <0100018f9a-1111@email.amazonses.com>"
    assert message["Subject"] == "Auto: Hello"
    assert message["From"] == "no-reply@amazonses.com"
    assert message["To"] == "sender@example.com"
    assert message["Message-ID"] == "<r@example.com>"
    assert "out of the office" in message.get_content()
    assert (mail.kind, mail.envelope_sender) == (FeedbackMailKind.AUTO_REPLY, "")


def test_an_auto_reply_to_a_message_without_id_does_not_invent_one() -> None:
    message = parse(auto_reply(b"From: a@example.com\r\nSubject: Hi\r\n\r\nx\r\n"))
    assert message["In-Reply-To"] is None
    assert message["References"] is None
    assert message["Auto-Submitted"] == "auto-replied"
