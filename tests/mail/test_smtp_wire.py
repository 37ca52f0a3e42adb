"""What reaches the remote server in DATA: CRLF line endings only, and dot-stuffed.

Checked on the raw bytes the sink received after its 354 reply (``raw_data``), not
on what a server library decoded from them.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openses.mail.smtp_session import TlsMode, normalize_line_endings
from openses.mail.transports import DeliveryStatus, RelaySettings, RelayTransport
from tests.fixtures.smtp_sink import SmtpSink
from tests.mail.transport_helpers import HELO, QUICK, deliver_one, envelope

_BARE_CR = re.compile(rb"\r(?!\n)")
_BARE_LF = re.compile(rb"(?<!\r)\n")


@pytest.fixture(scope="module")
def sink() -> Iterator[SmtpSink]:
    with SmtpSink() as running:
        yield running


def plain_relay(sink: SmtpSink) -> RelayTransport:
    settings = RelaySettings(
        host="127.0.0.1", port=sink.port, helo_hostname=HELO, tls=TlsMode.NONE, timeouts=QUICK
    )
    return RelayTransport(settings)


def send_and_capture(sink: SmtpSink, message: bytes) -> bytes:
    before = len(sink.messages)
    report = deliver_one(plain_relay(sink), envelope("rcpt@b.test", message=message))
    assert report.outcomes[0].status is DeliveryStatus.DELIVERED
    (received,) = sink.messages[before:]
    return received.raw_data


@pytest.mark.parametrize(
    ("given_bytes", "expected"),
    [
        (b"a\r\nb\r\n", b"a\r\nb\r\n"),
        (b"a\nb\n", b"a\r\nb\r\n"),
        (b"a\rb\r", b"a\r\nb\r\n"),
        (b"a\n\rb", b"a\r\n\r\nb\r\n"),
        (b"a\r\r\nb", b"a\r\n\r\nb\r\n"),
        (b"no newline at all", b"no newline at all\r\n"),
        (b"", b""),
        (b"\n", b"\r\n"),
        (b"caf\xc3\xa9\n", b"caf\xc3\xa9\r\n"),
    ],
)
def test_normalize_line_endings_makes_every_line_end_in_crlf(
    given_bytes: bytes, expected: bytes
) -> None:
    assert normalize_line_endings(given_bytes) == expected


def test_bare_lf_and_bare_cr_never_reach_the_server(sink: SmtpSink) -> None:
    message = b"Subject: mixed\nX-A: 1\rX-B: 2\r\n\nline one\nline two\rline three\r\n"

    raw = send_and_capture(sink, message)

    assert raw == (
        b"Subject: mixed\r\nX-A: 1\r\nX-B: 2\r\n\r\nline one\r\nline two\r\nline three\r\n.\r\n"
    )


def test_a_line_that_is_just_a_dot_is_stuffed_and_does_not_end_the_message(
    sink: SmtpSink,
) -> None:
    message = b"Subject: dots\r\n\r\nbefore\r\n.\r\n..two\r\n.leading\nafter\n"

    raw = send_and_capture(sink, message)

    assert raw == (b"Subject: dots\r\n\r\nbefore\r\n..\r\n...two\r\n..leading\r\nafter\r\n.\r\n")
    assert sink.messages[-1].content == normalize_line_endings(message)


def test_a_message_starting_with_a_dot_is_stuffed_too(sink: SmtpSink) -> None:
    assert send_and_capture(sink, b".\nhello") == b"..\r\nhello\r\n.\r\n"


_PIECES = st.sampled_from([b"\r", b"\n", b"\r\n", b".", b"..", b"a", b"Z ", b"\xc3\xa9", b"\t"])


@settings(max_examples=25, deadline=None)
@given(pieces=st.lists(_PIECES, max_size=120))
def test_whatever_the_bytes_the_wire_carries_crlf_lines_dot_stuffed(
    sink: SmtpSink, pieces: list[bytes]
) -> None:
    message = b"Subject: fuzz\r\n\r\n" + b"".join(pieces)

    raw = send_and_capture(sink, message)

    assert raw.endswith(b"\r\n.\r\n")
    body = raw[: -len(b".\r\n")]
    assert not _BARE_CR.search(body)
    assert not _BARE_LF.search(body)
    lines = body.split(b"\r\n")[:-1]
    assert all(not line.startswith(b".") or line.startswith(b"..") for line in lines)
    unstuffed = b"".join((line[1:] if line.startswith(b".") else line) + b"\r\n" for line in lines)
    assert unstuffed == normalize_line_endings(message)
    assert sink.messages[-1].content == normalize_line_endings(message)


def test_the_raw_capture_is_what_the_client_wrote(sink: SmtpSink) -> None:
    """The fixture's own promise: raw_data is the transcript after the DATA line."""
    raw = send_and_capture(sink, b"Subject: x\n\n.\n")
    transcript = sink.transcripts[-1]
    assert transcript.endswith(b"DATA\r\n" + raw) or (b"DATA\r\n" + raw + b"QUIT\r\n") in transcript


def test_the_event_loop_is_left_clean(sink: SmtpSink) -> None:
    """A delivery leaves no task behind on the caller's loop after close()."""

    async def main() -> set[asyncio.Task[object]]:
        transport = plain_relay(sink)
        await transport.deliver(envelope("a@b.test"))
        await transport.close()
        return {t for t in asyncio.all_tasks() if t is not asyncio.current_task()}

    assert asyncio.run(main()) == set()
