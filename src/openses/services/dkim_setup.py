"""How a domain's DKIM is (re)configured: Easy DKIM keys and tokens, BYODKIM keys.

A ``DkimSetup`` is computed outside any transaction (RSA generation takes up to a
second for 2048 bits) and then applied in one: the identity's DKIM fields, the
private key that signs (``dkim_keys``) and, for Easy DKIM, the public keys the DNS
responder serves (``dkim_published_keys``). The token/key mapping and rotation are
described in ``openses.domain.dkim``.
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import datetime as dt
import secrets
import string
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy.ext.asyncio import AsyncConnection

from openses.domain.dkim import (
    EASY_DKIM_TOKENS,
    INVALID_KEY_LENGTH,
    INVALID_PRIVATE_KEY,
    KEY_BITS,
    LENGTH_OF_BITS,
    SIGNING_ATTRIBUTES_REQUIRED,
    next_token,
    validate_selector,
)
from openses.domain.dkim import key_length as parse_key_length
from openses.domain.errors import InvalidParameterError
from openses.domain.identities import DkimKeyLength, DkimOrigin, Identity, VerificationStatus
from openses.mail.dkim_keys import DkimPrivateKey, generate_key, load_private_key, private_key_pem
from openses.storage.repositories import dkim_keys as keys_repo
from openses.storage.repositories import dkim_published_keys as published_repo

_TOKEN_ALPHABET = string.ascii_lowercase + string.digits


def new_tokens() -> tuple[str, ...]:
    # SES's tokens are 32 lower-case alphanumerics; they are selectors and DNS labels.
    return tuple(
        "".join(secrets.choice(_TOKEN_ALPHABET) for _ in range(32)) for _ in range(EASY_DKIM_TOKENS)
    )


def public_key_base64(key: DkimPrivateKey) -> str:
    """The ``p=`` value of an RSA key: base64 of its DER SubjectPublicKeyInfo."""
    der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(der).decode("ascii")


@dataclass(frozen=True, slots=True)
class DkimSetup:
    origin: DkimOrigin
    tokens: tuple[str, ...]  # Easy DKIM: the three tokens; BYODKIM: the selector
    signing_selector: str
    private_key_pem: str
    public_key: str  # base64 DER, the p= tag
    published_selectors: tuple[str, ...]  # where the DNS responder serves public_key
    key_length: DkimKeyLength | None  # Easy DKIM only

    def identity_fields(self, now: dt.datetime, *, verify_at_once: bool) -> dict[str, object]:
        """The identity's DKIM fields after this setup: signing on, verification (re)started."""
        return {
            "dkim_origin": self.origin,
            "dkim_tokens": self.tokens,
            "dkim_enabled": True,
            "dkim_status": (
                VerificationStatus.SUCCESS if verify_at_once else VerificationStatus.PENDING
            ),
            "dkim_current_key_length": self.key_length,
            "dkim_next_key_length": self.key_length,
            "dkim_key_generated_at": now if self.key_length is not None else None,
            "dkim_verification_started_at": now,
        }

    def applied_to(self, identity: Identity, now: dt.datetime, *, verify_at_once: bool) -> Identity:
        fields = self.identity_fields(now, verify_at_once=verify_at_once)
        if not verify_at_once:
            fields["next_check_at"] = now  # the verifier looks for the new records at once
        return dataclasses.replace(identity, **fields)  # type: ignore[arg-type]


async def easy_dkim_setup(
    length: DkimKeyLength, tokens: tuple[str, ...] | None = None
) -> DkimSetup:
    """A new key pair, published under every token (new tokens unless given)."""
    tokens = tokens or new_tokens()
    key = await asyncio.to_thread(generate_key, "rsa", KEY_BITS[length])
    return DkimSetup(
        origin=DkimOrigin.AWS_SES,
        tokens=tokens,
        signing_selector=tokens[0],
        private_key_pem=private_key_pem(key),
        public_key=public_key_base64(key),
        published_selectors=tokens,
        key_length=length,
    )


async def rotation_setup(
    tokens: tuple[str, ...], signing_selector: str, length: DkimKeyLength
) -> DkimSetup:
    """A new key under the token after ``signing_selector``; the other tokens keep theirs."""
    selector = next_token(tokens, signing_selector)
    key = await asyncio.to_thread(generate_key, "rsa", KEY_BITS[length])
    return DkimSetup(
        origin=DkimOrigin.AWS_SES,
        tokens=tokens,
        signing_selector=selector,
        private_key_pem=private_key_pem(key),
        public_key=public_key_base64(key),
        published_selectors=(selector,),
        key_length=length,
    )


def byodkim_setup(selector: str, private_key: str) -> DkimSetup:
    """The customer's key and selector, checked as SES checks them (RSA, 1024 or 2048 bits)."""
    validate_selector(selector)
    key = parse_byodkim_key(private_key)
    return DkimSetup(
        origin=DkimOrigin.EXTERNAL,
        tokens=(selector,),
        signing_selector=selector,
        private_key_pem=private_key_pem(key),
        public_key=public_key_base64(key),
        published_selectors=(),  # the customer publishes it in their own zone
        key_length=None,
    )


def parse_byodkim_key(private_key: str) -> rsa.RSAPrivateKey:
    """SES's ``DomainSigningPrivateKey``: base64 of a PKCS#1 or PKCS#8 DER RSA key."""
    try:
        key = load_private_key(private_key)
    except ValueError as exc:
        if "RSA DKIM keys must be" in str(exc):  # RSA, but outside 1024..4096 bits
            raise InvalidParameterError(INVALID_KEY_LENGTH) from None
        raise InvalidParameterError(INVALID_PRIVATE_KEY) from None
    if not isinstance(key, rsa.RSAPrivateKey):  # Ed25519 signs DKIM, but SES takes RSA only
        raise InvalidParameterError(INVALID_PRIVATE_KEY)
    if key.key_size not in LENGTH_OF_BITS:
        raise InvalidParameterError(INVALID_KEY_LENGTH)
    return key


async def apply_keys(
    conn: AsyncConnection,
    account_id: str,
    region: str,
    domain: str,
    setup: DkimSetup,
    now: dt.datetime,
) -> None:
    """Store the signing key and (Easy DKIM) publish the public key; older keys are retired."""
    await keys_repo.put_key(
        conn,
        account_id,
        region,
        keys_repo.StoredDkimKey(domain, setup.signing_selector, setup.private_key_pem),
        now,
    )
    await published_repo.publish_key(
        conn, account_id, region, domain, setup.published_selectors, setup.public_key, now
    )
    await published_repo.retire_domain_keys(
        conn, account_id, region, domain, now, keep=setup.published_selectors
    )


@dataclass(frozen=True, slots=True)
class DkimSigningRequest:
    """v2 ``DkimSigningAttributes``: a BYODKIM selector and key, or an Easy DKIM key length."""

    selector: str | None = None
    private_key: str | None = None
    next_key_length: str | None = None

    @property
    def is_byodkim(self) -> bool:
        return bool(self.selector or self.private_key)


async def new_domain_setup(request: DkimSigningRequest | None) -> DkimSetup:
    """The DKIM a new v2 domain identity starts with: BYODKIM if asked, else Easy DKIM."""
    if request is not None and request.is_byodkim:
        if not (request.selector and request.private_key):
            raise InvalidParameterError(SIGNING_ATTRIBUTES_REQUIRED)
        return byodkim_setup(request.selector, request.private_key)
    return await easy_dkim_setup(
        parse_key_length(request.next_key_length if request is not None else None)
    )
