"""DKIM rules of SES identities: BYODKIM selectors and keys, Easy DKIM tokens and key lengths.

How Easy DKIM's three tokens map to keys (openses's choice; SES does not document its own):

- every token is a DKIM selector; the customer's CNAME ``<token>._domainkey.<domain>``
  points at ``<token>.dkim.<OPENSES_DKIM_DOMAIN>``, where openses's DNS responder serves
  the public key published under that token;
- a new domain gets one key pair, published under all three tokens (so all three CNAMEs
  lead to a valid key, as the verifier requires) and signing with the first token;
- a rotation makes a key of ``NextSigningKeyLength``, publishes it under the token after
  the signing one (cyclically) and signs with that token from then on; the previous key
  stays published under its token(s), marked retired, so signatures made before the
  rotation keep verifying until a later rotation overwrites that token.

BYODKIM (SES "Provide your own DKIM authentication token"): one selector, chosen by the
customer, whose TXT record the customer publishes at ``<selector>._domainkey.<domain>``.
"""

from __future__ import annotations

import re
from typing import Final

from openses.domain.errors import InvalidParameterError
from openses.domain.identities import DkimKeyLength

EASY_DKIM_TOKENS: Final = 3
# The sesv2 model's ``Selector`` shape: 1..63 letters, digits and inner hyphens (a DNS label).
_SELECTOR = re.compile(r"^(([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9\-]*[a-zA-Z0-9]))$")
MAX_SELECTOR_LENGTH: Final = 63

KEY_BITS: Final = {DkimKeyLength.RSA_1024_BIT: 1024, DkimKeyLength.RSA_2048_BIT: 2048}
LENGTH_OF_BITS: Final = {bits: length for length, bits in KEY_BITS.items()}
DEFAULT_KEY_LENGTH: Final = DkimKeyLength.RSA_2048_BIT

# What SES answers (BadRequestException / InvalidParameterValue) for BYODKIM input it refuses.
INVALID_PRIVATE_KEY: Final = (
    "Invalid DKIM signing private key. It must be a base64-encoded RSA private key "
    "in PKCS #1 or PKCS #8 format."
)
INVALID_KEY_LENGTH: Final = (
    "Invalid DKIM signing private key. The key length must be 1024 or 2048 bits."
)
SIGNING_ATTRIBUTES_FOR_ADDRESS: Final = (
    "DKIM signing attributes can only be specified for domain identities."
)
SIGNING_ATTRIBUTES_REQUIRED: Final = (
    "DomainSigningSelector and DomainSigningPrivateKey are required when "
    "SigningAttributesOrigin is EXTERNAL."
)


def validate_selector(selector: str) -> str:
    """The BYODKIM selector, or InvalidParameterError with the model's pattern."""
    if not 1 <= len(selector) <= MAX_SELECTOR_LENGTH or not _SELECTOR.match(selector):
        raise InvalidParameterError(
            f"Invalid DKIM selector {selector}. A selector must be 1 to 63 letters, digits "
            "or hyphens, and may not start or end with a hyphen."
        )
    return selector


def key_length(value: str | None) -> DkimKeyLength:
    """``NextSigningKeyLength`` as given, or Easy DKIM's default (2048 bits)."""
    if value is None:
        return DEFAULT_KEY_LENGTH
    try:
        return DkimKeyLength(value)
    except ValueError:
        raise InvalidParameterError(f"Invalid signing key length {value}.") from None


def next_token(tokens: tuple[str, ...], current: str) -> str:
    """The token a rotation moves signing to: the one after ``current``, cyclically."""
    if current not in tokens:
        return tokens[0]
    return tokens[(tokens.index(current) + 1) % len(tokens)]
