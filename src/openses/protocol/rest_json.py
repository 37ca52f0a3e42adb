"""The AWS ``rest-json`` protocol, server side (SES v2), driven by botocore's service model.

One request goes: ``RestJsonRouter.match(method, raw_path)`` -> ``parse_request(match, request)``
-> the operation -> ``serialize_response(...)`` or, for an ``ApiError``, ``serialize_error(...)``.
The work is split by concern:

- ``rest_json_routing``: URI templates, legacy wire forms, 404/405;
- ``rest_json_parse`` and ``rest_json_decode``: binding and typing the input members;
- ``rest_json_serialize`` and ``rest_json_headers``: output and error responses.
"""

from __future__ import annotations

from openses.protocol.rest_json_parse import parse_request
from openses.protocol.rest_json_routing import (
    KNOWN_LEGACY_ROUTES,
    SESV2_LEGACY_ROUTES,
    LegacyRoute,
    MethodNotAllowedError,
    RestJsonRouter,
    RouteMatch,
    UnknownOperationError,
)
from openses.protocol.rest_json_serialize import serialize_error, serialize_response

__all__ = [
    "KNOWN_LEGACY_ROUTES",
    "SESV2_LEGACY_ROUTES",
    "LegacyRoute",
    "MethodNotAllowedError",
    "RestJsonRouter",
    "RouteMatch",
    "UnknownOperationError",
    "parse_request",
    "serialize_error",
    "serialize_response",
]
