"""Parse the scalar values of a query form (always text on the wire) into their shape's type.

Each parser is strict about the forms botocore's ``QuerySerializer`` writes and that a Java
service (AWS's query services run on Coral) would accept; anything else is ``MalformedInput``.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import email.utils
import math
import re
from collections.abc import Callable
from typing import Any

from botocore.model import Shape

from openses.protocol.errors import ApiError

ScalarParser = Callable[[str, str], Any]

_INTEGER = re.compile(r"[+-]?[0-9]{1,20}", re.ASCII)
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]{1,5})?", re.ASCII)
# botocore writes non-finite doubles this way (``Serializer._handle_float``).
_NON_FINITE = {"NaN": math.nan, "Infinity": math.inf, "+Infinity": math.inf, "-Infinity": -math.inf}
# RFC 3339 §5.6 date-time (botocore writes "2020-08-05T16:04:12Z" or with .fff/.ffffff);
# without an offset the time is taken as UTC, as botocore means it.
_ISO_8601 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?"
    r"(Z|[+-]\d{2}:?\d{2})?",
    re.ASCII | re.IGNORECASE,
)
_RANGES = {"integer": (-(2**31), 2**31 - 1), "long": (-(2**63), 2**63 - 1)}
_MESSAGE_VALUE_LIMIT = 200


def malformed_value(value: str, path: str, kind: str) -> ApiError:
    shown = value if len(value) <= _MESSAGE_VALUE_LIMIT else value[:_MESSAGE_VALUE_LIMIT] + "..."
    return ApiError(
        "MalformedInput", f"Unable to parse value '{shown}' of parameter {path} as {kind}", 400
    )


def scalar_parser(shape: Shape) -> ScalarParser:
    """The parser of text values for the scalar ``shape``."""
    kind = shape.type_name
    if kind in _RANGES:
        return _integer_parser(kind)
    if kind in ("double", "float"):
        return _parse_double
    if kind == "boolean":
        return _parse_boolean
    if kind == "blob":
        return _parse_blob
    if kind == "timestamp":
        return _timestamp_parser(str(shape.serialization.get("timestampFormat", "iso8601")))
    if kind in ("structure", "list", "map"):
        raise TypeError(f"{shape.name} is not a scalar")
    return _parse_string


def _parse_string(value: str, path: str) -> str:
    return value


def _integer_parser(kind: str) -> ScalarParser:
    low, high = _RANGES[kind]

    def parse_integer(value: str, path: str) -> int:
        if _INTEGER.fullmatch(value):
            number = int(value)
            if low <= number <= high:
                return number
        raise malformed_value(value, path, kind)

    return parse_integer


def _parse_double(value: str, path: str) -> float:
    special = _NON_FINITE.get(value)
    if special is not None:
        return special
    if _DECIMAL.fullmatch(value):
        number = float(value)
        if math.isfinite(number):
            return number
    raise malformed_value(value, path, "double")


def _parse_boolean(value: str, path: str) -> bool:
    # Java's Boolean parsing ignores case; botocore writes lower case.
    lowered = value.lower()
    if lowered == "true":
        return True
    if lowered == "false":
        return False
    raise malformed_value(value, path, "boolean")


def _parse_blob(value: str, path: str) -> bytes:
    try:
        return base64.b64decode(value.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error):
        raise malformed_value(value, path, "base64-encoded binary") from None


def _timestamp_parser(timestamp_format: str) -> ScalarParser:
    fmt = timestamp_format.lower()
    if fmt == "unixtimestamp":
        return _parse_epoch
    if fmt == "rfc822":
        return _parse_rfc822
    return _parse_iso_8601


def _parse_iso_8601(value: str, path: str) -> dt.datetime:
    match = _ISO_8601.fullmatch(value)
    if match is None:
        raise malformed_value(value, path, "timestamp")
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    try:
        return dt.datetime(
            int(year),
            int(month),
            int(day),
            int(hour),
            int(minute),
            int(second),
            int((fraction or "0")[:6].ljust(6, "0")),
            tzinfo=_offset(offset),
        )
    except ValueError:
        raise malformed_value(value, path, "timestamp") from None


def _offset(text: str | None) -> dt.tzinfo:
    if text is None or text.upper() == "Z":
        return dt.UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    minutes = int(digits[:2]) * 60 + int(digits[2:])
    if minutes >= 24 * 60:
        raise ValueError("offset out of range")
    return dt.timezone(sign * dt.timedelta(minutes=minutes))


def _parse_epoch(value: str, path: str) -> dt.datetime:
    if _DECIMAL.fullmatch(value):
        try:
            return dt.datetime.fromtimestamp(float(value), dt.UTC)
        except (OverflowError, OSError, ValueError):
            pass
    raise malformed_value(value, path, "timestamp")


def _parse_rfc822(value: str, path: str) -> dt.datetime:
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        raise malformed_value(value, path, "timestamp") from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=dt.UTC)
