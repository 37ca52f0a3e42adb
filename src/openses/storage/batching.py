"""Group commit for independent pieces of write work.

Many small write transactions each pay a commit (an fsync) and, on SQLite,
queue up for the one write lock. ``TransactionBatcher.run(work)`` hands
``work`` to the batcher's writer task, which runs everything that arrived while
its previous commit was going on in one transaction, each piece inside its own
savepoint: a piece that raises is rolled back alone and its caller gets the
exception; the others commit together. ``run`` returns only after the commit.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection

from openses.storage.engine import Database

T = TypeVar("T")
Work = Callable[[AsyncConnection], Awaitable[Any]]

logger = logging.getLogger("openses.storage")

_MAX_BATCH = 200


@dataclass(slots=True)
class _Item:
    work: Work
    future: asyncio.Future[Any]
    result: Any = None
    error: BaseException | None = None


class TransactionBatcher:
    def __init__(self, database: Database) -> None:
        self._db = database
        self._pending: list[_Item] = []
        self._wakeup: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._committing = False
        self._idle = asyncio.Event()

    async def run(self, work: Callable[[AsyncConnection], Awaitable[T]]) -> T:
        loop = asyncio.get_running_loop()
        if self._task is None or self._task.done():
            self._wakeup = asyncio.Event()
            self._task = loop.create_task(self._loop(), name="transaction-batcher")
        assert self._wakeup is not None
        future: asyncio.Future[Any] = loop.create_future()
        self._pending.append(_Item(work, future))
        self._idle.clear()
        self._wakeup.set()
        result: T = await future
        return result

    async def _loop(self) -> None:
        assert self._wakeup is not None
        while True:
            await self._wakeup.wait()
            self._wakeup.clear()
            while self._pending:
                batch = self._pending[:_MAX_BATCH]
                del self._pending[:_MAX_BATCH]
                self._committing = True
                try:
                    await self._commit(batch)
                finally:
                    self._committing = False
            self._idle.set()

    async def _commit(self, batch: list[_Item]) -> None:
        try:
            async with self._db.transaction() as conn:
                for item in batch:
                    try:
                        async with conn.begin_nested():
                            item.result = await item.work(conn)
                    except Exception as exc:  # this piece only; the savepoint undid it
                        item.error = exc
        except Exception as exc:
            logger.exception("a batched commit of %d pieces failed", len(batch))
            for item in batch:
                if not item.future.done():
                    item.future.set_exception(exc)
            return
        for item in batch:
            if item.future.done():
                continue
            if item.error is not None:
                item.future.set_exception(item.error)
            else:
                item.future.set_result(item.result)

    async def close(self) -> None:
        """Stop after committing what is pending (its callers are still awaiting it)."""
        if self._task is not None:
            if self._pending or self._committing:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._idle.wait(), 30)
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
