"""Reply parsing, SES bounce classification and DSN strings, on real-world replies."""

from __future__ import annotations

import pytest

from openses.mail import replies
from openses.mail.outcomes import (
    BOUNCE_RULES,
    BounceKind,
    BounceRule,
    BounceSubType,
    BounceType,
    classify,
    classify_reply,
    diagnostic_code,
    dsn_action,
    dsn_status,
)
from openses.mail.replies import SmtpReply

P, T, U = BounceType.PERMANENT, BounceType.TRANSIENT, BounceType.UNDETERMINED
S = BounceSubType

# (code, message as aiosmtplib hands it over: one line of text per reply line, code
# and continuation mark removed), then the SES bounce type and subtype.
REAL_WORLD_REPLIES: list[tuple[int, str, BounceType, BounceSubType]] = [
    # Gmail
    (
        550,
        "5.1.1 The email account that you tried to reach does not exist. Please try\n"
        "5.1.1 double-checking the recipient's email address for typos or\n"
        "5.1.1 unnecessary spaces. For more information, go to\n"
        "5.1.1  https://support.google.com/mail/?p=NoSuchUser a1si123 - gsmtp",
        P,
        S.NO_EMAIL,
    ),
    (
        452,
        "4.2.2 The recipient's inbox is out of storage space. Please direct the\n"
        "4.2.2 recipient to\n4.2.2  https://support.google.com/mail/?p=OverQuotaTemp x - gsmtp",
        T,
        S.MAILBOX_FULL,
    ),
    (
        552,
        "5.2.2 The recipient's inbox is out of storage space and inactive. - gsmtp",
        T,
        S.MAILBOX_FULL,
    ),
    (
        552,
        "5.3.4 Your message exceeded Google's message size limits. Please visit\n"
        "5.3.4  https://support.google.com/mail/?p=MaxSizeError to view our size\n"
        "5.3.4 guidelines. x - gsmtp",
        T,
        S.MESSAGE_TOO_LARGE,
    ),
    (
        552,
        "5.7.0 This message was blocked because its content presents a potential\n"
        "5.7.0 security issue. To review our message content and attachment content\n"
        "5.7.0 guidelines, go to https://support.google.com/mail/?p=BlockedMessage - gsmtp",
        T,
        S.ATTACHMENT_REJECTED,
    ),
    (
        550,
        "5.7.1 [203.0.113.7] Our system has detected that this message is likely\n"
        "5.7.1 unsolicited mail. To reduce the amount of spam sent to Gmail, this\n"
        "5.7.1 message has been blocked. - gsmtp",
        T,
        S.CONTENT_REJECTED,
    ),
    (
        550,
        "5.7.26 This mail has been blocked because the sender is unauthenticated.\n"
        "5.7.26 Gmail requires all senders to authenticate with either SPF or DKIM. - gsmtp",
        P,
        S.GENERAL,
    ),
    (
        550,
        "5.2.1 The email account that you tried to reach is disabled. - gsmtp",
        P,
        S.GENERAL,
    ),
    (
        421,
        "4.7.0 [203.0.113.7] Our system has detected an unusual rate of\n"
        "4.7.0 unsolicited mail originating from your IP address. - gsmtp",
        T,
        S.CONTENT_REJECTED,
    ),
    (451, "4.3.0 Mail server temporarily rejected message. - gsmtp", T, S.GENERAL),
    # Outlook / Microsoft 365
    (
        550,
        "5.5.0 Requested action not taken: mailbox unavailable (S2017062302). "
        "[AM0PR01MB1234.eurprd01.prod.exchangelabs.com]",
        P,
        S.GENERAL,
    ),
    (
        550,
        "5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup",
        P,
        S.NO_EMAIL,
    ),
    (
        550,
        "5.7.1 Unfortunately, messages from [203.0.113.7] weren't sent. Please contact "
        "your Internet service provider since part of their network is on our block list "
        "(S3150).",
        P,
        S.GENERAL,
    ),
    (
        550,
        "5.7.1 Service unavailable, Client host [203.0.113.7] blocked using Spamhaus.",
        P,
        S.GENERAL,
    ),
    (552, "5.2.2 mailbox full", T, S.MAILBOX_FULL),
    (552, "5.3.4 Message size exceeds fixed maximum message size", T, S.MESSAGE_TOO_LARGE),
    (
        451,
        "4.7.500 Server busy. Please try again later from [203.0.113.7]. (S77719)",
        T,
        S.GENERAL,
    ),
    # Yahoo / AOL
    (
        554,
        "delivery error: dd This user doesn't have a yahoo.com account "
        "(someone@yahoo.com) [0] - mta1234.mail.bf1.yahoo.com",
        P,
        S.NO_EMAIL,
    ),
    (552, "1 Requested mail action aborted, mailbox not found", P, S.NO_EMAIL),
    (
        554,
        "5.7.9 Message not accepted for policy reasons.  See "
        "https://postmaster.yahooinc.com/error-codes",
        T,
        S.CONTENT_REJECTED,
    ),
    (
        421,
        "4.7.0 [TSS04] Messages from 203.0.113.7 temporarily deferred due to unexpected "
        "volume or user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes",
        T,
        S.GENERAL,
    ),
    (452, "4.2.2 Mailbox quota exceeded", T, S.MAILBOX_FULL),
    # Postfix, Exim and friends, with and without enhanced codes
    (550, "5.1.1 <bob@example.com>: Recipient address rejected: User unknown", P, S.NO_EMAIL),
    (550, "user unknown", P, S.NO_EMAIL),
    (550, "No such user here", P, S.NO_EMAIL),
    (450, "4.1.1 <bob@example.com>: Recipient address rejected: unverified", T, S.GENERAL),
    (450, "user unknown (LDAP lookup failed)", T, S.GENERAL),
    (552, "Error: message file too big", T, S.MESSAGE_TOO_LARGE),
    (552, "Error: Too much mail data", T, S.MESSAGE_TOO_LARGE),
    (554, "5.7.1 Message rejected: spam content", T, S.CONTENT_REJECTED),
    (554, "Message rejected as spam by Content Filtering", T, S.CONTENT_REJECTED),
    (550, "5.7.1 Executable attachments are not accepted", T, S.ATTACHMENT_REJECTED),
    (554, "5.7.1 Relay access denied", P, S.GENERAL),
    (553, "5.1.2 Host or domain name not found", P, S.GENERAL),
    (550, "5.4.4 Invalid domain", P, S.GENERAL),
    (556, "5.1.10 Recipient address has null MX", P, S.NO_EMAIL),
    (451, "4.7.1 Greylisted, please try again in 300 seconds", T, S.GENERAL),
    (421, "4.4.2 Connection timed out", T, S.GENERAL),
    # SES's own expiry bounce: the enhanced code's class (4) beats the 550.
    (
        550,
        "4.4.7 Message expired: unable to deliver in 840 minutes.<421 4.4.0 Unable to "
        "lookup DNS for example.com>",
        T,
        S.GENERAL,
    ),
]


