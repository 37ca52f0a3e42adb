"""Idle SMTP connections kept for the next message to the same host.

Sending many messages to one MX over one connection (RSET between them, RFC
5321 §4.1.1.5) saves a TCP and TLS handshake per message, which is most of the
cost of a small message. A connection is kept only if its transaction ended in
step with the server, for at most ``idle_seconds`` (servers drop idle clients
after a few minutes, §4.5.3.2.7) and at most ``max_transactions`` messages; each
reuse starts with RSET, which also proves the connection is still alive.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass

from openses.mail.smtp_session import SmtpSession


@dataclass(slots=True)
class _Idle:
    session: SmtpSession
    since: float


class SessionPool:
    def __init__(
        self,
        *,
        max_idle_per_host: int,
        idle_seconds: float,
        max_transactions: int,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._max_idle = max_idle_per_host
        self._idle_seconds = idle_seconds
        self._max_transactions = max_transactions
        self._monotonic = monotonic
        self._idle: dict[Hashable, list[_Idle]] = {}

    def idle_count(self, key: Hashable) -> int:
        return len(self._idle.get(key, []))

    async def acquire(
        self, key: Hashable, open_new: Callable[[], Awaitable[SmtpSession]]
    ) -> SmtpSession:
        """A kept connection for ``key`` that answered RSET, else ``open_new()``."""
        while (session := await self._take(key)) is not None:
            if await session.reset():
                return session
        return await open_new()

    async def release(self, key: Hashable, session: SmtpSession) -> None:
        """Keeps ``session`` for the next message to ``key``, or says QUIT."""
        idle = self._idle.setdefault(key, [])
        if (
            session.usable
            and session.transactions < self._max_transactions
            and len(idle) < self._max_idle
        ):
            idle.append(_Idle(session, self._monotonic()))
            return
        if not idle:
            del self._idle[key]
        await session.quit()

    async def close(self) -> None:
        """QUIT every kept connection."""
        kept, self._idle = self._idle, {}
        for idle in kept.values():
            for entry in idle:
                await entry.session.quit()

    async def _take(self, key: Hashable) -> SmtpSession | None:
        """The most recently used live connection; stale ones are closed on the way."""
        idle = self._idle.get(key, [])
        while idle:
            entry = idle.pop()
            fresh = self._monotonic() - entry.since <= self._idle_seconds
            if fresh and entry.session.usable:
                return entry.session
            await entry.session.quit()
        self._idle.pop(key, None)
        return None
