"""JavaScript value semantics for JSON data, as handlebars.js sees them.

Template data is JSON; handlebars.js renders it as JavaScript values. These
functions give Python's ``json`` results the same meaning: string conversion
(``Number.prototype.toString``, ``Array.prototype.join``), truthiness,
property lookup (own properties only, as ``lookupProperty`` in handlebars 4.6+)
and the key order of ``Object.keys`` (integer-like keys first, ascending).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from typing import Any, Final


class _Undefined:
    """JavaScript's ``undefined``: what a lookup of a missing property yields."""

    _instance: _Undefined | None = None

    def __new__(cls) -> _Undefined:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "undefined"

    def __bool__(self) -> bool:
        return False


UNDEFINED: Final = _Undefined()

# ECMAScript's WhiteSpace and LineTerminator code points: what ``\s`` means in the
# regular expressions of handlebars' lexer and whitespace control.
JS_WHITESPACE = "\t\n\x0b\x0c\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"

_HTML_ESCAPES = {
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
    '"': "&quot;",
    "'": "&#x27;",
    "`": "&#x60;",
    "=": "&#x3D;",
}
_HTML_SPECIAL = re.compile("[&<>\"'`=]")
_ARRAY_INDEX = re.compile(r"0|[1-9][0-9]*")
_MAX_ARRAY_INDEX = 2**32 - 2
_MAX_SAFE_INTEGER = 2**53


def is_nullish(value: Any) -> bool:
    """``value == null`` in JavaScript: null or undefined."""
    return value is None or value is UNDEFINED


def is_object(value: Any) -> bool:
    """``typeof value === 'object'`` for non-null JSON values."""
    return isinstance(value, dict | list)


def truthy(value: Any) -> bool:
    """JavaScript truthiness (``[]`` and ``{}`` are truthy)."""
    if is_nullish(value) or value is False:
        return False
    if isinstance(value, bool):
        return True
    if isinstance(value, int | float):
        return value != 0 and not math.isnan(value)
    if isinstance(value, str):
        return value != ""
    return True


def is_empty(value: Any) -> bool:
    """handlebars' ``Utils.isEmpty``: falsy but not 0, or an empty array."""
    if not truthy(value) and not _is_zero(value):
        return True
    return isinstance(value, list) and not value


def _is_zero(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value == 0


def number_to_string(value: float) -> str:
    """ECMAScript ``Number::toString(10)`` (the shortest round-trip digits)."""
    if math.isnan(value):
        return "NaN"
    if value == 0:
        return "0"
    if value < 0:
        return "-" + number_to_string(-value)
    if math.isinf(value):
        return "Infinity"
    digits, exponent = _shortest_digits(value)
    k, n = len(digits), exponent
    if k <= n <= 21:
        return digits + "0" * (n - k)
    if 0 < n <= 21:
        return digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return "0." + "0" * (-n) + digits
    sign = "+" if n - 1 >= 0 else "-"
    mantissa = digits if k == 1 else digits[0] + "." + digits[1:]
    return f"{mantissa}e{sign}{abs(n - 1)}"


def _shortest_digits(value: float) -> tuple[str, int]:
    """Digits ``s`` and exponent ``n`` with value = 0.s * 10**n (``repr`` is shortest)."""
    text = repr(value)
    mantissa, _e, exp_text = text.partition("e")
    exponent = int(exp_text) if exp_text else 0
    whole, _dot, fraction = mantissa.partition(".")
    digits = (whole + fraction).lstrip("0")
    leading_zeros = len(whole + fraction) - len((whole + fraction).lstrip("0"))
    point = len(whole) - leading_zeros + exponent
    return digits.rstrip("0") or "0", point


def _int_to_string(value: int) -> str:
    if abs(value) < _MAX_SAFE_INTEGER:
        return str(value)
    try:
        return number_to_string(float(value))  # JSON numbers are doubles in JavaScript
    except OverflowError:
        return "Infinity" if value > 0 else "-Infinity"


def to_string(value: Any) -> str:
    """JavaScript ``String(value)``; null and undefined give ``""`` as handlebars appends."""
    if is_nullish(value):
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return _int_to_string(value)
    if isinstance(value, float):
        return number_to_string(value)
    if isinstance(value, list):
        return ",".join(to_string(item) for item in value)
    return "[object Object]"


def property_key(value: Any) -> str:
    """The property name a value names (``ToPropertyKey``), for ``lookup`` with a number."""
    if value is UNDEFINED:
        return "undefined"
    if value is None:
        return "null"
    return to_string(value)


def escape_html(text: str) -> str:
    """handlebars.js ``escapeExpression`` on a string."""
    return _HTML_SPECIAL.sub(lambda match: _HTML_ESCAPES[match.group()], text)


def _utf16_units(text: str) -> list[str]:
    data = text.encode("utf-16-le", "surrogatepass")
    return [data[i : i + 2].decode("utf-16-le", "surrogatepass") for i in range(0, len(data), 2)]


def _array_index(name: str) -> int | None:
    if _ARRAY_INDEX.fullmatch(name) and int(name) <= _MAX_ARRAY_INDEX:
        return int(name)
    return None


def lookup_property(parent: Any, name: str) -> Any:
    """``parent[name]`` when ``name`` is an own property of ``parent``, else undefined."""
    if isinstance(parent, dict):
        return parent.get(name, UNDEFINED)
    if isinstance(parent, list):
        if name == "length":
            return len(parent)
        index = _array_index(name)
        return parent[index] if index is not None and index < len(parent) else UNDEFINED
    if isinstance(parent, str):
        units = _utf16_units(parent) if not parent.isascii() else list(parent)
        if name == "length":
            return len(units)
        index = _array_index(name)
        return units[index] if index is not None and index < len(units) else UNDEFINED
    return UNDEFINED


def object_keys(value: dict[str, Any]) -> list[str]:
    """``Object.keys`` order: array-index keys ascending, then the rest as inserted."""
    indexed = sorted((index, key) for key in value if (index := _array_index(key)) is not None)
    named = [key for key in value if _array_index(key) is None]
    return [key for _index, key in indexed] + named


def iterate(value: Any) -> Iterator[tuple[Any, Any]]:
    """(key, item) pairs as ``#each`` visits them: array indices or object keys."""
    if isinstance(value, list):
        yield from enumerate(value)
    elif isinstance(value, dict):
        for key in object_keys(value):
            yield key, value[key]


def loose_equal(left: Any, right: Any) -> bool:
    """JavaScript ``left == right`` for JSON values (objects compare by identity)."""
    if is_object(left) or is_object(right):
        return left is right
    if is_nullish(left) or is_nullish(right):
        return is_nullish(left) and is_nullish(right)
    if isinstance(left, str) and isinstance(right, str):
        return left == right
    return _to_number(left) == _to_number(right)


def _to_number(value: Any) -> float:
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int | float):
        return float(value)
    text = str(value).strip(JS_WHITESPACE_CHARS)
    if text == "":
        return 0.0
    try:
        return float(text)
    except ValueError:
        return math.nan


JS_WHITESPACE_CHARS = "".join(
    chr(code)
    for code in (
        *(0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0xA0, 0x1680, 0x2028, 0x2029, 0x202F),
        *(0x205F, 0x3000, 0xFEFF),
        *range(0x2000, 0x200B),
    )
)
