"""Reading DKIM key records (RFC 6376 §3.6.1) to check they publish an expected key.

Verification compares keys, not text: a customer may publish the RSA key as a
SubjectPublicKeyInfo (what ``openssl rsa -pubout`` prints, and what openses
shows) or as a bare PKCS#1 RSAPublicKey, with or without whitespace inside the
``p=`` value, split over several TXT strings. All of those publish the same key.
"""

from __future__ import annotations

import base64
import binascii

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization

from openses.mail.dkim_keys import load_private_key


def record_tags(text: str) -> dict[str, str]:
    """The tag=value pairs of a DKIM key record; whitespace inside values is dropped.

    RFC 6376 §3.2: tags are separated by ``;``; folding whitespace may appear
    around and, for base64 values, inside values. Later duplicates are ignored.
    """
    tags: dict[str, str] = {}
    for part in text.split(";"):
        name, equals, value = part.partition("=")
        if equals:
            tags.setdefault(name.strip(), "".join(value.split()))
    return tags


def published_public_key(text: str) -> bytes | None:
    """The key a record publishes, as DER SubjectPublicKeyInfo; ``None`` if it has none."""
    tags = record_tags(text)
    if "p" not in tags or tags.get("v", "DKIM1") != "DKIM1":
        return None
    return spki_der(tags["p"])


def spki_der(base64_key: str) -> bytes | None:
    """A base64 public key (SPKI or PKCS#1 RSA) as DER SubjectPublicKeyInfo, or ``None``."""
    try:
        der = base64.b64decode("".join(base64_key.split()), validate=True)
        key = serialization.load_der_public_key(der)
    except (binascii.Error, ValueError, TypeError, UnsupportedAlgorithm):
        return None
    return key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def public_key_of_private_pem(pem: str) -> bytes:
    """The DER SubjectPublicKeyInfo of a stored private key (PEM or BYODKIM base64)."""
    return (
        load_private_key(pem)
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )


def publishes_key(text: str, expected_spki_der: bytes) -> bool:
    """Whether a TXT record's text is a DKIM key record for exactly this public key."""
    published = published_public_key(text)
    return published is not None and published == expected_spki_der
