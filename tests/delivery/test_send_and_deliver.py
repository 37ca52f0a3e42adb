"""Sending end to end: boto3 → openses → a real SMTP server on loopback, found through a real
DNS server on loopback; DKIM checked by dkimpy, an independent verifier."""

from __future__ import annotations

import email
import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dkim
import pytest
from botocore.exceptions import ClientError
from flufl.bounce import all_failures

from openses.app import Application
from openses.mail.dkim_keys import load_private_key, public_key_txt
from openses.storage.repositories import dkim_keys
from tests.conftest import make_settings
from tests.fixtures.dns_server import DnsServer
from tests.fixtures.server import RunningServer
from tests.fixtures.smtp_sink import SinkScript, SmtpSink

DOMAIN = "example.com"
RECIPIENT_DOMAIN = "receiver.test"


@pytest.fixture(scope="module")
def mx() -> Iterator[SmtpSink]:
    with SmtpSink(SinkScript()) as sink:
        yield sink


@pytest.fixture(scope="module")
def dns_server(mx: SmtpSink) -> Iterator[DnsServer]:
    with DnsServer() as dns:
        dns.add_mx(RECIPIENT_DOMAIN, f"mx.{RECIPIENT_DOMAIN}")
        dns.add_mx(DOMAIN, f"mx.{RECIPIENT_DOMAIN}")  # where DSNs to the sender arrive
        dns.add_host(f"mx.{RECIPIENT_DOMAIN}", "127.0.0.1")
        yield dns


@pytest.fixture(scope="module")
def mx_server(
    tmp_path_factory: pytest.TempPathFactory, mx: SmtpSink, dns_server: DnsServer
) -> Iterator[RunningServer]:
    settings = make_settings(tmp_path_factory.mktemp("mx"), dev=True).with_overrides(
        delivery="mx",
        mx_port=mx.port,
        dns_servers=tuple(dns_server.nameservers),
        hostname="openses.test",
    )
    server = RunningServer(settings).start()
    yield server
    server.stop()


@pytest.fixture
def clean(mx_server: RunningServer, mx: SmtpSink) -> RunningServer:
    request = urllib.request.Request(f"{mx_server.endpoint}/_openses/reset", method="POST")
    urllib.request.urlopen(request, timeout=30).close()
    mx.script.rcpt_replies.clear()
    mx_server.client("sesv2").create_email_identity(EmailIdentity=DOMAIN)
    return mx_server


def _dns_txt(server: RunningServer) -> dict[bytes, bytes]:
    async def load(application: Application) -> tuple[str, str]:
        async with application.database.read() as conn:
            key = await dkim_keys.get_key(conn, "000000000000", "us-east-1", DOMAIN)
        assert key is not None
        return key.selector, key.private_key_pem

    selector, pem = server.call(load)
    record = public_key_txt(load_private_key(pem))
    return {f"{selector}._domainkey.{DOMAIN}.".encode(): record.encode()}


def _verify_dkim(message: bytes, records: dict[bytes, bytes]) -> bool:
    def lookup(name: bytes, timeout: int = 5) -> bytes | None:
        return records.get(name)

    return bool(dkim.verify(message, dnsfunc=lookup))


def _inspect(server: RunningServer, message_id: str) -> dict[str, Any]:
    url = f"{server.endpoint}/_openses/messages/{message_id}"
    with urllib.request.urlopen(url, timeout=30) as response:
        document: dict[str, Any] = json.loads(response.read())
    return document


