"""Identities of an account in a region."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from openses.domain.errors import AlreadyExistsError
from openses.domain.identities import Identity, IdentityType, VerificationStatus
from openses.storage.tables import identities
from openses.storage.values import as_utc


def _identity_of(row: Any) -> Identity:
    return Identity(
        account_id=row.account_id,
        region=row.region,
        name=row.name,
        identity_type=IdentityType(row.identity_type),
        verification_status=VerificationStatus(row.verification_status),
        created_at=as_utc(row.created_at),
        verification_token=row.verification_token,
        dkim_tokens=tuple(row.dkim_tokens.split()) if row.dkim_tokens else (),
        dkim_enabled=bool(row.dkim_enabled),
        dkim_status=VerificationStatus(row.dkim_status),
        feedback_forwarding_enabled=bool(row.feedback_forwarding_enabled),
        configuration_set_name=row.configuration_set_name,
    )


def _scope(account_id: str, region: str) -> ColumnElement[bool]:
    return (identities.c.account_id == account_id) & (identities.c.region == region)


async def insert_identity(conn: AsyncConnection, identity: Identity) -> None:
    try:
        await _insert(conn, identity)
    except IntegrityError as exc:
        raise AlreadyExistsError(f"Email identity {identity.name} already exist.") from exc


async def _insert(conn: AsyncConnection, identity: Identity) -> None:
    await conn.execute(
        insert(identities).values(
            account_id=identity.account_id,
            region=identity.region,
            name=identity.name,
            identity_type=identity.identity_type.value,
            verification_status=identity.verification_status.value,
            verification_token=identity.verification_token,
            dkim_tokens=" ".join(identity.dkim_tokens),
            dkim_enabled=identity.dkim_enabled,
            dkim_status=identity.dkim_status.value,
            feedback_forwarding_enabled=identity.feedback_forwarding_enabled,
            configuration_set_name=identity.configuration_set_name,
            created_at=identity.created_at,
        )
    )


async def get_identity(
    conn: AsyncConnection, account_id: str, region: str, name: str
) -> Identity | None:
    row = (
        await conn.execute(
            select(identities).where(_scope(account_id, region), identities.c.name == name)
        )
    ).first()
    return None if row is None else _identity_of(row)


async def get_identities(
    conn: AsyncConnection, account_id: str, region: str, names: list[str]
) -> dict[str, Identity]:
    if not names:
        return {}
    rows = await conn.execute(
        select(identities).where(_scope(account_id, region), identities.c.name.in_(names))
    )
    return {row.name: _identity_of(row) for row in rows}


async def count_identities(conn: AsyncConnection, account_id: str, region: str) -> int:
    result = await conn.execute(
        select(func.count()).select_from(identities).where(_scope(account_id, region))
    )
    return int(result.scalar_one())


async def list_identities(
    conn: AsyncConnection,
    account_id: str,
    region: str,
    *,
    after_id: int,
    limit: int,
    identity_type: IdentityType | None = None,
    verification_status: VerificationStatus | None = None,
    name_contains: str | None = None,
) -> list[tuple[int, Identity]]:
    """Up to ``limit`` identities with an id above ``after_id``, oldest first."""
    query = select(identities).where(_scope(account_id, region), identities.c.id > after_id)
    if name_contains:
        query = query.where(identities.c.name.contains(name_contains, autoescape=True))
    if identity_type is not None:
        query = query.where(identities.c.identity_type == identity_type.value)
    if verification_status is not None:
        query = query.where(identities.c.verification_status == verification_status.value)
    rows = await conn.execute(query.order_by(identities.c.id).limit(limit))
    return [(row.id, _identity_of(row)) for row in rows]


async def delete_identity(conn: AsyncConnection, account_id: str, region: str, name: str) -> bool:
    result = await conn.execute(
        delete(identities).where(_scope(account_id, region), identities.c.name == name)
    )
    return result.rowcount > 0


async def update_identity(
    conn: AsyncConnection, account_id: str, region: str, name: str, **values: Any
) -> None:
    await conn.execute(
        update(identities)
        .where(_scope(account_id, region), identities.c.name == name)
        .values(**values)
    )


async def delete_scope(conn: AsyncConnection, account_id: str, region: str) -> None:
    await conn.execute(delete(identities).where(_scope(account_id, region)))
