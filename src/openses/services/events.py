"""The event log: SES's event documents, stored with the state change they describe."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping

from openses.domain.messages import AcceptedMessage
from openses.storage.repositories.events import StoredEvent


def event_record(
    message: AcceptedMessage,
    document: Mapping[str, object],
    *,
    occurred_at: dt.datetime,
) -> StoredEvent:
    """One stored event with a stable id, for publishing at least once later."""
    return StoredEvent(
        event_id=str(uuid.uuid4()),
        account_id=message.account_id,
        region=message.region,
        message_id=message.message_id,
        event_type=str(document["eventType"]),
        occurred_at=occurred_at,
        payload=dict(document),
    )
