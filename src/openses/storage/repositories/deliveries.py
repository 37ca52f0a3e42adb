"""The delivery queue: per-recipient entries leased by workers.

A worker leases due entries for a while; while leased nobody else takes them.
A lease that runs out (dead or stalled worker) makes the entries due again, and
because every lease bumps ``lease_token``, the stale holder's late commit
matches no row and is refused (``finish`` returns False).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from openses.domain.messages import RecipientStatus
from openses.storage.tables import deliveries


@dataclass(frozen=True, slots=True)
class LeasedDelivery:
    id: int
    message_id: str
    recipient: str
    domain: str
    attempts: int
    lease_token: int


async def lease_due(
    conn: AsyncConnection,
    owner: str,
    *,
    now: dt.datetime,
    lease_for: dt.timedelta,
    limit: int,
) -> list[LeasedDelivery]:
    due = (
        select(deliveries.c.id)
        .where(
            deliveries.c.status == RecipientStatus.QUEUED.value,
            deliveries.c.next_attempt_at <= now,
            or_(deliveries.c.lease_expires_at.is_(None), deliveries.c.lease_expires_at <= now),
        )
        .order_by(deliveries.c.next_attempt_at, deliveries.c.id)
        .limit(limit)
    )
    if conn.dialect.name == "postgresql":
        # Workers on other processes and hosts skip what this one is taking.
        due = due.with_for_update(skip_locked=True)
    ids = [row.id for row in await conn.execute(due)]
    if not ids:
        return []
    await conn.execute(
        update(deliveries)
        .where(deliveries.c.id.in_(ids))
        .values(
            lease_owner=owner,
            lease_token=deliveries.c.lease_token + 1,
            lease_expires_at=now + lease_for,
        )
    )
    rows = await conn.execute(
        select(
            deliveries.c.id,
            deliveries.c.message_id,
            deliveries.c.recipient,
            deliveries.c.domain,
            deliveries.c.attempts,
            deliveries.c.lease_token,
        )
        .where(deliveries.c.id.in_(ids))
        .order_by(deliveries.c.id)
    )
    return [
        LeasedDelivery(r.id, r.message_id, r.recipient, r.domain, r.attempts, r.lease_token)
        for r in rows
    ]


async def finish(
    conn: AsyncConnection,
    delivery: LeasedDelivery,
    *,
    status: RecipientStatus,
    attempts: int,
    next_attempt_at: dt.datetime,
    last_response: str,
    now: dt.datetime,
) -> bool:
    """Record the attempt's result; False when the lease was lost (nothing is written)."""
    result = await conn.execute(
        update(deliveries)
        .where(
            deliveries.c.id == delivery.id,
            deliveries.c.lease_token == delivery.lease_token,
            deliveries.c.status == RecipientStatus.QUEUED.value,
        )
        .values(
            status=status.value,
            attempts=attempts,
            next_attempt_at=next_attempt_at,
            last_response=last_response[:2000],
            lease_owner=None,
            lease_expires_at=None,
            updated_at=now,
        )
    )
    return result.rowcount == 1


async def release(conn: AsyncConnection, leased: Sequence[LeasedDelivery]) -> None:
    """Give entries back to the queue at once (graceful shutdown)."""
    for delivery in leased:
        await conn.execute(
            update(deliveries)
            .where(
                deliveries.c.id == delivery.id,
                deliveries.c.lease_token == delivery.lease_token,
                deliveries.c.status == RecipientStatus.QUEUED.value,
            )
            .values(lease_owner=None, lease_expires_at=None)
        )


async def count_by_status(conn: AsyncConnection) -> dict[str, int]:
    rows = await conn.execute(
        select(deliveries.c.status, func.count()).group_by(deliveries.c.status)
    )
    return {status: int(count) for status, count in rows}


async def renew(
    conn: AsyncConnection, held: Sequence[LeasedDelivery], *, until: dt.datetime
) -> None:
    """Extend the leases this worker still holds (a heartbeat: a dead worker stops renewing)."""
    for delivery in held:
        await conn.execute(
            update(deliveries)
            .where(
                deliveries.c.id == delivery.id,
                deliveries.c.lease_token == delivery.lease_token,
                deliveries.c.status == RecipientStatus.QUEUED.value,
            )
            .values(lease_expires_at=until)
        )
