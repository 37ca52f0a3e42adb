"""How AWS's Coral framework words a constraint violation, and how it prints values.

Every text here was taken from real AWS answers quoted in public issues and from
emulators that pin them in tests probed against AWS (see ``validation.py``'s module
docstring for the sources). Coral is a Java framework: values in its messages are
Java ``toString()`` renderings and members are visited in ``java.util.HashMap``
order, so this module reproduces both.
"""

from __future__ import annotations

import datetime as dt
import enum
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

# Every message template, in one table. ``{...}`` fields are filled by ``str.format``.
MESSAGE_TEMPLATES: Final[Mapping[str, str]] = {
    # One violation; ``value`` is already rendered and quoted (or ``null``).
    "violation": "Value {value} at '{path}' failed to satisfy constraint: {constraint}",
    # Members marked ``sensitive`` never echo their value (Cognito's "Value at 'password'").
    "violation_hidden": "Value at '{path}' failed to satisfy constraint: {constraint}",
    "summary_one": "1 validation error detected: {violations}",
    "summary_many": "{count} validation errors detected: {violations}",
    "violation_separator": "; ",
    "not_null": "Member must not be null",
    "max_length": "Member must have length less than or equal to {limit}",
    "min_length": "Member must have length greater than or equal to {limit}",
    "max_value": "Member must have value less than or equal to {limit}",
    "min_value": "Member must have value greater than or equal to {limit}",
    "pattern": "Member must satisfy regular expression pattern: {pattern}",
    "enum": "Member must satisfy enum value set: [{values}]",
    # A list's or map's elements are judged as a whole, listing every rule of the element shape.
    "list_member": "Member must satisfy constraint: [{constraints}]",
    "map_keys": "Map keys must satisfy constraint: [{constraints}]",
    "map_values": "Map value must satisfy constraint: [{constraints}]",
    "bracket_separator": ", ",
    # Coral's deserializer, which runs before validation, on a value of the wrong JSON type.
    "cannot_convert": "{token} can not be converted to {java_type}",
    "unexpected_list": "Start of list found where not expected",
    "unexpected_object": "Start of structure or map found where not expected.",
    "expected_list": "Expected list or null",
    "expected_map": "Expected map or null",
    "expected_structure": "Expected null",
}

# Java type names as the deserializer prints them, article included. "an Boolean" after a
# string is what AWS answers (Floci's SesV2Json.coerceBoolean pins both spellings).
_JAVA_TYPE_NAMES: Final[Mapping[str, str]] = {
    "string": "a String",
    "integer": "an Integer",
    "long": "a Long",
    "double": "a Double",
    "float": "a Float",
    "boolean": "a Boolean",
    "timestamp": "a Timestamp",
    "blob": "a Blob",
}

MAX_REPORTED_VIOLATIONS: Final = 10
"""Coral stops after ten violations and says "10 validation errors detected" however many
there were (kinesalite's PutRecords test with 501 bad records, probed against AWS)."""


class ViolationKind(enum.Enum):
    REQUIRED = "required"
    LENGTH = "length"
    RANGE = "range"
    PATTERN = "pattern"
    ENUM = "enum"
    LIST_MEMBER = "list-member"
    MAP_KEYS = "map-keys"
    MAP_VALUES = "map-values"
    # A value of the wrong Python type: the wire parser should have refused it already.
    TYPE = "type"


@dataclass(frozen=True, slots=True)
class ConstraintViolation:
    """One broken rule: where (Coral's member path), which rule, and the offending value.

    ``rendered_value`` is the Java rendering of the value, or ``None`` when the member is
    sensitive and AWS leaves the value out of the message.
    """

    path: str
    kind: ViolationKind
    constraint: str
    rendered_value: str | None

    @property
    def message(self) -> str:
        if self.kind is ViolationKind.TYPE:
            return self.constraint
        if self.rendered_value is None:
            return MESSAGE_TEMPLATES["violation_hidden"].format(
                path=self.path, constraint=self.constraint
            )
        return MESSAGE_TEMPLATES["violation"].format(
            value=self.rendered_value, path=self.path, constraint=self.constraint
        )


def summary_message(violations: Sequence[ConstraintViolation]) -> str:
    """``N validation error(s) detected: ...``, capped the way Coral caps it."""
    listed = violations[:MAX_REPORTED_VIOLATIONS]
    joined = MESSAGE_TEMPLATES["violation_separator"].join(v.message for v in listed)
    if len(listed) == 1:
        return MESSAGE_TEMPLATES["summary_one"].format(violations=joined)
    return MESSAGE_TEMPLATES["summary_many"].format(count=len(listed), violations=joined)


def constraint_text(name: str, **fields: object) -> str:
    return MESSAGE_TEMPLATES[name].format(**fields)


def bracket_text(name: str, constraints: Sequence[str]) -> str:
    joined = MESSAGE_TEMPLATES["bracket_separator"].join(constraints)
    return MESSAGE_TEMPLATES[name].format(constraints=joined)


