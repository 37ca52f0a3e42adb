"""Feedback notifications equal the guide's examples and what SES really published."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from openses.domain import event_formats as ef
from openses.domain.feedback import (
    BounceReport,
    ComplaintFeedbackType,
    ComplaintReport,
)
from openses.domain.messages import (
    BouncedRecipient,
    BounceSubType,
    BounceType,
    DeliveryOutcome,
    Destination,
)
from tests.unit import guide_event_examples as guide
from tests.unit.event_inputs import (
    accepted,
    at,
    common_without_id,
    feedback_message,
    header_pairs,
)

# --- feedback notifications: the guide's examples -------------------------------


def test_bounce_notification_with_dsn_equals_the_guides_example() -> None:
    example = guide.BOUNCE_NOTIFICATION_WITH_DSN
    bounce = BounceReport(
        BounceType.PERMANENT,
        BounceSubType.GENERAL,
        (
            BouncedRecipient(
                "jane@example.com", "failed", "5.1.1", "smtp; 550 5.1.1 <jane@example.com>... User"
            ),
        ),
        at("2016-01-27T14:59:38.237Z"),
        "00000138111222aa-33322211-cccc-cccc-cccc-ddddaaaa068a-000000",
        reporting_mta="dns; email.example.com",
        remote_mta_ip="127.0.2.0",
    )
    message = feedback_message(example)
    assert ef.bounce_notification(message, bounce, include_headers=True) == example


def test_bounce_notification_without_dsn_has_only_addresses() -> None:
    example = guide.BOUNCE_NOTIFICATION_WITHOUT_DSN
    bounce = BounceReport(
        BounceType.PERMANENT,
        BounceSubType.GENERAL,
        (BouncedRecipient("jane@example.com"), BouncedRecipient("richard@example.com")),
        at("2016-01-27T14:59:38.237Z"),
        "00000137860315fd-869464a4-8680-4114-98d3-716fe35851f9-000000",
        remote_mta_ip="127.0.2.0",
    )
    notification = ef.bounce_notification(feedback_message(example), bounce, include_headers=True)
    assert notification == example
    assert "reportingMTA" not in notification["bounce"]  # type: ignore[operator]


@pytest.mark.parametrize(
    "example",
    [guide.COMPLAINT_NOTIFICATION_WITH_REPORT, guide.COMPLAINT_NOTIFICATION_WITHOUT_REPORT],
    ids=["with feedback report", "without feedback report"],
)
def test_complaint_notification_equals_the_guides_example(example: dict[str, Any]) -> None:
    inner = example["complaint"]
    complaint = ComplaintReport(
        recipients=("richard@example.com",),
        timestamp=at(inner["timestamp"]),
        feedback_id=inner["feedbackId"],
        user_agent=inner.get("userAgent"),
        feedback_type=ComplaintFeedbackType(inner["complaintFeedbackType"])
        if "complaintFeedbackType" in inner
        else None,
        arrival_date=at(inner["arrivalDate"]) if "arrivalDate" in inner else None,
    )
    expected = json.loads(json.dumps(example))
    expected["complaint"]["complaintSubType"] = None
    message = feedback_message(example)
    assert ef.complaint_notification(message, complaint, include_headers=True) == expected


def test_delivery_notification_equals_the_guides_example() -> None:
    example = guide.DELIVERY_NOTIFICATION
    delivered_at = at("2016-01-27T14:59:38.237Z")
    # The example's mail.timestamp contradicts its processingTimeMillis; ours is consistent.
    message = feedback_message(example, accepted_at=delivered_at - dt.timedelta(milliseconds=546))
    delivery = DeliveryOutcome(
        recipients=("jane@example.com",),
        timestamp=delivered_at,
        smtp_response="250 ok: Message 64111812 accepted",
        reporting_mta="a8-70.smtp-out.amazonaws.com",
        remote_mta_ip="127.0.2.0",
    )
    notification = ef.delivery_notification(message, delivery, include_headers=True)
    expected = json.loads(json.dumps(example))
    expected["mail"]["timestamp"] = "2016-01-27T14:59:37.691Z"
    assert notification == expected
    assert list(notification) == ["notificationType", "mail", "delivery"]


def test_notifications_leave_out_headers_unless_the_identity_asked() -> None:
    message = feedback_message(guide.DELIVERY_NOTIFICATION)
    mail = ef.notification_mail(message)
    assert list(mail) == [
        "timestamp",
        "source",
        "sourceArn",
        "sourceIp",
        "sendingAccountId",
        "messageId",
        "destination",
    ]


# --- records SES really published ----------------------------------------------------


def test_simulator_complaint_event_equals_what_ses_published() -> None:
    real = guide.SES_COMPLAINT_EVENT_2022
    mail = real["mail"]
    message = accepted(
        message_id=mail["messageId"],
        accepted_at=at(mail["timestamp"]),
        source=mail["source"],
        from_address=mail["source"],
        destination=Destination(to=("complaint@simulator.amazonses.com",)),
        headers=header_pairs(mail),
        common_headers=common_without_id(mail),
        source_arn=mail["sourceArn"],
        sending_account_id="364852123998",
        source_ip="189.203.131.80",
        caller_identity="root",
        configuration_set_name="test-set",
        extra={ef.OPERATION_EXTRA_KEY: "SendEmail"},
    )
    complaint = ComplaintReport(
        recipients=("complaint@simulator.amazonses.com",),
        timestamp=at("2022-03-28T23:59:33.564Z"),
        feedback_id=real["complaint"]["feedbackId"],
        user_agent="Amazon SES Mailbox Simulator",
        feedback_type=ComplaintFeedbackType.ABUSE,
        arrival_date=at("2022-03-28T23:59:33.564Z"),
    )
    record = ef.complaint_event(message, complaint)
    assert record == real
    assert list(record["mail"]["tags"]) == list(mail["tags"])  # type: ignore[index]


def test_simulator_bounce_notification_equals_what_ses_published() -> None:
    real = guide.SES_BOUNCE_NOTIFICATION_2022
    mail = real["mail"]
    message = accepted(
        message_id=mail["messageId"],
        accepted_at=at(mail["timestamp"]),
        source=mail["source"],
        destination=Destination(to=("bounce@simulator.amazonses.com",)),
        headers=header_pairs(mail),
        # Even if the sender side filled in SES's id, a notification shows only the sender's.
        common_headers={**mail["commonHeaders"], "messageId": mail["messageId"]},
        source_arn=mail["sourceArn"],
        sending_account_id="364852123998",
        source_ip="189.203.131.80",
    )
    bounce = BounceReport(
        BounceType.PERMANENT,
        BounceSubType.GENERAL,
        (
            BouncedRecipient(
                "bounce@simulator.amazonses.com", "failed", "5.1.1", "smtp; 550 5.1.1 user unknown"
            ),
        ),
        at("2022-04-01T21:24:49Z"),
        real["bounce"]["feedbackId"],
        reporting_mta="dns; a48-30.smtp-out.amazonses.com",
        remote_mta_ip="3.231.136.178",
    )
    assert ef.bounce_notification(message, bounce, include_headers=True) == real
