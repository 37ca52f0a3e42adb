"""The SMTP session under attack, byte for byte on raw sockets (no database behind it).

SMTP smuggling, STARTTLS command injection, relaying without TLS and AUTH, address
tricks, and the TLS settings. The same attacks through a real openses, checked down
to the loopback MX, are in ``test_submission_security.py``; the resource limits in
``test_limits.py``.
"""

from __future__ import annotations

import base64
import ssl
from pathlib import Path

import pytest

from openses.servers.smtp_tls import dev_certificate, server_tls_context
from tests.smtp.smtp_helpers import (
    BARE_ENVELOPE,
    BARE_PASSWORD,
    PRINCIPAL,
    BareListener,
    RawSmtp,
    bare_logged_in,
    bare_tls,
)

SMUGGLED = b"MAIL FROM:<ceo@example.com>\r\nRCPT TO:<victim@receiver.test>\r\nDATA\r\n"


@pytest.mark.parametrize(
    "fake_end",
    [b"\n.\n", b"\n.\r\n", b"\r\n.\n", b"\r.\r", b"\r.\r\n", b"\r\n.\r", b"\n.\r", b"\r.\n"],
)
def test_smuggling_variants_never_make_a_second_message(
    listener: BareListener, fake_end: bytes
) -> None:
    with bare_logged_in(listener) as client:
        # The whole attack in one write, as an attacker pipelines it.
        client.send(
            BARE_ENVELOPE
            + b"From: a@example.com\r\n\r\nfirst"
            + fake_end
            + SMUGGLED
            + b"From: ceo@example.com\r\n\r\nsmuggled\r\n.\r\n"
        )
        replies = [client.reply() for _ in range(4)]
        assert replies[:3] == [
            "250 Ok\r\n",
            "250 Ok\r\n",
            "354 End data with <CR><LF>.<CR><LF>\r\n",
        ]
        # One message; bare CRs in it are refused, bare LFs become part of it.
        assert replies[3].startswith(("250 Ok message-1", "554 Transaction failed: Bare CR"))
        assert client.command("NOOP") == "250 Ok\r\n"  # nothing else is waiting to be answered
    assert len(listener.backend.envelopes) <= 1
    for envelope in listener.backend.envelopes:
        assert envelope.recipients == ("b@receiver.test",)
        assert SMUGGLED.replace(b"\r\n", b"") in envelope.data.replace(b"\r\n", b"")


def test_what_reaches_the_backend_has_only_crlf_line_endings(listener: BareListener) -> None:
    with bare_logged_in(listener) as client:
        client.send(BARE_ENVELOPE + b"Subject: lf\n\nline one\nline two\n..dot\n.\nlast\r\n.\r\n")
        assert [client.reply() for _ in range(4)][3].startswith("250 Ok")
    data = listener.backend.envelopes[0].data
    assert data == b"Subject: lf\r\n\r\nline one\r\nline two\r\n.dot\r\n\r\nlast\r\n"
    assert data.count(b"\n") == data.count(b"\r\n") == data.count(b"\r")


def test_a_message_with_a_bare_cr_is_refused(listener: BareListener) -> None:
    with bare_logged_in(listener) as client:
        client.send(BARE_ENVELOPE + b"Subject: cr\r\n\r\nhello\rworld\r\n.\r\n")
        replies = [client.reply() for _ in range(4)]
    assert (
        replies[3] == "554 Transaction failed: Bare CR characters are not allowed in messages.\r\n"
    )
    assert listener.backend.envelopes == []


def test_pipelined_transactions_after_a_proper_end_are_each_answered(
    listener: BareListener,
) -> None:
    """Not smuggling: the client's own second message, answered in order."""
    with bare_logged_in(listener) as client:
        client.send((BARE_ENVELOPE + b"one\r\n.\r\n") * 2 + b"QUIT\r\n")
        replies = [client.reply() for _ in range(9)]
    assert [r[:3] for r in replies] == [
        "250",
        "250",
        "354",
        "250",
        "250",
        "250",
        "354",
        "250",
        "221",
    ]
    assert len(listener.backend.envelopes) == 2


def test_commands_injected_behind_starttls_are_never_answered(listener: BareListener) -> None:
    """CVE-2011-0411 style: plaintext pipelined after STARTTLS must not run under TLS."""
    credentials = base64.b64encode(f"\0{PRINCIPAL.access_key_id}\0{BARE_PASSWORD}".encode())
    with RawSmtp(listener.port) as client:
        assert client.reply().startswith("220")
        assert client.command("EHLO attacker.test").startswith("250")
        client.send(b"STARTTLS\r\nEHLO x\r\nAUTH PLAIN " + credentials + b"\r\n" + BARE_ENVELOPE)
        assert client.reply() == "220 Ready to start TLS\r\n"
        client.starttls(bare_tls(listener))
        client.sock.settimeout(1.0)
        with pytest.raises(TimeoutError):
            client.sock.recv(1)  # no replies to the injected commands
        client.sock.settimeout(10.0)
        ehlo = client.command("EHLO client.test")
        assert ehlo.startswith("250-bare.test")
        assert "AUTH PLAIN LOGIN" in ehlo
        # The injected AUTH did not count: the session starts over, unauthenticated.
        assert client.command("MAIL FROM:<a@example.com>") == "530 Authentication required\r\n"


