"""Hypothesis strategies built from botocore shapes, for round-trip tests of every operation."""

from __future__ import annotations

import datetime as dt
from typing import Any

from botocore.model import Shape
from hypothesis import strategies as st

# Characters that survive every wire form we speak: no surrogates (not UTF-8),
# no C0/C1 controls (XML 1.0 cannot carry most of them).
_TEXT_ALPHABET = st.characters(
    blacklist_categories=("Cs", "Cc"),
    min_codepoint=0x20,
)
_MAX_COLLECTION = 3
_MAX_DEPTH = 5


def _string_strategy(shape: Shape) -> st.SearchStrategy[str]:
    enum = shape.metadata.get("enum")
    if enum:
        return st.sampled_from(list(enum))
    min_len = int(shape.metadata.get("min", 0))
    max_len = int(shape.metadata.get("max", 24))
    max_len = max(min_len, min(max_len, min_len + 24))
    return st.text(alphabet=_TEXT_ALPHABET, min_size=min_len, max_size=max_len)


def _number_bounds(shape: Shape, default_max: int) -> tuple[int, int]:
    lo = int(shape.metadata.get("min", 0))
    hi = int(shape.metadata.get("max", default_max))
    return lo, max(lo, hi)


def strategy_for(shape: Shape, depth: int = 0) -> st.SearchStrategy[Any]:
    """A strategy for values of ``shape`` as boto3 users pass and receive them."""
    kind = shape.type_name
    if kind == "structure" and shape.metadata.get("union"):
        # A union (tagged union) sets exactly one member; botocore rejects any other count.
        return st.one_of(
            [
                st.fixed_dictionaries({name: strategy_for(member, depth + 1)})
                for name, member in shape.members.items()
            ]
        )
    if kind == "structure":
        required = set(shape.required_members)
        members = {
            name: member
            for name, member in shape.members.items()
            if depth < _MAX_DEPTH or name in required
        }
        return st.fixed_dictionaries(
            {name: strategy_for(m, depth + 1) for name, m in members.items() if name in required},
            optional={
                name: strategy_for(m, depth + 1)
                for name, m in members.items()
                if name not in required
            },
        )
    if kind == "list":
        lo = int(shape.metadata.get("min", 0))
        hi = max(lo, min(int(shape.metadata.get("max", _MAX_COLLECTION)), lo + _MAX_COLLECTION))
        if depth >= _MAX_DEPTH:
            hi = lo
        return st.lists(strategy_for(shape.member, depth + 1), min_size=lo, max_size=hi)
    if kind == "map":
        # Honour the map's size bounds (sesv2 Dimensions: 1..3), never asking for more
        # distinct keys than an enum key shape has.
        lo = int(shape.metadata.get("min", 0))
        hi = max(lo, min(int(shape.metadata.get("max", _MAX_COLLECTION)), lo + _MAX_COLLECTION))
        if depth >= _MAX_DEPTH:
            hi = lo
        key_enum = shape.key.metadata.get("enum")
        if key_enum:
            hi = min(hi, len(key_enum))
        return st.dictionaries(
            _string_strategy(shape.key),
            strategy_for(shape.value, depth + 1),
            min_size=lo,
            max_size=hi,
        )
    if kind == "string":
        return _string_strategy(shape)
    if kind in ("integer", "long"):
        lo, hi = _number_bounds(shape, 2**31 - 1 if kind == "integer" else 2**53)
        return st.integers(min_value=lo, max_value=hi)
    if kind in ("double", "float"):
        return st.floats(allow_nan=False, allow_infinity=False, width=64).map(
            lambda f: float(repr(f))
        )
    if kind == "boolean":
        return st.booleans()
    if kind == "timestamp":
        return st.datetimes(
            min_value=dt.datetime(1971, 1, 1),
            max_value=dt.datetime(2100, 1, 1),
            timezones=st.just(dt.UTC),
        ).map(lambda d: d.replace(microsecond=0))
    if kind == "blob":
        return st.binary(max_size=32)
    raise NotImplementedError(f"no strategy for shape type {kind} ({shape.name})")