def type_error_text(expected_type: str, value: object) -> str:
    """The deserializer's complaint about ``value`` where ``expected_type`` was modelled."""
    if isinstance(value, list | tuple):
        return MESSAGE_TEMPLATES["unexpected_list"]
    if isinstance(value, Mapping):
        return MESSAGE_TEMPLATES["unexpected_object"]
    if expected_type in ("list", "map", "structure"):
        return MESSAGE_TEMPLATES[f"expected_{expected_type}"]
    java_type = _JAVA_TYPE_NAMES.get(expected_type, "a String")
    if expected_type == "boolean" and isinstance(value, str):
        java_type = "an Boolean"
    return MESSAGE_TEMPLATES["cannot_convert"].format(token=_json_token(value), java_type=java_type)


def _json_token(value: object) -> str:
    # Jackson's token names, as Coral quotes them.
    if isinstance(value, bool):
        return "TRUE_VALUE" if value else "FALSE_VALUE"
    if isinstance(value, int | float | dt.datetime):
        return "NUMBER_VALUE"
    return "STRING_VALUE"


# --- Java's toString() of request values -------------------------------------------------

_WEEKDAYS: Final = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS: Final = (
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
)  # fmt: skip


def quoted(rendered: str) -> str:
    return f"'{rendered}'"


def java_to_string(value: Any, structure_name: str | None = None) -> str:
    """``value`` as Java's ``toString()`` prints the deserialized request object.

    Lists print as ``[a, b]``, maps as ``{k=v}`` in HashMap order, blobs as the
    ``ByteBuffer`` Coral holds them in. A structure prints as Java's default
    ``ClassName@hash``; AWS's internal class names are unknowable, so the model's
    shape name stands in for the class and a stable checksum for the identity hash.
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return java_double(value)
    if isinstance(value, bytes | bytearray):
        return f"java.nio.HeapByteBuffer[pos=0 lim={len(value)} cap={len(value)}]"
    if isinstance(value, dt.datetime):
        return java_date(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(java_to_string(item) for item in value) + "]"
    if isinstance(value, Mapping):
        if structure_name is not None:
            checksum = zlib.crc32(repr(sorted(value.items(), key=repr)).encode())
            return f"{structure_name}@{checksum:x}"
        keys = [str(key) for key in value]
        items = list(value.values())
        rendered = (f"{keys[i]}={java_to_string(items[i])}" for i in java_hash_map_order(keys))
        return "{" + ", ".join(rendered) + "}"
    return str(value)


def java_double(number: float) -> str:
    """Java's ``Double.toString``: plain between 10^-3 and 10^7, else ``d.dddE±n``."""
    if number != number:
        return "NaN"
    if number in (float("inf"), float("-inf")):
        return "Infinity" if number > 0 else "-Infinity"
    magnitude = abs(number)
    if magnitude == 0.0 or 1e-3 <= magnitude < 1e7:
        text = repr(number)  # shortest round-trip digits, already plain in this range
        return text if "." in text else f"{text}.0"
    parts = Decimal(repr(magnitude)).normalize().as_tuple()
    figures = "".join(str(d) for d in parts.digits)
    power = len(figures) - 1 + int(parts.exponent)
    mantissa = f"{figures[0]}.{figures[1:] or '0'}"
    return f"{'-' if number < 0 else ''}{mantissa}E{power}"


def java_date(moment: dt.datetime) -> str:
    """``java.util.Date.toString()`` in UTC: ``Tue Jan 02 03:04:05 UTC 2024``."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC)
    return (
        f"{_WEEKDAYS[moment.weekday()]} {_MONTHS[moment.month - 1]} {moment.day:02d} "
        f"{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d} UTC {moment.year}"
    )


# --- java.util.HashMap iteration order ----------------------------------------------------


def java_string_hash(text: str) -> int:
    """``String.hashCode()`` over UTF-16 code units, as an unsigned 32-bit int."""
    units = text.encode("utf-16-be", "surrogatepass")
    value = 0
    for index in range(0, len(units), 2):
        value = (31 * value + (units[index] << 8 | units[index + 1])) & 0xFFFFFFFF
    return value


def java_hash_map_order(keys: Sequence[str]) -> list[int]:
    """Indices of ``keys`` in the order a Java 8+ ``HashMap`` filled in that order iterates.

    The table starts at 16 buckets and doubles once more than three quarters are
    used; a key's bucket is its hash folded by ``h ^ (h >>> 16)``; keys sharing a
    bucket keep insertion order. This is how Coral visits members and prints maps:
    it reproduces the order of every multi-violation AWS message we found (Firehose
    OrcSerDe, EventBridge ``inputPathsMap``, a ``tags`` map quoted in GorillaStack/auto-tag#77).
    """
    capacity = 16
    while len(keys) > capacity * 3 // 4:
        capacity *= 2

    def bucket(index: int) -> tuple[int, int]:
        folded = java_string_hash(keys[index])
        return ((folded ^ (folded >> 16)) & (capacity - 1), index)

    return sorted(range(len(keys)), key=bucket)
