"""Writing MIME pieces: folded headers, parameters, encoded bodies, multiparts.

Everything written is 7-bit with CRLF line endings and lines of at most 78
characters where RFC 5322 lets us (never more than 998), as SES requires of the
mail it sends (Developer Guide, "MIME Encoding").
"""

from __future__ import annotations

import base64
import binascii
import re
import urllib.parse
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from openses.mail.encoded_words import encode_words

CRLF = b"\r\n"
FOLD_AT = 78
MAX_LINE = 998
_ATEXT_WORD = re.compile(r"[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]+")
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")  # RFC 2045 token (tspecials excluded)


def fold(name: str, atoms: Sequence[str]) -> bytes:
    """``Name: atom atom …`` folded before atoms so lines stay within 78 characters.

    Unfolding (removing each CRLF) gives back the atoms joined by single spaces.
    """
    line = f"{name}:"
    lines: list[str] = []
    for atom in atoms:
        if atom and len(line) + 1 + len(atom) > FOLD_AT and line.strip() != f"{name}:":
            lines.append(line)
            line = ""
        line += " " + atom
    lines.append(line)
    return "\r\n".join(lines).encode("ascii") + CRLF


def unstructured_atoms(text: str, charset: str, *, header: str) -> list[str]:
    """A Subject-like value as foldable pieces: plain words when that is exact, else
    RFC 2047 encoded-words (non-ASCII, control characters, long words, ``=?``)."""
    words = text.split(" ")
    plain = (
        text.isascii()
        and text.isprintable()
        and "=?" not in text
        and text == text.strip(" ")
        and all(len(word) <= FOLD_AT - 2 for word in words)
    )
    return words if plain else encode_words(text, charset, first_room=FOLD_AT - len(header) - 2)


def phrase_atoms(name: str, *, header: str) -> list[str]:
    """A display name as a phrase: atoms, a quoted string, or encoded-words."""
    if not name.isascii() or not name.isprintable() or "=?" in name:
        return encode_words(name, "UTF-8", first_room=FOLD_AT - len(header) - 2)
    words = name.split(" ")
    if all(_ATEXT_WORD.fullmatch(word) for word in words):
        return words
    quoted = '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return quoted.split(" ")


def is_token(value: str) -> bool:
    return _TOKEN.fullmatch(value) is not None


def parameter(key: str, value: str) -> list[str]:
    """``key="value"``, or RFC 2231 ``key*0*=UTF-8''…`` pieces for other values."""
    if value.isascii() and value.isprintable() and len(value) <= 60:
        escaped = value.replace("\\", "\\\\").replace('"', '\\"')
        return [f'{key}="{escaped}"']
    encoded = urllib.parse.quote(value.encode("utf-8"), safe="!#$&+-.^_`|~")
    chunks = [encoded[i : i + 60] for i in range(0, len(encoded), 60)]
    # Never split a %XX escape between two pieces.
    for index in range(len(chunks) - 1):
        tail = chunks[index][-2:].find("%")
        if tail >= 0:
            cut = len(chunks[index]) - 2 + tail
            chunks[index + 1] = chunks[index][cut:] + chunks[index + 1]
            chunks[index] = chunks[index][:cut]
    if len(chunks) == 1:
        return [f"{key}*=UTF-8''{chunks[0]}"]
    return [
        f"{key}*{n}*=UTF-8''{chunk}" if n == 0 else f"{key}*{n}*={chunk}"
        for n, chunk in enumerate(chunks)
    ]


def header_with_parameters(name: str, value: str, parameters: Sequence[str]) -> bytes:
    """``Name: value; p1; p2`` with each parameter on its own folded line if long."""
    text = f"{name}: {value}"
    for piece in parameters:
        joiner = " " if len(text.rsplit("\r\n", 1)[-1]) + len(piece) + 2 <= FOLD_AT else "\r\n "
        text += ";" + joiner + piece
    return text.encode("ascii") + CRLF


@dataclass(frozen=True)
class EncodedBody:
    transfer_encoding: str  # "7bit" | "quoted-printable" | "base64"
    payload: bytes  # CRLF line endings; exactly the content (no line ending added)


def _crlf(data: bytes) -> bytes:
    return re.sub(rb"\r?\n", b"\r\n", data)


def base64_body(data: bytes) -> EncodedBody:
    encoded = base64.b64encode(data)
    lines = [encoded[i : i + 76] for i in range(0, len(encoded), 76)]
    return EncodedBody("base64", CRLF.join(lines))


def quoted_printable_body(data: bytes, *, text: bool) -> EncodedBody:
    """Quoted-printable; for ``text`` every CR, LF or CRLF is one line break."""
    if text:
        data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    return EncodedBody("quoted-printable", _crlf(binascii.b2a_qp(data, istext=text)))


def _is_seven_bit(data: bytes) -> bool:
    if any(byte >= 0x80 or byte == 0 for byte in data) or b"\r" in data:
        return False
    return all(len(line) <= MAX_LINE for line in data.split(b"\n"))


def text_body(text: str, codec: str) -> EncodedBody:
    """A text part: 7bit when it already is, else quoted-printable when it is mostly
    ASCII, else base64 (the choice JavaMail, which SES runs on, makes)."""
    normalized = text.replace("\r\n", "\n").replace("\r", "\n")
    data = normalized.encode(codec)
    if _is_seven_bit(data):
        return EncodedBody("7bit", _crlf(data))
    non_ascii = sum(1 for byte in data if byte >= 0x80)
    if non_ascii * 3 <= len(data):
        return quoted_printable_body(data, text=True)
    return base64_body(data)


def seven_bit_body(data: bytes) -> EncodedBody | None:
    """``data`` as it is, when it is valid 7bit content; otherwise None."""
    if not _is_seven_bit(data.replace(b"\r\n", b"\n")):
        return None
    return EncodedBody("7bit", _crlf(data))


@dataclass(frozen=True)
class Entity:
    """A MIME entity: its content header lines and its body bytes."""

    headers: bytes
    body: bytes


def leaf(content_type: bytes, body: EncodedBody, extra_headers: bytes = b"") -> Entity:
    transfer = f"Content-Transfer-Encoding: {body.transfer_encoding}".encode("ascii") + CRLF
    return Entity(content_type + transfer + extra_headers, body.payload)


def multipart(subtype: str, parts: Sequence[Entity], new_boundary: Callable[[], str]) -> Entity:
    """A multipart entity whose boundary occurs in none of its parts."""
    boundary = new_boundary()
    while any(boundary.encode("ascii") in part.headers + part.body for part in parts):
        boundary = new_boundary()
    delimiter = b"--" + boundary.encode("ascii")
    # The CRLF before each delimiter belongs to the delimiter (RFC 2046 5.1.1).
    body = b"".join(delimiter + CRLF + part.headers + CRLF + part.body + CRLF for part in parts)
    body += delimiter + b"--" + CRLF
    content_type = header_with_parameters(
        "Content-Type", f"multipart/{subtype}", [f'boundary="{boundary}"']
    )
    return Entity(content_type, body)
