"""Easy DKIM public keys, as openses's DNS responder serves them under ``<selector>.dkim.<zone>``.

Selectors are Easy DKIM tokens (32 random characters), unique across every account,
so a selector alone finds its key. A key that no longer signs keeps its row with
``retired_at`` set: signatures made with it before a rotation must keep verifying.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from openses.storage.tables import dkim_published_keys
from openses.storage.values import as_utc


@dataclass(frozen=True, slots=True)
class PublishedKey:
    selector: str
    account_id: str
    region: str
    domain: str
    public_key: str  # base64 of the DER SubjectPublicKeyInfo: the ``p=`` tag
    created_at: dt.datetime
    retired_at: dt.datetime | None


def _key_of(row: Any) -> PublishedKey:
    return PublishedKey(
        selector=row.selector,
        account_id=row.account_id,
        region=row.region,
        domain=row.domain,
        public_key=row.public_key,
        created_at=as_utc(row.created_at),
        retired_at=None if row.retired_at is None else as_utc(row.retired_at),
    )


async def publish_key(
    conn: AsyncConnection,
    account_id: str,
    region: str,
    domain: str,
    selectors: Sequence[str],
    public_key: str,
    now: dt.datetime,
) -> None:
    """Publish ``public_key`` under each selector, replacing what those selectors served."""
    if not selectors:
        return
    await conn.execute(
        delete(dkim_published_keys).where(dkim_published_keys.c.selector.in_(list(selectors)))
    )
    await conn.execute(
        insert(dkim_published_keys),
        [
            {
                "selector": selector,
                "account_id": account_id,
                "region": region,
                "domain": domain,
                "public_key": public_key,
                "created_at": now,
                "retired_at": None,
            }
            for selector in selectors
        ],
    )


async def retire_domain_keys(
    conn: AsyncConnection,
    account_id: str,
    region: str,
    domain: str,
    now: dt.datetime,
    *,
    keep: Sequence[str] = (),
) -> None:
    """Mark the domain's keys retired (still served), except those under ``keep``."""
    await conn.execute(
        update(dkim_published_keys)
        .where(
            dkim_published_keys.c.account_id == account_id,
            dkim_published_keys.c.region == region,
            dkim_published_keys.c.domain == domain,
            dkim_published_keys.c.retired_at.is_(None),
            dkim_published_keys.c.selector.not_in(list(keep)),
        )
        .values(retired_at=now)
    )


async def lookup_public_key(conn: AsyncConnection, selector: str) -> PublishedKey | None:
    """The key published under ``selector`` (retired or not), or ``None``."""
    row = (
        await conn.execute(
            select(dkim_published_keys).where(dkim_published_keys.c.selector == selector.lower())
        )
    ).first()
    return None if row is None else _key_of(row)


async def domain_keys(
    conn: AsyncConnection, account_id: str, region: str, domain: str
) -> list[PublishedKey]:
    """Every key published for the domain, oldest first."""
    rows = await conn.execute(
        select(dkim_published_keys)
        .where(
            dkim_published_keys.c.account_id == account_id,
            dkim_published_keys.c.region == region,
            dkim_published_keys.c.domain == domain,
        )
        .order_by(dkim_published_keys.c.created_at, dkim_published_keys.c.selector)
    )
    return [_key_of(row) for row in rows]


async def delete_domain_keys(
    conn: AsyncConnection, account_id: str, region: str, domain: str
) -> None:
    await conn.execute(
        delete(dkim_published_keys).where(
            dkim_published_keys.c.account_id == account_id,
            dkim_published_keys.c.region == region,
            dkim_published_keys.c.domain == domain,
        )
    )
