"""Identities of an account in a region."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from openses.domain.errors import AlreadyExistsError
from openses.domain.identities import (
    DkimKeyLength,
    DkimOrigin,
    Identity,
    IdentityType,
    MailFromBehavior,
    VerificationStatus,
)
from openses.storage.tables import identities
from openses.storage.values import as_utc


def _utc_or_none(value: Any) -> Any:
    return None if value is None else as_utc(value)


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
        verification_started_at=_utc_or_none(row.verification_started_at),
        last_checked_at=_utc_or_none(row.last_checked_at),
        last_success_at=_utc_or_none(row.last_success_at),
        verification_error=row.verification_error,
        next_check_at=_utc_or_none(row.next_check_at),
        check_failures=row.check_failures,
        dkim_origin=DkimOrigin(row.dkim_origin),
        dkim_current_key_length=(
            DkimKeyLength(row.dkim_current_key_length) if row.dkim_current_key_length else None
        ),
        dkim_next_key_length=(
            DkimKeyLength(row.dkim_next_key_length) if row.dkim_next_key_length else None
        ),
        dkim_key_generated_at=_utc_or_none(row.dkim_key_generated_at),
        dkim_verification_started_at=_utc_or_none(row.dkim_verification_started_at),
        mail_from_domain=row.mail_from_domain,
        mail_from_status=(
            VerificationStatus(row.mail_from_status) if row.mail_from_status else None
        ),
        mail_from_behavior=MailFromBehavior(row.mail_from_behavior),
        mail_from_started_at=_utc_or_none(row.mail_from_started_at),
        bounce_topic=row.bounce_topic,
        complaint_topic=row.complaint_topic,
        delivery_topic=row.delivery_topic,
        headers_in_bounce=bool(row.headers_in_bounce),
        headers_in_complaint=bool(row.headers_in_complaint),
        headers_in_delivery=bool(row.headers_in_delivery),
    )


def _columns_of(identity: Identity) -> dict[str, Any]:
    """Every stored column of ``identity`` (tags live in their own table)."""
    return {
        "account_id": identity.account_id,
        "region": identity.region,
        "name": identity.name,
        "identity_type": identity.identity_type.value,
        "verification_status": identity.verification_status.value,
        "verification_token": identity.verification_token,
        "dkim_tokens": " ".join(identity.dkim_tokens),
        "dkim_enabled": identity.dkim_enabled,
        "dkim_status": identity.dkim_status.value,
        "feedback_forwarding_enabled": identity.feedback_forwarding_enabled,
        "configuration_set_name": identity.configuration_set_name,
        "created_at": identity.created_at,
        "verification_started_at": identity.verification_started_at,
        "last_checked_at": identity.last_checked_at,
        "last_success_at": identity.last_success_at,
        "verification_error": identity.verification_error,
        "next_check_at": identity.next_check_at,
        "check_failures": identity.check_failures,
        "dkim_origin": identity.dkim_origin.value,
        "dkim_current_key_length": (
            identity.dkim_current_key_length.value if identity.dkim_current_key_length else None
        ),
        "dkim_next_key_length": (
            identity.dkim_next_key_length.value if identity.dkim_next_key_length else None
        ),
        "dkim_key_generated_at": identity.dkim_key_generated_at,
        "dkim_verification_started_at": identity.dkim_verification_started_at,
        "mail_from_domain": identity.mail_from_domain,
        "mail_from_status": identity.mail_from_status.value if identity.mail_from_status else None,
        "mail_from_behavior": identity.mail_from_behavior.value,
        "mail_from_started_at": identity.mail_from_started_at,
        "bounce_topic": identity.bounce_topic,
        "complaint_topic": identity.complaint_topic,
        "delivery_topic": identity.delivery_topic,
        "headers_in_bounce": identity.headers_in_bounce,
        "headers_in_complaint": identity.headers_in_complaint,
        "headers_in_delivery": identity.headers_in_delivery,
    }


def _scope(account_id: str, region: str) -> ColumnElement[bool]:
    return (identities.c.account_id == account_id) & (identities.c.region == region)


async def insert_identity(conn: AsyncConnection, identity: Identity) -> None:
    try:
        await _insert(conn, identity)
    except IntegrityError as exc:
        raise AlreadyExistsError(f"Email identity {identity.name} already exist.") from exc


async def _insert(conn: AsyncConnection, identity: Identity) -> None:
    await conn.execute(insert(identities).values(**_columns_of(identity)))


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
    """Set raw column values (strings for enums); prefer ``save_identity`` for whole records."""
    await conn.execute(
        update(identities)
        .where(_scope(account_id, region), identities.c.name == name)
        .values(**values)
    )


async def save_identity(conn: AsyncConnection, identity: Identity) -> bool:
    """Write every column of an existing identity (found by scope and name); False if gone."""
    values = _columns_of(identity)
    for key in ("account_id", "region", "name", "created_at"):
        del values[key]
    result = await conn.execute(
        update(identities)
        .where(_scope(identity.account_id, identity.region), identities.c.name == identity.name)
        .values(**values)
    )
    return result.rowcount > 0


async def identities_due(conn: AsyncConnection, now: Any, limit: int) -> list[Identity]:
    """Identities whose next DNS check is due, across every account, soonest first."""
    rows = await conn.execute(
        select(identities)
        .where(identities.c.next_check_at.is_not(None), identities.c.next_check_at <= now)
        .order_by(identities.c.next_check_at)
        .limit(limit)
    )
    return [_identity_of(row) for row in rows]


async def delete_scope(conn: AsyncConnection, account_id: str, region: str) -> None:
    await conn.execute(delete(identities).where(_scope(account_id, region)))
