"""Accepted messages and their per-recipient queue entries, written in one transaction."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from openses.domain.messages import AcceptedMessage, Destination, RecipientStatus
from openses.storage.tables import deliveries, messages
from openses.storage.values import as_utc


def _message_row(message: AcceptedMessage) -> dict[str, Any]:
    return {
        "message_id": message.message_id,
        "account_id": message.account_id,
        "region": message.region,
        "source": message.source,
        "feedback_address": message.feedback_address,
        "from_address": message.from_address,
        "destination": json.dumps(
            {
                "to": list(message.destination.to),
                "cc": list(message.destination.cc),
                "bcc": list(message.destination.bcc),
            }
        ),
        "raw": message.raw,
        "headers": json.dumps([list(pair) for pair in message.headers]),
        "common_headers": json.dumps(message.common_headers),
        "accepted_at": message.accepted_at,
        "source_arn": message.source_arn,
        "sending_account_id": message.sending_account_id,
        "source_ip": message.source_ip,
        "caller_identity": message.caller_identity,
        "configuration_set_name": message.configuration_set_name,
        "tags": json.dumps([list(pair) for pair in message.tags]),
        "headers_truncated": message.headers_truncated,
        "to_simulator": message.to_simulator,
    }


def message_from_row(row: Any) -> AcceptedMessage:
    return AcceptedMessage(
        message_id=row.message_id,
        account_id=row.account_id,
        region=row.region,
        source=row.source,
        feedback_address=row.feedback_address,
        from_address=row.from_address,
        destination=_destination(json.loads(row.destination)),
        raw=bytes(row.raw),
        headers=tuple((name, value) for name, value in json.loads(row.headers)),
        common_headers=json.loads(row.common_headers),
        accepted_at=as_utc(row.accepted_at),
        source_arn=row.source_arn,
        sending_account_id=row.sending_account_id,
        source_ip=row.source_ip,
        caller_identity=row.caller_identity,
        configuration_set_name=row.configuration_set_name,
        tags=tuple((name, value) for name, value in json.loads(row.tags)),
        headers_truncated=bool(row.headers_truncated),
        to_simulator=bool(row.to_simulator),
    )


def _destination(document: dict[str, list[str]]) -> Destination:
    return Destination(
        tuple(document.get("to", ())), tuple(document.get("cc", ())), tuple(document.get("bcc", ()))
    )


def recipient_domain(address: str) -> str:
    return address.rpartition("@")[2].lower()


async def insert_message(
    conn: AsyncConnection,
    message: AcceptedMessage,
    recipients: Sequence[str],
    *,
    now: dt.datetime,
) -> None:
    """Store the message and one queue entry per recipient, due now."""
    await insert_messages(conn, [(message, recipients)], now=now)


async def insert_messages(
    conn: AsyncConnection,
    accepted: Sequence[tuple[AcceptedMessage, Sequence[str]]],
    *,
    now: dt.datetime,
) -> None:
    """Store several messages and their queue entries with one statement per table."""
    if not accepted:
        return
    await conn.execute(insert(messages), [_message_row(message) for message, _ in accepted])
    entries = [
        {
            "message_id": message.message_id,
            "recipient": recipient,
            "domain": recipient_domain(recipient),
            "status": RecipientStatus.QUEUED.value,
            "attempts": 0,
            "next_attempt_at": now,
            "lease_owner": None,
            "lease_token": 0,
            "lease_expires_at": None,
            "last_response": None,
            "updated_at": now,
        }
        for message, recipients in accepted
        for recipient in recipients
    ]
    if entries:
        await conn.execute(insert(deliveries), entries)


async def get_message(conn: AsyncConnection, message_id: str) -> AcceptedMessage | None:
    row = (await conn.execute(select(messages).where(messages.c.message_id == message_id))).first()
    return None if row is None else message_from_row(row)


async def list_messages(
    conn: AsyncConnection,
    *,
    account_id: str | None = None,
    message_id: str | None = None,
    limit: int = 1000,
) -> list[AcceptedMessage]:
    query = select(messages).order_by(messages.c.accepted_at, messages.c.message_id).limit(limit)
    if account_id is not None:
        query = query.where(messages.c.account_id == account_id)
    if message_id is not None:
        query = query.where(messages.c.message_id == message_id)
    return [message_from_row(row) for row in await conn.execute(query)]


async def recipient_states(conn: AsyncConnection, message_id: str) -> list[dict[str, Any]]:
    rows = await conn.execute(
        select(deliveries).where(deliveries.c.message_id == message_id).order_by(deliveries.c.id)
    )
    return [
        {
            "recipient": row.recipient,
            "status": row.status,
            "attempts": row.attempts,
            "lastResponse": row.last_response,
            "nextAttemptAt": as_utc(row.next_attempt_at).isoformat(),
        }
        for row in rows
    ]


async def delete_messages(conn: AsyncConnection, *, account_id: str | None = None) -> int:
    where = [] if account_id is None else [messages.c.account_id == account_id]
    ids = select(messages.c.message_id).where(*where)
    await conn.execute(delete(deliveries).where(deliveries.c.message_id.in_(ids)))
    result = await conn.execute(delete(messages).where(*where))
    return result.rowcount


async def delete_message(
    conn: AsyncConnection, message_id: str, *, account_id: str | None = None
) -> bool:
    where = [messages.c.message_id == message_id]
    if account_id is not None:
        where.append(messages.c.account_id == account_id)
    await conn.execute(
        delete(deliveries).where(
            deliveries.c.message_id.in_(select(messages.c.message_id).where(*where))
        )
    )
    result = await conn.execute(delete(messages).where(*where))
    return result.rowcount > 0
