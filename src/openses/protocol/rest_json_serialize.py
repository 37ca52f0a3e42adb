"""Serialization of rest-json (SES v2) responses and errors.

Output members bound to ``header``/``headers``/``statusCode`` go to the HTTP envelope and the
rest to a JSON object body (or a ``payload`` member is the whole body). Timestamps in the body
are epoch seconds, the rest-json default (botocore ``RestJSONParser``; Smithy
https://smithy.io/2.0/aws/protocols/aws-restjson1-protocol.html#timestamp-formats).

Errors carry their code in ``x-amzn-ErrorType``, which SDKs read first (botocore
``RestJSONParser._inject_error_code``, smithy-rs ``parse_error_metadata``), and a
``{"message": ...}`` body, the member SDKs read for the text.
"""

from __future__ import annotations

import base64
import calendar
import json
import math
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

from botocore.model import OperationModel, ServiceModel, Shape

from openses.protocol.errors import ApiError
from openses.protocol.http import HttpResponse
from openses.protocol.rest_json_headers import as_utc_datetime, header_text
from openses.protocol.rest_json_routing import MethodNotAllowedError

JsonEncoder = Callable[[Any], Any]
_JSON_CONTENT_TYPE = "application/json"
_NON_FINITE_TEXT = {math.inf: "Infinity", -math.inf: "-Infinity"}


def serialize_response(
    operation: OperationModel, result: Mapping[str, Any], request_id: str
) -> HttpResponse:
    """The HTTP response carrying ``result``, a value of the operation's output shape."""
    headers = [("Content-Type", _JSON_CONTENT_TYPE), ("x-amzn-RequestId", request_id)]
    status = int(operation.http.get("responseCode", 200))
    shape = operation.output_shape
    if shape is None:
        return HttpResponse(status, b"{}", headers)
    envelope = _output_envelope(operation)
    for name, member in envelope.located.items():
        value = result.get(name)
        if value is None:
            continue
        location = member.serialization["location"]
        if location == "statusCode":
            status = int(value)
        elif location == "header":
            headers.append((member.serialization.get("name", name), header_text(member, value)))
        elif location == "headers":
            prefix = member.serialization.get("name", "")
            headers.extend((prefix + key, str(v)) for key, v in value.items())
    body, content_type = envelope.body(result)
    if content_type != _JSON_CONTENT_TYPE:
        headers[0] = ("Content-Type", content_type)
    return HttpResponse(status, body, headers)


def serialize_error(error: ApiError, request_id: str) -> HttpResponse:
    """The HTTP response of ``error``: its status, ``x-amzn-ErrorType`` and a message body."""
    headers = [
        ("Content-Type", _JSON_CONTENT_TYPE),
        ("x-amzn-RequestId", request_id),
        ("x-amzn-ErrorType", error.code),
    ]
    if isinstance(error, MethodNotAllowedError):
        headers.append(("Allow", ", ".join(error.allowed_methods)))
    # A routing failure has no message: Smithy's servers then answer a bare "{}".
    body: dict[str, Any] = {"message": error.message} if error.message else {}
    return HttpResponse(error.status, dump_json(body), headers)


def dump_json(value: Any) -> bytes:
    """Compact UTF-8 JSON; text that UTF-8 cannot carry (lone surrogates) is \\u-escaped."""
    try:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(value, separators=(",", ":")).encode("ascii")


# --- compiled output plans -------------------------------------------------------------------


class _OutputEnvelope:
    def __init__(self, operation: OperationModel, shape: Shape) -> None:
        members: Mapping[str, Shape] = shape.members
        self.located = {n: m for n, m in members.items() if m.serialization.get("location")}
        encoders = _json_encoders(operation.service_model)
        payload = shape.serialization.get("payload")
        if payload is not None:
            self.body = _payload_writer(payload, members[payload], encoders)
        else:
            encode = encoders.members_encoder(
                {n: m for n, m in members.items() if n not in self.located}
            )
            self.body = lambda result: (dump_json(encode(result)), _JSON_CONTENT_TYPE)


