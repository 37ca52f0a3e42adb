"""Relaxed canonicalization and message splitting, against RFC 6376's own examples."""

from __future__ import annotations

import pytest

from openses.mail.dkim_canonical import (
    body_hash,
    canonical_signed_headers,
    normalize_line_endings,
    relaxed_body,
    relaxed_header,
    signed_header_names,
    split_message,
)

# RFC 6376 §3.4.5, written out: <SP> is " ", <HTAB> is "\t".
RFC_EXAMPLE = b"A: X\r\nB : Y\t\r\n\tZ  \r\n\r\n C \r\nD \t E\r\n\r\n\r\n"


def test_rfc_6376_example_headers_canonicalize_as_the_rfc_shows() -> None:
    fields, _ = split_message(RFC_EXAMPLE)
    assert [relaxed_header(field.raw) for field in fields] == [b"a:X\r\n", b"b:Y Z\r\n"]


def test_rfc_6376_example_body_canonicalizes_as_the_rfc_shows() -> None:
    _, body = split_message(RFC_EXAMPLE)
    assert relaxed_body(body) == b" C\r\nD E\r\n"


@pytest.mark.parametrize(
    ("body", "canonical"),
    [
        (b"", b""),
        (b"\r\n", b""),
        (b"\r\n \r\n\t\r\n", b""),
        (b"abc", b"abc\r\n"),
        (b"abc  \t ", b"abc\r\n"),
        (b"a\t\tb   c\r\n\r\n", b"a b c\r\n"),
        (b"  lead\r\n\r\nmid\r\n", b" lead\r\n\r\nmid\r\n"),
        (b"x" + b" " * 1000 + b"y\r\n", b"x y\r\n"),
    ],
)
def test_relaxed_body(body: bytes, canonical: bytes) -> None:
    assert relaxed_body(body) == canonical


def test_empty_body_hash_is_the_sha256_of_nothing() -> None:
    # RFC 6376 §3.4.4: an empty body stays empty under relaxed canonicalization.
    assert body_hash(b"") == "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
    assert body_hash(b"\r\n\r\n") == body_hash(b"")


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        (b"a\nb\n", b"a\r\nb\r\n"),
        (b"a\rb\r", b"a\r\nb\r\n"),
        (b"a\r\nb\nc\rd", b"a\r\nb\r\nc\r\nd\r\n"),
        (b"a\r\n\r\n", b"a\r\n\r\n"),
        (b"", b""),
    ],
)
def test_line_endings_are_normalized_as_smtp_sends_them(raw: bytes, normalized: bytes) -> None:
    assert normalize_line_endings(raw) == normalized


def test_split_keeps_folded_fields_whole_and_stops_at_the_first_empty_line() -> None:
    fields, body = split_message(b"To: a,\r\n b\r\nSubject: s\r\n\r\nX: not a header\r\n")
    assert [(f.name, f.raw) for f in fields] == [
        (b"to", b"To: a,\r\n b\r\n"),
        (b"subject", b"Subject: s\r\n"),
    ]
    assert body == b"X: not a header\r\n"


def test_repeated_names_take_fields_from_the_bottom_up() -> None:
    fields, _ = split_message(b"To: first\r\nTo: second\r\nFrom: f\r\n\r\n")
    names = signed_header_names(fields, [b"From"], [b"To"])
    assert names == [b"From", b"From", b"To", b"To", b"To"]
    assert canonical_signed_headers(fields, names) == b"from:f\r\nto:second\r\nto:first\r\n"
