"""DKIM signing (RFC 6376 with RSA-SHA256, RFC 8463 with Ed25519-SHA256).

SES signs every message whose From domain has DKIM enabled, and adds a second signature
for its own domain; ``sign`` handles both, since it ignores (never signs) earlier
DKIM-Signature fields. Canonicalization is always ``relaxed/relaxed``.

Usage::

    key = DkimSigningKey("example.com", "sel1", generate_key())
    publish_txt(key.dns_name, public_key_txt(key.private_key))
    signed = sign_message(message, key, timestamp=int(clock.now().timestamp()))
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ed25519, padding

from openses.mail.dkim_canonical import (
    CRLF,
    body_hash,
    canonical_signed_headers,
    normalize_line_endings,
    relaxed_header,
    signed_header_names,
    split_message,
)
from openses.mail.dkim_keys import (
    DkimPrivateKey,
    KeyKind,
    checked_signing_key,
    generate_key,
    load_private_key,
    private_key_pem,
    public_key_txt,
)

__all__ = [
    "DkimPrivateKey",
    "DkimSigningKey",
    "KeyKind",
    "generate_key",
    "load_private_key",
    "private_key_pem",
    "public_key_txt",
    "sign",
    "sign_message",
    "sign_message_with_keys",
]

DkimAlgorithm = Literal["rsa-sha256", "ed25519-sha256"]

# Signed once per instance plus once more, and listed even when absent, so none of
# them can be added by anyone downstream (RFC 6376 §5.4.2 and §8.15). From comes
# first and is mandatory (§5.4).
ALWAYS_SIGNED: Final = (b"From", b"To", b"Cc", b"Subject", b"Date", b"Message-ID", b"Reply-To")
# Signed (and over-signed) only when the message has them.
SIGNED_WHEN_PRESENT: Final = (
    b"MIME-Version",
    b"Content-Type",
    b"Content-Transfer-Encoding",
    b"In-Reply-To",
    b"References",
    b"List-Unsubscribe",
    b"List-Unsubscribe-Post",
    b"Sender",
    b"Feedback-ID",
)
# Never signed: X-SES-*, Return-Path, Bounces-To and other DKIM-Signature fields are
# added or rewritten in transit, and are simply absent from the lists above.

_MAX_LINE: Final = 76  # RFC 5322 §2.1.1: lines SHOULD be at most 78 characters.
_FOLD: Final = "\r\n\t"
_DNS_NAME = re.compile(r"^(?!.*\.\.)[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,251}[A-Za-z0-9_])?$")
_PKCS1V15: Final = padding.PKCS1v15()
_SHA256: Final = hashes.SHA256()


@dataclass(frozen=True)
class DkimSigningKey:
    """Who signs (``d=`` domain and ``s=`` selector) and with which private key.

    The public key is published as TXT at ``<selector>._domainkey.<domain>``.
    Domain and selector must be ASCII (A-labels for internationalised domains); the key
    must be Ed25519 or RSA of 1024 to 4096 bits. Invalid values raise ``ValueError``.
    """

    domain: str
    selector: str
    private_key: DkimPrivateKey

    def __post_init__(self) -> None:
        checked_signing_key(self.private_key)
        for label, value in (("domain", self.domain), ("selector", self.selector)):
            if not _DNS_NAME.match(value) or any(len(part) > 63 for part in value.split(".")):
                raise ValueError(f"invalid DKIM {label} {value!r}: expected an ASCII DNS name")
        if len(self.dns_name) > 253:  # RFC 1035 §2.3.4, where the public key must live
            raise ValueError(f"invalid DKIM selector and domain: {self.dns_name} is too long")

    @property
    def algorithm(self) -> DkimAlgorithm:
        """The ``a=`` tag value this key signs with."""
        if isinstance(self.private_key, ed25519.Ed25519PrivateKey):
            return "ed25519-sha256"
        return "rsa-sha256"

    @property
    def dns_name(self) -> str:
        """Where the public key's TXT record lives (RFC 6376 §3.6.2.1)."""
        return f"{self.selector}._domainkey.{self.domain}"


def sign(
    message: bytes, key: DkimSigningKey, *, timestamp: int, expires: int | None = None
) -> bytes:
    """The ``DKIM-Signature`` header field (folded, ending in CRLF) to prepend to ``message``.

    The signature covers the message as transmitted, i.e. with line endings normalised
    to CRLF and a final CRLF (which SMTP clients ensure); ``timestamp`` and ``expires``
    are Unix seconds for ``t=`` and ``x=``. Raises ``ValueError`` if the message has no
    From field (§5.4) or ``expires`` is not after ``timestamp`` (§3.5).
    """
    prepared = _prepare(normalize_line_endings(message), timestamp, expires)
    return _signature_field(prepared, key, timestamp, expires)


def sign_message(
    message: bytes, key: DkimSigningKey, *, timestamp: int, expires: int | None = None
) -> bytes:
    """``message`` with line endings normalised to CRLF and a DKIM-Signature prepended."""
    return sign_message_with_keys(message, [key], timestamp=timestamp, expires=expires)


