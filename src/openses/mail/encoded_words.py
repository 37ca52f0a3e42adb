"""RFC 2047 encoded-words: decoding for display (names, subjects) and encoding for headers.

SES requires 7-bit headers: non-ASCII subjects and display names travel as
``=?charset?Q|B?…?=`` (Developer Guide, "Sending raw email using the Amazon SES
API", section "Email headers"). Decoded text is only ever used as *text* — never
as an address — so a name that decodes to ``admin@bank.com`` cannot pose as one.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import re

MAX_ENCODED_WORD = 75  # RFC 2047 section 2
# RFC 2047 section 5 (3): characters that may stand for themselves in a Q-encoded
# word anywhere, including in a phrase. Everything else is =XX; space is "_".
_Q_SAFE = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!*+-/")

_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([QqBb])\?([^?\s]*)\?=")
_BETWEEN_WORDS = re.compile(r"[ \t]+")


def python_codec(charset: str) -> str | None:
    """Python's codec for a MIME charset name (RFC 2231 ``*lang`` dropped), or None."""
    name = charset.split("*", 1)[0].strip()
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _decode_payload(kind: str, payload: str) -> bytes | None:
    if kind in "Bb":
        padded = payload + "=" * (-len(payload) % 4)
        try:
            return base64.b64decode(padded, validate=True)
        except (binascii.Error, ValueError):
            return None
    data = bytearray()
    chars = payload.replace("_", " ")
    index = 0
    while index < len(chars):
        char = chars[index]
        hex_pair = chars[index + 1 : index + 3]
        if char == "=" and re.fullmatch(r"[0-9A-Fa-f]{2}", hex_pair):
            data.append(int(hex_pair, 16))
            index += 3
            continue
        data.extend(char.encode("ascii", "replace"))
        index += 1
    return bytes(data)


def _decode_word(match: re.Match[str]) -> str | None:
    codec = python_codec(match.group(1))
    raw = _decode_payload(match.group(2), match.group(3))
    if codec is None or raw is None:
        return None
    return raw.decode(codec, "replace")


def decode_words(text: str) -> str:
    """``text`` with its well-formed encoded-words decoded; the rest left as written.

    Whitespace between two adjacent encoded-words is dropped (RFC 2047 section 6.2).
    """
    pieces: list[str] = []
    position = 0
    previous_was_word = False
    for match in _ENCODED_WORD.finditer(text):
        gap = text[position : match.start()]
        decoded = _decode_word(match)
        if decoded is None:
            pieces.append(gap + match.group(0))
            previous_was_word = False
        else:
            if not (previous_was_word and _BETWEEN_WORDS.fullmatch(gap)):
                pieces.append(gap)
            pieces.append(decoded)
            previous_was_word = True
        position = match.end()
    pieces.append(text[position:])
    return "".join(pieces)


def _q_encode(data: bytes) -> str:
    return "".join(
        "_" if byte == 0x20 else chr(byte) if byte in _Q_SAFE else f"={byte:02X}" for byte in data
    )


def _b_encode(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _prefers_base64(text: str) -> bool:
    """Q when most characters are plain ASCII letters (readable), else B (shorter)."""
    plain = sum(1 for char in text if char.isascii() and (char.isalnum() or char == " "))
    return plain * 3 < len(text) * 2


def encode_words(text: str, charset: str, *, first_room: int = MAX_ENCODED_WORD) -> list[str]:
    """``text`` as RFC 2047 encoded-words of at most 75 characters each (the first at
    most ``first_room``, to fit after a header name on a 78-character line).

    Words split only between characters, never inside one, so each decodes on its
    own. Raises ``LookupError`` for an unknown charset and ``UnicodeEncodeError``
    when ``text`` cannot be written in it.
    """
    codec = python_codec(charset)
    if codec is None:
        raise LookupError(charset)
    use_b = _prefers_base64(text)
    kind = "B" if use_b else "Q"
    encode = _b_encode if use_b else _q_encode
    prefix = f"=?{charset}?{kind}?"
    room = MAX_ENCODED_WORD - len(prefix) - 2
    if room < 8:
        raise LookupError(charset)
    limit = max(min(first_room, MAX_ENCODED_WORD) - len(prefix) - 2, 8)
    words: list[str] = []
    chunk = ""
    for char in text:
        candidate = chunk + char
        if chunk and len(encode(candidate.encode(codec))) > limit:
            words.append(f"{prefix}{encode(chunk.encode(codec))}?=")
            chunk, limit = char, room
        else:
            chunk = candidate
    words.append(f"{prefix}{encode(chunk.encode(codec))}?=")
    return words
