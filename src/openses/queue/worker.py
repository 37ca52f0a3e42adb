"""The delivery worker: lease due entries, deliver them, record what happened.

Several workers (in one process or many, on one host or many) share the queue
through leases (see ``storage/repositories/deliveries.py``). On shutdown the
worker stops leasing, lets in-flight deliveries finish for a grace period and
hands back whatever it still holds, so nothing waits for a lease to expire.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import os
import socket
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence

from openses.domain.clock import Clock
from openses.storage.engine import Database
from openses.storage.repositories import deliveries as queue_repo
from openses.storage.repositories.deliveries import LeasedDelivery

logger = logging.getLogger("openses.worker")

DeliverGroup = Callable[[Sequence[LeasedDelivery]], Awaitable[None]]


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class DeliveryWorker:
    def __init__(
        self,
        database: Database,
        clock: Clock,
        deliver_group: DeliverGroup,
        *,
        batch_size: int = 200,
        concurrency: int = 64,
        # Short leases, renewed while the work runs: a killed worker's entries come
        # back within a minute, a slow SMTP session keeps its lease as long as it lives.
        lease_for: dt.timedelta = dt.timedelta(seconds=60),
        idle_poll_seconds: float = 0.5,
    ) -> None:
        self._db = database
        self._clock = clock
        self._deliver_group = deliver_group
        self._batch_size = batch_size
        self._concurrency = concurrency
        self._slots = asyncio.Semaphore(concurrency)
        self._lease_for = lease_for
        self._idle_poll = idle_poll_seconds
        self.owner = worker_id()
        self._wakeup = asyncio.Event()
        self._stopping = asyncio.Event()
        self._in_flight: set[asyncio.Task[None]] = set()
        self._held: dict[int, LeasedDelivery] = {}
        self._task: asyncio.Task[None] | None = None
        self._heartbeat: asyncio.Task[None] | None = None

    def wake(self) -> None:
        """New work was queued by this process: look now rather than at the next poll."""
        self._wakeup.set()

    def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._task = loop.create_task(self._run(), name="delivery-worker")
        self._heartbeat = loop.create_task(self._renew_leases(), name="lease-heartbeat")

    async def _renew_leases(self) -> None:
        interval = self._lease_for.total_seconds() / 3
        while not self._stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), interval)
            held = list(self._held.values())
            if not held or self._stopping.is_set():
                continue
            try:
                async with self._db.transaction() as conn:
                    await queue_repo.renew(conn, held, until=self._clock.now() + self._lease_for)
            except Exception:
                logger.exception("renewing %d delivery leases failed", len(held))

    async def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                leased = await self._lease()
            except Exception:
                logger.exception("leasing from the delivery queue failed")
                leased = []
            if leased:
                self._dispatch(leased)
                continue
            self._wakeup.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), self._idle_poll)

    async def _lease(self) -> list[LeasedDelivery]:
        # Lease no more than there are free slots for, so nothing sits leased but idle.
        free = max(1, self._concurrency - len(self._in_flight))
        async with self._db.transaction() as conn:
            leased = await queue_repo.lease_due(
                conn,
                self.owner,
                now=self._clock.now(),
                lease_for=self._lease_for,
                limit=min(self._batch_size, free * 4),
            )
        for delivery in leased:
            self._held[delivery.id] = delivery
        return leased

    def _dispatch(self, leased: Sequence[LeasedDelivery]) -> None:
        # One SMTP transaction carries every recipient of a message at one domain.
        groups: dict[tuple[str, str], list[LeasedDelivery]] = defaultdict(list)
        for delivery in leased:
            groups[(delivery.message_id, delivery.domain)].append(delivery)
        for group in groups.values():
            task = asyncio.get_running_loop().create_task(self._deliver(group))
            self._in_flight.add(task)
            task.add_done_callback(self._in_flight.discard)

    async def _deliver(self, group: Sequence[LeasedDelivery]) -> None:
        async with self._slots:
            try:
                await self._deliver_group(group)
            except Exception:
                # The lease runs out and the entries come back: at-least-once delivery.
                logger.exception("delivering message %s failed", group[0].message_id)
            finally:
                for delivery in group:
                    self._held.pop(delivery.id, None)
            self._wakeup.set()

    async def stop(self, grace_seconds: float = 10.0) -> None:
        self._stopping.set()
        self._wakeup.set()
        if self._task is not None:
            await self._task
        if self._heartbeat is not None:
            await self._heartbeat
        if self._in_flight:
            _done, pending = await asyncio.wait(set(self._in_flight), timeout=grace_seconds)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        if self._held:
            async with self._db.transaction() as conn:
                await queue_repo.release(conn, list(self._held.values()))
            self._held.clear()