def sign_message_with_keys(
    message: bytes,
    keys: Sequence[DkimSigningKey],
    *,
    timestamp: int,
    expires: int | None = None,
) -> bytes:
    """``message`` normalised to CRLF and signed by each key in turn, the last on top.

    The same as applying ``sign_message`` once per key (no signature covers another:
    DKIM-Signature is never in h=), but parses and hashes the message only once. SES
    signs with the sender's key first and then with its own.
    """
    normalized = normalize_line_endings(message)
    prepared = _prepare(normalized, timestamp, expires)
    fields = [_signature_field(prepared, key, timestamp, expires) for key in keys]
    return b"".join(reversed(fields)) + normalized


@dataclass(frozen=True, slots=True)
class _Prepared:
    """What every signature of one message shares."""

    names: list[bytes]  # the h= list
    canonical_headers: bytes  # the fields h= names, canonicalized, in h= order
    body_hash: str


def _prepare(message: bytes, timestamp: int, expires: int | None) -> _Prepared:
    if timestamp < 0:
        raise ValueError("the DKIM timestamp (t=) must be a non-negative Unix time")
    if expires is not None and expires <= timestamp:
        raise ValueError("the DKIM expiry (x=) must be later than the timestamp (t=)")
    fields, body = split_message(message)
    if not any(field.name == b"from" for field in fields):
        raise ValueError("cannot DKIM-sign a message without a From header field")
    names = signed_header_names(fields, ALWAYS_SIGNED, SIGNED_WHEN_PRESENT)
    return _Prepared(names, canonical_signed_headers(fields, names), body_hash(body))


def _signature_field(
    prepared: _Prepared, key: DkimSigningKey, timestamp: int, expires: int | None
) -> bytes:
    unsigned = _unsigned_field(key, prepared.names, prepared.body_hash, timestamp, expires)
    # §3.7: hash the signed fields, then this field with an empty b= and no final CRLF.
    signed_data = prepared.canonical_headers + relaxed_header(unsigned)[:-2]
    signature = base64.b64encode(_signature(key.private_key, signed_data)).decode("ascii")
    return unsigned[:-2] + _fold_value(unsigned, signature).encode("ascii") + CRLF


def _signature(private_key: DkimPrivateKey, data: bytes) -> bytes:
    if isinstance(private_key, ed25519.Ed25519PrivateKey):
        # RFC 8463 §3: Ed25519 (PureEdDSA) signs the SHA-256 hash, not the data itself.
        return private_key.sign(hashlib.sha256(data).digest())
    return private_key.sign(data, _PKCS1V15, _SHA256)


def _unsigned_field(
    key: DkimSigningKey, names: list[bytes], bh: str, timestamp: int, expires: int | None
) -> bytes:
    """The folded field up to and including an empty ``b=``, with a final CRLF."""
    tags = [
        "v=1;",
        f"a={key.algorithm};",
        "c=relaxed/relaxed;",
        f"d={key.domain};",
        f"s={key.selector};",
        f"t={timestamp};",
    ]
    if expires is not None:
        tags.append(f"x={expires};")
    lines = ["DKIM-Signature:"]
    for tag in tags:
        _append(lines, " " + tag)
    # FWS may follow any colon of the h= list (§3.5), so long lists break there.
    _append_breaking_after(lines, " h=" + b":".join(names).decode("ascii") + ";", ":")
    _append(lines, f" bh={bh};")
    _append(lines, " b=")
    return ("\r\n".join(lines) + "\r\n").encode("ascii")


def _append(lines: list[str], token: str) -> None:
    """Append to the last line, or fold onto a new one if the line would get too long."""
    if len(lines[-1]) + len(token) <= _MAX_LINE:
        lines[-1] += token
    else:
        lines.append("\t" + token.lstrip(" "))


def _append_breaking_after(lines: list[str], text: str, separator: str) -> None:
    """Append ``text``, folding after ``separator`` characters where lines get too long."""
    while len(lines[-1]) + len(text) > _MAX_LINE:
        room = _MAX_LINE - len(lines[-1])
        cut = text.rfind(separator, 0, room) + 1
        if cut == 0 and lines[-1] == "\t":  # a single piece longer than a whole line
            cut = text.find(separator) + 1 or len(text)
        lines[-1] += text[:cut]
        text = text[cut:].lstrip(" ")
        if not text:
            return
        lines.append("\t")
    lines[-1] += text


def _fold_value(unsigned_field: bytes, signature: str) -> str:
    """The ``b=`` value, broken over lines; verifiers ignore FWS inside it (§3.5)."""
    last_line = unsigned_field[:-2].rsplit(CRLF, 1)[-1]
    room = max(_MAX_LINE - len(last_line), 0)
    rest = signature[room:]
    width = _MAX_LINE - 1  # continuation lines start with a tab
    pieces = [signature[:room]]
    pieces.extend(rest[i : i + width] for i in range(0, len(rest), width))
    return _FOLD.join(pieces)
