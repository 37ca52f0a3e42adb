"""Tags of any resource, keyed by its ARN."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, delete, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from openses.storage.tables import resource_tags


def _scope(account_id: str, region: str, arn: str) -> ColumnElement[bool]:
    return (
        (resource_tags.c.account_id == account_id)
        & (resource_tags.c.region == region)
        & (resource_tags.c.resource_arn == arn)
    )


async def get_tags(
    conn: AsyncConnection, account_id: str, region: str, arn: str
) -> tuple[tuple[str, str], ...]:
    rows = await conn.execute(
        select(resource_tags.c.key, resource_tags.c.value)
        .where(_scope(account_id, region, arn))
        .order_by(resource_tags.c.position)
    )
    return tuple((row.key, row.value) for row in rows)


async def replace_tags(
    conn: AsyncConnection,
    account_id: str,
    region: str,
    arn: str,
    tags: Sequence[tuple[str, str]],
) -> None:
    await conn.execute(delete(resource_tags).where(_scope(account_id, region, arn)))
    if tags:
        await conn.execute(
            insert(resource_tags),
            [
                {
                    "account_id": account_id,
                    "region": region,
                    "resource_arn": arn,
                    "key": key,
                    "value": value,
                    "position": position,
                }
                for position, (key, value) in enumerate(tags)
            ],
        )
