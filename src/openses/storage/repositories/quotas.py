"""Send quotas shared by every process on one database: a rate bucket and a 24-hour count.

Both live in rows that the accepting transaction locks (SELECT ... FOR UPDATE on
PostgreSQL; SQLite's write transactions begin IMMEDIATE), so several server
processes cannot together exceed what one account may send. The arithmetic is
``openses.domain.quotas.Allowance``.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from openses.domain.quotas import Allowance
from openses.storage.tables import send_rate_buckets, sent_recipients
from openses.storage.values import as_utc

_DAY = dt.timedelta(hours=24)


def _insert_for(conn: AsyncConnection) -> type[postgresql.Insert] | type[sqlite.Insert]:
    return postgresql.Insert if conn.dialect.name == "postgresql" else sqlite.Insert


async def sent_last_24_hours(
    conn: AsyncConnection, account_id: str, region: str, now: dt.datetime
) -> int:
    result = await conn.execute(
        select(func.coalesce(func.sum(sent_recipients.c.recipients), 0)).where(
            sent_recipients.c.account_id == account_id,
            sent_recipients.c.region == region,
            sent_recipients.c.minute > now - _DAY,
        )
    )
    return int(result.scalar_one())


async def lock_allowance(
    conn: AsyncConnection,
    account_id: str,
    region: str,
    *,
    max_send_rate: float,
    max_24_hour_send: float,
    now: dt.datetime,
) -> Allowance:
    """The account's allowance now, its bucket row locked until the transaction ends."""
    capacity = max(1.0, max_send_rate)
    await conn.execute(
        _insert_for(conn)(send_rate_buckets)
        .values(account_id=account_id, region=region, tokens=capacity, refilled_at=now)
        .on_conflict_do_nothing()
    )
    query = select(send_rate_buckets.c.tokens, send_rate_buckets.c.refilled_at).where(
        send_rate_buckets.c.account_id == account_id, send_rate_buckets.c.region == region
    )
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    row = (await conn.execute(query)).one()
    return Allowance.refilled(
        float(row.tokens),
        (now - as_utc(row.refilled_at)).total_seconds(),
        await sent_last_24_hours(conn, account_id, region, now),
        max_send_rate=max_send_rate,
        max_24_hour_send=max_24_hour_send,
    )


async def store_allowance(
    conn: AsyncConnection,
    account_id: str,
    region: str,
    allowance: Allowance,
    *,
    newly_counted: int,
    now: dt.datetime,
) -> None:
    """Write the bucket back and add ``newly_counted`` recipients to this minute's count."""
    await conn.execute(
        update(send_rate_buckets)
        .where(send_rate_buckets.c.account_id == account_id, send_rate_buckets.c.region == region)
        .values(tokens=allowance.tokens, refilled_at=now)
    )
    if newly_counted:
        statement = _insert_for(conn)(sent_recipients).values(
            account_id=account_id,
            region=region,
            minute=now.replace(second=0, microsecond=0),
            recipients=newly_counted,
        )
        await conn.execute(
            statement.on_conflict_do_update(
                index_elements=["account_id", "region", "minute"],
                set_={"recipients": sent_recipients.c.recipients + newly_counted},
            )
        )
