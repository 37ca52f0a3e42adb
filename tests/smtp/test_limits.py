"""The SMTP session's limits, on raw sockets: recipients, sizes, line lengths, errors,
failed logins, connections per client and in all, messages per connection, idle and
slow clients, and a client that half-closes."""

from __future__ import annotations

import base64
import contextlib
import select
import socket
import time
from pathlib import Path

from openses.servers.smtp_connection import SessionLimits
from tests.smtp.smtp_helpers import (
    BARE_ENVELOPE,
    BARE_LIMITS,
    PRINCIPAL,
    BareListener,
    RawSmtp,
    bare_logged_in,
    bare_tls,
)


def test_the_51st_recipient_is_deferred_with_452(listener: BareListener) -> None:
    with bare_logged_in(listener) as client:
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
    with bare_logged_in(listener) as client:
        too_big = BARE_LIMITS.max_message_bytes + 1
        assert client.command(f"MAIL FROM:<a@example.com> SIZE={too_big}") == (
            "552 Message is too long.\r\n"
        )
        client.send(BARE_ENVELOPE)
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
    assert received.count("500 Unrecognized command") == BARE_LIMITS.max_errors
    assert received.endswith("421 Too many errors, closing connection\r\n")


def test_three_failed_logins_end_the_connection(listener: BareListener) -> None:
    with RawSmtp(listener.port) as client:
        client.reply()
        client.command("EHLO client.test")
        client.command("STARTTLS")
        client.starttls(bare_tls(listener))
        client.command("EHLO client.test")
        wrong = base64.b64encode(f"\0{PRINCIPAL.access_key_id}\0nope".encode()).decode()
        for _ in range(3):
            assert client.command(f"AUTH PLAIN {wrong}") == (
                "535 Authentication Credentials Invalid\r\n"
            )
        assert client.read_until_closed(timeout=5) == b""


def test_connections_per_client_are_limited_without_shutting_out_others(
    tmp_path: Path,
) -> None:
    listener = BareListener(BARE_LIMITS, max_per_client=2, max_connections=3).start(tmp_path)
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
        with bare_logged_in(listener) as client:
            for _ in range(2):
                client.send(BARE_ENVELOPE + b"x\r\n.\r\n")
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
            client.send(BARE_ENVELOPE)
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


def test_a_client_that_half_closes_still_gets_every_reply(listener: BareListener) -> None:
    listener.backend.trusted = True
    listener.backend.submit_delay = 0.2  # the answer is still being made when EOF comes
    with RawSmtp(listener.port) as client:
        client.reply()
        client.send(b"EHLO client.test\r\n" + BARE_ENVELOPE + b"x\r\n.\r\nQUIT\r\n")
        client.sock.shutdown(socket.SHUT_WR)
        received = client.read_until_closed().decode()
    assert "250 Ok message-1\r\n" in received
    assert received.endswith("221 Bye\r\n")
