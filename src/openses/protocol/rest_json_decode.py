"""Typed decoding of rest-json request values, driven by botocore shapes.

Two sources: JSON body values (already ``json.loads``-ed) and text from the URI, query string
or headers. Every failure is a 400 ``BadRequestException``, the error SES v2 models on every
operation for a request it cannot read; nothing else escapes.

Decoders are compiled once per shape into plain functions: the hot path then does no model
look-ups (botocore builds ``Shape`` objects lazily and resolves members by name).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import math
from collections.abc import Callable, Mapping
from email.utils import parsedate_to_datetime
from typing import Any

from botocore.model import Shape

from openses.protocol.errors import ApiError

JsonDecoder = Callable[[Any, str], Any]
TextDecoder = Callable[[str, str], Any]

_INT_RANGES = {"integer": (-(2**31), 2**31 - 1), "long": (-(2**63), 2**63 - 1)}
# botocore sends non-finite doubles as these strings (serialize.py ``_handle_float``).
_NON_FINITE = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}
_JSON_TYPE_NAMES = {"string": "a string", "boolean": "a boolean"}


def bad_request(message: str) -> ApiError:
    return ApiError("BadRequestException", message, 400)


def _wrong_type(where: str, expected: str) -> ApiError:
    return bad_request(f"Invalid value for {where}: expected {expected}.")


# --- timestamps ------------------------------------------------------------------------------


def _from_epoch(seconds: float, where: str) -> dt.datetime:
    try:
        return dt.datetime.fromtimestamp(seconds, dt.UTC)
    except (OverflowError, OSError, ValueError):
        raise bad_request(f"Invalid timestamp for {where}: out of range.") from None


def _timestamp_from_text(text: str, where: str) -> dt.datetime:
    """Epoch seconds, ISO 8601 or RFC 822: the three timestamp forms of the AWS protocols
    (https://smithy.io/2.0/spec/protocol-traits.html#timestampformat-trait)."""
    candidate = text.strip()
    try:
        return _from_epoch(float(candidate), where)
    except ValueError:
        pass
    try:
        parsed = dt.datetime.fromisoformat(candidate)
    except ValueError:
        try:
            parsed = parsedate_to_datetime(candidate)
        except (TypeError, ValueError, IndexError, OverflowError):
            raise bad_request(f"Invalid timestamp for {where}: {text[:64]!r}.") from None
    if parsed.tzinfo is None:  # ISO 8601 without an offset: AWS reads it as UTC.
        return parsed.replace(tzinfo=dt.UTC)
    try:
        return parsed.astimezone(dt.UTC)
    except OverflowError:
        raise bad_request(f"Invalid timestamp for {where}: out of range.") from None


def _json_timestamp(value: Any, where: str) -> dt.datetime:
    if isinstance(value, bool):
        raise _wrong_type(where, "a timestamp")
    if isinstance(value, int | float):
        if not math.isfinite(value):
            raise _wrong_type(where, "a finite timestamp")
        return _from_epoch(value, where)
    if isinstance(value, str):
        return _timestamp_from_text(value, where)
    raise _wrong_type(where, "a timestamp")


# --- JSON scalars ----------------------------------------------------------------------------


def _json_integer(kind: str) -> JsonDecoder:
    low, high = _INT_RANGES[kind]

    def decode(value: Any, where: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _wrong_type(where, "an integer")
        if not low <= value <= high:
            raise bad_request(f"Invalid value for {where}: {value} is out of range.")
        return value

    return decode


def _json_double(value: Any, where: str) -> float:
    if isinstance(value, str) and value in _NON_FINITE:
        return _NON_FINITE[value]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _wrong_type(where, "a number")
    try:
        number = float(value)
    except OverflowError:
        raise bad_request(f"Invalid value for {where}: number out of range.") from None
    if not math.isfinite(number):
        raise bad_request(f"Invalid value for {where}: number out of range.")
    return number


def _json_blob(value: Any, where: str) -> bytes:
    if not isinstance(value, str):
        raise _wrong_type(where, "a base64 string")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise bad_request(f"Invalid value for {where}: not valid base64.") from None


def _json_of_type(python_type: type, kind: str) -> JsonDecoder:
    def decode(value: Any, where: str) -> Any:
        # bool is an int subclass: type() keeps true/false out of numbers and vice versa.
        if type(value) is not python_type:
            raise _wrong_type(where, _JSON_TYPE_NAMES[kind])
        return value

    return decode


# --- JSON containers -------------------------------------------------------------------------


class JsonDecoders:
    """Compiles and caches a JSON decoder per shape name (shapes may be recursive)."""

    def __init__(self) -> None:
        self._by_name: dict[str, JsonDecoder] = {}

    def for_shape(self, shape: Shape) -> JsonDecoder:
        decoder = self._by_name.get(shape.name)
        if decoder is None:
            decoder = self._compile(shape)
        return decoder

    def _compile(self, shape: Shape) -> JsonDecoder:
        kind = shape.type_name
        if kind == "structure":
            return self._structure(shape)
        if kind == "list":
            return self._list(shape)
        if kind == "map":
            return self._map(shape)
        return self._scalar(shape)

    def _scalar(self, shape: Shape) -> JsonDecoder:
        kind = shape.type_name
        if kind in _INT_RANGES:
            return _json_integer(kind)
        simple: dict[str, JsonDecoder] = {
            "double": _json_double,
            "float": _json_double,
            "timestamp": _json_timestamp,
            "blob": _json_blob,
            "string": _json_of_type(str, "string"),
            "boolean": _json_of_type(bool, "boolean"),
        }
        if kind not in simple:
            raise ValueError(f"unsupported shape type {kind} ({shape.name})")
        return simple[kind]

    def members_decoder(self, members: Mapping[str, Shape]) -> JsonDecoder:
        """A decoder of an object holding just ``members`` (e.g. an input's body members)."""
        return _object_decoder([self._field(name, m) for name, m in members.items()])

    def _field(self, name: str, member: Shape) -> tuple[str, str, JsonDecoder]:
        return member.serialization.get("name", name), name, self.for_shape(member)

    def _structure(self, shape: Shape) -> JsonDecoder:
        if shape.is_document_type:
            return lambda value, where: value
        fields: list[tuple[str, str, JsonDecoder]] = []
        decode = _object_decoder(fields)
        # Registered before the members are compiled, so a recursive shape finds itself.
        self._by_name[shape.name] = decode
        fields.extend(self._field(name, m) for name, m in shape.members.items())
        return decode

    def _list(self, shape: Shape) -> JsonDecoder:
        item = self.for_shape(shape.member)

        def decode(value: Any, where: str) -> list[Any]:
            if type(value) is not list:
                raise _wrong_type(where, "an array")
            return [item(v, where) for v in value if v is not None]

        return decode

    def _map(self, shape: Shape) -> JsonDecoder:
        item = self.for_shape(shape.value)

        def decode(value: Any, where: str) -> dict[str, Any]:
            if type(value) is not dict:
                raise _wrong_type(where, "an object")
            return {k: item(v, where) for k, v in value.items() if v is not None}

        return decode


def _object_decoder(fields: list[tuple[str, str, JsonDecoder]]) -> JsonDecoder:
    """Decodes a JSON object member by member; ``fields`` may still grow (recursive shapes)."""

    def decode(value: Any, where: str) -> dict[str, Any]:
        if type(value) is not dict:
            raise _wrong_type(where, "an object")
        result: dict[str, Any] = {}
        for wire_name, member_name, member_decoder in fields:
            raw = value.get(wire_name)
            if raw is not None:  # JSON null means "not set" (Smithy JSON §null values).
                result[member_name] = member_decoder(raw, member_name)
        return result

    return decode


# --- text (URI labels, query string, headers) ------------------------------------------------


def _text_integer(kind: str) -> TextDecoder:
    low, high = _INT_RANGES[kind]

    def decode(text: str, where: str) -> int:
        stripped = text.strip()
        digits = stripped[1:] if stripped[:1] in "+-" else stripped
        if not digits.isascii() or not digits.isdigit() or len(digits) > 20:
            raise _wrong_type(where, "an integer")
        number = int(stripped)
        if not low <= number <= high:
            raise bad_request(f"Invalid value for {where}: {number} is out of range.")
        return number

    return decode


def _text_boolean(text: str, where: str) -> bool:
    lowered = text.strip().lower()
    if lowered not in ("true", "false"):
        raise _wrong_type(where, "true or false")
    return lowered == "true"


def _text_double(text: str, where: str) -> float:
    if text in _NON_FINITE:
        return _NON_FINITE[text]
    try:
        number = float(text)
    except ValueError:
        raise _wrong_type(where, "a number") from None
    if not math.isfinite(number):
        raise _wrong_type(where, "a number")
    return number


def _text_blob(text: str, where: str) -> bytes:
    return _json_blob(text, where)


def text_decoder(shape: Shape) -> TextDecoder:
    """A decoder of one scalar written as text, as rest-json puts them outside the body."""
    kind = shape.type_name
    if kind in _INT_RANGES:
        return _text_integer(kind)
    decoders: dict[str, TextDecoder] = {
        "string": lambda text, where: text,
        "boolean": _text_boolean,
        "double": _text_double,
        "float": _text_double,
        "timestamp": _timestamp_from_text,
        "blob": _text_blob,
    }
    if kind not in decoders:
        raise ValueError(f"shape {shape.name} of type {kind} cannot be bound outside the body")
    return decoders[kind]