@pytest.mark.parametrize(("code", "message", "bounce_type", "sub_type"), REAL_WORLD_REPLIES)
def test_real_world_replies_get_the_ses_bounce_type_a_reader_would_expect(
    code: int, message: str, bounce_type: BounceType, sub_type: BounceSubType
) -> None:
    assert classify(SmtpReply.parse(code, message)) == BounceKind(bounce_type, sub_type)


def test_the_brief_table_of_enhanced_codes() -> None:
    assert classify_reply(550, "5.1.1", "x") == BounceKind(P, S.NO_EMAIL)
    assert classify_reply(552, "5.2.2", "x") == BounceKind(T, S.MAILBOX_FULL)
    assert classify_reply(452, "4.2.2", "x") == BounceKind(T, S.MAILBOX_FULL)
    assert classify_reply(552, "5.3.4", "x") == BounceKind(T, S.MESSAGE_TOO_LARGE)
    assert classify_reply(550, "5.7.1", "content rejected") == BounceKind(T, S.CONTENT_REJECTED)
    assert classify_reply(550, None, "whatever") == BounceKind(P, S.GENERAL)
    assert classify_reply(421, None, "whatever") == BounceKind(T, S.GENERAL)


def test_a_success_or_nonsense_is_undetermined() -> None:
    assert classify_reply(250, "2.0.0", "OK") == BounceKind(U, S.UNDETERMINED)
    assert classify_reply(354, None, "go ahead") == BounceKind(U, S.UNDETERMINED)


