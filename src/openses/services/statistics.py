"""GetSendStatistics: SES's 15-minute data points for two weeks, from the event log."""

from __future__ import annotations

import datetime as dt
from typing import Any

from openses.domain.clock import Clock
from openses.domain.feedback import ComplaintSubType
from openses.domain.messages import BounceSubType, BounceType, EventType
from openses.domain.statistics import SendDataPoint, StatisticsRecord, send_data_points
from openses.services.scope import Scope
from openses.storage.engine import Database
from openses.storage.repositories import events as events_repo

_WINDOW = dt.timedelta(days=14)
_SIMULATOR_SUFFIX = "@simulator.amazonses.com"


def _record(
    event_type: EventType, occurred_at: dt.datetime, payload: dict[str, Any]
) -> StatisticsRecord:
    destination = payload.get("mail", {}).get("destination", [])
    to_simulator = bool(destination) and all(
        str(address).lower().endswith(_SIMULATOR_SUFFIX) for address in destination
    )
    if event_type is EventType.BOUNCE:
        bounce = payload["bounce"]
        return StatisticsRecord(
            event_type,
            occurred_at,
            recipients=len(bounce.get("bouncedRecipients", [])) or 1,
            bounce_type=BounceType(bounce["bounceType"]),
            bounce_sub_type=BounceSubType(bounce["bounceSubType"]),
            to_simulator=to_simulator,
        )
    if event_type is EventType.COMPLAINT:
        complaint = payload["complaint"]
        sub_type = complaint.get("complaintSubType")
        return StatisticsRecord(
            event_type,
            occurred_at,
            recipients=len(complaint.get("complainedRecipients", [])) or 1,
            complaint_sub_type=ComplaintSubType(sub_type) if sub_type else None,
            to_simulator=to_simulator,
        )
    return StatisticsRecord(
        event_type, occurred_at, recipients=len(destination) or 1, to_simulator=to_simulator
    )


class StatisticsService:
    def __init__(self, database: Database, clock: Clock) -> None:
        self._db = database
        self._clock = clock

    async def send_data_points(self, scope: Scope) -> list[SendDataPoint]:
        now = self._clock.now()
        async with self._db.read() as conn:
            stored = await events_repo.events_since(
                conn, scope.account_id, scope.region, now - _WINDOW
            )
        counted = {EventType.SEND, EventType.BOUNCE, EventType.COMPLAINT, EventType.REJECT}
        records = [
            _record(EventType(event.event_type), event.occurred_at, event.payload)
            for event in stored
            if event.event_type in counted
        ]
        return send_data_points(records, now=now)
