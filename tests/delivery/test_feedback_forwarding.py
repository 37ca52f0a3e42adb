"""Email feedback forwarding follows the identity's setting, with SES's mandatory fallback.

Forwarding off and a bounce topic set: the topic takes over, no DSN reaches the
sender. Forwarding off and no topic: SES forwards by e-mail anyway.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import time
import urllib.request

from openses.domain.identities import Identity, IdentityType, VerificationStatus
from openses.domain.notification_topics import NotificationType, forwards_feedback_by_email
from tests.delivery.test_send_and_deliver import DOMAIN, RECIPIENT_DOMAIN
from tests.fixtures.server import RunningServer
from tests.fixtures.smtp_sink import SmtpSink

TOPIC = "arn:aws:sns:us-east-1:000000000000:bounces"


def _set_feedback(server: RunningServer, *, forwarding: bool, bounce_topic: str | None) -> None:
    ses = server.client("ses")
    if bounce_topic is not None:
        ses.set_identity_notification_topic(
            Identity=DOMAIN, NotificationType="Bounce", SnsTopic=bounce_topic
        )
        ses.set_identity_notification_topic(
            Identity=DOMAIN, NotificationType="Complaint", SnsTopic=bounce_topic
        )
    else:
        for kind in ("Bounce", "Complaint"):  # clearing a topic turns forwarding back on
            ses.set_identity_notification_topic(Identity=DOMAIN, NotificationType=kind)
        # v2 lets forwarding be off with no topic at all (event destinations could take
        # over): the mandatory-fallback case.
        server.client("sesv2").put_email_identity_feedback_attributes(
            EmailIdentity=DOMAIN, EmailForwardingEnabled=forwarding
        )
        return
    ses.set_identity_feedback_forwarding_enabled(Identity=DOMAIN, ForwardingEnabled=forwarding)


def _send_to(server: RunningServer, local: str) -> str:
    answer = server.client("ses").send_email(
        Source=f"news@{DOMAIN}",
        Destination={"ToAddresses": [f"{local}@{RECIPIENT_DOMAIN}"]},
        Message={"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "b"}}},
    )
    return str(answer["MessageId"])


def _wait_for_bounce(server: RunningServer, message_id: str) -> None:
    url = f"{server.endpoint}/_openses/messages/{message_id}"
    for _ in range(300):
        with urllib.request.urlopen(url, timeout=30) as response:
            events = json.loads(response.read())["Events"]
        if any(event["eventType"] == "Bounce" for event in events):
            return
        time.sleep(0.1)
    raise AssertionError(f"no Bounce event for {message_id}")


def _dsns(mx: SmtpSink, before: int) -> list[bytes]:
    return [m.content for m in mx.accepted_messages[before:] if m.mail_from == ""]


def test_a_topic_replaces_forwarding_and_without_one_ses_forwards_anyway(
    clean: RunningServer, mx: SmtpSink
) -> None:
    mx.script.rcpt_replies.update(
        {
            f"gone@{RECIPIENT_DOMAIN}": "550 5.1.1 No such user",
            f"lost@{RECIPIENT_DOMAIN}": "550 5.1.1 No such user",
        }
    )
    before = len(mx.accepted_messages)
    _set_feedback(clean, forwarding=False, bounce_topic=TOPIC)
    first = _send_to(clean, "gone")
    # The DSN decision is taken when the bounce is recorded, under the settings of
    # that moment: let it happen before changing them.
    _wait_for_bounce(clean, first)
    _set_feedback(clean, forwarding=False, bounce_topic=None)
    _send_to(clean, "lost")
    mx.wait_until(lambda sink: len(_dsns(sink, before)) >= 1, timeout=30)
    time.sleep(0.5)  # a DSN for the first bounce, had one been queued, would be here too
    dsns = _dsns(mx, before)
    assert len(dsns) == 1
    assert f"lost@{RECIPIENT_DOMAIN}".encode() in dsns[0]
    assert f"gone@{RECIPIENT_DOMAIN}".encode() not in dsns[0]


def test_the_rules_as_a_table() -> None:
    base = Identity(
        account_id="000000000000",
        region="us-east-1",
        name=DOMAIN,
        identity_type=IdentityType.DOMAIN,
        verification_status=VerificationStatus.SUCCESS,
        created_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    )
    off = dataclasses.replace(base, feedback_forwarding_enabled=False)
    with_topic = dataclasses.replace(off, bounce_topic=TOPIC)
    bounce, complaint = NotificationType.BOUNCE, NotificationType.COMPLAINT
    assert forwards_feedback_by_email(None, bounce)  # no identity found: the default applies
    assert forwards_feedback_by_email(base, bounce)
    # Mandatory fallback: nothing else would tell the sender.
    assert forwards_feedback_by_email(off, bounce)
    assert not forwards_feedback_by_email(with_topic, bounce)
    assert forwards_feedback_by_email(with_topic, complaint)  # no complaint topic: fallback
