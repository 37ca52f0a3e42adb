"""Conversions between stored column values and domain values."""

from __future__ import annotations

import datetime as dt


def as_utc(value: dt.datetime) -> dt.datetime:
    """SQLite hands back naive datetimes; everything openses stores is UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
