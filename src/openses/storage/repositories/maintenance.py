"""Whole-database operations."""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncConnection

from openses.storage.tables import metadata


async def delete_all_rows(conn: AsyncConnection) -> None:
    """Empty every table (children first); the schema and its migration state stay."""
    for table in reversed(metadata.sorted_tables):
        await conn.execute(delete(table))