def _payload_writer(
    member: str, shape: Shape, encoders: JsonEncoders
) -> Callable[[Mapping[str, Any]], tuple[bytes, str]]:
    if shape.type_name == "blob":
        return lambda result: (bytes(result.get(member) or b""), "application/octet-stream")
    if shape.type_name == "string":
        return lambda result: (str(result.get(member) or "").encode("utf-8"), "text/plain")
    encode = encoders.for_shape(shape)

    def write(result: Mapping[str, Any]) -> tuple[bytes, str]:
        value = result.get(member)
        return dump_json({} if value is None else encode(value)), _JSON_CONTENT_TYPE

    return write


@cache
def _output_envelope(operation: OperationModel) -> _OutputEnvelope:
    shape = operation.output_shape
    assert shape is not None
    return _OutputEnvelope(operation, shape)


@cache
def _json_encoders(service: ServiceModel) -> JsonEncoders:
    return JsonEncoders()


# --- JSON encoders per shape -----------------------------------------------------------------


def _epoch_seconds(value: Any) -> int | float:
    moment = as_utc_datetime(value)
    seconds = calendar.timegm(moment.utctimetuple())
    # Whole seconds stay integers; sub-second parts become a fraction (botocore accepts both).
    return seconds + moment.microsecond / 1_000_000 if moment.microsecond else seconds


def _double(value: Any) -> float | str:
    number = float(value)
    if math.isnan(number):
        return "NaN"
    return _NON_FINITE_TEXT.get(number, number)


def _blob(value: Any) -> str:
    raw = value.encode("utf-8") if isinstance(value, str) else bytes(value)
    return base64.b64encode(raw).decode("ascii")


def _identity(value: Any) -> Any:
    return value


_SCALAR_ENCODERS: dict[str, JsonEncoder] = {
    "timestamp": _epoch_seconds,
    "double": _double,
    "float": _double,
    "blob": _blob,
}


class JsonEncoders:
    """Compiles and caches a JSON encoder per shape name (shapes may be recursive)."""

    def __init__(self) -> None:
        self._by_name: dict[str, JsonEncoder] = {}

    def for_shape(self, shape: Shape) -> JsonEncoder:
        encoder = self._by_name.get(shape.name)
        if encoder is None:
            encoder = self._compile(shape)
            self._by_name[shape.name] = encoder
        return encoder

    def members_encoder(self, members: Mapping[str, Shape]) -> JsonEncoder:
        fields: dict[str, tuple[str, JsonEncoder]] = {}
        encode = _object_encoder(fields)
        for name, member in members.items():
            fields[name] = (member.serialization.get("name", name), self.for_shape(member))
        return encode

    def _compile(self, shape: Shape) -> JsonEncoder:
        kind = shape.type_name
        if kind == "structure":
            if shape.is_document_type:
                return _identity
            fields: dict[str, tuple[str, JsonEncoder]] = {}
            encode = _object_encoder(fields)
            self._by_name[shape.name] = encode  # before members: recursive shapes
            for name, member in shape.members.items():
                fields[name] = (member.serialization.get("name", name), self.for_shape(member))
            return encode
        if kind == "list":
            item = self.for_shape(shape.member)
            return lambda value: [item(v) for v in value if v is not None]
        if kind == "map":
            entry = self.for_shape(shape.value)
            return lambda value: {k: entry(v) for k, v in value.items() if v is not None}
        return _SCALAR_ENCODERS.get(kind, _identity)


def _object_encoder(fields: Mapping[str, tuple[str, JsonEncoder]]) -> JsonEncoder:
    def encode(value: Mapping[str, Any]) -> dict[str, Any]:
        encoded: dict[str, Any] = {}
        for name, member_value in value.items():
            field = fields.get(name)
            if field is not None and member_value is not None:
                encoded[field[0]] = field[1](member_value)
        return encoded

    return encode
