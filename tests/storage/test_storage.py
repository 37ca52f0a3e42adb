"""Migrations, repositories and services against each storage engine."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, inspect

from openses.domain.accounts import SANDBOX_MAX_24_HOUR_SEND, SANDBOX_MAX_SEND_RATE
from openses.domain.clock import SystemClock
from openses.domain.errors import AlreadyExistsError, IdentityNotFoundError
from openses.domain.identities import IdentityType, VerificationStatus
from openses.services.registry import Services
from openses.services.scope import Scope
from openses.storage.engine import Database, create_engine
from openses.storage.migrate import migrate
from openses.storage.repositories.maintenance import delete_all_rows
from openses.storage.tables import metadata

Scenario = Callable[[Services], Awaitable[None]]


def run(database_url: str, scenario: Scenario, *, dev: bool = False) -> None:
    async def main() -> None:
        database = Database(create_engine(database_url))
        try:
            await migrate(database)
            async with database.transaction() as conn:
                await delete_all_rows(conn)  # PostgreSQL's database lives for the session
            await scenario(Services.build(database, SystemClock(), dev=dev))
        finally:
            await database.dispose()

    asyncio.run(main())


def test_migrations_create_every_table_and_run_twice(database_url: str) -> None:
    async def scenario(services: Services) -> None:
        await migrate(services.database)  # a second start migrates nothing and fails nothing
        async with services.database.read() as conn:
            names = await conn.run_sync(lambda sync: inspect(sync).get_table_names())
        assert {"accounts", "access_keys", "account_regions", "identities", "resource_tags",
                "alembic_version"} <= set(names)  # fmt: skip

    run(database_url, scenario)


def test_migrations_build_exactly_the_schema_the_code_declares(database_url: str) -> None:
    """A column added to tables.py without a migration (or the reverse) fails here."""

    def differences(sync: Connection) -> list[object]:
        context = MigrationContext.configure(sync, opts={"compare_type": False})
        found = compare_metadata(context, metadata)
        # SQLite cannot tell named unique constraints from indexes the same way PostgreSQL
        # does; only tables, columns and nullability matter here.
        return [d for d in found if isinstance(d, tuple) and d[0] in _SCHEMA_CHANGES] + [
            d for d in found if isinstance(d, list)
        ]

    async def scenario(services: Services) -> None:
        async with services.database.read() as conn:
            assert await conn.run_sync(differences) == []

    run(database_url, scenario)


_SCHEMA_CHANGES = {"add_table", "remove_table", "add_column", "remove_column"}


def test_new_accounts_start_in_the_sandbox_with_a_working_key(database_url: str) -> None:
    async def scenario(services: Services) -> None:
        account, key = await services.accounts.create_account("acme")
        assert len(account.account_id) == 12
        assert account.account_id.isdigit()
        assert len(key.access_key_id) == 20
        assert key.access_key_id.startswith("AKIA")
        assert len(key.secret_access_key) == 40
        found = await services.accounts.find_access_key(key.access_key_id)
        assert found is not None
        assert found.secret_access_key == key.secret_access_key
        settings = await services.accounts.sending_settings(Scope(account.account_id, "eu-west-1"))
        assert settings.sandbox
        assert settings.max_24_hour_send == SANDBOX_MAX_24_HOUR_SEND
        assert settings.max_send_rate == SANDBOX_MAX_SEND_RATE
        with pytest.raises(AlreadyExistsError):
            await services.accounts.create_account("acme")

    run(database_url, scenario)


def test_sending_settings_are_per_region(database_url: str) -> None:
    async def scenario(services: Services) -> None:
        account, _ = await services.accounts.create_account("regional")
        east, west = Scope(account.account_id, "us-east-1"), Scope(account.account_id, "us-west-2")
        await services.accounts.set_sending_enabled(east, False)
        assert not (await services.accounts.sending_settings(east)).sending_enabled
        assert (await services.accounts.sending_settings(west)).sending_enabled
        changed = await services.accounts.update_account(
            account.account_id, sandbox=False, max_send_rate=50
        )
        assert set(changed) == {"*", "us-east-1"}
        west_now = await services.accounts.sending_settings(west)
        assert not west_now.sandbox
        assert west_now.max_send_rate == 50
        east_now = await services.accounts.sending_settings(east)
        assert not east_now.sandbox
        assert not east_now.sending_enabled

    run(database_url, scenario)


def test_identities_are_scoped_by_account_and_region(database_url: str) -> None:
    async def scenario(services: Services) -> None:
        a, _ = await services.accounts.create_account("a")
        b, _ = await services.accounts.create_account("b")
        scope = Scope(a.account_id, "us-east-1")
        await services.identities.verify_email_address(scope, "Me@Example.com")
        await services.identities.verify_domain(scope, "Example.com")
        assert (await services.identities.get(scope, "example.COM")).name == "example.com"
        assert (await services.identities.get(scope, "Me@EXAMPLE.com")).name == "Me@example.com"
        with pytest.raises(IdentityNotFoundError):
            await services.identities.get(scope, "me@example.com")  # local part is case-sensitive
        for other in (Scope(a.account_id, "eu-west-1"), Scope(b.account_id, "us-east-1")):
            assert await services.identities.find(other, "example.com") is None

    run(database_url, scenario)


def test_identity_listing_pages_through_everything_once(database_url: str) -> None:
    async def scenario(services: Services) -> None:
        account, _ = await services.accounts.create_account("lister")
        scope = Scope(account.account_id, "us-east-1")
        names = [f"user{i}@example.com" for i in range(7)] + ["example.org"]
        for name in names:
            if "@" in name:
                await services.identities.verify_email_address(scope, name)
            else:
                await services.identities.verify_domain(scope, name)
        seen: list[str] = []
        token = None
        while True:
            page = await services.identities.list(scope, page_size=3, next_token=token)
            seen += [identity.name for identity in page.identities]
            token = page.next_token
            if token is None:
                break
        assert seen == names
        domains = await services.identities.list(
            scope, page_size=10, identity_type=IdentityType.DOMAIN
        )
        assert [i.name for i in domains.identities] == ["example.org"]
        matching = await services.identities.list(scope, page_size=10, name_contains="user1")
        assert [i.name for i in matching.identities] == ["user1@example.com"]

    run(database_url, scenario)


def test_new_identities_are_pending_outside_dev_mode_and_verified_in_it(database_url: str) -> None:
    async def pending(services: Services) -> None:
        account, _ = await services.accounts.create_account("p")
        identity = await services.identities.create_email_identity(
            Scope(account.account_id, "us-east-1"), "example.net"
        )
        assert identity.verification_status is VerificationStatus.PENDING
        assert len(identity.dkim_tokens) == 3

    async def verified(services: Services) -> None:
        account, _ = await services.accounts.create_account("v")
        identity = await services.identities.verify_email_address(
            Scope(account.account_id, "us-east-1"), "a@example.net"
        )
        assert identity.verification_status is VerificationStatus.SUCCESS

    run(database_url, pending)
    run(database_url, verified, dev=True)


def test_timestamps_come_back_timezone_aware(database_url: str) -> None:
    async def scenario(services: Services) -> None:
        account, _ = await services.accounts.create_account("t")
        scope = Scope(account.account_id, "us-east-1")
        await services.identities.verify_email_address(scope, "t@example.com")
        identity = await services.identities.get(scope, "t@example.com")
        assert identity.created_at.tzinfo is not None
        assert abs(identity.created_at - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=1)

    run(database_url, scenario)


def test_tags_replace_by_key_and_go_with_their_identity(database_url: str) -> None:
    async def scenario(services: Services) -> None:
        account, _ = await services.accounts.create_account("tags")
        scope = Scope(account.account_id, "us-east-1")
        await services.identities.create_email_identity(
            scope, "tagged.example", tags=[("team", "mail"), ("env", "dev")]
        )
        arn = f"arn:aws:ses:us-east-1:{account.account_id}:identity/tagged.example"
        await services.tags.tag(scope, arn, [("env", "prod"), ("owner", "ops")])
        assert await services.tags.list(scope, arn) == (
            ("team", "mail"), ("env", "prod"), ("owner", "ops"),
        )  # fmt: skip
        await services.tags.untag(scope, arn, ["team"])
        assert await services.tags.list(scope, arn) == (("env", "prod"), ("owner", "ops"))
        await services.identities.delete(scope, "tagged.example", must_exist=True)
        await services.identities.create_email_identity(scope, "tagged.example")
        assert await services.tags.list(scope, arn) == ()

    run(database_url, scenario)
