"""Identity feedback notifications: SNS topics per notification type, and their rules.

Developer Guide, "Receiving Amazon SES notifications using Amazon SNS": an
identity may name one topic each for Bounce, Complaint and Delivery, in the same
region as the identity, and may include the original headers in them. Email
feedback forwarding may be turned off only when bounce and complaint
notifications have somewhere else to go (SES API Reference,
SetIdentityFeedbackForwardingEnabled).

openses has no SNS yet: topic ARNs are validated and stored, and publishing to
them comes with event publishing.
"""

from __future__ import annotations

import dataclasses
import re
from enum import StrEnum

from openses.domain.errors import InvalidParameterError
from openses.domain.identities import Identity

# arn:aws:sns:<region>:<account>:<topic>; SNS topic names are 1-256 of [A-Za-z0-9_-]
# (SES does not publish to FIFO topics, so no ".fifo").
_TOPIC_ARN = re.compile(
    r"^arn:aws:sns:(?P<region>[a-z]{2}(-[a-z]+)+-\d):\d{12}:[A-Za-z0-9_-]{1,256}$"
)


class NotificationType(StrEnum):
    BOUNCE = "Bounce"
    COMPLAINT = "Complaint"
    DELIVERY = "Delivery"


def validate_topic_arn(topic: str, region: str) -> str:
    """``topic`` if it is an SNS topic ARN in ``region``, else SES's InvalidParameterValue."""
    match = _TOPIC_ARN.match(topic)
    if match is None or match["region"] != region:
        # SES answers InvalidParameterValue naming the topic; it must be a topic of this region.
        raise InvalidParameterError(f"Invalid SNS topic <{topic}>.")
    return topic


def topic_of(identity: Identity, kind: NotificationType) -> str | None:
    if kind is NotificationType.BOUNCE:
        return identity.bounce_topic
    if kind is NotificationType.COMPLAINT:
        return identity.complaint_topic
    return identity.delivery_topic


def with_topic(identity: Identity, kind: NotificationType, topic: str | None) -> Identity:
    """``identity`` with its ``kind`` topic set (or cleared, with None).

    Clearing the bounce or complaint topic while email forwarding is off would leave
    that feedback with nowhere to go, so forwarding comes back on, as SES does when
    it drops a topic it can no longer publish to (Developer Guide, "Notification
    problems").
    """
    if kind is NotificationType.BOUNCE:
        updated = dataclasses.replace(identity, bounce_topic=topic)
    elif kind is NotificationType.COMPLAINT:
        updated = dataclasses.replace(identity, complaint_topic=topic)
    else:
        updated = dataclasses.replace(identity, delivery_topic=topic)
    if topic is None and kind is not NotificationType.DELIVERY:
        updated = dataclasses.replace(updated, feedback_forwarding_enabled=True)
    return updated


def with_headers(identity: Identity, kind: NotificationType, enabled: bool) -> Identity:
    """``identity`` with original headers included in ``kind`` notifications or not.

    API Reference: "This value can only be set when NotificationType is already set
    to use a particular Amazon SNS topic."
    """
    if enabled and topic_of(identity, kind) is None:
        raise InvalidParameterError(
            f"Identity <{identity.name}> has no {kind.value} topic: original headers can "
            "only be included in notifications sent to an SNS topic."
        )
    if kind is NotificationType.BOUNCE:
        return dataclasses.replace(identity, headers_in_bounce=enabled)
    if kind is NotificationType.COMPLAINT:
        return dataclasses.replace(identity, headers_in_complaint=enabled)
    return dataclasses.replace(identity, headers_in_delivery=enabled)


def with_forwarding(identity: Identity, enabled: bool, *, require_topics: bool) -> Identity:
    """``identity`` with email feedback forwarding on or off.

    v1 allows turning it off only when both the Bounce and the Complaint topics are
    set (``require_topics``); v2 also counts event destinations and falls back to
    email anyway when nothing else applies, so it does not check.
    """
    if (
        not enabled
        and require_topics
        and (identity.bounce_topic is None or identity.complaint_topic is None)
    ):
        raise InvalidParameterError(
            "Feedback forwarding can only be disabled when Amazon SNS topics are set for both "
            "Bounce and Complaint notification types."
        )
    return dataclasses.replace(identity, feedback_forwarding_enabled=enabled)


def forwards_feedback_by_email(identity: Identity | None, kind: NotificationType) -> bool:
    """Whether bounce or complaint feedback goes to the sender by e-mail (digest §1.14).

    On by default and for messages of no known identity. Off only where a topic
    for that kind of feedback takes over: with nothing else to tell the sender, SES
    forwards by e-mail anyway (the *mandatory fallback*).
    """
    if identity is None or identity.feedback_forwarding_enabled:
        return True
    return not topic_of(identity, kind)
