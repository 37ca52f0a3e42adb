"""Group commit of accepted messages: one transaction, one fsync, for many sends.

Every send waits until its messages, their queue entries and their events are
committed. Rather than each request opening its own write transaction (which,
on SQLite, queue up behind one write lock), requests hand their message to the
one writer of this process; it commits everything that arrived while the
previous commit ran in a single transaction. Quotas are decided inside that
transaction, per account and region, with the bucket row locked, so they still
hold across processes; a throttled message is left out of the batch and its
sender gets the throttling error, never a queued message.

One request may hand over several messages (a bulk send: one message per
destination). Its quota is decided for all of them at once: the whole call is
accepted or throttled, as SES limits "the number of destinations you can contact
in a single call" by the sending rate (Developer Guide, SendBulkTemplatedEmail).
A message accepted but never to be delivered (its template failed to render) is
stored with its events and no queue entries; it still counts against the quotas.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncConnection

from openses.domain.accounts import SendingSettings
from openses.domain.clock import Clock
from openses.domain.errors import ThrottlingError
from openses.domain.messages import AcceptedMessage
from openses.domain.quotas import Allowance
from openses.storage.engine import Database
from openses.storage.repositories import events as events_repo
from openses.storage.repositories import messages as messages_repo
from openses.storage.repositories import quotas as quotas_repo
from openses.storage.repositories.events import StoredEvent

logger = logging.getLogger("openses.acceptance")

_MAX_BATCH = 500


@dataclass(frozen=True, slots=True)
class Acceptance:
    """One accepted message, what it counts against the quotas and the events it starts with.

    ``deliver`` False: stored without queue entries (a Rendering Failure: SES accepted
    the message but will never deliver it).
    """

    message: AcceptedMessage
    recipients: Sequence[str]
    events: Sequence[StoredEvent]
    deliver: bool = True


@dataclass(slots=True)
class _Pending:
    settings: SendingSettings
    acceptances: Sequence[Acceptance]
    future: asyncio.Future[None]
    error: ThrottlingError | None = field(default=None)


class AcceptanceWriter:
    def __init__(self, database: Database, clock: Clock) -> None:
        self._db = database
        self._clock = clock
        self._pending: list[_Pending] = []
        self._wakeup: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._committing = False
        self._idle = asyncio.Event()

    async def accept(self, settings: SendingSettings, acceptances: Sequence[Acceptance]) -> None:
        """Return once all the messages are committed; raise ThrottlingError if none was taken.

        The messages of one call belong to one account and region.
        """
        if not acceptances:
            return
        loop = asyncio.get_running_loop()
        if self._task is None or self._task.done():
            self._wakeup = asyncio.Event()
            self._task = loop.create_task(self._run(), name="acceptance-writer")
        assert self._wakeup is not None
        future: asyncio.Future[None] = loop.create_future()
        self._pending.append(_Pending(settings, acceptances, future))
        self._idle.clear()
        self._wakeup.set()
        await future

    async def _run(self) -> None:
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

    async def _commit(self, batch: list[_Pending]) -> None:
        try:
            async with self._db.transaction() as conn:
                taken = await self._take_quotas(conn, batch)
                accepted = [acceptance for item in taken for acceptance in item.acceptances]
                queued = [(a.message, a.recipients if a.deliver else ()) for a in accepted]
                await messages_repo.insert_messages(conn, queued, now=self._clock.now())
                await events_repo.insert_events(conn, [e for a in accepted for e in a.events])
        except Exception as exc:
            logger.exception("committing %d accepted messages failed", len(batch))
            for item in batch:
                if not item.future.done():
                    item.future.set_exception(exc)
            return
        for item in batch:
            if item.future.done():
                continue  # the request went away; what was committed stays committed
            if item.error is not None:
                item.future.set_exception(item.error)
            else:
                item.future.set_result(None)

    async def _take_quotas(self, conn: AsyncConnection, batch: list[_Pending]) -> list[_Pending]:
        by_scope: dict[tuple[str, str], list[_Pending]] = defaultdict(list)
        for item in batch:
            first = item.acceptances[0].message
            by_scope[(first.account_id, first.region)].append(item)
        now = self._clock.now()
        accepted: list[_Pending] = []
        for (account_id, region), items in by_scope.items():
            settings = items[-1].settings
            allowance = await quotas_repo.lock_allowance(
                conn,
                account_id,
                region,
                max_send_rate=settings.max_send_rate,
                max_24_hour_send=settings.max_24_hour_send,
                now=now,
            )
            counted = 0
            for item in items:
                try:
                    counted += _take_call(allowance, item.acceptances)
                except ThrottlingError as error:
                    item.error = error
                    continue
                accepted.append(item)
            await quotas_repo.store_allowance(
                conn, account_id, region, allowance, newly_counted=counted, now=now
            )
        return accepted

    async def close(self) -> None:
        """Stop after committing what is pending (the HTTP server drains requests first)."""
        if self._task is not None:
            if self._pending or self._committing:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._idle.wait(), 30)
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None


def _take_call(allowance: Allowance, acceptances: Sequence[Acceptance]) -> int:
    """Take one call's recipients at once; return how many count against the daily quota.

    Mailbox-simulator messages count against the rate but not the daily quota.
    """
    total = sum(len(a.recipients) for a in acceptances)
    daily = sum(len(a.recipients) for a in acceptances if not a.message.to_simulator)
    allowance.take(daily, count_against_daily_quota=bool(daily))
    allowance.tokens -= total - daily
    return daily
