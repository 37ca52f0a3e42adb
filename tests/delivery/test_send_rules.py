"""SES's acceptance rules on the send operations, through boto3 on a dev-mode server."""

from __future__ import annotations

import base64
import json
import urllib.request
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.fixtures.server import RunningServer

MESSAGE = {"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "b"}}}


@pytest.fixture
def verified(clean_dev_server: RunningServer) -> RunningServer:
    clean_dev_server.client("sesv2").create_email_identity(EmailIdentity="verified.test")
    clean_dev_server.client("ses").verify_email_identity(EmailAddress="Person@solo.test")
    return clean_dev_server


def _raw(server: RunningServer, data: str, **extra: Any) -> str:
    response = server.client("ses").send_raw_email(RawMessage={"Data": data.encode()}, **extra)
    message_id: str = response["MessageId"]
    return message_id


def _error(call: Any) -> dict[str, str]:
    with pytest.raises(ClientError) as caught:
        call()
    error: dict[str, str] = caught.value.response["Error"]
    return error


def _stored_raw(server: RunningServer, message_id: str) -> str:
    with urllib.request.urlopen(f"{server.endpoint}/_aws/ses?id={message_id}", timeout=30) as r:
        raw: str = json.loads(r.read())["messages"][0]["RawData"]
        return raw


@pytest.mark.parametrize(
    "from_header",
    [
        '"admin@verified.test" <evil@attacker.test>',
        "=?utf-8?q?admin=40verified.test?= <evil@attacker.test>",
        "admin@verified.test (really) , evil@attacker.test",
        "evil@attacker.test (admin@verified.test)",
        "team: admin@verified.test, evil@attacker.test;",
    ],
)
def test_identity_checks_cannot_be_fooled_by_address_syntax(
    verified: RunningServer, from_header: str
) -> None:
    error = _error(
        lambda: _raw(verified, f"From: {from_header}\r\nTo: a@x.test\r\nSubject: s\r\n\r\nb\r\n")
    )
    assert error["Code"] in ("MessageRejected", "InvalidParameterValue")
    if error["Code"] == "MessageRejected":
        assert "evil@attacker.test" in error["Message"]


def test_every_sender_header_must_be_verified(verified: RunningServer) -> None:
    for header in ("Sender: other@attacker.test", "Return-Path: <other@attacker.test>"):
        error = _error(
            lambda header=header: _raw(
                verified,
                f"From: a@verified.test\r\n{header}\r\nTo: a@x.test\r\nSubject: s\r\n\r\nb\r\n",
            )
        )
        assert error["Code"] == "MessageRejected"
        assert "other@attacker.test" in error["Message"]


def test_header_injection_through_parameters_is_impossible(verified: RunningServer) -> None:
    ses = verified.client("ses")
    error = _error(
        lambda: ses.send_email(
            Source="a@verified.test\r\nBcc: evil@attacker.test",
            Destination={"ToAddresses": ["to@x.test"]},
            Message=MESSAGE,
        )
    )
    assert error["Code"] == "InvalidParameterValue"
    message_id = ses.send_email(
        Source="a@verified.test",
        Destination={"ToAddresses": ["to@x.test"]},
        Message={
            "Subject": {"Data": "hello\r\nBcc: evil@attacker.test"},
            "Body": {"Text": {"Data": "b"}},
        },
    )["MessageId"]
    raw = _stored_raw(verified, message_id)
    header_block = raw.split("\r\n\r\n", 1)[0]
    assert "\r\nBcc:" not in header_block
    assert "evil@attacker.test" not in [
        line.split(":", 1)[1].strip() for line in header_block.split("\r\n") if ":" in line
    ]


def test_plus_labels_pass_and_local_part_case_matters(verified: RunningServer) -> None:
    ses = verified.client("ses")
    ses.send_email(
        Source="Person+bounces@solo.test", Destination={"ToAddresses": ["a@x.test"]},
        Message=MESSAGE,
    )  # fmt: skip
    error = _error(
        lambda: ses.send_email(
            Source="person@solo.test", Destination={"ToAddresses": ["a@x.test"]}, Message=MESSAGE
        )
    )
    assert error["Message"].endswith("US-EAST-1: person@solo.test")
    # A verified domain authorises its subdomains, in any case.
    ses.send_email(
        Source="x@Deep.Sub.VERIFIED.test", Destination={"ToAddresses": ["a@x.test"]},
        Message=MESSAGE,
    )  # fmt: skip


def test_raw_message_rules(verified: RunningServer) -> None:
    duplicate = _error(
        lambda: _raw(
            verified,
            "From: a@verified.test\r\nTo: b@x.test\r\nSubject: 1\r\nSubject: 2\r\n\r\nb\r\n",
        )
    )
    assert duplicate == {**duplicate, "Code": "InvalidParameterValue"}
    assert duplicate["Message"] == "Duplicate header 'Subject'."
    attachment = base64.b64encode(b"MZ...").decode()
    exe = (
        "From: a@verified.test\r\nTo: b@x.test\r\nSubject: s\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="XX"\r\n\r\n--XX\r\n'
        "Content-Type: text/plain\r\n\r\nhi\r\n--XX\r\n"
        'Content-Type: application/octet-stream; name="Invoice.EXE"\r\n'
        "Content-Transfer-Encoding: base64\r\n\r\n" + attachment + "\r\n--XX--\r\n"
    )
    assert _error(lambda: _raw(verified, exe))["Code"] == "MessageRejected"
    no_from = _error(lambda: _raw(verified, "To: b@x.test\r\nSubject: s\r\n\r\nb\r\n"))
    assert no_from["Message"] == "Missing required header 'From'."


def test_x_ses_headers_are_honoured_and_not_delivered(verified: RunningServer) -> None:
    error = _error(
        lambda: _raw(
            verified,
            "From: a@verified.test\r\nTo: b@x.test\r\nSubject: s\r\n"
            "X-SES-CONFIGURATION-SET: nonexistent\r\n\r\nb\r\n",
        )
    )
    assert error["Code"] == "ConfigurationSetDoesNotExist"
    message_id = _raw(
        verified,
        "From: a@verified.test\r\nTo: b@x.test\r\nSubject: s\r\n"
        "X-SES-MESSAGE-TAGS: team=mail\r\nMessage-ID: <mine@example.test>\r\n\r\nb\r\n",
    )
    raw = _stored_raw(verified, message_id)
    assert "X-SES-MESSAGE-TAGS" not in raw
    assert f"Message-ID: <{message_id}@email.amazonses.com>" in raw
    assert "<mine@example.test>" not in raw


def test_destinations_parameter_overrides_headers(verified: RunningServer) -> None:
    message_id = _raw(
        verified,
        "From: a@verified.test\r\nTo: undisclosed-recipients:;\r\nSubject: s\r\n\r\nb\r\n",
        Destinations=["hidden@x.test"],
    )
    with urllib.request.urlopen(f"{verified.endpoint}/_aws/ses?id={message_id}", timeout=30) as r:
        assert json.loads(r.read())["messages"][0]["Destination"]["ToAddresses"] == [
            "hidden@x.test"
        ]
    no_recipients = _error(
        lambda: _raw(verified, "From: a@verified.test\r\nSubject: s\r\n\r\nb\r\n")
    )
    assert no_recipients["Code"] == "InvalidParameterValue"
