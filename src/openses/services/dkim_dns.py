"""The Easy DKIM public keys the DNS responder serves, looked up by selector with a short cache.

Resolvers ask for the same few names over and over (every receiving MTA verifying
every message); a cache of a few seconds keeps that off the database while a
new or rotated key is still served within moments. Changes made in this process
drop the cache at once (``forget``).
"""

from __future__ import annotations

from collections.abc import Iterable

from openses.services.expiring_cache import ExpiringCache
from openses.storage.engine import Database
from openses.storage.repositories import dkim_published_keys as published_repo

_CACHE_SECONDS = 5.0
_MISSING_CACHE_SECONDS = 1.0  # a name asked for before its identity exists must appear soon
_MAX_CACHED = 50_000


def dkim_txt_value(public_key: str) -> str:
    """The TXT record value of an RSA public key (RFC 6376 §3.6.1)."""
    return f"v=DKIM1; k=rsa; p={public_key}"


class PublishedKeyService:
    def __init__(self, database: Database) -> None:
        self._db = database
        self._cache: ExpiringCache[str, str | None] = ExpiringCache(
            _CACHE_SECONDS, max_entries=_MAX_CACHED
        )

    async def txt_record(self, selector: str) -> str | None:
        """The TXT value served at ``<selector>.<zone>``, or ``None`` when no key is there."""
        selector = selector.lower()
        cached = self._cache.peek(selector)
        if cached is not None:
            return cached[0]
        async with self._db.read() as conn:
            key = await published_repo.lookup_public_key(conn, selector)
        value = None if key is None else dkim_txt_value(key.public_key)
        self._cache.put(
            selector, value, seconds=None if value is not None else _MISSING_CACHE_SECONDS
        )
        return value

    def forget(self, selectors: Iterable[str] | None = None) -> None:
        """Drop cached answers (for ``selectors``, or all of them)."""
        if selectors is None:
            self._cache.clear()
            return
        for selector in selectors:
            self._cache.pop(selector.lower())
