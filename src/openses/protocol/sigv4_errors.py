"""The errors AWS answers when SigV4 authentication fails, per wire protocol.

Every text lives in ``MESSAGES`` and every (code, status) pair in ``_CODES``:
nothing about these errors is spelled anywhere else.

Where the texts come from (AWS does not publish them in one place):

* AWS "Common Errors" pages (SES, SNS API references): the query-protocol codes
  ``MissingAuthenticationToken`` (403), ``IncompleteSignature`` (400),
  ``InvalidClientTokenId`` (403) and ``RequestExpired`` (400, "more than 15 minutes
  after the request expiration date (such as for pre-signed URLs)").
* Real responses quoted in public issues: SES v1 ``SignatureDoesNotMatch`` with 403
  (aws/aws-sdk-js#4610) and ``InvalidClientTokenId`` "The security token included in
  the request is invalid." with 403 (django-ses#181); SNS and STS answer a stale
  ``X-Amz-Date`` with ``SignatureDoesNotMatch`` "Signature expired: ... (... - 15 min.)"
  (aws/aws-sdk-js#265, aws/aws-cli#6676); SES v2 answers ``InvalidSignatureException``
  with 403 (aws/aws-sdk-java#2812) and ``UnrecognizedClientException`` for an unknown
  key (django-ses#283).
* The check order and the remaining texts ("Found both ...", "Date must be in
  ISO-8601 'basic format'", "Unsupported AWS 'algorithm'", "Credential must have
  exactly 5 slash-delimited elements", the four credential-scope sentences) are
  captured AWS answers recorded in dynalite's ``index.js``; the hashed echo of the
  Authorization header ("hashed with SHA-256 and encoded with Base64") is what AWS
  front ends answer since 2024 instead of echoing the credential back.
"""

from __future__ import annotations

import base64
import hashlib
import re
from enum import Enum, auto
from typing import Final, Literal

from openses.protocol.errors import ApiError

Flavour = Literal["query", "rest-json"]

_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class AuthFailure(Enum):
    """The kinds of authentication failure; each flavour names them differently."""

    MISSING_TOKEN = auto()
    INCOMPLETE_SIGNATURE = auto()
    INVALID_SIGNATURE = auto()
    UNKNOWN_ACCESS_KEY = auto()
    REQUEST_EXPIRED = auto()


# (code, HTTP status) per flavour. rest-json services (SES v2) answer every
# authentication failure with 403 and the code in ``x-amzn-ErrorType``.
_CODES: Final[dict[AuthFailure, dict[Flavour, tuple[str, int]]]] = {
    AuthFailure.MISSING_TOKEN: {
        "query": ("MissingAuthenticationToken", 403),
        "rest-json": ("MissingAuthenticationTokenException", 403),
    },
    AuthFailure.INCOMPLETE_SIGNATURE: {
        "query": ("IncompleteSignature", 400),
        "rest-json": ("IncompleteSignatureException", 403),
    },
    AuthFailure.INVALID_SIGNATURE: {
        "query": ("SignatureDoesNotMatch", 403),
        "rest-json": ("InvalidSignatureException", 403),
    },
    AuthFailure.UNKNOWN_ACCESS_KEY: {
        "query": ("InvalidClientTokenId", 403),
        "rest-json": ("UnrecognizedClientException", 403),
    },
    AuthFailure.REQUEST_EXPIRED: {
        "query": ("RequestExpired", 400),
        "rest-json": ("InvalidSignatureException", 403),
    },
}

# The one table of texts. Placeholders are filled by ``auth_error``.
MESSAGES: Final[dict[str, str]] = {
    "missing_token": "Request is missing Authentication Token",
    "both_forms": (
        "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header."
    ),
    "pair_without_equals": (
        "Invalid key=value pair (missing equal-sign) in Authorization header "
        "(hashed with SHA-256 and encoded with Base64): '{header_hash}'."
    ),
    "header_requires_credential": "Authorization header requires 'Credential' parameter.",
    "header_requires_signature": "Authorization header requires 'Signature' parameter.",
    "header_requires_signed_headers": "Authorization header requires 'SignedHeaders' parameter.",
    "header_requires_date": (
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
    ),
    "header_requirements_echo": (
        "(Hashed with SHA-256 and encoded with Base64) Authorization={header_hash}"
    ),
    "query_requires": "AWS query-string parameters must include '{name}'.",
    "query_requirements_echo": "Re-examine the query-string parameters.",
    "bad_date": (
        "Date must be in ISO-8601 'basic format'. Got '{value}'. "
        "See http://en.wikipedia.org/wiki/ISO_8601"
    ),
    "expires_not_a_number": "X-Amz-Expires should be a number",
    "expires_negative": "X-Amz-Expires must be non-negative",
    "expires_too_long": "X-Amz-Expires must be less than a week (in seconds) that is 604800",
    "signature_expired": (
        "Signature expired: {signed} is now earlier than {earliest} ({now} - 15 min.)"
    ),
    "signature_not_yet_current": (
        "Signature not yet current: {signed} is still later than {latest} ({now} + 15 min.)"
    ),
    "request_expired": "Request has expired.",
    "host_not_signed": "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
    "unsupported_algorithm": (
        "Unsupported AWS 'algorithm': '{algorithm}' (only AWS4-HMAC-SHA256 for now). "
    ),
    "credential_parts": (
        "Credential must have exactly 5 slash-delimited elements, "
        "e.g. keyid/date/region/service/term, got '{credential}'"
    ),
    "scope_region": "Credential should be scoped to a valid region, not '{region}'.",
    "scope_service": "Credential should be scoped to correct service: '{service}'.",
    "scope_terminator": (
        "Credential should be scoped with a valid terminator: 'aws4_request', not '{terminator}'."
    ),
    "scope_date": (
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date "
        "from HTTP: '{scope_date}' != '{request_date}', from '{request_time}'."
    ),
    "signature_mismatch": (
        "The request signature we calculated does not match the signature you provided. "
        "Check your AWS Secret Access Key and signing method. "
        "Consult the service documentation for details."
    ),
    "unknown_access_key": "The security token included in the request is invalid.",
}


def auth_error(failure: AuthFailure, flavour: Flavour, message: str) -> ApiError:
    """The ``ApiError`` for ``failure`` as ``flavour`` names it, with a finished message."""
    code, status = _CODES[failure][flavour]
    return ApiError(code, message, status)


def message(key: str, **values: str) -> str:
    """One text of ``MESSAGES`` with its placeholders filled.

    Values echoed from the request are made printable first: a lone surrogate or
    a control character could not be written into an XML or JSON error body.
    """
    return MESSAGES[key].format(**{name: _printable(value) for name, value in values.items()})


def _printable(value: str) -> str:
    text = value.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    return _CONTROL_CHARACTERS.sub("\ufffd", text)


def hashed_for_echo(value: str) -> str:
    """How AWS echoes an Authorization header without repeating the credential in it."""
    digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).digest()
    return base64.b64encode(digest).decode("ascii")
