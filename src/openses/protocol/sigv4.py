"""Server-side verification of AWS Signature Version 4.

Two steps, because the secret comes from an async lookup the caller does in
between::

    info = parse_signature(request, "query", now)       # no secret needed
    secret = await keys.secret_for(info.access_key_id)  # caller's business
    if secret is None:
        raise unknown_access_key_error("query")
    verify_signature(request, info, secret, now, "query")

Both forms are accepted: the ``Authorization: AWS4-HMAC-SHA256 Credential=...,
SignedHeaders=..., Signature=...`` header (with ``X-Amz-Date`` or ``Date``) and
presigned query strings (``X-Amz-Algorithm``, ``X-Amz-Credential``, ...).

The checks run in the order AWS runs them (auth form, key=value pairs, required
parts, date format, clock, ``host`` signed, algorithm, credential shape, scope,
then the key, then the signature), so that a request with several faults gets
the error AWS would give. Any malformed input ends in an ``ApiError``.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import unquote

from openses.protocol.errors import ApiError
from openses.protocol.http import HttpRequest
from openses.protocol.sigv4_canonical import (
    ALGORITHM,
    SCOPE_TERMINATOR,
    canonical_requests,
    signature,
    utf8,
)
from openses.protocol.sigv4_clock import (
    CLOCK_SKEW,
    MAX_PRESIGNED_EXPIRES,
    check_clock,
    parse_amz_date,
    presigned_expires,
    request_amz_date,
)
from openses.protocol.sigv4_errors import (
    AuthFailure,
    Flavour,
    auth_error,
    hashed_for_echo,
    message,
)

__all__ = [
    "CLOCK_SKEW",
    "MAX_PRESIGNED_EXPIRES",
    "Flavour",
    "SignedRequestInfo",
    "check_signature_time",
    "parse_signature",
    "unknown_access_key_error",
    "verify_signature",
]

# AWS splits the Authorization parameters on commas and/or white space.
_PARAMETER_SEPARATORS = re.compile(r"[,\s]+", re.ASCII)


@dataclass(frozen=True, slots=True)
class SignedRequestInfo:
    """What ``parse_signature`` found in a request; no secret was needed for it."""

    access_key_id: str
    date: str  # credential-scope date, YYYYMMDD
    region: str
    service: str  # "ses" for SES v1 and v2, "sns"
    signed_headers: tuple[str, ...]  # as the client listed them
    signature: str
    amz_date: str  # request time in ISO 8601 basic format, as in the string to sign
    presigned: bool
    expires: int | None  # X-Amz-Expires seconds of a presigned URL
    security_token: str | None

    @property
    def scope(self) -> tuple[str, str, str, str]:
        return (self.date, self.region, self.service, SCOPE_TERMINATOR)

    @property
    def credential_scope(self) -> str:
        return "/".join(self.scope)

    @property
    def request_time(self) -> datetime:
        return parse_amz_date(self.amz_date)


@dataclass(frozen=True, slots=True)
class _AuthFields:
    """The raw authentication parts of a request, whichever form carried them."""

    algorithm: str
    credential: str
    signed_headers: str
    signature: str
    date: str
    from_date_header: bool  # the value came from the ``Date`` header
    expires: str | None
    security_token: str | None
    presigned: bool


def parse_signature(
    request: HttpRequest,
    flavour: Flavour,
    now: datetime | None = None,
    *,
    expected_service: str | None = None,
    expected_region: str | None = None,
) -> SignedRequestInfo:
    """Everything about the signature that can be checked without the secret.

    With ``now`` the clock is checked here too, before the access key is looked
    up, as AWS does (``verify_signature`` checks it again either way). With
    ``expected_service``/``expected_region`` the credential scope must name them.
    """
    fields = _auth_fields(request, flavour)
    amz_date = request_amz_date(fields.date, flavour, may_be_http_date=fields.from_date_header)
    expires = presigned_expires(fields.expires, flavour)
    signed_headers = tuple(fields.signed_headers.split(";"))
    if now is not None:
        check_clock(parse_amz_date(amz_date), expires, now, flavour)
    _check_host_signed(signed_headers, flavour)
    _check_algorithm(fields.algorithm, flavour)
    access_key_id, scope_date, region, service, terminator = _credential_parts(
        fields.credential, flavour
    )
    scope_errors = [
        *_scope_target_errors(region, service, expected_region, expected_service),
        *_scope_shape_errors(terminator, scope_date, amz_date),
    ]
    if scope_errors:
        raise auth_error(AuthFailure.INVALID_SIGNATURE, flavour, " ".join(scope_errors))
    return SignedRequestInfo(
        access_key_id=access_key_id,
        date=scope_date,
        region=region,
        service=service,
        signed_headers=signed_headers,
        signature=fields.signature,
        amz_date=amz_date,
        presigned=fields.presigned,
        expires=expires,
        security_token=fields.security_token,
    )


def verify_signature(
    request: HttpRequest,
    info: SignedRequestInfo,
    secret_access_key: str,
    now: datetime,
    flavour: Flavour,
) -> None:
    """Raise unless ``info.signature`` is the one ``secret_access_key`` gives this request.

    The body is part of what is signed (its SHA-256), so a body changed after
    signing fails here. The comparison takes constant time.
    """
    check_signature_time(info, now, flavour)
    provided = utf8(info.signature)
    for canonical in canonical_requests(request, info.signed_headers, presigned=info.presigned):
        expected = signature(secret_access_key, info.scope, info.amz_date, canonical)
        if hmac.compare_digest(utf8(expected), provided):
            return
    raise auth_error(AuthFailure.INVALID_SIGNATURE, flavour, message("signature_mismatch"))


def check_signature_time(info: SignedRequestInfo, now: datetime, flavour: Flavour) -> None:
    """Raise if the request is outside its validity window at ``now``."""
    check_clock(parse_amz_date(info.amz_date), info.expires, now, flavour)


def unknown_access_key_error(flavour: Flavour) -> ApiError:
    """The error AWS answers for an access key id it does not know."""
    return auth_error(AuthFailure.UNKNOWN_ACCESS_KEY, flavour, message("unknown_access_key"))


# --- Which form, and its raw parts -------------------------------------------------


def _auth_fields(request: HttpRequest, flavour: Flavour) -> _AuthFields:
    header = request.headers.get("authorization")
    query = _query_parameters(request.query_string)
    if header is not None and "X-Amz-Algorithm" in query:
        raise auth_error(AuthFailure.INVALID_SIGNATURE, flavour, message("both_forms"))
    if header is not None:
        return _header_fields(header, request, flavour)
    if "X-Amz-Algorithm" in query:
        return _query_fields(query, flavour)
    raise auth_error(AuthFailure.MISSING_TOKEN, flavour, message("missing_token"))


def _query_parameters(query_string: str) -> dict[str, str]:
    """Decoded query parameters; the first value of a repeated name wins."""
    parameters: dict[str, str] = {}
    for item in query_string.split("&"):
        name, _, value = item.partition("=")
        parameters.setdefault(unquote(name), unquote(value))
    return parameters


def _header_fields(header: str, request: HttpRequest, flavour: Flavour) -> _AuthFields:
    text = header.strip()
    # Anything but an AWS4 scheme (SigV2's "AWS key:sig", "Bearer ...") is no token at all.
    if not text.startswith("AWS4-"):
        raise auth_error(AuthFailure.MISSING_TOKEN, flavour, message("missing_token"))
    algorithm, *rest = text.split(maxsplit=1)
    parameters: dict[str, str] = {}
    for token in _PARAMETER_SEPARATORS.split(rest[0] if rest else ""):
        if not token:
            continue
        name, equals, value = token.partition("=")
        if not equals:
            error_text = message("pair_without_equals", header_hash=hashed_for_echo(header))
            raise auth_error(AuthFailure.INCOMPLETE_SIGNATURE, flavour, error_text)
        parameters[name] = value  # AWS keeps the last of a repeated name
    date, from_date_header = _header_date(request)
    _require_header_parts(parameters, date, header, flavour)
    return _AuthFields(
        algorithm=algorithm,
        credential=parameters["Credential"],
        signed_headers=parameters["SignedHeaders"],
        signature=parameters["Signature"],
        date=date,
        from_date_header=from_date_header,
        expires=None,
        security_token=request.headers.get("x-amz-security-token"),
        presigned=False,
    )


def _require_header_parts(
    parameters: dict[str, str], date: str, header: str, flavour: Flavour
) -> None:
    """AWS lists every missing part at once, then echoes the header (hashed)."""
    missing = [
        message(key)
        for key, present in (
            ("header_requires_credential", bool(parameters.get("Credential"))),
            ("header_requires_signature", bool(parameters.get("Signature"))),
            ("header_requires_signed_headers", "SignedHeaders" in parameters),
            ("header_requires_date", bool(date)),
        )
        if not present
    ]
    if missing:
        missing.append(message("header_requirements_echo", header_hash=hashed_for_echo(header)))
        raise auth_error(AuthFailure.INCOMPLETE_SIGNATURE, flavour, " ".join(missing))


def _header_date(request: HttpRequest) -> tuple[str, bool]:
    """The request time and whether it came from ``Date``: ``X-Amz-Date`` wins over it."""
    amz_date = request.headers.get("x-amz-date", "").strip()
    if amz_date:
        return amz_date, False
    return request.headers.get("date", "").strip(), True


def _query_fields(query: dict[str, str], flavour: Flavour) -> _AuthFields:
    # An empty X-Amz-SignedHeaders is there (it fails later, on 'host'); the rest need a value.
    present = {
        "X-Amz-Credential": bool(query.get("X-Amz-Credential")),
        "X-Amz-Signature": bool(query.get("X-Amz-Signature")),
        "X-Amz-SignedHeaders": "X-Amz-SignedHeaders" in query,
        "X-Amz-Date": bool(query.get("X-Amz-Date")),
    }
    missing = [message("query_requires", name=name) for name, there in present.items() if not there]
    if missing:
        missing.append(message("query_requirements_echo"))
        raise auth_error(AuthFailure.INCOMPLETE_SIGNATURE, flavour, " ".join(missing))
    return _AuthFields(
        algorithm=query["X-Amz-Algorithm"],
        credential=query["X-Amz-Credential"],
        signed_headers=query["X-Amz-SignedHeaders"],
        signature=query["X-Amz-Signature"],
        date=query["X-Amz-Date"],
        from_date_header=False,
        expires=query.get("X-Amz-Expires"),
        security_token=query.get("X-Amz-Security-Token"),
        presigned=True,
    )


# --- Signed headers, algorithm, credential scope -------------------------------------


def _check_host_signed(signed_headers: tuple[str, ...], flavour: Flavour) -> None:
    if not any(name.lower() in ("host", ":authority") for name in signed_headers):
        raise auth_error(AuthFailure.INVALID_SIGNATURE, flavour, message("host_not_signed"))


def _check_algorithm(algorithm: str, flavour: Flavour) -> None:
    if algorithm != ALGORITHM:
        text = message("unsupported_algorithm", algorithm=algorithm)
        raise auth_error(AuthFailure.INCOMPLETE_SIGNATURE, flavour, text)


def _credential_parts(credential: str, flavour: Flavour) -> tuple[str, str, str, str, str]:
    """``keyid/date/region/service/aws4_request``; trailing slashes are ignored, as AWS does."""
    parts = credential.rstrip("/").split("/")
    if len(parts) != 5:
        text = message("credential_parts", credential=credential)
        raise auth_error(AuthFailure.INCOMPLETE_SIGNATURE, flavour, text)
    access_key_id, scope_date, region, service, terminator = parts
    return access_key_id, scope_date, region, service, terminator


def _scope_target_errors(
    region: str, service: str, expected_region: str | None, expected_service: str | None
) -> list[str]:
    errors = []
    if expected_region is not None and region != expected_region:
        errors.append(message("scope_region", region=region))
    if expected_service is not None and service != expected_service:
        errors.append(message("scope_service", service=expected_service))
    return errors


def _scope_shape_errors(terminator: str, scope_date: str, amz_date: str) -> list[str]:
    errors = []
    if terminator != SCOPE_TERMINATOR:
        errors.append(message("scope_terminator", terminator=terminator))
    if scope_date != amz_date[:8]:
        errors.append(
            message(
                "scope_date",
                scope_date=scope_date,
                request_date=amz_date[:8],
                request_time=amz_date,
            )
        )
    return errors
