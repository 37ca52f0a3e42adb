"""Accounts, access keys and per-region sending settings."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from openses.domain.accounts import AccessKey, Account, SendingSettings
from openses.domain.errors import AlreadyExistsError
from openses.storage.tables import access_keys, account_regions, accounts
from openses.storage.values import as_utc as _aware

_SETTING_COLUMNS = ("sandbox", "max_24_hour_send", "max_send_rate", "sending_enabled")


def _settings_of(row: Any) -> SendingSettings:
    return SendingSettings(
        sandbox=bool(row.sandbox),
        max_24_hour_send=float(row.max_24_hour_send),
        max_send_rate=float(row.max_send_rate),
        sending_enabled=bool(row.sending_enabled),
    )


def _settings_values(settings: SendingSettings) -> dict[str, Any]:
    return {column: getattr(settings, column) for column in _SETTING_COLUMNS}


async def insert_account(
    conn: AsyncConnection, account: Account, defaults: SendingSettings
) -> None:
    try:
        await conn.execute(
            insert(accounts).values(
                account_id=account.account_id,
                name=account.name,
                created_at=account.created_at,
                **_settings_values(defaults),
            )
        )
    except IntegrityError as exc:
        raise AlreadyExistsError(
            f"An account named {account.name} or with id {account.account_id} already exists."
        ) from exc


async def get_account(conn: AsyncConnection, account_id: str) -> Account | None:
    row = (await conn.execute(select(accounts).where(accounts.c.account_id == account_id))).first()
    return None if row is None else Account(row.account_id, row.name, _aware(row.created_at))


async def find_account_by_name(conn: AsyncConnection, name: str) -> Account | None:
    row = (await conn.execute(select(accounts).where(accounts.c.name == name))).first()
    return None if row is None else Account(row.account_id, row.name, _aware(row.created_at))


async def list_accounts(conn: AsyncConnection) -> list[Account]:
    rows = await conn.execute(select(accounts).order_by(accounts.c.created_at, accounts.c.name))
    return [Account(r.account_id, r.name, _aware(r.created_at)) for r in rows]


async def get_default_settings(conn: AsyncConnection, account_id: str) -> SendingSettings | None:
    row = (await conn.execute(select(accounts).where(accounts.c.account_id == account_id))).first()
    return None if row is None else _settings_of(row)


async def get_region_settings(
    conn: AsyncConnection, account_id: str, region: str
) -> SendingSettings | None:
    """The account's settings in ``region``, falling back to its defaults."""
    row = (
        await conn.execute(
            select(account_regions).where(
                account_regions.c.account_id == account_id, account_regions.c.region == region
            )
        )
    ).first()
    if row is not None:
        return _settings_of(row)
    return await get_default_settings(conn, account_id)


async def list_region_names(conn: AsyncConnection, account_id: str) -> list[str]:
    rows = await conn.execute(
        select(account_regions.c.region).where(account_regions.c.account_id == account_id)
    )
    return [r.region for r in rows]


async def put_region_settings(
    conn: AsyncConnection, account_id: str, region: str, settings: SendingSettings
) -> None:
    values = _settings_values(settings)
    result = await conn.execute(
        update(account_regions)
        .where(account_regions.c.account_id == account_id, account_regions.c.region == region)
        .values(**values)
    )
    if result.rowcount == 0:
        await conn.execute(
            insert(account_regions).values(account_id=account_id, region=region, **values)
        )


async def put_default_settings(
    conn: AsyncConnection, account_id: str, settings: SendingSettings
) -> None:
    await conn.execute(
        update(accounts)
        .where(accounts.c.account_id == account_id)
        .values(**_settings_values(settings))
    )


async def insert_access_key(conn: AsyncConnection, key: AccessKey) -> None:
    await conn.execute(
        insert(access_keys).values(
            access_key_id=key.access_key_id,
            account_id=key.account_id,
            secret_access_key=key.secret_access_key,
            created_at=key.created_at,
        )
    )


async def get_access_key(conn: AsyncConnection, access_key_id: str) -> AccessKey | None:
    row = (
        await conn.execute(select(access_keys).where(access_keys.c.access_key_id == access_key_id))
    ).first()
    if row is None:
        return None
    return AccessKey(
        row.access_key_id, row.account_id, row.secret_access_key, _aware(row.created_at)
    )


async def list_access_keys(conn: AsyncConnection, account_id: str) -> list[AccessKey]:
    rows = await conn.execute(
        select(access_keys)
        .where(access_keys.c.account_id == account_id)
        .order_by(access_keys.c.created_at)
    )
    return [
        AccessKey(r.access_key_id, r.account_id, r.secret_access_key, _aware(r.created_at))
        for r in rows
    ]


async def delete_access_key(conn: AsyncConnection, access_key_id: str) -> bool:
    result = await conn.execute(
        delete(access_keys).where(access_keys.c.access_key_id == access_key_id)
    )
    return result.rowcount > 0
