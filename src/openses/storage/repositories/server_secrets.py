"""Secrets the server keeps for itself, one value per name, shared by every process.

The first process that needs a secret creates it; processes racing to create it
all end up with the one value that was inserted first (``ON CONFLICT DO NOTHING``,
then read back), so links signed by one process verify in every other.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from openses.storage.tables import server_secrets


def _insert_for(conn: AsyncConnection) -> type[postgresql.Insert] | type[sqlite.Insert]:
    return postgresql.Insert if conn.dialect.name == "postgresql" else sqlite.Insert


async def get_secret(conn: AsyncConnection, name: str) -> str | None:
    row = (
        await conn.execute(select(server_secrets.c.value).where(server_secrets.c.name == name))
    ).first()
    return None if row is None else str(row.value)


async def get_or_create_secret(
    conn: AsyncConnection, name: str, candidate: str, now: dt.datetime
) -> str:
    """The stored secret ``name``; ``candidate`` is stored first if there is none yet."""
    await conn.execute(
        _insert_for(conn)(server_secrets)
        .values(name=name, value=candidate, created_at=now)
        .on_conflict_do_nothing(index_elements=[server_secrets.c.name])
    )
    value = await get_secret(conn, name)
    assert value is not None  # inserted above, or by whoever won the race
    return value
