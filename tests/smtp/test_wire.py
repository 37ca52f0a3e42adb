"""SMTP framing on the server side: the end of DATA, dot-stuffing, bare CR/LF, paths."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openses.servers.smtp_wire import (
    AddressRefusedError,
    BareCarriageReturnError,
    DataCollector,
    PathSyntaxError,
    check_address,
    decode_data,
    parse_path,
)


def stuff(message: bytes) -> bytes:
    """What a correct client sends after 354 for ``message`` (CRLF lines)."""
    lines = message.split(b"\r\n")[:-1] if message else []
    return b"".join((b"." + line if line.startswith(b".") else line) + b"\r\n" for line in lines)


def collect(chunks: list[bytes], limit: int = 10_000) -> tuple[DataCollector, bytes | None]:
    collector = DataCollector(limit)
    rest = None
    for chunk in chunks:
        rest = collector.feed(chunk)
        if rest is not None:
            break
    return collector, rest


def test_data_ends_at_crlf_dot_crlf_and_leaves_what_follows() -> None:
    collector, rest = collect([b"Subject: x\r\n\r\nbody\r\n.\r\nQUIT\r\n"])
    assert collector.content == b"Subject: x\r\n\r\nbody\r\n"
    assert rest == b"QUIT\r\n"


def test_an_empty_message_ends_at_once() -> None:
    collector, rest = collect([b".\r\nNOOP\r\n"])
    assert (collector.content, rest) == (b"", b"NOOP\r\n")


def test_the_end_marker_split_over_reads_is_found() -> None:
    data = b"a\r\n.\r\n"
    for cut in range(1, len(data)):
        collector, rest = collect([data[:cut], data[cut:]])
        assert (collector.content, rest) == (b"a\r\n", b""), cut


@pytest.mark.parametrize(
    "fake_end",
    [b"\n.\n", b"\n.\r\n", b"\r\n.\n", b"\r.\r", b"\r.\r\n", b"\r\n.\r", b"\n.\r", b"\r.\n"],
)
def test_no_sloppy_end_of_data_ends_the_message(fake_end: bytes) -> None:
    smuggled = b"MAIL FROM:<ceo@example.com>\r\nRCPT TO:<victim@x.test>\r\nDATA\r\n"
    first = b"From: a@example.com\r\n\r\nhello" + fake_end + smuggled + b"evil\r\n"
    collector, rest = collect([first + b".\r\n"])
    assert rest == b""
    assert smuggled in collector.content  # all of it is one message's content


@pytest.mark.parametrize(
    ("stuffed", "message"),
    [
        (b"a\r\n..b\r\n", b"a\r\n.b\r\n"),
        (b"..\r\n", b".\r\n"),
        (b"a\nb\r\n", b"a\r\nb\r\n"),
        (b"a\n.\nb\r\n", b"a\r\n\r\nb\r\n"),  # a sloppy "end" is a line like any other
        (b"a\n..\nb\r\n", b"a\r\n.\r\nb\r\n"),
    ],
)
def test_decoding_unstuffs_dots_and_turns_bare_lf_into_crlf(stuffed: bytes, message: bytes) -> None:
    assert decode_data(stuffed) == message


@pytest.mark.parametrize("stuffed", [b"a\rb\r\n", b"a\r.\r\n", b"a\r\n\r"])
def test_a_bare_cr_is_refused(stuffed: bytes) -> None:
    with pytest.raises(BareCarriageReturnError):
        decode_data(stuffed)


def test_an_oversized_message_is_read_to_its_end_but_not_kept() -> None:
    collector, rest = collect([b"x" * 600 + b"\r\n", b"y" * 600 + b"\r\n", b".\r\nRSET\r\n"], 1000)
    assert collector.too_long
    assert collector.content == b""
    assert rest == b"RSET\r\n"


_LINE = st.binary(max_size=40).map(lambda b: b.replace(b"\r", b"").replace(b"\n", b""))


@settings(max_examples=60, deadline=None)
@given(lines=st.lists(_LINE, max_size=12), cuts=st.lists(st.integers(0, 400), max_size=5))
def test_any_message_survives_stuffing_and_any_chunking(
    lines: list[bytes], cuts: list[int]
) -> None:
    message = b"".join(line + b"\r\n" for line in lines)
    wire = stuff(message) + b".\r\nNEXT\r\n"
    points = sorted({0, len(wire), *(c for c in cuts if c < len(wire))})
    chunks = [wire[a:b] for a, b in itertools.pairwise(points)]
    collector = DataCollector(100_000)
    fed = 0
    rest = None
    while rest is None:
        rest = collector.feed(chunks[fed])
        fed += 1
    assert decode_data(collector.content) == message
    assert rest + b"".join(chunks[fed:]) == b"NEXT\r\n"


def test_paths_and_parameters_are_read() -> None:
    path = parse_path("FROM:<a@example.com> SIZE=100 BODY=8BITMIME", "FROM")
    assert path.address == "a@example.com"
    assert path.parameters == {"SIZE": "100", "BODY": "8BITMIME"}
    assert parse_path("from: <>", "FROM").address == ""
    assert parse_path("TO:<b@example.org>", "TO").parameters == {}


@pytest.mark.parametrize("argument", ["FROM:a@example.com", "FROM<a@b.c>", "TO:<a@b.c>", "FROM:<a"])
def test_malformed_paths_are_syntax_errors(argument: str) -> None:
    with pytest.raises(PathSyntaxError):
        parse_path(argument, "FROM")


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("@relay.test:victim@target.test", "Source routes"),
        ("@a.test,@b.test:victim@target.test", "Source routes"),
        ('"victim@target.test"@example.com', "Quoted local parts"),
        ("victim@[192.0.2.1]", "Address literals"),
        ("victim@[IPv6:2001:db8::1]", "Address literals"),
        ("victim@target.test.", "Invalid domain"),
        ("victim@localhost", "Invalid domain"),
        ("victim@-bad.test", "Invalid domain"),
        ("vic..tim@target.test", "Invalid local part"),
        ("victim", "user@domain"),
        ("a" * 65 + "@target.test", "Invalid local part"),
    ],
)
def test_relay_tricks_and_malformed_addresses_are_refused(address: str, reason: str) -> None:
    with pytest.raises(AddressRefusedError, match=reason):
        check_address(address)


@pytest.mark.parametrize(
    "address", ["user%target.test@example.com", "first.last+tag@sub.example.com", "o'neil@x.io"]
)
def test_plain_addresses_pass_and_percent_is_only_a_character(address: str) -> None:
    assert check_address(address) == address
