"""E-mail templates of an account in a region."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from openses.domain.errors import TemplateAlreadyExistsError
from openses.domain.templates import EmailTemplate, TemplateContent
from openses.storage.tables import email_templates
from openses.storage.values import as_utc


def _template_of(row: Any) -> EmailTemplate:
    return EmailTemplate(
        account_id=row.account_id,
        region=row.region,
        name=row.name,
        content=TemplateContent(row.subject, row.text_part, row.html_part),
        created_at=as_utc(row.created_at),
    )


def _scope(account_id: str, region: str) -> ColumnElement[bool]:
    return (email_templates.c.account_id == account_id) & (email_templates.c.region == region)


def _content_values(content: TemplateContent) -> dict[str, str | None]:
    return {"subject": content.subject, "text_part": content.text, "html_part": content.html}


async def insert_template(conn: AsyncConnection, template: EmailTemplate) -> None:
    try:
        await conn.execute(
            insert(email_templates).values(
                account_id=template.account_id,
                region=template.region,
                name=template.name,
                created_at=template.created_at,
                **_content_values(template.content),
            )
        )
    except IntegrityError as exc:
        raise TemplateAlreadyExistsError(template.name, template.account_id) from exc


async def get_template(
    conn: AsyncConnection, account_id: str, region: str, name: str
) -> EmailTemplate | None:
    row = (
        await conn.execute(
            select(email_templates).where(
                _scope(account_id, region), email_templates.c.name == name
            )
        )
    ).first()
    return None if row is None else _template_of(row)


async def update_content(
    conn: AsyncConnection, account_id: str, region: str, name: str, content: TemplateContent
) -> bool:
    """Replace every part (omitted parts are removed, as UpdateTemplate does)."""
    result = await conn.execute(
        update(email_templates)
        .where(_scope(account_id, region), email_templates.c.name == name)
        .values(**_content_values(content))
    )
    return result.rowcount > 0


async def delete_template(conn: AsyncConnection, account_id: str, region: str, name: str) -> bool:
    result = await conn.execute(
        delete(email_templates).where(_scope(account_id, region), email_templates.c.name == name)
    )
    return result.rowcount > 0


async def count_templates(conn: AsyncConnection, account_id: str, region: str) -> int:
    result = await conn.execute(
        select(func.count()).select_from(email_templates).where(_scope(account_id, region))
    )
    return int(result.scalar_one())


async def list_templates(
    conn: AsyncConnection, account_id: str, region: str, *, before_id: int | None, limit: int
) -> list[tuple[int, EmailTemplate]]:
    """Up to ``limit`` templates, newest first, with an id below ``before_id`` if given."""
    query = select(email_templates).where(_scope(account_id, region))
    if before_id is not None:
        query = query.where(email_templates.c.id < before_id)
    rows = await conn.execute(query.order_by(email_templates.c.id.desc()).limit(limit))
    return [(row.id, _template_of(row)) for row in rows]