def test_three_ways_to_send_reach_the_mx_dkim_signed(clean: RunningServer, mx: SmtpSink) -> None:
    ses, sesv2 = clean.client("ses"), clean.client("sesv2")
    before = len(mx.accepted_messages)
    first = ses.send_email(
        Source=f"Sender <news@{DOMAIN}>",
        Destination={"ToAddresses": [f"alice@{RECIPIENT_DOMAIN}"]},
        Message={"Subject": {"Data": "Grüße"}, "Body": {"Text": {"Data": "Hallo"}}},
    )["MessageId"]
    raw = (
        f"From: news@{DOMAIN}\r\nTo: bob@{RECIPIENT_DOMAIN}\r\nSubject: raw\r\n"
        "X-SES-MESSAGE-TAGS: campaign=launch\r\n\r\nraw body\r\n"
    ).encode()
    second = ses.send_raw_email(RawMessage={"Data": raw})["MessageId"]
    third = sesv2.send_email(
        FromEmailAddress=f"news@{DOMAIN}",
        Destination={"ToAddresses": [f"carol@{RECIPIENT_DOMAIN}"]},
        Content={"Simple": {"Subject": {"Data": "v2"}, "Body": {"Html": {"Data": "<p>v2</p>"}}}},
    )["MessageId"]
    mx.wait_until(lambda sink: len(sink.accepted_messages) == before + 3, timeout=30)
    records = _dns_txt(clean)
    by_recipient = {m.rcpt_tos[0]: m for m in mx.accepted_messages[before:]}
    for recipient, message_id in (("alice", first), ("bob", second), ("carol", third)):
        received = by_recipient[f"{recipient}@{RECIPIENT_DOMAIN}"]
        assert received.mail_from == f"news@{DOMAIN}"
        assert f"<{message_id}@email.amazonses.com>".encode() in received.content
        assert received.content.startswith(b"DKIM-Signature:")
        assert _verify_dkim(received.content, records), received.content[:600]
        assert b"X-SES-MESSAGE-TAGS" not in received.content
    # The MX has the message before openses has recorded its answer: wait for the event.
    events = _inspect(clean, second)["Events"]
    for _ in range(100):
        if len(events) == 2:
            break
        mx.wait_until(lambda _sink: True, timeout=0.1)
        events = _inspect(clean, second)["Events"]
    assert [e["eventType"] for e in events] == ["Send", "Delivery"]
    delivery = events[1]["delivery"]
    assert delivery["recipients"] == [f"bob@{RECIPIENT_DOMAIN}"]
    assert delivery["smtpResponse"].startswith("250")
    assert events[0]["mail"]["tags"]["campaign"] == ["launch"]


