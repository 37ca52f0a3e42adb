"""Signed, expiring links that verify an e-mail address when opened.

SES mails a link "valid 24 hours" (Developer Guide, "Verifying an email address");
openses serves the link itself. The link carries everything needed to act on it
(account, region, address, expiry, a nonce, and for a custom verification
template its name) and an HMAC-SHA256 over all of it with a server secret, so
nothing has to be stored per mail and a link cannot be forged or altered.

``issued_for`` binds the link to one life of the identity (its creation time in
whole seconds): a link mailed before the identity was deleted and created again
does not verify the new one.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import json
from dataclasses import dataclass
from enum import StrEnum

LINK_VALIDITY = dt.timedelta(hours=24)
# Tokens longer than this are refused before any decoding (a link is a few hundred bytes).
MAX_TOKEN_LENGTH = 4096


class LinkProblem(StrEnum):
    """Why a link cannot be used; the page shown says which."""

    MALFORMED = "malformed"  # not a token of ours, or altered: the signature does not match
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class VerificationLink:
    account_id: str
    region: str
    address: str
    expires_at: int  # Unix seconds
    nonce: str
    issued_for: int  # the identity's created_at, Unix seconds
    template_name: str | None = None  # custom verification template, for its redirects

    def is_expired(self, now: dt.datetime) -> bool:
        return now.timestamp() >= self.expires_at


class LinkError(Exception):
    def __init__(self, problem: LinkProblem, link: VerificationLink | None = None) -> None:
        super().__init__(problem.value)
        self.problem = problem
        # The decoded link when only its age is wrong: a custom template's failure
        # redirect still needs to know the template.
        self.link = link


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: bytes, payload: bytes) -> bytes:
    return hmac.new(secret, b"openses-verify-email-v1\x00" + payload, hashlib.sha256).digest()


def encode_link_token(link: VerificationLink, secret: bytes) -> str:
    """``<payload>.<signature>``, both base64url without padding (safe in a query string)."""
    document = {
        "a": link.account_id,
        "r": link.region,
        "e": link.address,
        "x": link.expires_at,
        "n": link.nonce,
        "c": link.issued_for,
    }
    if link.template_name is not None:
        document["t"] = link.template_name
    payload = json.dumps(document, separators=(",", ":"), sort_keys=True).encode("utf-8")
    return f"{_b64(payload)}.{_b64(_mac(secret, payload))}"


def decode_link_token(token: str, secret: bytes, now: dt.datetime) -> VerificationLink:
    """The link ``token`` stands for; raises LinkError when it is not genuine or has expired.

    The signature is checked before anything in the payload is trusted.
    """
    if not token or len(token) > MAX_TOKEN_LENGTH or token.count(".") != 1:
        raise LinkError(LinkProblem.MALFORMED)
    encoded_payload, encoded_mac = token.split(".")
    try:
        payload = _unb64(encoded_payload)
        mac = _unb64(encoded_mac)
    except (binascii.Error, ValueError):
        raise LinkError(LinkProblem.MALFORMED) from None
    if not hmac.compare_digest(mac, _mac(secret, payload)):
        raise LinkError(LinkProblem.MALFORMED)
    link = _link_of(payload)
    if link.is_expired(now):
        raise LinkError(LinkProblem.EXPIRED, link)
    return link


def _link_of(payload: bytes) -> VerificationLink:
    try:
        document = json.loads(payload)
        template = document.get("t")
        link = VerificationLink(
            account_id=str(document["a"]),
            region=str(document["r"]),
            address=str(document["e"]),
            expires_at=int(document["x"]),
            nonce=str(document["n"]),
            issued_for=int(document["c"]),
            template_name=None if template is None else str(template),
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        # Only a payload we signed gets here, so this means a bug, not an attack;
        # still, never a 500 for a link.
        raise LinkError(LinkProblem.MALFORMED) from None
    return link
