"""Event records equal the guide's examples; every field of its tables is there."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openses.domain import event_formats as ef
from openses.domain.feedback import (
    BounceReport,
    ClickReport,
    ComplaintFeedbackType,
    ComplaintReport,
    ComplaintSubType,
    DelayedRecipient,
    DelayType,
    DeliveryDelayReport,
    OpenReport,
    RenderingFailure,
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
    CUSTOM_TAGS,
    accepted,
    at,
    event_message,
)

# --- event records: the guide's examples ------------------------------------------


def test_send_event_equals_the_guides_example() -> None:
    message = event_message(guide.SEND_EVENT, tags=CUSTOM_TAGS)
    record = ef.send_event(message)
    assert record == guide.SEND_EVENT
    assert list(record) == ["eventType", "mail", "send"]
    assert list(record["mail"]) == list(guide.SEND_EVENT["mail"])  # type: ignore[call-overload]


def test_delivery_event_equals_the_guides_example() -> None:
    message = event_message(guide.DELIVERY_EVENT, tags=CUSTOM_TAGS)
    delivery = DeliveryOutcome(
        recipients=("recipient@example.com",),
        timestamp=at("2016-10-19T23:21:04.133Z"),
        smtp_response="250 2.6.0 Message received",
        reporting_mta="mta.example.com",
    )
    record = ef.delivery_event(message, delivery, outgoing_ip="192.0.2.0")
    assert record == guide.DELIVERY_EVENT
    assert list(record["delivery"]) == list(guide.DELIVERY_EVENT["delivery"])  # type: ignore[call-overload]


def test_reject_event_equals_the_guides_example() -> None:
    message = event_message(
        guide.REJECT_EVENT, destination=Destination(to=("sender@example.com",)), tags=CUSTOM_TAGS
    )
    assert ef.reject_event(message) == guide.REJECT_EVENT


def test_bounce_event_equals_the_guides_example() -> None:
    message = event_message(guide.BOUNCE_EVENT)
    bounce = BounceReport(
        bounce_type=BounceType.PERMANENT,
        bounce_sub_type=BounceSubType.GENERAL,
        recipients=(
            BouncedRecipient(
                "recipient@example.com", "failed", "5.1.1", "smtp; 550 5.1.1 user unknown"
            ),
        ),
        timestamp=at("2017-08-05T00:41:02.669Z"),
        feedback_id="01000157c44f053b-61b59c11-9236-11e6-8f96-7be8aexample-000000",
        reporting_mta="dsn; mta.example.com",
    )
    record = ef.bounce_event(message, bounce)
    assert record == guide.BOUNCE_EVENT
    assert list(record) == ["eventType", "bounce", "mail"]
    assert list(record["bounce"]) == list(guide.BOUNCE_EVENT["bounce"])  # type: ignore[call-overload]


def test_complaint_event_equals_the_guides_example_plus_a_null_subtype() -> None:
    message = event_message(guide.COMPLAINT_EVENT)
    complaint = ComplaintReport(
        recipients=("recipient@example.com",),
        timestamp=at("2017-08-05T00:41:02.669Z"),
        feedback_id="01000157c44f053b-61b59c11-9236-11e6-8f96-7be8aexample-000000",
        user_agent=guide.COMPLAINT_EVENT["complaint"]["userAgent"],
        feedback_type=ComplaintFeedbackType.ABUSE,
        arrival_date=at("2017-08-05T00:41:02.669Z"),
    )
    expected = json.loads(json.dumps(guide.COMPLAINT_EVENT))
    expected["complaint"]["complaintSubType"] = None  # the table's field, in every real record
    assert ef.complaint_event(message, complaint) == expected


def test_open_event_equals_the_guides_example() -> None:
    message = event_message(
        guide.OPEN_EVENT,
        source_arn="",  # this example has no sourceArn
        caller_identity="ses-user",
        tags=(("myCustomTag1", "myCustomValue1"), ("myCustomTag2", "myCustomValue2")),
    )
    opened = OpenReport(
        ip_address="192.0.2.1",
        timestamp=at("2017-08-09T22:00:19.652Z"),
        user_agent=guide.OPEN_EVENT["open"]["userAgent"],
    )
    assert ef.open_event(message, opened) == guide.OPEN_EVENT


def test_click_event_equals_the_guides_example() -> None:
    message = event_message(
        guide.CLICK_EVENT,
        source_arn="",
        tags=(("myCustomTag1", "myCustomValue1"), ("myCustomTag2", "myCustomValue2")),
    )
    click = ClickReport(
        ip_address="192.0.2.1",
        timestamp=at("2017-08-09T23:51:25.570Z"),
        user_agent=guide.CLICK_EVENT["click"]["userAgent"],
        link="http://docs.aws.amazon.com/ses/latest/DeveloperGuide/send-email-smtp.html",
        link_tags=(("samplekey0", ("samplevalue0",)), ("samplekey1", ("samplevalue1",))),
    )
    record = ef.click_event(message, click)
    assert record == guide.CLICK_EVENT
    assert list(record) == ["eventType", "click", "mail"]


def test_rendering_failure_event_has_no_headers_as_in_the_guide() -> None:
    message = accepted(
        accepted_at=at("2018-01-22T18:43:06.197Z"),
        source_ip="",
        caller_identity="",
        from_address="",  # the example carries only the configuration-set tag
        headers=(("From", "sender@example.com"),),
        common_headers={"from": ["sender@example.com"]},
    )
    failure = RenderingFailure(
        template_name="MyTemplate",
        error_message="Attribute 'attributeName' is not present in the rendering data.",
    )
    record = ef.rendering_failure_event(message, failure)
    assert record == guide.RENDERING_FAILURE_EVENT
    assert "headers" not in record["mail"]  # type: ignore[operator]
    assert "commonHeaders" not in record["mail"]  # type: ignore[operator]


def test_delivery_delay_event_equals_the_guides_example() -> None:
    message = accepted(
        accepted_at=at("2020-06-16T00:15:40.641Z"),
        source_ip="",
        caller_identity="",
        from_address="",
    )
    delay = DeliveryDelayReport(
        delay_type=DelayType("TransientCommunicationFailure"),
        recipients=(
            DelayedRecipient(
                "recipient@example.com",
                "4.4.1",
                "smtp; 421 4.4.1 Unable to connect to remote host",
            ),
        ),
        timestamp=at("2020-06-16T00:25:40.095Z"),
        expiration_time=at("2020-06-16T00:25:40.914Z"),
    )
    record = ef.delivery_delay_event(message, delay, include_headers=False)
    assert record == guide.DELIVERY_DELAY_EVENT


def test_delivery_delay_events_carry_headers_unless_told_otherwise() -> None:
    message = accepted(headers=(("Subject", "Hi"),), common_headers={"subject": "Hi"})
    delay = DeliveryDelayReport(
        DelayType.MAILBOX_FULL,
        (DelayedRecipient("recipient@example.com"),),
        at("2020-06-16T00:25:40.095Z"),
        at("2020-06-16T12:25:40.095Z"),
        reporting_mta="192.0.2.9",
    )
    record = ef.delivery_delay_event(message, delay)
    assert record["mail"]["headers"] == [{"name": "Subject", "value": "Hi"}]  # type: ignore[index]
    assert record["deliveryDelay"]["reportingMTA"] == "192.0.2.9"  # type: ignore[index]
    assert record["deliveryDelay"]["delayedRecipients"] == [  # type: ignore[index]
        {"emailAddress": "recipient@example.com"}
    ]


def test_the_tables_spelling_of_a_delay_type_reads_as_what_ses_sends() -> None:
    assert DelayType("TransientCommunicationGeneral") is DelayType.TRANSIENT_COMMUNICATION_FAILURE


# --- every field of the guide's tables --------------------------------------------

MAIL_EVENT_FIELDS = {
    "timestamp",
    "messageId",
    "source",
    "sourceArn",
    "sendingAccountId",
    "destination",
    "headersTruncated",
    "headers",
    "commonHeaders",
    "tags",
}


def full_bounce() -> BounceReport:
    return BounceReport(
        BounceType.TRANSIENT,
        BounceSubType.MAILBOX_FULL,
        (BouncedRecipient("recipient@example.com", "failed", "5.2.2", "smtp; 552 5.2.2 full"),),
        at("2024-01-02T03:04:05.006Z"),
        "0100018c-feedback",
        reporting_mta="dns; mta.example.com",
        remote_mta_ip="192.0.2.7",
    )


def full_complaint() -> ComplaintReport:
    return ComplaintReport(
        ("recipient@example.com",),
        at("2024-01-02T03:04:05.006Z"),
        "0100018c-feedback",
        sub_type=ComplaintSubType.ON_ACCOUNT_SUPPRESSION_LIST,
        user_agent="UA/1",
        feedback_type=ComplaintFeedbackType.ABUSE,
        arrival_date=at("2024-01-02T03:04:00Z"),
    )


def full_delivery() -> DeliveryOutcome:
    return DeliveryOutcome(
        ("recipient@example.com",),
        at("2016-10-14T05:02:17Z"),
        "250 ok",
        "a8-70.smtp-out.example.com",
        remote_mta_ip="192.0.2.7",
    )


def test_event_mail_objects_have_every_field_of_the_table() -> None:
    assert set(ef.event_mail(accepted())) == MAIL_EVENT_FIELDS
    assert set(ef.notification_mail(accepted(), include_headers=True)) == (
        MAIL_EVENT_FIELDS - {"tags"} | {"sourceIp"}
    )


def test_bounce_complaint_and_delivery_objects_have_every_field_of_the_table() -> None:
    bounce = ef.bounce_object(full_bounce())
    assert set(bounce) == {
        "bounceType",
        "bounceSubType",
        "bouncedRecipients",
        "timestamp",
        "feedbackId",
        "reportingMTA",
        "remoteMtaIp",
    }
    assert set(bounce["bouncedRecipients"][0]) == {  # type: ignore[index]
        "emailAddress",
        "action",
        "status",
        "diagnosticCode",
    }
    complaint = ef.complaint_object(full_complaint())
    assert set(complaint) == {
        "complainedRecipients",
        "timestamp",
        "feedbackId",
        "complaintSubType",
        "userAgent",
        "complaintFeedbackType",
        "arrivalDate",
    }
    assert complaint["complaintSubType"] == "OnAccountSuppressionList"
    delivery = ef.delivery_object(accepted(), full_delivery())
    assert set(delivery) == {
        "timestamp",
        "processingTimeMillis",
        "recipients",
        "smtpResponse",
        "reportingMTA",
        "remoteMtaIp",
    }
    assert delivery["processingTimeMillis"] == 355


def test_each_event_type_puts_its_payload_under_its_own_key() -> None:
    message = accepted()
    records = {
        "Send": ef.send_event(message),
        "Reject": ef.reject_event(message),
        "Delivery": ef.delivery_event(message, full_delivery()),
        "Bounce": ef.bounce_event(message, full_bounce()),
        "Complaint": ef.complaint_event(message, full_complaint()),
        "Rendering Failure": ef.rendering_failure_event(message, RenderingFailure("t", "e")),
    }
    payload_keys = {name: set(record) - {"eventType", "mail"} for name, record in records.items()}
    assert payload_keys == {
        "Send": {"send"},
        "Reject": {"reject"},
        "Delivery": {"delivery"},
        "Bounce": {"bounce"},
        "Complaint": {"complaint"},
        "Rendering Failure": {"failure"},
    }
    assert all(record["eventType"] == name for name, record in records.items())
    assert records["Send"]["send"] == {}
    assert records["Reject"]["reject"] == {"reason": "Bad content"}


# --- the mail object's rules -----------------------------------------------------


def test_auto_tags_come_first_and_only_when_known() -> None:
    message = accepted(configuration_set_name=None, source_ip="", tags=(("team", "a"),))
    assert ef.mail_tags(message) == {
        "ses:from-domain": ["example.com"],
        "ses:caller-identity": ["ses_user"],
        "team": ["a"],
    }
    assert ef.mail_tags(message, outgoing_ip="192.0.2.5")["ses:outgoing-ip"] == ["192.0.2.5"]


def test_message_tags_cannot_overwrite_an_auto_tag() -> None:
    message = accepted(tags=(("ses:configuration-set", "forged"), ("k", "v")))
    assert ef.mail_tags(message)["ses:configuration-set"] == ["ConfigSet"]
    assert ef.mail_tags(message)["k"] == ["v"]


def test_a_senders_own_message_id_stays_in_common_headers() -> None:
    message = accepted(
        headers=(("Message-ID", "<own@example.com>"),),
        common_headers={"messageId": "<own@example.com>", "subject": "S"},
    )
    assert ef.event_mail(message)["commonHeaders"] == {
        "messageId": "<own@example.com>",
        "subject": "S",
    }


@settings(max_examples=25, deadline=None)
@given(st.datetimes(timezones=st.just(dt.UTC), min_value=dt.datetime(2000, 1, 1)))
def test_timestamps_are_utc_with_milliseconds_and_z(moment: dt.datetime) -> None:
    text = ef.iso_timestamp(moment)
    assert len(text) == 24
    assert text.endswith("Z")
    assert text[19] == "."
    parsed = dt.datetime.fromisoformat(text)
    assert dt.timedelta(0) <= moment - parsed < dt.timedelta(milliseconds=1)


def test_timestamps_in_other_zones_are_converted_and_naive_ones_refused() -> None:
    plus_two = dt.timezone(dt.timedelta(hours=2))
    assert ef.iso_timestamp(dt.datetime(2024, 1, 1, 2, 0, tzinfo=plus_two)) == (
        "2024-01-01T00:00:00.000Z"
    )
    with pytest.raises(ValueError, match="timezone"):
        ef.iso_timestamp(dt.datetime(2024, 1, 1))


def test_encoded_records_are_compact_json_that_reads_back_equal() -> None:
    record = ef.send_event(accepted(tags=CUSTOM_TAGS))
    text = ef.encode(record)
    assert ": " not in text.replace('"value": ', "")
    assert json.loads(text) == record
