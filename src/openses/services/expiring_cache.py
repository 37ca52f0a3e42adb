"""A small in-process cache whose entries expire: for data every request reads and few change.

Services keep answers such as access keys, sending settings, verified identities and
DKIM keys for a second or a few. Changes made through this process clear the cache
at once; changes made by another process sharing the database show when the entry
expires. The cache is bounded the simplest way: when full, it is emptied.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class ExpiringCache(Generic[K, V]):
    def __init__(self, seconds: float, *, max_entries: int = 10_000) -> None:
        self._seconds = seconds
        self._max_entries = max_entries
        self._entries: dict[K, tuple[float, V]] = {}

    def peek(self, key: K) -> tuple[V] | None:
        """``(value,)`` while the entry lives (the value may be None), else None."""
        entry = self._entries.get(key)
        if entry is None or entry[0] <= time.monotonic():
            return None
        return (entry[1],)

    def put(self, key: K, value: V, *, seconds: float | None = None) -> None:
        if len(self._entries) >= self._max_entries:
            self._entries.clear()
        lifetime = self._seconds if seconds is None else seconds
        self._entries[key] = (time.monotonic() + lifetime, value)

    async def get_or_load(self, key: K, load: Callable[[], Awaitable[V]]) -> V:
        """The cached value, or ``load()``'s, which is then kept for the cache's lifetime."""
        cached = self.peek(key)
        if cached is not None:
            return cached[0]
        value = await load()
        self.put(key, value)
        return value

    def pop(self, key: K) -> None:
        self._entries.pop(key, None)

    def clear(self) -> None:
        self._entries.clear()
