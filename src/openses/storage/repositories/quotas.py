"""Send quotas shared by every process on one database: a rate bucket and a 24-hour count.

Both live in rows that the sending transaction locks (SELECT ... FOR UPDATE on
PostgreSQL; SQLite's write transactions begin IMMEDIATE), so several server
processes cannot together exceed what one account may send.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from openses.domain.errors import DailyQuotaExceededError, MaximumSendRateExceededError
from openses.storage.tables import send_rate_buckets, sent_recipients
from openses.storage.values import as_utc

_DAY = dt.timedelta(hours=24)


def _insert_for(conn: AsyncConnection) -> type[postgresql.Insert] | type[sqlite.Insert]:
    return postgresql.Insert if conn.dialect.name == "postgresql" else sqlite.Insert


async def _locked_tokens(
    conn: AsyncConnection, account_id: str, region: str, capacity: float, now: dt.datetime
) -> tuple[float, dt.datetime]:
    insert_cls = _insert_for(conn)
    await conn.execute(
        insert_cls(send_rate_buckets)
        .values(account_id=account_id, region=region, tokens=capacity, refilled_at=now)
        .on_conflict_do_nothing()
    )
    query = select(send_rate_buckets.c.tokens, send_rate_buckets.c.refilled_at).where(
        send_rate_buckets.c.account_id == account_id, send_rate_buckets.c.region == region
    )
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    row = (await conn.execute(query)).one()
    return float(row.tokens), as_utc(row.refilled_at)


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


async def reserve_send(
    conn: AsyncConnection,
    account_id: str,
    region: str,
    recipients: int,
    *,
    max_send_rate: float,
    max_24_hour_send: float,
    count_against_daily_quota: bool,
    now: dt.datetime,
) -> None:
    """Take ``recipients`` from the account's allowance or raise a throttling error.

    The rate is a token bucket holding one second of sending: a send goes through
    while the bucket is not in debt and may take it into debt, as SES lets a
    50-recipient message through at 1/s and then refuses sends until it is repaid.
    """
    capacity = max(1.0, max_send_rate)
    tokens, refilled_at = await _locked_tokens(conn, account_id, region, capacity, now)
    elapsed = max(0.0, (now - refilled_at).total_seconds())
    tokens = min(capacity, tokens + elapsed * max_send_rate)
    if tokens < 1.0:
        raise MaximumSendRateExceededError
    if count_against_daily_quota:
        sent = await sent_last_24_hours(conn, account_id, region, now)
        if sent + recipients > max_24_hour_send:
            raise DailyQuotaExceededError
        minute = now.replace(second=0, microsecond=0)
        insert_cls = _insert_for(conn)
        statement = insert_cls(sent_recipients).values(
            account_id=account_id, region=region, minute=minute, recipients=recipients
        )
        await conn.execute(
            statement.on_conflict_do_update(
                index_elements=["account_id", "region", "minute"],
                set_={"recipients": sent_recipients.c.recipients + recipients},
            )
        )
    await conn.execute(
        update(send_rate_buckets)
        .where(send_rate_buckets.c.account_id == account_id, send_rate_buckets.c.region == region)
        .values(tokens=tokens - recipients, refilled_at=now)
    )
