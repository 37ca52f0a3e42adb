"""Inputs that reproduce the guide's event and notification examples."""

from __future__ import annotations

import datetime as dt
from typing import Any

from openses.domain.messages import AcceptedMessage, Destination

EVENT_ID = "EXAMPLE7c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000"
EVENT_ARN = "arn:aws:ses:us-east-1:123456789012:identity/sender@example.com"
FEEDBACK_ARN = "arn:aws:ses:us-west-2:888888888888:identity/example.com"
CUSTOM_TAGS = (("myCustomTag1", "myCustomTagValue1"), ("myCustomTag2", "myCustomTagValue2"))


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def header_pairs(example_mail: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    return tuple((h["name"], h["value"]) for h in example_mail["headers"])


def common_without_id(example_mail: dict[str, Any]) -> dict[str, object]:
    """The example's commonHeaders minus the messageId SES fills in itself."""
    return {k: v for k, v in example_mail["commonHeaders"].items() if k != "messageId"}


def accepted(**fields: Any) -> AcceptedMessage:
    """An event-example message: sender@example.com to recipient@example.com."""
    defaults: dict[str, Any] = {
        "message_id": EVENT_ID,
        "account_id": "123456789012",
        "region": "us-east-1",
        "source": "sender@example.com",
        "feedback_address": "sender@example.com",
        "from_address": "sender@example.com",
        "destination": Destination(to=("recipient@example.com",)),
        "raw": b"",
        "headers": (),
        "common_headers": {},
        "accepted_at": at("2016-10-14T05:02:16.645Z"),
        "source_arn": EVENT_ARN,
        "sending_account_id": "123456789012",
        "source_ip": "192.0.2.0",
        "caller_identity": "ses_user",
        "configuration_set_name": "ConfigSet",
    }
    defaults.update(fields)
    return AcceptedMessage(**defaults)


def event_message(example: dict[str, Any], **fields: Any) -> AcceptedMessage:
    mail = example["mail"]
    return accepted(
        accepted_at=at(mail["timestamp"]),
        source=mail["source"],
        headers=header_pairs(mail),
        common_headers=common_without_id(mail),
        **fields,
    )


def feedback_message(example: dict[str, Any], **fields: Any) -> AcceptedMessage:
    mail = example["mail"]
    recipients = tuple(mail["destination"])
    values: dict[str, Any] = {
        "message_id": mail["messageId"],
        "accepted_at": at(mail["timestamp"]),
        "source": "john@example.com",
        "feedback_address": "john@example.com",
        "from_address": "john@example.com",
        "destination": Destination(to=recipients),
        "headers": header_pairs(mail),
        "common_headers": dict(mail["commonHeaders"]),
        "source_arn": FEEDBACK_ARN,
        "source_ip": "127.0.3.0",
    }
    values.update(fields)
    return accepted(**values)
