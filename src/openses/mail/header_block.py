"""The header section of a raw message, read as bytes.

The message SES delivers must keep every byte the sender wrote outside the few
headers SES rewrites (senders' own DKIM signatures cover them), so headers are
located by byte offsets and copied, never re-serialised. Bare-LF messages are
read the same way as CRLF ones (RFC 5322 section 2.2.3 unfolding applies to both).
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

MAX_LINE_OCTETS = 998  # RFC 5322 section 2.1.1, excluding the line ending

# RFC 5322 section 3.6.8: field-name = 1*ftext, ftext = %d33-57 / %d59-126;
# obs-optional allows white space before the colon.
_FIELD_NAME = re.compile(rb"([\x21-\x39\x3b-\x7e]+)[ \t]*:")


class HeaderProblemKind(enum.Enum):
    EMPTY_NAME = "empty_header_name"
    MALFORMED = "malformed_header"
    LINE_TOO_LONG = "header_line_too_long"
    SECTION_TOO_LONG = "header_section_too_long"


@dataclass(frozen=True)
class HeaderProblem:
    kind: HeaderProblemKind
    name: str  # the field name, or the offending line's start when there is none


@dataclass(frozen=True)
class HeaderField:
    name: str  # as written
    value: str  # unfolded, surrounding white space removed
    raw: bytes  # the field's bytes exactly as written, line endings included
    start: int
    end: int

    def is_named(self, name: str) -> bool:
        return self.name.lower() == name.lower()


@dataclass(frozen=True)
class HeaderBlock:
    fields: tuple[HeaderField, ...]
    body_start: int  # offset of the first body byte (after the blank line), or len(data)
    separator: bytes  # the blank line itself (b"\r\n", b"\n" or b"" when there is none)
    problems: tuple[HeaderProblem, ...]

    def named(self, name: str) -> tuple[HeaderField, ...]:
        return tuple(field for field in self.fields if field.is_named(name))

    def first(self, name: str) -> HeaderField | None:
        found = self.named(name)
        return found[0] if found else None


def decode_header_bytes(raw: bytes) -> str:
    """Header bytes as text: UTF-8 when they are (RFC 6532), else Latin-1 (never fails)."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _lines(data: bytes, start: int) -> list[tuple[int, int, int]]:
    """(start, end-of-content, end-including-line-ending) for each line up to the blank one."""
    lines: list[tuple[int, int, int]] = []
    position = start
    while position < len(data):
        newline = data.find(b"\n", position)
        end = len(data) if newline < 0 else newline + 1
        content_end = newline if newline >= 0 else len(data)
        if content_end > position and data[content_end - 1 : content_end] == b"\r":
            content_end -= 1
        lines.append((position, content_end, end))
        if content_end == position:  # the blank line that ends the header section
            break
        position = end
    return lines


def _unfold(raw: bytes) -> str:
    text = decode_header_bytes(raw)
    return re.sub(r"\r?\n(?=[ \t])", "", text).rstrip("\r\n")


def _field(data: bytes, start: int, end: int) -> HeaderField | HeaderProblem:
    raw = data[start:end]
    match = _FIELD_NAME.match(raw)
    if match is None:
        first_line = raw.split(b"\n", 1)[0].rstrip(b"\r")
        if first_line.startswith(b":") or re.match(rb"[ \t]+:", first_line):
            return HeaderProblem(HeaderProblemKind.EMPTY_NAME, "")
        return HeaderProblem(HeaderProblemKind.MALFORMED, decode_header_bytes(first_line[:60]))
    name = match.group(1).decode("ascii")
    value = _unfold(raw[match.end() :]).strip(" \t")
    return HeaderField(name=name, value=value, raw=raw, start=start, end=end)


def _too_long(lines: list[tuple[int, int, int]], max_line: int) -> int | None:
    for index, (start, content_end, _end) in enumerate(lines):
        if content_end - start > max_line:
            return index
    return None


def parse_header_block(
    data: bytes,
    *,
    max_line_octets: int = MAX_LINE_OCTETS,
    max_section_bytes: int | None = None,
) -> HeaderBlock:
    """The header fields of ``data`` and where its body starts. Never raises."""
    lines = _lines(data, 0)
    separator = b""
    body_start = len(data)
    if lines and lines[-1][1] == lines[-1][0]:
        blank_start, _content_end, blank_end = lines.pop()
        separator, body_start = data[blank_start:blank_end], blank_end
    problems: list[HeaderProblem] = []
    header_bytes = lines[-1][2] if lines else 0
    if max_section_bytes is not None and header_bytes > max_section_bytes:
        problems.append(HeaderProblem(HeaderProblemKind.SECTION_TOO_LONG, ""))
    fields: list[HeaderField] = []
    field_start: int | None = None
    for start, _content_end, _end in lines:
        if data[start : start + 1] in (b" ", b"\t") and field_start is not None:
            continue  # a continuation line of the current field
        if field_start is not None:
            _append_field(data, field_start, start, fields, problems)
        field_start = start
    if field_start is not None:
        _append_field(data, field_start, header_bytes, fields, problems)
    long_line = _too_long(lines, max_line_octets)
    if long_line is not None:
        owner = _owner_name(fields, lines[long_line][0])
        problems.append(HeaderProblem(HeaderProblemKind.LINE_TOO_LONG, owner))
    return HeaderBlock(tuple(fields), body_start, separator, tuple(problems))


def _append_field(
    data: bytes,
    start: int,
    end: int,
    fields: list[HeaderField],
    problems: list[HeaderProblem],
) -> None:
    parsed = _field(data, start, end)
    if isinstance(parsed, HeaderProblem):
        problems.append(parsed)
    else:
        fields.append(parsed)


def _owner_name(fields: list[HeaderField], offset: int) -> str:
    for field in fields:
        if field.start <= offset < field.end:
            return field.name
    return ""
