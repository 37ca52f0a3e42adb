"""DKIM message preparation: CRLF normalisation, header parsing, "relaxed" canonicalization.

Everything here is bytes-in, bytes-out and avoids the ``email`` package: signing sits
on the sending hot path, and a DKIM signature covers octets, not a parsed model.
References are to RFC 6376 (DKIM) unless stated otherwise.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable, Sequence
from typing import NamedTuple

CRLF = b"\r\n"
_LINE_BREAK = re.compile(rb"\r\n|\r|\n")
_WSP_RUN = re.compile(rb"[ \t]+")
_WSP = b" \t"


class HeaderField(NamedTuple):
    """One header field as it appears in the message, folding and final CRLF included."""

    name: bytes  # lower-cased, surrounding WSP removed: the key for h= matching
    raw: bytes


def normalize_line_endings(message: bytes) -> bytes:
    """The message as SMTP will transmit it: CRLF line endings, ending in CRLF.

    SMTP clients (smtplib, aiosmtplib) rewrite bare CR and bare LF to CRLF and end the
    DATA with CRLF before the final dot (RFC 5321 §4.1.1.4), and RFC 5322 §2.3 forbids
    bare CR and LF; so we sign the transmitted form, which every verifier then sees.
    """
    if b"\r" not in message:
        message = message.replace(b"\n", CRLF)
    elif not message.count(b"\r") == message.count(CRLF) == message.count(b"\n"):
        message = _LINE_BREAK.sub(CRLF, message)
    if message and not message.endswith(CRLF):
        message += CRLF
    return message


def split_message(message: bytes) -> tuple[list[HeaderField], bytes]:
    """Header fields and body of a CRLF-normalised message.

    The header ends at the first empty line (RFC 5322 §2.1); a message without one is
    all header and an empty body.
    """
    if message.startswith(CRLF):
        return [], message[2:]
    end = message.find(b"\r\n\r\n")
    if end < 0:
        header_block = message if message.endswith(CRLF) or not message else message + CRLF
        body = b""
    else:
        header_block, body = message[: end + 2], message[end + 4 :]
    return list(_parse_fields(header_block)), body


def _parse_fields(header_block: bytes) -> Iterable[HeaderField]:
    lines = header_block.split(CRLF)[:-1]  # the block ends with CRLF: drop the empty tail
    current: list[bytes] = []
    for line in lines:
        if current and line[:1] in (b" ", b"\t"):  # RFC 5322 §2.2.3 folding
            current.append(line)
            continue
        if current:
            yield _field(current)
        current = [line]
    if current:
        yield _field(current)


def _field(lines: list[bytes]) -> HeaderField:
    raw = CRLF.join(lines) + CRLF
    name, colon, _ = lines[0].partition(b":")
    # A line without a colon is not a header field; give it a name nothing will match.
    key = name.strip(_WSP).lower() if colon else b""
    return HeaderField(name=key, raw=raw)


def relaxed_header(raw: bytes) -> bytes:
    """Relaxed header canonicalization (§3.4.2), with the trailing CRLF.

    Lower-case the name, unfold, reduce WSP runs to one SP, delete WSP at the end of the
    value and around the colon.
    """
    name, _, value = raw.partition(b":")
    return name.strip(_WSP).lower() + b":" + _squeeze(value) + CRLF


def _squeeze(value: bytes) -> bytes:
    # Every CRLF inside a field is a fold followed by WSP, so treating it as WSP is the
    # same as deleting it and then collapsing the WSP run it now belongs to. But
    # bytes.split() also splits on VT and FF, which are not WSP.
    if b"\x0b" in value or b"\x0c" in value:
        return _WSP_RUN.sub(b" ", value.replace(CRLF, b"")).strip(_WSP)
    return b" ".join(value.split())


def relaxed_body(body: bytes) -> bytes:
    """Relaxed body canonicalization (§3.4.4) of a CRLF-normalised body.

    Reduce WSP runs to one SP, delete WSP at line ends, delete empty lines at the end,
    and end a non-empty body with CRLF.
    """
    if not body:
        return body
    if not body.endswith(CRLF):
        body += CRLF
    # Plain replace() passes beat a regex several times over on real bodies (which
    # are full of single spaces a regex would visit one by one); each halving pass
    # shortens every run, so a run of n WSP takes log2(n) passes.
    if b"\t" in body:
        body = body.replace(b"\t", b" ")
    while b"  " in body:
        body = body.replace(b"  ", b" ")
    # Runs are single spaces now, so a line's trailing WSP is exactly one SP.
    body = body.replace(b" \r\n", CRLF).rstrip(CRLF)
    return body + CRLF if body else b""


def body_hash(body: bytes) -> str:
    """The ``bh=`` value: base64 SHA-256 of the relaxed-canonical body (§3.7)."""
    return base64.b64encode(hashlib.sha256(relaxed_body(body)).digest()).decode("ascii")


def signed_header_names(
    fields: Sequence[HeaderField],
    always: Iterable[bytes],
    when_present: Iterable[bytes],
) -> list[bytes]:
    """The ``h=`` list, with every name over-signed (§5.4.2, §8.15).

    Each name appears once per instance in the message plus once more: the extra entry
    matches no field and so signs "no further instance", which keeps anyone from adding
    a second From or Subject later. Names in ``always`` are listed even when the field is
    absent, which prevents adding it at all.
    """
    counts: dict[bytes, int] = {}
    for field in fields:
        counts[field.name] = counts.get(field.name, 0) + 1
    names: list[bytes] = []
    for name in always:
        names.extend([name] * (counts.get(name.lower(), 0) + 1))
    for name in when_present:
        present = counts.get(name.lower(), 0)
        if present:
            names.extend([name] * (present + 1))
    return names


def canonical_signed_headers(fields: Sequence[HeaderField], names: Sequence[bytes]) -> bytes:
    """The relaxed-canonical header fields named in ``h=``, in ``h=`` order (§5.4.2).

    Repeated names take instances from the bottom of the header upwards; a name with no
    instance left contributes nothing.
    """
    by_name: dict[bytes, list[bytes]] = {}
    for field in fields:
        by_name.setdefault(field.name, []).append(field.raw)
    parts: list[bytes] = []
    for name in names:
        instances = by_name.get(name.lower())
        if instances:
            parts.append(relaxed_header(instances.pop()))
    return b"".join(parts)
