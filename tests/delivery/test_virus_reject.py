"""A message carrying a virus is accepted, then rejected: SES's "Reject testing" with EICAR.

The caller gets a message id (the send succeeded), a Send and a Reject event
("Bad content") follow, nothing reaches the MX, and the message still counts in
the statistics and quotas.
"""

from __future__ import annotations

import json
import urllib.request
from email.message import EmailMessage
from typing import Any

from openses.mail.virus_scan import EICAR_SIGNATURE
from tests.delivery.test_send_and_deliver import DOMAIN, RECIPIENT_DOMAIN
from tests.fixtures.server import RunningServer
from tests.fixtures.smtp_sink import SmtpSink

SENDER = f"news@{DOMAIN}"


def _raw_with_attachment(content: bytes, subject: str) -> bytes:
    message = EmailMessage()
    message["From"] = SENDER
    message["To"] = f"someone@{RECIPIENT_DOMAIN}"
    message["Subject"] = subject
    message.set_content("The file is attached.")
    message.add_attachment(
        content, maintype="application", subtype="octet-stream", filename="eicar.txt"
    )
    return message.as_bytes()


def _inspect(server: RunningServer, message_id: str) -> dict[str, Any]:
    url = f"{server.endpoint}/_openses/messages/{message_id}"
    with urllib.request.urlopen(url, timeout=30) as response:
        document: dict[str, Any] = json.loads(response.read())
    return document


def test_eicar_is_accepted_then_rejected_and_never_delivered(
    clean: RunningServer, mx: SmtpSink
) -> None:
    ses, sesv2 = clean.client("ses"), clean.client("sesv2")
    before = len(mx.accepted_messages)
    infected_v1 = ses.send_raw_email(
        RawMessage={"Data": _raw_with_attachment(EICAR_SIGNATURE, "infected v1")}
    )["MessageId"]
    infected_v2 = sesv2.send_email(
        FromEmailAddress=SENDER,
        Destination={"ToAddresses": [f"other@{RECIPIENT_DOMAIN}"]},
        Content={"Raw": {"Data": _raw_with_attachment(EICAR_SIGNATURE + b"\r\n", "infected v2")}},
    )["MessageId"]
    clean_id = ses.send_raw_email(
        RawMessage={"Data": _raw_with_attachment(b"just a report", "clean")}
    )["MessageId"]

    mx.wait_until(lambda sink: len(sink.accepted_messages) >= before + 1, timeout=30)
    arrived = mx.accepted_messages[before:]
    assert len(arrived) == 1
    assert b"Subject: clean" in arrived[0].content

    for message_id in (infected_v1, infected_v2):
        document = _inspect(clean, message_id)
        assert document["Recipients"] == []  # nothing was queued
        events = document["Events"]
        assert [e["eventType"] for e in events] == ["Send", "Reject"]
        assert events[1]["reject"] == {"reason": "Bad content"}
        assert events[1]["mail"]["messageId"] == message_id
    clean_events = [e["eventType"] for e in _inspect(clean, clean_id)["Events"]]
    assert clean_events[:1] == ["Send"]
    assert "Reject" not in clean_events

    points = ses.get_send_statistics()["SendDataPoints"]
    assert sum(point["Rejects"] for point in points) == 2
    # Rejected mail counts against the daily quota (two infected + one clean recipient).
    assert ses.get_send_quota()["SentLast24Hours"] == 3.0
