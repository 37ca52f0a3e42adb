"""Storage tests run on both engines: embedded SQLite and PostgreSQL.

PostgreSQL comes from ``OPENSES_TEST_POSTGRES_URL`` (default: the local server
at 127.0.0.1:5432). Each test session creates its own database there and drops
it afterwards. Where no PostgreSQL answers the tests are skipped with the
reason, unless ``OPENSES_REQUIRE_POSTGRES=1`` (CI sets it): then they fail.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

DEFAULT_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


def _postgres_url() -> str:
    return os.environ.get("OPENSES_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)


async def _admin(statement: str) -> None:
    url = make_url(_postgres_url())
    connection = await asyncpg.connect(
        host=url.host, port=url.port or 5432, user=url.username, password=url.password,
        database=url.database or "postgres", timeout=5,
    )  # fmt: skip
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@pytest.fixture(scope="session")
def postgres_database_url() -> Iterator[str]:
    name = f"openses_test_{secrets.token_hex(4)}"
    try:
        asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        reason = f"PostgreSQL not reachable at {_postgres_url()}: {exc}"
        if os.environ.get("OPENSES_REQUIRE_POSTGRES") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    yield make_url(_postgres_url()).set(database=name).render_as_string(hide_password=False)
    asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'openses.db'}"
    base: str = request.getfixturevalue("postgres_database_url")
    return base
