"""The SMTP listener under attack, byte for byte on raw sockets (no database behind it).

SMTP smuggling, STARTTLS command injection, relaying without AUTH, and the
resource limits: connections, idle and slow clients, line lengths, messages and
errors per connection. The same behaviours through a real openses, down to the
loopback MX, are in ``test_submission_security.py``.
"""

from __future__ import annotations

import base64
import contextlib
import select
import socket
import ssl
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from openses.servers.smtp_connection import SessionLimits
from openses.servers.smtp_tls import dev_certificate, server_tls_context
from tests.smtp.smtp_helpers import (
    BARE_PASSWORD,
    PRINCIPAL,
    BareListener,
    RawSmtp,
    client_tls_context,
)

LIMITS = SessionLimits(max_message_bytes=64 * 1024, idle_timeout=5.0, max_messages=5)


@pytest.fixture
def listener(tmp_path: Path) -> Iterator[BareListener]:
    running = BareListener(LIMITS).start(tmp_path)
    yield running
    running.stop()


def tls(listener: BareListener) -> ssl.SSLContext:
    return client_tls_context(listener.certificate_file)


def logged_in(listener: BareListener) -> RawSmtp:
    client = RawSmtp(listener.port)
    client.ehlo_starttls_auth(PRINCIPAL.access_key_id, BARE_PASSWORD, tls(listener))
    return client


ENVELOPE = b"MAIL FROM:<a@example.com>\r\nRCPT TO:<b@receiver.test>\r\nDATA\r\n"
SMUGGLED = b"MAIL FROM:<ceo@example.com>\r\nRCPT TO:<victim@receiver.test>\r\nDATA\r\n"


