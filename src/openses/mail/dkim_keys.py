"""DKIM key material: generating, loading and publishing signing keys.

Two key types are supported, as DKIM defines them:

- RSA (RFC 6376 §3.3.1, ``rsa-sha256``). SES's Easy DKIM uses 2048-bit keys; its
  "bring your own DKIM" (BYODKIM) accepts 1024- or 2048-bit keys. We also accept 3072
  and 4096 bits, and refuse anything under 1024 bits, which RFC 8301 §3.2 forbids.
- Ed25519 (RFC 8463, ``ed25519-sha256``).

BYODKIM keys arrive the way ``aws sesv2 put-email-identity-dkim-signing-attributes``
sends ``SigningAttributes.DomainSigningPrivateKey``: the base64 body of a PEM file
without its ``-----BEGIN/END-----`` lines, i.e. base64 of a PKCS#1 or PKCS#8 DER key.
"""

from __future__ import annotations

import base64
import binascii
from typing import Literal, TypeAlias

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

DkimPrivateKey: TypeAlias = rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey
"""A private key DKIM can sign with."""

KeyKind = Literal["rsa", "ed25519"]

RSA_PUBLIC_EXPONENT = 65537
MIN_RSA_BITS = 1024  # RFC 8301 §3.2: signers MUST use at least 1024 bits.
MAX_RSA_BITS = 4096  # Larger keys do not fit comfortably in a DNS TXT record.
_GENERATED_RSA_BITS = (1024, 2048, 3072, 4096)
_PEM_MARKER = b"-----BEGIN"


def generate_key(kind: KeyKind = "rsa", bits: int = 2048) -> DkimPrivateKey:
    """A new signing key. ``bits`` applies to RSA only (1024, 2048, 3072 or 4096)."""
    if kind == "ed25519":
        return ed25519.Ed25519PrivateKey.generate()
    if kind != "rsa":
        raise ValueError(f"unknown DKIM key kind {kind!r}; expected 'rsa' or 'ed25519'")
    if bits not in _GENERATED_RSA_BITS:
        raise ValueError(f"RSA DKIM keys must be 1024, 2048, 3072 or 4096 bits, not {bits}")
    return rsa.generate_private_key(public_exponent=RSA_PUBLIC_EXPONENT, key_size=bits)


def load_private_key(data: str | bytes) -> DkimPrivateKey:
    """Load a private key from PEM, or from SES's BYODKIM form (base64 DER, no header lines).

    Raises ``ValueError`` with a human-readable reason when the input is not base64, not a
    private key, a public key, a key type DKIM cannot use, or an RSA key outside
    1024..4096 bits.
    """
    raw = data.encode("ascii", "replace") if isinstance(data, str) else bytes(data)
    raw = raw.strip()
    if not raw:
        raise ValueError("the DKIM private key is empty")
    if raw.startswith(_PEM_MARKER):
        return checked_signing_key(_parse_pem(raw))
    decoded = _decode_base64(raw)
    # Some tools base64-encode a whole PEM file rather than its DER body; accept both.
    if decoded.lstrip().startswith(_PEM_MARKER):
        return checked_signing_key(_parse_pem(decoded.strip()))
    return checked_signing_key(_parse_der(decoded))


def public_key_txt(private_key: DkimPrivateKey) -> str:
    """The DNS TXT record value publishing this key's public half (RFC 6376 §3.6.1).

    RSA publishes the DER SubjectPublicKeyInfo (what every verifier expects, RFC 6376
    errata 3017); Ed25519 publishes the raw 32-byte public key (RFC 8463 §4.2).
    """
    if isinstance(private_key, ed25519.Ed25519PrivateKey):
        raw = private_key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        return f"v=DKIM1; k=ed25519; p={base64.b64encode(raw).decode('ascii')}"
    der = private_key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return f"v=DKIM1; k=rsa; p={base64.b64encode(der).decode('ascii')}"


def private_key_pem(private_key: DkimPrivateKey) -> str:
    """The key as unencrypted PKCS#8 PEM text, for storage; ``load_private_key`` reads it."""
    pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return pem.decode("ascii")


def _decode_base64(raw: bytes) -> bytes:
    compact = b"".join(raw.split())  # BYODKIM keys are often pasted with line breaks.
    try:
        return base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError) as error:
        raise ValueError(
            "the DKIM private key is neither PEM nor base64-encoded DER "
            f"(PKCS#1 or PKCS#8): {error}"
        ) from None


def _parse_pem(pem: bytes) -> object:
    if b"PUBLIC KEY-----" in pem:
        raise ValueError("this is a public key; DKIM signing needs the private key")
    if b"ENCRYPTED" in pem:
        raise ValueError("the DKIM private key is encrypted; supply it without a passphrase")
    try:
        return serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as error:
        raise ValueError(f"the PEM text is not a readable private key: {error}") from None


def _parse_der(der: bytes) -> object:
    try:
        # Reads PKCS#8 and the "traditional" PKCS#1 RSAPrivateKey structure alike.
        return serialization.load_der_private_key(der, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        pass
    if _is_public_key_der(der):
        raise ValueError("this is a public key; DKIM signing needs the private key")
    raise ValueError("the base64 text does not decode to a PKCS#1 or PKCS#8 private key (DER)")


def _is_public_key_der(der: bytes) -> bool:
    try:
        serialization.load_der_public_key(der)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        return False
    return True


def checked_signing_key(key: object) -> DkimPrivateKey:
    """``key`` if DKIM can sign with it, else ``ValueError`` saying why not."""
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return key
    if isinstance(key, rsa.RSAPrivateKey):
        if not MIN_RSA_BITS <= key.key_size <= MAX_RSA_BITS:
            raise ValueError(
                f"RSA DKIM keys must be {MIN_RSA_BITS} to {MAX_RSA_BITS} bits; "
                f"this one has {key.key_size}"
            )
        return key
    if isinstance(key, ec.EllipticCurvePrivateKey):
        raise ValueError(f"EC ({key.curve.name}) keys cannot sign DKIM; use an RSA or Ed25519 key")
    raise ValueError(f"{type(key).__name__} cannot sign DKIM; use an RSA or Ed25519 key")
