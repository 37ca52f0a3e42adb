"""XML text for query-protocol answers: escaping, and the text form of each scalar type."""

from __future__ import annotations

import base64
import datetime as dt
import email.utils
import math
import re
from collections.abc import Callable
from typing import Any

from botocore.model import Shape

ScalarFormatter = Callable[[Any], str]

# Characters XML 1.0 cannot carry at all (§2.2 Char), plus lone surrogates, which UTF-8
# cannot encode: AWS's Java services would emit a document botocore's expat rejects, so we
# replace them with U+FFFD and the answer stays parseable.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_NEEDS_ESCAPING = re.compile("[&<>\"'\r\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def escape(text: str) -> str:
    """``text`` as XML character data or attribute value.

    ``\\r`` is written as a character reference because XML parsers turn a literal CR into LF
    (XML 1.0 §2.11); quotes are escaped so the same text is safe inside attributes.
    """
    if _NEEDS_ESCAPING.search(text) is None:
        return text
    text = (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&apos;")
        .replace("\r", "&#13;")
    )
    return _NOT_XML.sub("\ufffd", text)


def scalar_formatter(shape: Shape) -> ScalarFormatter:
    """How values of the scalar ``shape`` are written, already escaped."""
    kind = shape.type_name
    if kind == "boolean":
        return _format_boolean
    if kind in ("integer", "long"):
        return _format_integer
    if kind in ("double", "float"):
        return _format_double
    if kind == "timestamp":
        return _timestamp_formatter(str(shape.serialization.get("timestampFormat", "iso8601")))
    if kind == "blob":
        return _format_blob
    return _format_string


def _format_string(value: Any) -> str:
    return escape(value if isinstance(value, str) else str(value))


def _format_boolean(value: Any) -> str:
    return "true" if value else "false"


def _format_integer(value: Any) -> str:
    return str(int(value))


def _format_double(value: Any) -> str:
    number = float(value)
    if math.isfinite(number):
        return repr(number)
    # The spelling botocore and the Java SDKs read for non-finite doubles.
    if math.isnan(number):
        return "NaN"
    return "Infinity" if number > 0 else "-Infinity"


def _format_blob(value: Any) -> str:
    data = value.encode("utf-8") if isinstance(value, str) else bytes(value)
    return base64.b64encode(data).decode("ascii")


def _as_utc(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        # A naive datetime is taken as UTC, as botocore does.
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
    if isinstance(value, int | float):
        return dt.datetime.fromtimestamp(value, dt.UTC)
    raise TypeError(f"not a timestamp: {value!r}")


def _format_iso_8601(value: Any) -> str:
    if isinstance(value, str):
        return escape(value)
    # AWS query answers carry milliseconds and "Z": 2020-08-05T16:04:12.640Z.
    naive = _as_utc(value).replace(tzinfo=None)
    return naive.isoformat(timespec="milliseconds") + "Z"


def _format_epoch(value: Any) -> str:
    seconds = _as_utc(value).timestamp()
    return str(int(seconds)) if seconds.is_integer() else repr(seconds)


def _format_rfc822(value: Any) -> str:
    return email.utils.format_datetime(_as_utc(value), usegmt=True)


def _timestamp_formatter(timestamp_format: str) -> ScalarFormatter:
    fmt = timestamp_format.lower()
    if fmt == "unixtimestamp":
        return _format_epoch
    if fmt == "rfc822":
        return _format_rfc822
    return _format_iso_8601
