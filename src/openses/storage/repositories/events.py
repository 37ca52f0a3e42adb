"""The event log: SES's event JSON, written with the state change it describes (an outbox)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from openses.storage.tables import events
from openses.storage.values import as_utc


@dataclass(frozen=True, slots=True)
class StoredEvent:
    event_id: str
    account_id: str
    region: str
    message_id: str
    event_type: str
    occurred_at: dt.datetime
    payload: dict[str, Any]


async def insert_events(conn: AsyncConnection, stored: Sequence[StoredEvent]) -> None:
    if not stored:
        return
    await conn.execute(
        insert(events),
        [
            {
                "event_id": event.event_id,
                "account_id": event.account_id,
                "region": event.region,
                "message_id": event.message_id,
                "event_type": event.event_type,
                "occurred_at": event.occurred_at,
                "payload": json.dumps(event.payload, separators=(",", ":")),
            }
            for event in stored
        ],
    )


def _event_of(row: Any) -> StoredEvent:
    return StoredEvent(
        row.event_id,
        row.account_id,
        row.region,
        row.message_id,
        row.event_type,
        as_utc(row.occurred_at),
        json.loads(row.payload),
    )


async def events_for_message(conn: AsyncConnection, message_id: str) -> list[StoredEvent]:
    rows = await conn.execute(
        select(events).where(events.c.message_id == message_id).order_by(events.c.id)
    )
    return [_event_of(row) for row in rows]


async def events_since(
    conn: AsyncConnection, account_id: str, region: str, since: dt.datetime
) -> list[StoredEvent]:
    rows = await conn.execute(
        select(events)
        .where(
            events.c.account_id == account_id,
            events.c.region == region,
            events.c.occurred_at >= since,
        )
        .order_by(events.c.id)
    )
    return [_event_of(row) for row in rows]