def test_suppression_subtypes_never_come_from_a_remote_reply() -> None:
    produced = {rule.kind.sub_type for rule in BOUNCE_RULES}
    assert S.SUPPRESSED not in produced
    assert S.ON_ACCOUNT_SUPPRESSION_LIST not in produced


def test_subtypes_stay_under_the_bounce_type_ses_lists_them_under() -> None:
    ses_table = {
        P: {S.GENERAL, S.NO_EMAIL, S.SUPPRESSED, S.ON_ACCOUNT_SUPPRESSION_LIST},
        T: {
            S.GENERAL,
            S.MAILBOX_FULL,
            S.MESSAGE_TOO_LARGE,
            S.CONTENT_REJECTED,
            S.ATTACHMENT_REJECTED,
        },
        U: {S.UNDETERMINED},
    }
    for rule in BOUNCE_RULES:
        assert rule.kind.sub_type in ses_table[rule.kind.bounce_type], rule.name


def test_rules_are_data_a_caller_can_replace() -> None:
    only_rule = BounceRule("all", BounceKind(T, S.GENERAL))
    reply = SmtpReply.make(550, "5.1.1", "User unknown")
    assert classify(reply, (only_rule,)) == BounceKind(T, S.GENERAL)
    assert classify(reply, ()) == BounceKind(U, S.UNDETERMINED)


def test_a_multi_line_reply_keeps_its_lines_and_its_enhanced_code() -> None:
    reply = SmtpReply.parse(550, "5.1.1 first line\n5.1.1 second line")
    assert reply.enhanced_status == "5.1.1"
    assert reply.text == "first line second line"
    assert str(reply) == "550-5.1.1 first line\n550 5.1.1 second line"


def test_a_reply_without_enhanced_code_has_none() -> None:
    reply = SmtpReply.parse(550, "Requested action not taken: mailbox unavailable")
    assert reply.enhanced_status is None
    assert str(reply) == "550 Requested action not taken: mailbox unavailable"


def test_dsn_status_is_the_enhanced_code_or_the_class_default() -> None:
    assert dsn_status(SmtpReply.make(550, "5.1.1", "user unknown")) == "5.1.1"
    # SES's documented example: "status": "5.0.0" with "smtp; 550 user unknown".
    assert dsn_status(SmtpReply.parse(550, "user unknown")) == "5.0.0"
    assert dsn_status(SmtpReply.parse(451, "try later")) == "4.0.0"


def test_diagnostic_code_is_smtp_semicolon_then_the_reply_as_sent() -> None:
    assert diagnostic_code(SmtpReply.parse(550, "5.1.1 user unknown")) == (
        "smtp; 550 5.1.1 user unknown"
    )
    gmail = SmtpReply.parse(550, "5.1.1 The email account\n5.1.1 does not exist - gsmtp")
    assert diagnostic_code(gmail) == (
        "smtp; 550-5.1.1 The email account\n550 5.1.1 does not exist - gsmtp"
    )


def test_dsn_action_is_failed_for_bounces() -> None:
    assert dsn_action(SmtpReply.make(550, "5.1.1", "x")) == "failed"
    assert dsn_action(SmtpReply.make(250, "2.0.0", "OK")) == "delivered"


def test_made_up_replies_read_as_ses_writes_them() -> None:
    assert str(replies.invalid_domain()) == "550 5.4.4 Invalid domain"
    assert str(replies.dns_lookup_failed("example.com")) == (
        "421 4.4.0 Unable to lookup DNS for example.com"
    )
    assert str(replies.connection_failed()) == "421 4.4.1 Failed to establish connection"
    assert str(replies.connection_timed_out()) == "421 4.4.2 Connection timed out"
    expired = replies.message_expired(840, replies.dns_lookup_failed("example.com"))
    assert diagnostic_code(expired) == (
        "smtp; 554 4.4.7 Message expired: unable to deliver in 840 minutes."
        "<421 4.4.0 Unable to lookup DNS for example.com>"
    )
    assert dsn_status(expired) == "4.4.7"
    assert classify(expired) == BounceKind(T, S.GENERAL)
