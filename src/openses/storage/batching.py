"""Group commit: one writer task per process commits many callers' work in one transaction.

Many small write transactions each pay a commit (an fsync) and, on SQLite,
queue up for the one write lock. A ``GroupCommitter`` hands every caller's
item to its writer task, which writes everything that arrived while its
previous commit ran in a single transaction; each caller resumes only after
that commit, with its own result or error. If the transaction itself fails,
every caller in it gets the failure and nothing of the batch is stored.

``TransactionBatcher`` is the general form: independent pieces of work, each
in its own savepoint, so a piece that raises is rolled back alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection

from openses.storage.engine import Database

T = TypeVar("T")

logger = logging.getLogger("openses.storage")


@dataclass(kw_only=True, slots=True)
class PendingWork:
    """What a caller waits on; ``error`` set by the writer fails this caller alone."""

    future: asyncio.Future[Any]
    result: Any = None
    error: BaseException | None = field(default=None)


ItemT = TypeVar("ItemT", bound=PendingWork)


class GroupCommitter(Generic[ItemT]):
    def __init__(self, database: Database, *, name: str, max_batch: int) -> None:
        self._db = database
        self._name = name
        self._max_batch = max_batch
        self._pending: list[ItemT] = []
        self._wakeup: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._committing = False
        self._idle = asyncio.Event()

    async def _write(self, conn: AsyncConnection, batch: list[ItemT]) -> None:
        """Write ``batch`` inside the open transaction; set ``error`` on items that fail."""
        raise NotImplementedError

    async def _submit(self, make_item: Callable[[asyncio.Future[Any]], ItemT]) -> Any:
        loop = asyncio.get_running_loop()
        if self._task is None or self._task.done():
            self._wakeup = asyncio.Event()
            self._task = loop.create_task(self._loop(), name=self._name)
        assert self._wakeup is not None
        future: asyncio.Future[Any] = loop.create_future()
        self._pending.append(make_item(future))
        self._idle.clear()
        self._wakeup.set()
        return await future

    async def _loop(self) -> None:
        assert self._wakeup is not None
        while True:
            await self._wakeup.wait()
            self._wakeup.clear()
            while self._pending:
                batch = self._pending[: self._max_batch]
                del self._pending[: self._max_batch]
                self._committing = True
                try:
                    await self._commit(batch)
                finally:
                    self._committing = False
            self._idle.set()

    async def _commit(self, batch: list[ItemT]) -> None:
        try:
            async with self._db.transaction() as conn:
                await self._write(conn, batch)
        except Exception as exc:
            logger.exception("%s: committing a batch of %d failed", self._name, len(batch))
            for item in batch:
                if not item.future.done():
                    item.future.set_exception(exc)
            return
        for item in batch:
            if item.future.done():
                continue  # the caller went away; what was committed stays committed
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


@dataclass(kw_only=True, slots=True)
class _Work(PendingWork):
    work: Callable[[AsyncConnection], Awaitable[Any]]


class TransactionBatcher(GroupCommitter[_Work]):
    def __init__(self, database: Database) -> None:
        super().__init__(database, name="transaction-batcher", max_batch=200)

    async def run(self, work: Callable[[AsyncConnection], Awaitable[T]]) -> T:
        """Run ``work`` in the next group commit and return its result after the commit."""
        result: T = await self._submit(lambda future: _Work(future=future, work=work))
        return result

    async def _write(self, conn: AsyncConnection, batch: list[_Work]) -> None:
        for item in batch:
            try:
                async with conn.begin_nested():
                    item.result = await item.work(conn)
            except Exception as exc:  # this piece only; its savepoint undid it
                item.error = exc
