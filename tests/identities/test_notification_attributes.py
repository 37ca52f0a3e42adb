"""Feedback notification settings and an identity's default configuration set, v1 and v2,
through real boto3 clients over a socket."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.fixtures.server import RunningServer

BOUNCES = "arn:aws:sns:us-east-1:123456789012:ses-bounces"
COMPLAINTS = "arn:aws:sns:us-east-1:123456789012:ses-complaints"
DELIVERIES = "arn:aws:sns:us-east-1:123456789012:ses-deliveries"
DEFAULTS = {
    "ForwardingEnabled": True,
    "HeadersInBounceNotificationsEnabled": False,
    "HeadersInComplaintNotificationsEnabled": False,
    "HeadersInDeliveryNotificationsEnabled": False,
}


def _error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str, int]:
    response: Any = exc.value.response
    return (
        response["Error"]["Code"],
        response["Error"]["Message"],
        response["ResponseMetadata"]["HTTPStatusCode"],
    )


def _attributes(ses: Any, *names: str) -> dict[str, Any]:
    result: dict[str, Any] = ses.get_identity_notification_attributes(Identities=list(names))[
        "NotificationAttributes"
    ]
    return result


def test_topics_headers_and_forwarding_round_trip(ses: Any, sesv2: Any) -> None:
    ses.verify_domain_identity(Domain="example.com")
    assert _attributes(ses, "example.com", "unknown.example") == {"example.com": DEFAULTS}
    ses.set_identity_notification_topic(
        Identity="example.com", NotificationType="Bounce", SnsTopic=BOUNCES
    )
    ses.set_identity_notification_topic(
        Identity="example.com", NotificationType="Complaint", SnsTopic=COMPLAINTS
    )
    ses.set_identity_notification_topic(
        Identity="example.com", NotificationType="Delivery", SnsTopic=DELIVERIES
    )
    for kind in ("Bounce", "Complaint", "Delivery"):
        ses.set_identity_headers_in_notifications_enabled(
            Identity="example.com", NotificationType=kind, Enabled=True
        )
    ses.set_identity_feedback_forwarding_enabled(Identity="example.com", ForwardingEnabled=False)
    assert _attributes(ses, "example.com") == {
        "example.com": {
            "BounceTopic": BOUNCES,
            "ComplaintTopic": COMPLAINTS,
            "DeliveryTopic": DELIVERIES,
            "ForwardingEnabled": False,
            "HeadersInBounceNotificationsEnabled": True,
            "HeadersInComplaintNotificationsEnabled": True,
            "HeadersInDeliveryNotificationsEnabled": True,
        }
    }
    assert (
        sesv2.get_email_identity(EmailIdentity="example.com")["FeedbackForwardingStatus"] is False
    )
    ses.set_identity_notification_topic(Identity="example.com", NotificationType="Delivery")
    ses.set_identity_headers_in_notifications_enabled(
        Identity="example.com", NotificationType="Bounce", Enabled=False
    )
    attributes = _attributes(ses, "example.com")["example.com"]
    assert "DeliveryTopic" not in attributes
    assert attributes["HeadersInBounceNotificationsEnabled"] is False
    assert attributes["ForwardingEnabled"] is False


def test_clearing_a_bounce_topic_turns_forwarding_back_on(ses: Any) -> None:
    ses.verify_email_identity(EmailAddress="sender@example.com")
    for kind, topic in (("Bounce", BOUNCES), ("Complaint", COMPLAINTS)):
        ses.set_identity_notification_topic(
            Identity="sender@example.com", NotificationType=kind, SnsTopic=topic
        )
    ses.set_identity_feedback_forwarding_enabled(
        Identity="sender@example.com", ForwardingEnabled=False
    )
    ses.set_identity_notification_topic(Identity="sender@example.com", NotificationType="Bounce")
    attributes = _attributes(ses, "sender@example.com")["sender@example.com"]
    # Bounces would otherwise have nowhere to go.
    assert attributes["ForwardingEnabled"] is True
    assert "BounceTopic" not in attributes


def test_identities_may_be_named_by_arn(ses: Any) -> None:
    ses.verify_domain_identity(Domain="example.com")
    arn = "arn:aws:ses:us-east-1:000000000000:identity/example.com"
    ses.set_identity_notification_topic(Identity=arn, NotificationType="Bounce", SnsTopic=BOUNCES)
    assert _attributes(ses, arn)[arn]["BounceTopic"] == BOUNCES
    assert _attributes(ses, "example.com")["example.com"]["BounceTopic"] == BOUNCES


def test_forwarding_can_be_disabled_only_with_bounce_and_complaint_topics(ses: Any) -> None:
    ses.verify_domain_identity(Domain="example.com")
    ses.set_identity_notification_topic(
        Identity="example.com", NotificationType="Bounce", SnsTopic=BOUNCES
    )
    with pytest.raises(ClientError) as error:
        ses.set_identity_feedback_forwarding_enabled(
            Identity="example.com", ForwardingEnabled=False
        )
    assert _error(error) == (
        "InvalidParameterValue",
        "Feedback forwarding can only be disabled when Amazon SNS topics are set for both "
        "Bounce and Complaint notification types.",
        400,
    )
    assert _attributes(ses, "example.com")["example.com"]["ForwardingEnabled"] is True
    # Enabling is always allowed.
    ses.set_identity_feedback_forwarding_enabled(Identity="example.com", ForwardingEnabled=True)


@pytest.mark.parametrize(
    "topic",
    [
        "not-an-arn",
        "arn:aws:sns:us-east-1:123456789012",
        "arn:aws:sqs:us-east-1:123456789012:queue",
        "arn:aws:sns:eu-west-1:123456789012:other-region",
        "arn:aws:sns:us-east-1:12345:short-account",
        "arn:aws:sns:us-east-1:123456789012:bad.name",
        "arn:aws:sns:us-east-1:123456789012:" + "t" * 257,
    ],
)
def test_a_topic_must_be_an_sns_topic_arn_of_the_region(ses: Any, topic: str) -> None:
    ses.verify_domain_identity(Domain="example.com")
    with pytest.raises(ClientError) as error:
        ses.set_identity_notification_topic(
            Identity="example.com", NotificationType="Bounce", SnsTopic=topic
        )
    assert _error(error) == ("InvalidParameterValue", f"Invalid SNS topic <{topic}>.", 400)
    assert "BounceTopic" not in _attributes(ses, "example.com")["example.com"]


def test_headers_need_a_topic_of_that_type(ses: Any) -> None:
    ses.verify_domain_identity(Domain="example.com")
    with pytest.raises(ClientError) as error:
        ses.set_identity_headers_in_notifications_enabled(
            Identity="example.com", NotificationType="Complaint", Enabled=True
        )
    code, message, status = _error(error)
    assert (code, status) == ("InvalidParameterValue", 400)
    assert "no Complaint topic" in message


def test_unknown_or_unverified_identities_are_invalid(ses: Any, prod_server: RunningServer) -> None:
    for call in (
        lambda: ses.set_identity_notification_topic(
            Identity="nowhere.example", NotificationType="Bounce", SnsTopic=BOUNCES
        ),
        lambda: ses.set_identity_feedback_forwarding_enabled(
            Identity="nowhere.example", ForwardingEnabled=True
        ),
        lambda: ses.set_identity_headers_in_notifications_enabled(
            Identity="nowhere.example", NotificationType="Bounce", Enabled=False
        ),
        lambda: ses.set_identity_notification_topic(
            Identity="arn:aws:ses:us-east-1:111111111111:identity/nowhere.example",
            NotificationType="Bounce",
        ),
    ):
        with pytest.raises(ClientError) as error:
            call()
        code, message, status = _error(error)
        assert (code, status) == ("InvalidParameterValue", 400)
        assert message.endswith("is invalid. Must be a verified email address or domain.")

    async def create(application: Any) -> tuple[str, str]:
        _, key = await application.services.accounts.create_account("notifications-pending")
        return key.access_key_id, key.secret_access_key

    key_id, secret = prod_server.call(create)
    pending = prod_server.client("ses", access_key_id=key_id, secret_access_key=secret)
    pending.verify_domain_identity(Domain="pending.example")  # stays Pending outside dev mode
    with pytest.raises(ClientError) as unverified:
        pending.set_identity_notification_topic(
            Identity="pending.example", NotificationType="Bounce", SnsTopic=BOUNCES
        )
    assert _error(unverified) == (
        "InvalidParameterValue",
        "Identity pending.example is invalid. Must be a verified email address or domain.",
        400,
    )


def test_v2_feedback_forwarding_needs_no_topics(sesv2: Any) -> None:
    sesv2.create_email_identity(EmailIdentity="example.com")
    assert sesv2.get_email_identity(EmailIdentity="example.com")["FeedbackForwardingStatus"] is True
    # v2 counts event destinations too, and falls back to e-mail when nothing else applies.
    sesv2.put_email_identity_feedback_attributes(
        EmailIdentity="example.com", EmailForwardingEnabled=False
    )
    assert (
        sesv2.get_email_identity(EmailIdentity="example.com")["FeedbackForwardingStatus"] is False
    )
    sesv2.put_email_identity_feedback_attributes(
        EmailIdentity="example.com", EmailForwardingEnabled=True
    )
    assert sesv2.get_email_identity(EmailIdentity="example.com")["FeedbackForwardingStatus"] is True
    with pytest.raises(ClientError) as error:
        sesv2.put_email_identity_feedback_attributes(
            EmailIdentity="nowhere.example", EmailForwardingEnabled=True
        )
    assert _error(error) == (
        "NotFoundException",
        "Email identity nowhere.example does not exist.",
        404,
    )


def test_v2_configuration_set_attributes(sesv2: Any) -> None:
    sesv2.create_email_identity(EmailIdentity="example.com")
    # No configuration set exists yet in openses: naming one is NotFound, no name clears.
    with pytest.raises(ClientError) as error:
        sesv2.put_email_identity_configuration_set_attributes(
            EmailIdentity="example.com", ConfigurationSetName="marketing"
        )
    assert _error(error) == (
        "NotFoundException",
        "Configuration set marketing does not exist.",
        404,
    )
    sesv2.put_email_identity_configuration_set_attributes(EmailIdentity="example.com")
    assert "ConfigurationSetName" not in sesv2.get_email_identity(EmailIdentity="example.com")
    with pytest.raises(ClientError) as unknown:
        sesv2.put_email_identity_configuration_set_attributes(EmailIdentity="nowhere.example")
    assert _error(unknown)[0] == "NotFoundException"
