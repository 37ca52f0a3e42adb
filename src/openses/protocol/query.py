"""The AWS ``query`` protocol, server side (SES v1, SNS): one import for the HTTP layer.

A request goes ``decode_form`` -> ``resolve_operation`` -> ``parse_params``; its answer is
``serialize_response`` or, for any :class:`ApiError`, ``serialize_error``.
"""

from __future__ import annotations

from openses.protocol.query_form import (
    AWS_FAULT_NAMESPACE,
    FrontEndError,
    decode_form,
    resolve_operation,
)
from openses.protocol.query_parse import parse_params
from openses.protocol.query_serialize import serialize_error, serialize_response

__all__ = [
    "AWS_FAULT_NAMESPACE",
    "FrontEndError",
    "decode_form",
    "parse_params",
    "resolve_operation",
    "serialize_error",
    "serialize_response",
]
