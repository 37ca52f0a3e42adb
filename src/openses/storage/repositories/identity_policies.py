"""Sending authorization policies, attached by name to one identity of an account in a region."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import ColumnElement, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from openses.storage.tables import identity_policies


def _of_identity(account_id: str, region: str, identity: str) -> ColumnElement[bool]:
    return (
        (identity_policies.c.account_id == account_id)
        & (identity_policies.c.region == region)
        & (identity_policies.c.identity == identity)
    )


async def get_policies(
    conn: AsyncConnection,
    account_id: str,
    region: str,
    identity: str,
    names: Sequence[str] | None = None,
) -> dict[str, str]:
    """The identity's policies by name (those among ``names`` when given), in name order."""
    query = select(identity_policies.c.name, identity_policies.c.policy).where(
        _of_identity(account_id, region, identity)
    )
    if names is not None:
        query = query.where(identity_policies.c.name.in_(list(names)))
    rows = await conn.execute(query.order_by(identity_policies.c.name))
    return {row.name: row.policy for row in rows}


async def list_names(
    conn: AsyncConnection, account_id: str, region: str, identity: str
) -> list[str]:
    rows = await conn.execute(
        select(identity_policies.c.name)
        .where(_of_identity(account_id, region, identity))
        .order_by(identity_policies.c.name)
    )
    return [row.name for row in rows]


async def count_policies(conn: AsyncConnection, account_id: str, region: str, identity: str) -> int:
    count = await conn.scalar(
        select(func.count())
        .select_from(identity_policies)
        .where(_of_identity(account_id, region, identity))
    )
    return int(count or 0)


async def insert_policy(
    conn: AsyncConnection,
    account_id: str,
    region: str,
    identity: str,
    name: str,
    policy: str,
    now: dt.datetime,
) -> None:
    await conn.execute(
        insert(identity_policies).values(
            account_id=account_id,
            region=region,
            identity=identity,
            name=name,
            policy=policy,
            created_at=now,
            updated_at=now,
        )
    )


async def update_policy(
    conn: AsyncConnection,
    account_id: str,
    region: str,
    identity: str,
    name: str,
    policy: str,
    now: dt.datetime,
) -> bool:
    """Replace the policy's text; False when no such policy exists."""
    result = await conn.execute(
        update(identity_policies)
        .where(_of_identity(account_id, region, identity) & (identity_policies.c.name == name))
        .values(policy=policy, updated_at=now)
    )
    return bool(result.rowcount)


async def delete_policy(
    conn: AsyncConnection, account_id: str, region: str, identity: str, name: str
) -> bool:
    result = await conn.execute(
        delete(identity_policies).where(
            _of_identity(account_id, region, identity) & (identity_policies.c.name == name)
        )
    )
    return bool(result.rowcount)


async def delete_all(conn: AsyncConnection, account_id: str, region: str, identity: str) -> None:
    """Every policy of the identity (the identity itself is being deleted)."""
    await conn.execute(delete(identity_policies).where(_of_identity(account_id, region, identity)))
