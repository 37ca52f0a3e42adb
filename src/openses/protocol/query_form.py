"""The envelope of an AWS ``query`` request: its form encoding and its ``Action``/``Version``.

A query request is ``application/x-www-form-urlencoded`` key/value pairs, in the body of a POST
or in the query string of a GET (both may be present: SigV4 presigned parameters ride in the
query string while the operation's parameters sit in the body). Everything here is strict:
anything botocore would never send is answered with the error AWS's front end answers, and no
other exception escapes.
"""

from __future__ import annotations

import binascii
import re
from collections.abc import Mapping

from botocore.model import OperationModel, ServiceModel

from openses.protocol.errors import ApiError

# AWS's front end (the layer in front of every query service) answers in this namespace, not
# the service's: seen on real SES InvalidAction and MalformedQueryString answers
# (django-ses/django-ses#158, n8n-io/n8n#1442).
AWS_FAULT_NAMESPACE = "http://webservices.amazon.com/AWSFault/2005-15-09"

# How AWS's front end names an absent Version in InvalidAction messages (as remembered from
# real STS/IAM answers; no stored public answer confirms it for SES).
_NO_VERSION = "NO_VERSION_SPECIFIED"

# A '%' not followed by two hex digits (RFC 3986 §2.1 percent-encoding).
_BROKEN_PERCENT = re.compile(rb"%(?![0-9A-Fa-f]{2})")


class FrontEndError(ApiError):
    """An error AWS answers from its front end, before the service sees the request.

    ``serialize_error`` writes these in :data:`AWS_FAULT_NAMESPACE`, as AWS does.
    """


def _malformed(message: str) -> FrontEndError:
    # AWS documents MalformedQueryString as 404, but real SES answers it with 400
    # (n8n-io/n8n#1442: "AWS error response [400] ... MalformedQueryString").
    return FrontEndError("MalformedQueryString", message, 400)


def _unescape(raw: bytes) -> str:
    """Form-decode one key or value whose '%' escapes are already known to be well formed."""
    if b"%" in raw:
        # Speed: with every '%' starting a valid escape and no raw '=' left (the callers check
        # both), quoted-printable decoding with '%' spelled '=' is exactly percent-decoding,
        # done in C (~8x urllib's unquote_to_bytes on a long text body;
        # tests/protocol/test_query_errors.py checks the equivalence).
        raw = binascii.a2b_qp(raw.replace(b"+", b" ").replace(b"%", b"="))
    elif b"+" in raw:
        raw = raw.replace(b"+", b" ")
    return raw.decode("utf-8")


def _describe(raw: bytes) -> str:
    return raw.decode("utf-8", errors="replace")


def _add_pairs(form: dict[str, str], raw: bytes) -> None:
    if _BROKEN_PERCENT.search(raw) is not None:
        raise _malformed(
            f"{_describe(raw)} is not valid; a '%' must start a two-digit hexadecimal escape"
        )
    for pair in raw.split(b"&"):
        if not pair:
            continue  # "a=1&&b=2" and a trailing "&": empty pairs carry nothing.
        raw_key, _, raw_value = pair.partition(b"=")
        if b"=" in raw_value:
            raise _malformed(
                f"{_describe(raw)} is not valid; the value of a query string parameter "
                "may not contain a '=' delimiter"
            )
        try:
            key = _unescape(raw_key)
            value = _unescape(raw_value)
        except UnicodeDecodeError:
            raise _malformed(
                f"{_describe(raw)} is not valid; a query string parameter is not UTF-8"
            ) from None
        if key in form:
            raise _malformed(f"{_describe(raw)} is not valid; the parameter {key} is repeated")
        form[key] = value


def decode_form(body: bytes, query_string: str) -> dict[str, str]:
    """The parameters of a query request: its query string's and its form body's, merged.

    Raises :class:`FrontEndError` ``MalformedQueryString`` for an undecodable or
    ambiguous form (broken ``%`` escapes, invalid UTF-8, ``=`` inside a value, a key given
    twice), never another exception.
    """
    form: dict[str, str] = {}
    if query_string:
        try:
            raw_query = query_string.encode("ascii")
        except UnicodeEncodeError:
            # RFC 3986 §2: a URI carries only ASCII; anything else must be percent-encoded.
            raise _malformed(
                f"{query_string.encode('utf-8', 'replace').decode('utf-8', 'replace')} "
                "is not valid; a query string may only contain ASCII characters"
            ) from None
        _add_pairs(form, raw_query)
    if body:
        _add_pairs(form, body)
    return form


def resolve_operation(service: ServiceModel, form: Mapping[str, str]) -> OperationModel:
    """The operation named by the request's ``Action``, checked against its ``Version``.

    AWS answers ``MissingAction`` without an Action, and ``InvalidAction`` "Could not find
    operation X for version Y" for an unknown Action *or* a Version other than the service's
    (aws/aws-cli#37: a wrong Version gets InvalidAction, not a version error).
    """
    action = form.get("Action", "")
    if not action:
        raise FrontEndError("MissingAction", "Missing Action", 400)
    version = form.get("Version") or _NO_VERSION
    operations = _operation_names(service)
    if action not in operations or version != service.api_version:
        raise FrontEndError(
            "InvalidAction", f"Could not find operation {action} for version {version}", 400
        )
    return service.operation_model(action)


_OPERATION_NAMES: dict[int, tuple[ServiceModel, frozenset[str]]] = {}


def _operation_names(service: ServiceModel) -> frozenset[str]:
    # botocore's operation_names is a list; a set answers membership in O(1) on the hot path.
    cached = _OPERATION_NAMES.get(id(service))
    if cached is None or cached[0] is not service:
        cached = (service, frozenset(service.operation_names))
        _OPERATION_NAMES[id(service)] = cached
    return cached[1]