@pytest.mark.parametrize(
    "fake_end",
    [b"\n.\n", b"\n.\r\n", b"\r\n.\n", b"\r.\r", b"\r.\r\n", b"\r\n.\r", b"\n.\r", b"\r.\n"],
)
def test_smuggling_variants_never_make_a_second_message(
    listener: BareListener, fake_end: bytes
) -> None:
    with logged_in(listener) as client:
        # The whole attack in one write, as an attacker pipelines it.
        client.send(
            ENVELOPE
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
    with logged_in(listener) as client:
        client.send(ENVELOPE + b"Subject: lf\n\nline one\nline two\n..dot\n.\nlast\r\n.\r\n")
        assert [client.reply() for _ in range(4)][3].startswith("250 Ok")
    data = listener.backend.envelopes[0].data
    assert data == b"Subject: lf\r\n\r\nline one\r\nline two\r\n.dot\r\n\r\nlast\r\n"
    assert data.count(b"\n") == data.count(b"\r\n") == data.count(b"\r")


def test_a_message_with_a_bare_cr_is_refused(listener: BareListener) -> None:
    with logged_in(listener) as client:
        client.send(ENVELOPE + b"Subject: cr\r\n\r\nhello\rworld\r\n.\r\n")
        replies = [client.reply() for _ in range(4)]
    assert (
        replies[3] == "554 Transaction failed: Bare CR characters are not allowed in messages.\r\n"
    )
    assert listener.backend.envelopes == []


def test_pipelined_transactions_after_a_proper_end_are_each_answered(
    listener: BareListener,
) -> None:
    """Not smuggling: the client's own second message, answered in order."""
    with logged_in(listener) as client:
        client.send((ENVELOPE + b"one\r\n.\r\n") * 2 + b"QUIT\r\n")
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
        client.send(b"STARTTLS\r\nEHLO x\r\nAUTH PLAIN " + credentials + b"\r\n" + ENVELOPE)
        assert client.reply() == "220 Ready to start TLS\r\n"
        client.starttls(tls(listener))
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
        client.starttls(tls(listener))
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
        client.starttls(tls(listener))
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
    with logged_in(listener) as client:
        assert client.command("MAIL FROM:<a@example.com>") == "250 Ok\r\n"
        assert client.command(f"RCPT TO:{path}").startswith("553 ")
        assert client.command("DATA") == "503 Bad sequence of commands\r\n"


def test_the_51st_recipient_is_deferred_with_452(listener: BareListener) -> None:
    with logged_in(listener) as client:
        client.command("MAIL FROM:<a@example.com>")
        for n in range(50):
            assert client.command(f"RCPT TO:<r{n}@receiver.test>") == "250 Ok\r\n"
        assert client.command("RCPT TO:<r50@receiver.test>") == "452 Too many recipients\r\n"
        client.send(b"DATA\r\n")
        assert client.reply().startswith("354")
        client.send(b"Subject: fifty\r\n\r\nx\r\n.\r\n")
        assert client.reply().startswith("250 Ok message-1")
    assert len(listener.backend.envelopes[0].recipients) == 50


def test_too_big_is_refused_from_size_and_after_the_data(listener: BareListener) -> None:
    with logged_in(listener) as client:
        too_big = LIMITS.max_message_bytes + 1
        assert client.command(f"MAIL FROM:<a@example.com> SIZE={too_big}") == (
            "552 Message is too long.\r\n"
        )
        client.send(ENVELOPE)
        assert [client.reply()[:3] for _ in range(3)] == ["250", "250", "354"]
        line = b"x" * 998 + b"\r\n"
        client.send(line * (too_big // len(line) + 1) + b".\r\n")
        assert client.reply() == "552 Message is too long.\r\n"
        assert client.command("NOOP") == "250 Ok\r\n"  # and the session goes on
    assert listener.backend.envelopes == []


def test_an_overlong_command_line_is_refused_and_skipped(listener: BareListener) -> None:
    with RawSmtp(listener.port) as client:
        client.reply()
        client.send(b"NOOP " + b"x" * 5000 + b"\r\n")
        assert client.reply() == "500 Line too long\r\n"
        assert client.command("NOOP") == "250 Ok\r\n"


def test_a_browser_speaking_http_is_hung_up_on(listener: BareListener) -> None:
    with RawSmtp(listener.port) as client:
        client.reply()
        client.send(b"POST / HTTP/1.1\r\nHost: x\r\n\r\n")
        assert client.read_until_closed(timeout=5) == b""


def test_too_many_refused_commands_end_the_connection(listener: BareListener) -> None:
    with RawSmtp(listener.port) as client:
        client.reply()
        client.send(b"JUNK\r\n" * 12)
        received = client.read_until_closed(timeout=5).decode()
    assert received.count("500 Unrecognized command") == LIMITS.max_errors
    assert received.endswith("421 Too many errors, closing connection\r\n")


def test_three_failed_logins_end_the_connection(listener: BareListener) -> None:
    with RawSmtp(listener.port) as client:
        client.reply()
        client.command("EHLO client.test")
        client.command("STARTTLS")
        client.starttls(tls(listener))
        client.command("EHLO client.test")
        wrong = base64.b64encode(f"\0{PRINCIPAL.access_key_id}\0nope".encode()).decode()
        for _ in range(3):
            assert client.command(f"AUTH PLAIN {wrong}") == (
                "535 Authentication Credentials Invalid\r\n"
            )
        assert client.read_until_closed(timeout=5) == b""


def test_auth_login_step_by_step_and_cancelled(listener: BareListener) -> None:
    with RawSmtp(listener.port) as client:
        client.reply()
        client.command("EHLO client.test")
        client.command("STARTTLS")
        client.starttls(tls(listener))
        client.command("EHLO client.test")
        assert client.command("AUTH LOGIN") == "334 VXNlcm5hbWU6\r\n"
        assert client.command("*") == "501 Authentication cancelled\r\n"
        assert client.command("AUTH LOGIN") == "334 VXNlcm5hbWU6\r\n"
        user = base64.b64encode(PRINCIPAL.access_key_id.encode()).decode()
        assert client.command(user) == "334 UGFzc3dvcmQ6\r\n"
        password = base64.b64encode(BARE_PASSWORD.encode()).decode()
        assert client.command(password) == "235 Authentication successful\r\n"
        assert client.command("AUTH LOGIN") == "503 Already authenticated\r\n"


def test_connections_per_client_are_limited_without_shutting_out_others(
    tmp_path: Path,
) -> None:
    listener = BareListener(LIMITS, max_per_client=2, max_connections=3).start(tmp_path)
    try:
        first, second = RawSmtp(listener.port), RawSmtp(listener.port)
        assert first.reply().startswith("220")
        assert second.reply().startswith("220")
        with RawSmtp(listener.port) as third:
            assert third.reply() == "421 Too many concurrent SMTP connections\r\n"
        with RawSmtp(listener.port, source="127.0.0.2") as elsewhere:
            assert elsewhere.reply().startswith("220")  # another client still gets in
            with RawSmtp(listener.port, source="127.0.0.3") as over_total:
                assert over_total.reply() == "421 Too many concurrent SMTP connections\r\n"
        first.close()
        listener.wait_for_connections(1)
        with RawSmtp(listener.port) as again:
            assert again.reply().startswith("220")
        second.close()
    finally:
        listener.stop()


def test_messages_per_connection_are_limited(tmp_path: Path) -> None:
    limits = SessionLimits(max_message_bytes=65536, max_messages=2)
    listener = BareListener(limits).start(tmp_path)
    try:
        with logged_in(listener) as client:
            for _ in range(2):
                client.send(ENVELOPE + b"x\r\n.\r\n")
                assert [client.reply()[:3] for _ in range(4)] == ["250", "250", "354", "250"]
            assert client.command("MAIL FROM:<a@example.com>") == (
                "421 Too many messages in one session, reconnect\r\n"
            )
            assert client.read_until_closed(timeout=5) == b""
    finally:
        listener.stop()


def timeout_listener(tmp_path: Path) -> BareListener:
    limits = SessionLimits(max_message_bytes=65536, idle_timeout=1.0, data_timeout=2.0)
    return BareListener(limits).start(tmp_path)


TIMEOUT_REPLY = b"451 4.4.2 Timeout waiting for data from client.\r\n"


def test_an_idle_client_is_timed_out(tmp_path: Path) -> None:
    listener = timeout_listener(tmp_path)
    try:
        with RawSmtp(listener.port) as client:
            client.reply()
            started = time.monotonic()
            assert client.read_until_closed(timeout=10) == TIMEOUT_REPLY
            assert 0.8 < time.monotonic() - started < 4
    finally:
        listener.stop()


def test_a_command_trickled_byte_by_byte_does_not_hold_the_connection(tmp_path: Path) -> None:
    listener = timeout_listener(tmp_path)
    try:
        with RawSmtp(listener.port) as client:
            client.reply()
            started = time.monotonic()
            with contextlib.suppress(OSError):  # the server may hang up between two bytes
                while not readable(client.sock) and time.monotonic() - started < 6:
                    client.send(b"x")  # a byte every 0.25 s: never a whole line
                    time.sleep(0.25)
            assert client.read_until_closed(timeout=5) == TIMEOUT_REPLY
            assert time.monotonic() - started < 4
    finally:
        listener.stop()


def test_data_trickled_slowly_is_cut_off_at_the_data_deadline(tmp_path: Path) -> None:
    listener = timeout_listener(tmp_path)
    listener.backend.trusted = True
    try:
        with RawSmtp(listener.port) as client:
            client.reply()
            client.command("EHLO client.test")
            client.send(ENVELOPE)
            assert [client.reply()[:3] for _ in range(3)] == ["250", "250", "354"]
            started = time.monotonic()
            while not readable(client.sock):
                client.send(b"x")  # always within the idle timeout, never ending
                time.sleep(0.3)
                assert time.monotonic() - started < 6
            assert client.read_until_closed(timeout=5) == TIMEOUT_REPLY
            assert 1.8 < time.monotonic() - started < 4
        assert listener.backend.envelopes == []
    finally:
        listener.stop()


def readable(sock: socket.socket) -> bool:
    ready, _, _ = select.select([sock], [], [], 0)
    return bool(ready)


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


def test_a_client_that_half_closes_still_gets_every_reply(listener: BareListener) -> None:
    listener.backend.trusted = True
    listener.backend.submit_delay = 0.2  # the answer is still being made when EOF comes
    with RawSmtp(listener.port) as client:
        client.reply()
        client.send(b"EHLO client.test\r\n" + ENVELOPE + b"x\r\n.\r\nQUIT\r\n")
        client.sock.shutdown(socket.SHUT_WR)
        received = client.read_until_closed().decode()
    assert "250 Ok message-1\r\n" in received
    assert received.endswith("221 Bye\r\n")
