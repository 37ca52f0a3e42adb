"""DKIM private keys of domain identities."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from openses.storage.tables import dkim_keys


@dataclass(frozen=True, slots=True)
class StoredDkimKey:
    domain: str
    selector: str
    private_key_pem: str


async def put_key(
    conn: AsyncConnection,
    account_id: str,
    region: str,
    key: StoredDkimKey,
    now: dt.datetime,
) -> None:
    await delete_key(conn, account_id, region, key.domain)
    await conn.execute(
        insert(dkim_keys).values(
            account_id=account_id,
            region=region,
            domain=key.domain,
            selector=key.selector,
            private_key=key.private_key_pem,
            created_at=now,
        )
    )


async def get_key(
    conn: AsyncConnection, account_id: str, region: str, domain: str
) -> StoredDkimKey | None:
    row = (
        await conn.execute(
            select(dkim_keys).where(
                dkim_keys.c.account_id == account_id,
                dkim_keys.c.region == region,
                dkim_keys.c.domain == domain,
            )
        )
    ).first()
    return None if row is None else StoredDkimKey(row.domain, row.selector, row.private_key)


async def delete_key(conn: AsyncConnection, account_id: str, region: str, domain: str) -> None:
    await conn.execute(
        delete(dkim_keys).where(
            dkim_keys.c.account_id == account_id,
            dkim_keys.c.region == region,
            dkim_keys.c.domain == domain,
        )
    )
