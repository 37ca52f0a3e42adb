"""Resource tags, with the rules SES v2 applies (API reference, "Tag")."""

from __future__ import annotations

from collections.abc import Iterable

from openses.domain.errors import InvalidParameterError

MAX_TAGS_PER_RESOURCE = 50
MAX_KEY_LENGTH = 128
MAX_VALUE_LENGTH = 256


def validate_tags(tags: Iterable[tuple[str, str]]) -> None:
    seen: set[str] = set()
    for key, value in tags:
        if not 1 <= len(key) <= MAX_KEY_LENGTH:
            raise InvalidParameterError(f"Tag key must be 1 to {MAX_KEY_LENGTH} characters long.")
        if len(value) > MAX_VALUE_LENGTH:
            raise InvalidParameterError(f"Tag value must be at most {MAX_VALUE_LENGTH} characters.")
        if key.lower().startswith("aws:"):
            raise InvalidParameterError("Tag keys starting with 'aws:' are reserved.")
        if key in seen:
            raise InvalidParameterError(f"Duplicate tag key {key}.")
        seen.add(key)


def merge_tags(
    existing: Iterable[tuple[str, str]], new: Iterable[tuple[str, str]]
) -> tuple[tuple[str, str], ...]:
    """``existing`` with ``new`` added, a new value replacing an old one for the same key."""
    merged = dict(existing)
    merged.update(new)
    if len(merged) > MAX_TAGS_PER_RESOURCE:
        raise InvalidParameterError(f"A resource can have at most {MAX_TAGS_PER_RESOURCE} tags.")
    return tuple(merged.items())
