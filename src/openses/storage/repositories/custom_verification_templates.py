"""Custom verification e-mail templates of an account in a region."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from openses.domain.custom_verification import CustomVerificationTemplate
from openses.domain.errors import CustomVerificationTemplateAlreadyExistsError
from openses.storage.tables import custom_verification_templates as templates
from openses.storage.values import as_utc


def _template_of(row: Any) -> CustomVerificationTemplate:
    return CustomVerificationTemplate(
        account_id=row.account_id,
        region=row.region,
        name=row.name,
        from_address=row.from_address,
        subject=row.subject,
        content=row.content,
        success_url=row.success_url,
        failure_url=row.failure_url,
        created_at=as_utc(row.created_at),
    )


def _scope(account_id: str, region: str) -> ColumnElement[bool]:
    return (templates.c.account_id == account_id) & (templates.c.region == region)


def _values(template: CustomVerificationTemplate) -> dict[str, str]:
    return {
        "from_address": template.from_address,
        "subject": template.subject,
        "content": template.content,
        "success_url": template.success_url,
        "failure_url": template.failure_url,
    }


async def insert_template(conn: AsyncConnection, template: CustomVerificationTemplate) -> None:
    try:
        await conn.execute(
            insert(templates).values(
                account_id=template.account_id,
                region=template.region,
                name=template.name,
                created_at=template.created_at,
                **_values(template),
            )
        )
    except IntegrityError as exc:
        raise CustomVerificationTemplateAlreadyExistsError(template.name) from exc


async def get_template(
    conn: AsyncConnection, account_id: str, region: str, name: str
) -> CustomVerificationTemplate | None:
    row = (
        await conn.execute(
            select(templates).where(_scope(account_id, region), templates.c.name == name)
        )
    ).first()
    return None if row is None else _template_of(row)


async def replace_fields(conn: AsyncConnection, template: CustomVerificationTemplate) -> bool:
    """Store every field of ``template`` (found by account, region and name)."""
    result = await conn.execute(
        update(templates)
        .where(_scope(template.account_id, template.region), templates.c.name == template.name)
        .values(**_values(template))
    )
    return result.rowcount > 0


async def delete_template(conn: AsyncConnection, account_id: str, region: str, name: str) -> bool:
    result = await conn.execute(
        delete(templates).where(_scope(account_id, region), templates.c.name == name)
    )
    return result.rowcount > 0


async def count_templates(conn: AsyncConnection, account_id: str) -> int:
    """Across every region: SES's limit of 50 is per account."""
    result = await conn.execute(
        select(func.count()).select_from(templates).where(templates.c.account_id == account_id)
    )
    return int(result.scalar_one())


async def list_templates(
    conn: AsyncConnection, account_id: str, region: str, *, after_id: int, limit: int
) -> list[tuple[int, CustomVerificationTemplate]]:
    """Up to ``limit`` templates in creation order, with an id above ``after_id``."""
    rows = await conn.execute(
        select(templates)
        .where(_scope(account_id, region), templates.c.id > after_id)
        .order_by(templates.c.id)
        .limit(limit)
    )
    return [(row.id, _template_of(row)) for row in rows]
