"""Header-bound members of rest-json: text forms in both directions.

Smithy's ``httpHeader`` binding (https://smithy.io/2.0/spec/http-bindings.html#httpheader-trait):
timestamps default to the IMF-fixdate (RFC 822) form, lists are comma-separated with strings
quoted when they hold a comma or a quote (RFC 9110 §5.6.4), and ``jsonvalue`` strings carry
base64-encoded JSON (botocore ``is_json_value_header``).
"""

from __future__ import annotations

import base64
import binascii
import calendar
import datetime as dt
import json
import math
from email.utils import formatdate
from typing import Any

from botocore.model import Shape

from openses.protocol.rest_json_decode import TextDecoder, bad_request, text_decoder


def _is_json_value(shape: Shape) -> bool:
    return shape.type_name == "string" and bool(shape.serialization.get("jsonvalue"))


def split_header_list(value: str) -> list[str]:
    """Items of a comma-separated header, honouring double-quoted items with \\-escapes."""
    items: list[str] = []
    current: list[str] = []
    quoted = escaped = False
    for char in value:
        if escaped:
            current.append(char)
            escaped = False
        elif quoted and char == "\\":
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == "," and not quoted:
            items.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    items.append("".join(current).strip())
    return items


def _json_value(text: str, where: str) -> Any:
    try:
        return json.loads(base64.b64decode(text, validate=True).decode("utf-8"))
    except (binascii.Error, UnicodeDecodeError, ValueError, RecursionError):
        raise bad_request(f"Invalid value for {where}: expected base64-encoded JSON.") from None


def header_decoder(shape: Shape) -> TextDecoder:
    """Decodes the text of a ``header``-bound member."""
    if _is_json_value(shape):
        return _json_value
    if shape.type_name != "list":
        return text_decoder(shape)
    item = text_decoder(shape.member)
    # An IMF-fixdate holds a comma ("Tue, 29 Apr 2014 ..."): rejoin the split halves.
    pairs = (
        shape.member.type_name == "timestamp"
        and shape.member.serialization.get("timestampFormat", "rfc822") == "rfc822"
    )

    def decode(text: str, where: str) -> list[Any]:
        parts = split_header_list(text)
        if pairs:
            parts = [", ".join(parts[i : i + 2]) for i in range(0, len(parts), 2)]
        return [item(part, where) for part in parts]

    return decode


def as_utc_datetime(value: Any) -> dt.datetime:
    """A result's timestamp (aware or naive-as-UTC datetime, epoch seconds, or ISO 8601 text)
    as an aware UTC datetime."""
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
    if isinstance(value, int | float):
        return dt.datetime.fromtimestamp(value, dt.UTC)
    if isinstance(value, str):
        return as_utc_datetime(dt.datetime.fromisoformat(value))
    raise TypeError(f"not a timestamp: {value!r}")


def _timestamp_text(value: Any, timestamp_format: str) -> str:
    moment = as_utc_datetime(value)
    seconds = calendar.timegm(moment.utctimetuple())
    if timestamp_format == "iso8601":
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    if timestamp_format == "unixtimestamp":
        return str(seconds)
    return formatdate(seconds, usegmt=True)


def _scalar_text(shape: Shape, value: Any) -> str:
    kind = shape.type_name
    if kind == "timestamp":
        return _timestamp_text(value, shape.serialization.get("timestampFormat", "rfc822"))
    if kind == "boolean":
        return "true" if value else "false"
    if kind in ("double", "float"):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return repr(float(value))
    if kind == "blob":
        raw = value.encode("utf-8") if isinstance(value, str) else bytes(value)
        return base64.b64encode(raw).decode("ascii")
    return str(value)


def _quote_item(text: str) -> str:
    if '"' in text or "," in text:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return text


def header_text(shape: Shape, value: Any) -> str:
    """The header text of a ``header``-bound output member."""
    if _is_json_value(shape):
        compact = json.dumps(value, separators=(",", ":"))
        return base64.b64encode(compact.encode("utf-8")).decode("ascii")
    if shape.type_name == "list":
        texts = (_scalar_text(shape.member, v) for v in value if v is not None)
        if shape.member.type_name == "string":
            return ",".join(_quote_item(t) for t in texts)
        return ",".join(texts)
    return _scalar_text(shape, value)