def test_a_session_starts_over_after_starttls(listener: BareListener) -> None:
    with RawSmtp(listener.port) as client:
        assert client.reply().startswith("220")
        assert client.command("EHLO client.test").startswith("250")
        assert client.command("STARTTLS").startswith("220")
        client.starttls(bare_tls(listener))
        assert client.command("MAIL FROM:<a@example.com>") == "503 Send EHLO first\r\n"


def test_nothing_is_relayed_or_authenticated_without_tls(listener: BareListener) -> None:
    with RawSmtp(listener.port) as client:
        assert client.reply().startswith("220 bare.test ESMTP")
        ehlo = client.command("EHLO client.test")
        assert "STARTTLS" in ehlo
        assert "AUTH" not in ehlo  # never offered in clear
        must = "530 Must issue a STARTTLS command first\r\n"
        assert client.command("AUTH LOGIN") == must
        assert client.command("AUTH PLAIN AHVzZXIAcGFzcw==") == must
        assert client.command("MAIL FROM:<a@example.com>") == must
        assert client.command("RCPT TO:<b@receiver.test>") == "503 Bad sequence of commands\r\n"
        assert client.command("DATA") == "503 Bad sequence of commands\r\n"
    assert listener.backend.envelopes == []


def test_under_tls_mail_needs_auth_and_starttls_is_no_longer_offered(
    listener: BareListener,
) -> None:
    with RawSmtp(listener.port) as client:
        client.reply()
        client.command("EHLO client.test")
        client.command("STARTTLS")
        client.starttls(bare_tls(listener))
        ehlo = client.command("EHLO client.test")
        assert "STARTTLS" not in ehlo
        assert ehlo.endswith("250-AUTH PLAIN LOGIN\r\n250 Ok\r\n")
        assert client.command("MAIL FROM:<a@example.com>") == "530 Authentication required\r\n"


@pytest.mark.parametrize(
    "path",
    [
        "<@relay.test:victim@target.test>",
        '<"victim@target.test"@example.com>',
        "<victim@[127.0.0.1]>",
        "<victim@target.test.>",
        "<victim%target.test@[127.0.0.1]>",
    ],
)
def test_address_tricks_are_refused_at_rcpt(listener: BareListener, path: str) -> None:
    with bare_logged_in(listener) as client:
        assert client.command("MAIL FROM:<a@example.com>") == "250 Ok\r\n"
        assert client.command(f"RCPT TO:{path}").startswith("553 ")
        assert client.command("DATA") == "503 Bad sequence of commands\r\n"


def test_auth_login_step_by_step_and_cancelled(listener: BareListener) -> None:
    with RawSmtp(listener.port) as client:
        client.reply()
        client.command("EHLO client.test")
        client.command("STARTTLS")
        client.starttls(bare_tls(listener))
        client.command("EHLO client.test")
        assert client.command("AUTH LOGIN") == "334 VXNlcm5hbWU6\r\n"
        assert client.command("*") == "501 Authentication cancelled\r\n"
        assert client.command("AUTH LOGIN") == "334 VXNlcm5hbWU6\r\n"
        user = base64.b64encode(PRINCIPAL.access_key_id.encode()).decode()
        assert client.command(user) == "334 UGFzc3dvcmQ6\r\n"
        password = base64.b64encode(BARE_PASSWORD.encode()).decode()
        assert client.command(password) == "235 Authentication successful\r\n"
        assert client.command("AUTH LOGIN") == "503 Already authenticated\r\n"


def test_the_server_tls_context_allows_tls12_plus_with_forward_secret_aead_only(
    tmp_path: Path,
) -> None:
    context = server_tls_context(*dev_certificate(tmp_path, "openses.test"))
    assert context.minimum_version is ssl.TLSVersion.TLSv1_2
    for cipher in context.get_ciphers():
        if cipher["protocol"] == "TLSv1.3":
            continue
        assert cipher["protocol"] == "TLSv1.2"
        assert cipher["aead"], cipher["name"]
        assert cipher["kea"] in ("kx-ecdhe", "kx-dhe"), cipher["name"]
    assert context.options & ssl.OP_NO_COMPRESSION
    assert context.options & ssl.OP_NO_RENEGOTIATION