def test_a_rejected_recipient_bounces_and_a_deferred_one_waits(
    clean: RunningServer, mx: SmtpSink
) -> None:
    mx.script.rcpt_replies.update(
        {
            f"gone@{RECIPIENT_DOMAIN}": "550 5.1.1 No such user",
            f"busy@{RECIPIENT_DOMAIN}": "451 4.3.0 Try again later",
        }
    )
    before = len(mx.accepted_messages)
    message_id = clean.client("sesv2").send_email(
        FromEmailAddress=f"news@{DOMAIN}",
        Destination={
            "ToAddresses": [f"ok@{RECIPIENT_DOMAIN}", f"gone@{RECIPIENT_DOMAIN}"],
            "CcAddresses": [f"busy@{RECIPIENT_DOMAIN}"],
        },
        Content={"Simple": {"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "b"}}}},
    )["MessageId"]
    mx.wait_until(lambda sink: len(sink.accepted_messages) == before + 1, timeout=30)
    assert mx.accepted_messages[before].rcpt_tos == (f"ok@{RECIPIENT_DOMAIN}",)

    def settled(document: dict[str, Any]) -> bool:
        return len(document["Events"]) >= 4

    document = _inspect(clean, message_id)
    for _ in range(100):
        if settled(document):
            break
        mx.wait_until(lambda _sink: True, timeout=0.1)
        document = _inspect(clean, message_id)
    kinds = sorted(e["eventType"] for e in document["Events"])
    assert kinds == ["Bounce", "Delivery", "DeliveryDelay", "Send"]
    bounce = next(e for e in document["Events"] if e["eventType"] == "Bounce")["bounce"]
    assert (bounce["bounceType"], bounce["bounceSubType"]) == ("Permanent", "NoEmail")
    assert bounce["bouncedRecipients"][0]["emailAddress"] == f"gone@{RECIPIENT_DOMAIN}"
    assert bounce["bouncedRecipients"][0]["diagnosticCode"] == "smtp; 550 5.1.1 No such user"
    # The DSN goes to the sender from MAILER-DAEMON with the null reverse-path.
    mx.wait_until(
        lambda sink: any(m.mail_from == "" for m in sink.accepted_messages[before:]), timeout=30
    )
    dsn = next(m for m in mx.accepted_messages[before:] if m.mail_from == "")
    assert dsn.rcpt_tos == (f"news@{DOMAIN}",)
    _temporary, permanent = all_failures(email.message_from_bytes(dsn.content))
    assert permanent == {f"gone@{RECIPIENT_DOMAIN}".encode()}
    states = {r["recipient"]: r["status"] for r in document["Recipients"]}
    assert states == {
        f"ok@{RECIPIENT_DOMAIN}": "delivered",
        f"gone@{RECIPIENT_DOMAIN}": "bounced",
        f"busy@{RECIPIENT_DOMAIN}": "queued",
    }


def test_unverified_sender_is_message_rejected_with_the_ses_text(clean: RunningServer) -> None:
    with pytest.raises(ClientError) as caught:
        clean.client("ses").send_email(
            Source="someone@unverified.test",
            Destination={"ToAddresses": [f"x@{RECIPIENT_DOMAIN}"]},
            Message={"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "b"}}},
        )
    error = caught.value.response["Error"]
    assert error["Code"] == "MessageRejected"
    assert error["Message"] == (
        "Email address is not verified. The following identities failed the check in region "
        "US-EAST-1: someone@unverified.test"
    )


def test_more_than_50_recipients_is_refused(clean: RunningServer) -> None:
    with pytest.raises(ClientError) as caught:
        clean.client("ses").send_email(
            Source=f"news@{DOMAIN}",
            Destination={"ToAddresses": [f"r{i}@{RECIPIENT_DOMAIN}" for i in range(51)]},
            Message={"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "b"}}},
        )
    assert caught.value.response["Error"]["Code"] == "InvalidParameterValue"
    assert caught.value.response["Error"]["Message"] == "Recipient count exceeds 50."


def test_paused_account_cannot_send(clean: RunningServer) -> None:
    ses, sesv2 = clean.client("ses"), clean.client("sesv2")
    ses.update_account_sending_enabled(Enabled=False)
    content = {"Simple": {"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "b"}}}}
    with pytest.raises(ses.exceptions.AccountSendingPausedException):
        ses.send_email(
            Source=f"news@{DOMAIN}",
            Destination={"ToAddresses": [f"x@{RECIPIENT_DOMAIN}"]},
            Message={"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "b"}}},
        )
    with pytest.raises(sesv2.exceptions.SendingPausedException):
        sesv2.send_email(
            FromEmailAddress=f"news@{DOMAIN}",
            Destination={"ToAddresses": [f"x@{RECIPIENT_DOMAIN}"]},
            Content=content,
        )


def test_mailbox_simulator_never_reaches_a_real_server(clean: RunningServer, mx: SmtpSink) -> None:
    sesv2 = clean.client("sesv2")
    before = len(mx.messages)
    ids = {
        mailbox: sesv2.send_email(
            FromEmailAddress=f"news@{DOMAIN}",
            Destination={"ToAddresses": [f"{mailbox}@simulator.amazonses.com"]},
            Content={"Simple": {"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "b"}}}},
        )["MessageId"]
        for mailbox in ("success", "bounce", "ooto", "complaint", "suppressionlist")
    }
    expected = {
        "success": ["Send", "Delivery"],
        "bounce": ["Send", "Bounce"],
        "ooto": ["Send", "Delivery", "Bounce"],
        "complaint": ["Send", "Delivery", "Complaint"],
        "suppressionlist": ["Send", "Bounce"],
    }
    for _ in range(100):
        if all(len(_inspect(clean, ids[m])["Events"]) == len(e) for m, e in expected.items()):
            break
        mx.wait_until(lambda _sink: True, timeout=0.1)
    for mailbox, kinds in expected.items():
        events = _inspect(clean, ids[mailbox])["Events"]
        assert [e["eventType"] for e in events] == kinds, mailbox
    bounces = {
        m: next(e for e in _inspect(clean, ids[m])["Events"] if e["eventType"] == "Bounce")
        for m in ("bounce", "ooto", "suppressionlist")
    }
    assert bounces["bounce"]["bounce"]["bounceType"] == "Permanent"
    assert bounces["ooto"]["bounce"]["bounceType"] == "Transient"
    assert bounces["suppressionlist"]["bounce"]["bounceSubType"] == "Suppressed"
    arrived = mx.messages[before:]
    assert not [m for m in arrived if any("simulator" in r for r in m.rcpt_tos)]
    # The feedback address gets what SES's simulator sends: a DSN for each of bounce@
    # and suppressionlist@, the auto-reply of ooto@ and the complaint report.
    mx.wait_until(lambda sink: len(sink.messages) >= before + 4, timeout=30)
    feedback = mx.messages[before:]
    assert {(m.mail_from, m.rcpt_tos) for m in feedback} == {("", (f"news@{DOMAIN}",))}
    kinds = sorted(
        "report" if b"feedback-report" in m.content
        else "dsn" if b"delivery-status" in m.content
        else "auto-reply"
        for m in feedback
    )  # fmt: skip
    assert kinds == ["auto-reply", "dsn", "dsn", "report"]
    # Simulator sends do not count against the daily quota.
    assert clean.client("ses").get_send_quota()["SentLast24Hours"] == 0.0


def test_emulator_inspection_shape(clean: RunningServer) -> None:
    message_id = clean.client("ses").send_email(
        Source=f"news@{DOMAIN}",
        Destination={"ToAddresses": [f"dave@{RECIPIENT_DOMAIN}"]},
        Message={
            "Subject": {"Data": "Inspect me"},
            "Body": {"Text": {"Data": "plain"}, "Html": {"Data": "<b>html</b>"}},
        },
    )["MessageId"]
    with urllib.request.urlopen(f"{clean.endpoint}/_aws/ses?id={message_id}", timeout=30) as r:
        messages = json.loads(r.read())["messages"]
    assert len(messages) == 1
    message = messages[0]
    assert message["Id"] == message_id
    assert message["Region"] == "us-east-1"
    assert message["Source"] == f"news@{DOMAIN}"
    assert message["Destination"]["ToAddresses"] == [f"dave@{RECIPIENT_DOMAIN}"]
    assert message["Subject"] == "Inspect me"
    assert message["Body"]["text_part"].strip() == "plain"
    assert message["Body"]["html_part"].strip() == "<b>html</b>"
    assert "Inspect me" in message["RawData"]
    request = urllib.request.Request(f"{clean.endpoint}/_aws/ses", method="DELETE")
    urllib.request.urlopen(request, timeout=30).close()
    with urllib.request.urlopen(f"{clean.endpoint}/_aws/ses", timeout=30) as r:
        assert json.loads(r.read())["messages"] == []


def test_sandbox_throttling_and_unverified_recipients(
    prod_server: RunningServer, tmp_path: Path
) -> None:
    async def setup(application: Application) -> tuple[str, str]:
        account, key = await application.services.accounts.create_account("sandboxed")
        from openses.services.scope import Scope

        await application.services.identities.verify_domain(
            Scope(account.account_id, "us-east-1"), DOMAIN
        )
        # Outside dev mode verification waits for DNS; mark it done as the verifier would.
        from openses.storage.repositories import identities as repo

        async with application.database.transaction() as conn:
            await repo.update_identity(
                conn, account.account_id, "us-east-1", DOMAIN, verification_status="Success"
            )
        return key.access_key_id, key.secret_access_key

    key_id, secret = prod_server.call(setup)
    ses = prod_server.client("ses", access_key_id=key_id, secret_access_key=secret)
    message = {"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "b"}}}
    with pytest.raises(ClientError) as caught:
        ses.send_email(
            Source=f"a@{DOMAIN}", Destination={"ToAddresses": ["x@elsewhere.test"]},
            Message=message,
        )  # fmt: skip
    assert "US-EAST-1: x@elsewhere.test" in caught.value.response["Error"]["Message"]
    # At 1 recipient per second, a 10-recipient message goes through and leaves the
    # account in debt for about 9 seconds: the next send is throttled.
    ses.send_email(
        Source=f"a@{DOMAIN}",
        Destination={"ToAddresses": [f"success+{i}@simulator.amazonses.com" for i in range(10)]},
        Message=message,
    )
    with pytest.raises(ClientError) as throttled:
        ses.send_email(
            Source=f"a@{DOMAIN}", Destination={"ToAddresses": ["success@simulator.amazonses.com"]},
            Message=message,
        )  # fmt: skip
    assert throttled.value.response["Error"]["Code"] == "Throttling"
    assert throttled.value.response["Error"]["Message"] == "Maximum sending rate exceeded."


def test_send_statistics_count_recipients_and_hard_bounces(
    clean: RunningServer, mx: SmtpSink
) -> None:
    mx.script.rcpt_replies[f"nobody@{RECIPIENT_DOMAIN}"] = "550 5.1.1 No such user"
    ses = clean.client("ses")
    message = {"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "b"}}}
    ses.send_email(
        Source=f"news@{DOMAIN}",
        Destination={"ToAddresses": [f"a@{RECIPIENT_DOMAIN}", f"nobody@{RECIPIENT_DOMAIN}"]},
        Message=message,
    )
    for _ in range(100):
        points = ses.get_send_statistics()["SendDataPoints"]
        if points and points[-1]["Bounces"] == 1:
            break
        mx.wait_until(lambda _sink: True, timeout=0.1)
    assert len(points) == 1
    point = points[0]
    assert (point["DeliveryAttempts"], point["Bounces"], point["Complaints"], point["Rejects"]) == (
        2, 1, 0, 0,
    )  # fmt: skip
    assert point["Timestamp"].minute % 15 == 0
