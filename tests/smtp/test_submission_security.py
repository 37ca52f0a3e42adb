"""Attacks on a real openses over SMTP, checked down to what reaches the loopback MX."""

from __future__ import annotations

import base64
import statistics
import time

import pytest

from tests.smtp.conftest import DOMAIN, RECIPIENT_DOMAIN, SmtpTarget
from tests.smtp.delivery_checks import delivered, message_id_of
from tests.smtp.smtp_helpers import RawSmtp, client_tls_context

ENVELOPE = (
    f"MAIL FROM:<news@{DOMAIN}>\r\nRCPT TO:<reader@{RECIPIENT_DOMAIN}>\r\nDATA\r\n"
).encode()
SMUGGLED = (
    f"MAIL FROM:<ceo@{DOMAIN}>\r\nRCPT TO:<victim@{RECIPIENT_DOMAIN}>\r\nDATA\r\n"
    f"From: ceo@{DOMAIN}\r\nTo: victim@{RECIPIENT_DOMAIN}\r\nSubject: wire the money\r\n\r\n"
    "now\r\n"
).encode()


def logged_in(smtp: SmtpTarget, source: str | None = None) -> RawSmtp:
    client = RawSmtp(smtp.starttls_port, source=source)
    client.ehlo_starttls_auth(smtp.username, smtp.password, client_tls_context(smtp.certificate))
    return client


@pytest.mark.parametrize("fake_end", [b"\n.\n", b"\n.\r\n", b"\r\n.\n", b"\n..\n"])
def test_smuggling_with_bare_lf_gives_one_message_and_crlf_only_downstream(
    smtp: SmtpTarget, fake_end: bytes
) -> None:
    head = f"From: news@{DOMAIN}\r\nTo: reader@{RECIPIENT_DOMAIN}\r\nSubject: hi\r\n\r\nhello"
    with logged_in(smtp) as client:
        client.send(ENVELOPE + head.encode() + fake_end + SMUGGLED + b".\r\n")
        replies = [client.reply() for _ in range(4)]
        assert client.command("NOOP") == "250 Ok\r\n"  # no reply left over for a 2nd message
    assert replies[3].startswith("250 Ok ")
    received = delivered(smtp.mx, message_id_of(replies[3]))
    assert received.rcpt_tos == (f"reader@{RECIPIENT_DOMAIN}",)
    wire = received.raw_data  # the bytes openses wrote after the MX's 354
    assert wire.count(b"\n") == wire.count(b"\r\n") == wire.count(b"\r")
    assert b"MAIL FROM:<ceo@" in wire  # the smuggled commands are inert text
    assert wire.endswith(b"\r\n.\r\n")
    assert wire.count(b"\r\n.\r\n") == 1
    assert all(f"victim@{RECIPIENT_DOMAIN}" not in m.rcpt_tos for m in smtp.mx.messages)


@pytest.mark.parametrize("fake_end", [b"\r.\r", b"\r\n.\r", b"\r.\r\n"])
def test_smuggling_with_bare_cr_is_refused_and_nothing_is_sent(
    smtp: SmtpTarget, fake_end: bytes
) -> None:
    before = len(smtp.mx.messages)
    with logged_in(smtp) as client:
        client.send(ENVELOPE + b"Subject: cr\r\n\r\nhello" + fake_end + SMUGGLED + b".\r\n")
        replies = [client.reply() for _ in range(4)]
        assert client.command("NOOP") == "250 Ok\r\n"
    assert (
        replies[3] == "554 Transaction failed: Bare CR characters are not allowed in messages.\r\n"
    )
    time.sleep(0.5)
    assert len(smtp.mx.messages) == before


def test_without_auth_nothing_is_relayed_whatever_the_address(smtp: SmtpTarget) -> None:
    before = len(smtp.mx.messages)
    for path in (
        f"<victim@{RECIPIENT_DOMAIN}>",
        f"<victim%{RECIPIENT_DOMAIN}@{DOMAIN}>",
        f"<@{DOMAIN}:victim@{RECIPIENT_DOMAIN}>",
        "<victim@[127.0.0.1]>",
    ):
        with RawSmtp(smtp.starttls_port) as client:
            client.reply()
            client.command("EHLO relay-test.example")
            assert client.command(f"MAIL FROM:<news@{DOMAIN}>").startswith("530 ")
            assert client.command(f"RCPT TO:{path}") == "503 Bad sequence of commands\r\n"
            client.command("STARTTLS")
            client.starttls(client_tls_context(smtp.certificate))
            client.command("EHLO relay-test.example")
            assert client.command(f"MAIL FROM:<news@{DOMAIN}>") == (
                "530 Authentication required\r\n"
            )
            assert client.command(f"RCPT TO:{path}") == "503 Bad sequence of commands\r\n"
    time.sleep(0.5)
    assert len(smtp.mx.messages) == before


def plain(username: str, password: str) -> str:
    return base64.b64encode(f"\0{username}\0{password}".encode()).decode()


def timed_auth(smtp: SmtpTarget, source: str, response: str) -> tuple[str, float]:
    with RawSmtp(smtp.starttls_port, source=source) as client:
        client.reply()
        client.command("EHLO client.test")
        client.command("STARTTLS")
        client.starttls(client_tls_context(smtp.certificate))
        client.command("EHLO client.test")
        started = time.monotonic()
        reply = client.command(f"AUTH PLAIN {response}")
        return reply, time.monotonic() - started


def test_failures_look_alike_in_words_and_in_time(smtp: SmtpTarget) -> None:
    attempts = {
        "unknown key": plain("AKIANOSUCHKEY0000000", smtp.password),
        "wrong password": plain(smtp.username, smtp.password[:-2] + "AA"),
        "not base64": "%%%%",
    }
    seconds: dict[str, float] = {}
    for index, (name, response) in enumerate(attempts.items()):
        results = [timed_auth(smtp, f"127.0.1.{index + 1}", response) for _ in range(3)]
        assert {reply for reply, _ in results} == {"535 Authentication Credentials Invalid\r\n"}
        seconds[name] = statistics.median(elapsed for _, elapsed in results)
    assert all(0.2 < value < 0.6 for value in seconds.values()), seconds
    assert max(seconds.values()) - min(seconds.values()) < 0.1, seconds


def test_a_guessing_client_is_slowed_and_others_are_not(smtp: SmtpTarget) -> None:
    wrong = plain(smtp.username, "guess")
    for _ in range(6):  # past the five free failures of 127.0.2.1
        assert timed_auth(smtp, "127.0.2.1", wrong)[0].startswith("535")
    reply, slowed = timed_auth(smtp, "127.0.2.1", plain(smtp.username, smtp.password))
    assert reply == "235 Authentication successful\r\n"  # slowed, not locked out
    assert slowed >= 1.0
    reply, elsewhere = timed_auth(smtp, "127.0.2.2", plain(smtp.username, smtp.password))
    assert reply == "235 Authentication successful\r\n"
    assert elsewhere < 0.5
