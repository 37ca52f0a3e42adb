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

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection

from openses.domain.accounts import SendingSettings
from openses.domain.clock import Clock
from openses.domain.errors import ThrottlingError
from openses.domain.messages import AcceptedMessage
from openses.domain.quotas import Allowance
from openses.storage.batching import GroupCommitter, PendingWork
from openses.storage.engine import Database
from openses.storage.repositories import events as events_repo
from openses.storage.repositories import messages as messages_repo
from openses.storage.repositories import quotas as quotas_repo
from openses.storage.repositories.events import StoredEvent

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


@dataclass(kw_only=True, slots=True)
class _Pending(PendingWork):
    settings: SendingSettings
    acceptances: Sequence[Acceptance]


class AcceptanceWriter(GroupCommitter[_Pending]):
    def __init__(self, database: Database, clock: Clock) -> None:
        super().__init__(database, name="acceptance-writer", max_batch=_MAX_BATCH)
        self._clock = clock

    async def accept(self, settings: SendingSettings, acceptances: Sequence[Acceptance]) -> None:
        """Return once all the messages are committed; raise ThrottlingError if none was taken.

        The messages of one call belong to one account and region.
        """
        if not acceptances:
            return
        await self._submit(
            lambda future: _Pending(future=future, settings=settings, acceptances=acceptances)
        )

    async def _write(self, conn: AsyncConnection, batch: list[_Pending]) -> None:
        taken = await self._take_quotas(conn, batch)
        accepted = [acceptance for item in taken for acceptance in item.acceptances]
        queued = [(a.message, a.recipients if a.deliver else ()) for a in accepted]
        await messages_repo.insert_messages(conn, queued, now=self._clock.now())
        await events_repo.insert_events(conn, [e for a in accepted for e in a.events])

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


def _take_call(allowance: Allowance, acceptances: Sequence[Acceptance]) -> int:
    """Take one call's recipients at once; return how many count against the daily quota.

    Mailbox-simulator messages count against the rate but not the daily quota.
    """
    total = sum(len(a.recipients) for a in acceptances)
    daily = sum(len(a.recipients) for a in acceptances if not a.message.to_simulator)
    allowance.take(daily, count_against_daily_quota=bool(daily))
    allowance.tokens -= total - daily
    return daily
