"""Apply Alembic migrations to the configured database at start."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, text

from openses.storage.engine import Database

_MIGRATIONS = Path(__file__).with_name("migrations")
# Any constant works: it only has to be the same in every openses process, so
# that two servers starting together against one PostgreSQL do not both migrate.
_ADVISORY_LOCK_ID = 0x0E5E5


def _alembic_config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def _upgrade(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _ADVISORY_LOCK_ID})
    command.upgrade(_alembic_config(connection), "head")


async def migrate(database: Database) -> None:
    async with database.transaction() as connection:
        await connection.run_sync(_upgrade)
