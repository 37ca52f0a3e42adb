"""Sending with templates end to end: boto3 and the aws CLI → openses → a loopback MX.

SendTemplatedEmail, SendBulkTemplatedEmail, v2 SendEmail with Template content and
SendBulkEmail: one message per destination, each personalised, and rendering
failures as SES has them (a MessageId, no delivery, Send then Rendering Failure).
"""

from __future__ import annotations

import email
import email.policy
import json
import os
import subprocess
import sys
import urllib.request
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from openses.app import Application
from openses.services.scope import Scope
from openses.storage.repositories import identities as identities_repo
from tests.delivery.test_send_and_deliver import DOMAIN, RECIPIENT_DOMAIN
from tests.fixtures.server import RunningServer
from tests.fixtures.smtp_sink import ReceivedMessage, SmtpSink

SENDER = f"news@{DOMAIN}"
ANIMALS = {
    "TemplateName": "Animals",
    "SubjectPart": "Greetings, {{name}}!",
    "TextPart": "Dear {{name}},\r\nYour favorite animal is {{favoriteanimal}}.",
    "HtmlPart": "<h1>Hello {{name}},</h1><p>Your favorite animal is {{favoriteanimal}}.</p>",
}


def _to(name: str) -> str:
    return f"{name}@{RECIPIENT_DOMAIN}"


def _parsed(received: ReceivedMessage) -> EmailMessage:
    message = email.message_from_bytes(received.content, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def _text(message: EmailMessage, kind: str = "plain") -> str:
    part = message.get_body(preferencelist=(kind,))
    assert part is not None
    return str(part.get_content()).replace("\r\n", "\n")


def _arrived(mx: SmtpSink, before: int, count: int) -> dict[str, EmailMessage]:
    """The next ``count`` messages at the MX, by their first envelope recipient."""
    mx.wait_until(lambda sink: len(sink.accepted_messages) >= before + count, timeout=30)
    arrived = mx.accepted_messages[before:]
    assert len(arrived) == count
    return {m.rcpt_tos[0]: _parsed(m) for m in arrived}


def _inspect(server: RunningServer, message_id: str) -> dict[str, Any]:
    url = f"{server.endpoint}/_openses/messages/{message_id}"
    with urllib.request.urlopen(url, timeout=30) as response:
        document: dict[str, Any] = json.loads(response.read())
    return document


def test_bulk_send_personalises_one_message_per_destination(
    clean: RunningServer, mx: SmtpSink
) -> None:
    ses = clean.client("ses")
    ses.create_template(Template=ANIMALS)
    before = len(mx.accepted_messages)
    answer = ses.send_bulk_templated_email(
        Source=f"Mary Major <{SENDER}>",
        Template="Animals",
        DefaultTemplateData=json.dumps({"name": "friend", "favoriteanimal": "unknown"}),
        Destinations=[
            {"Destination": {"ToAddresses": [_to("anaya")]},
             "ReplacementTemplateData": '{"name": "Anaya", "favoriteanimal": "angelfish"}'},
            {"Destination": {"ToAddresses": [_to("liu")], "CcAddresses": [_to("liu.cc")]},
             "ReplacementTemplateData": '{"name": "Liu", "favoriteanimal": "lion"}'},
            {"Destination": {"ToAddresses": [_to("richard")]},
             "ReplacementTemplateData": "{}"},
            {"Destination": {"ToAddresses": [_to("shirley")]},
             "ReplacementTemplateData": '{"name": "Shirley"}'},
        ],
    )  # fmt: skip
    statuses = answer["Status"]
    assert [s["Status"] for s in statuses] == ["Success"] * 4
    ids = [s["MessageId"] for s in statuses]
    assert len(set(ids)) == 4
    # The Cc recipient shares Liu's message: one message per destination, not per address.
    by_recipient = _arrived(mx, before, 4)
    expected = {
        "anaya": ("Anaya", "angelfish"),
        "liu": ("Liu", "lion"),
        "richard": ("friend", "unknown"),  # "{}": the defaults
        "shirley": ("Shirley", "unknown"),  # the defaults under a partial replacement
    }
    for (name, (shown, animal)), message_id in zip(expected.items(), ids, strict=True):
        message = by_recipient[_to(name)]
        assert message["Subject"] == f"Greetings, {shown}!"
        assert _text(message).strip() == f"Dear {shown},\nYour favorite animal is {animal}."
        assert _text(message, "html").strip() == (
            f"<h1>Hello {shown},</h1><p>Your favorite animal is {animal}.</p>"
        )
        assert message["Message-ID"] == f"<{message_id}@email.amazonses.com>"
    liu = next(m for m in mx.accepted_messages[before:] if m.rcpt_tos[0] == _to("liu"))
    assert set(liu.rcpt_tos) == {_to("liu"), _to("liu.cc")}
    # Quotas count every recipient: five addresses in four messages.
    assert ses.get_send_quota()["SentLast24Hours"] == 5.0


def test_nested_default_data_merges_under_each_destination(
    clean: RunningServer, mx: SmtpSink
) -> None:
    ses = clean.client("ses")
    ses.create_template(
        Template={
            "TemplateName": "Nested",
            "SubjectPart": "{{contact.firstName}} {{contact.lastName}}",
            "TextPart": "{{#each subscription}}[{{interest}}]{{else}}none{{/each}} {{meta.userId}}",
        }
    )
    before = len(mx.accepted_messages)
    default = {"meta": {"userId": "0"}, "contact": {"firstName": "Friend", "lastName": "-"},
               "subscription": []}  # fmt: skip
    statuses = ses.send_bulk_templated_email(
        Source=SENDER,
        Template="Nested",
        DefaultTemplateData=json.dumps(default),
        Destinations=[
            {"Destination": {"ToAddresses": [_to("anaya")]},
             "ReplacementTemplateData": json.dumps(
                 {"meta": {"userId": "518"}, "contact": {"firstName": "Anaya"},
                  "subscription": [{"interest": "Sports"}, {"interest": "Cooking"}]})},
            {"Destination": {"ToAddresses": [_to("shirley")]},
             "ReplacementTemplateData": json.dumps({"contact": {"lastName": "Rodriguez"}})},
        ],
    )["Status"]  # fmt: skip
    assert [s["Status"] for s in statuses] == ["Success", "Success"]
    by_recipient = _arrived(mx, before, 2)
    anaya, shirley = by_recipient[_to("anaya")], by_recipient[_to("shirley")]
    assert anaya["Subject"] == "Anaya -"
    assert _text(anaya).strip() == "[Sports][Cooking] 518"
    assert shirley["Subject"] == "Friend Rodriguez"
    assert _text(shirley).strip() == "none 0"


def test_a_missing_attribute_gives_a_message_id_no_delivery_and_a_rendering_failure(
    clean: RunningServer, mx: SmtpSink
) -> None:
    ses = clean.client("ses")
    ses.create_template(Template=ANIMALS)
    before = len(mx.accepted_messages)
    failed_id = ses.send_templated_email(
        Source=SENDER,
        Destination={"ToAddresses": [_to("nobody")]},
        Template="Animals",
        TemplateData='{"name": "Alejandro"}',
        Tags=[{"Name": "campaign", "Value": "spring"}],
    )["MessageId"]
    # In a bulk send the failing destination still has its MessageId and Success.
    statuses = ses.send_bulk_templated_email(
        Source=SENDER,
        Template="Animals",
        DefaultTemplateData='{"name": "friend"}',
        Destinations=[
            {"Destination": {"ToAddresses": [_to("fails")]}, "ReplacementTemplateData": "{}"},
            {"Destination": {"ToAddresses": [_to("works")]},
             "ReplacementTemplateData": '{"favoriteanimal": "wombat"}'},
        ],
    )["Status"]  # fmt: skip
    assert [s["Status"] for s in statuses] == ["Success", "Success"]
    arrived = _arrived(mx, before, 1)
    assert list(arrived) == [_to("works")]
    for message_id, recipient in ((failed_id, "nobody"), (statuses[0]["MessageId"], "fails")):
        document = _inspect(clean, message_id)
        assert document["Recipients"] == []  # nothing was queued
        events = document["Events"]
        assert [e["eventType"] for e in events] == ["Send", "Rendering Failure"]
        assert events[1]["failure"] == {
            "errorMessage": "Attribute 'favoriteanimal' is not present in the rendering data.",
            "templateName": "Animals",
        }
        assert events[1]["mail"]["messageId"] == message_id
        assert events[1]["mail"]["destination"] == [_to(recipient)]
        assert "headers" not in events[1]["mail"]
    tags = _inspect(clean, failed_id)["Events"][1]["mail"]["tags"]
    assert tags["campaign"] == ["spring"]
    assert tags["ses:operation"] == ["SendTemplatedEmail"]
    # Accepted messages count against the quota whether or not they render.
    assert ses.get_send_quota()["SentLast24Hours"] == 3.0


def test_errors_of_the_call(clean: RunningServer) -> None:
    ses, sesv2 = clean.client("ses"), clean.client("sesv2")
    ses.create_template(Template=ANIMALS)
    destination = {"ToAddresses": [_to("x")]}
    with pytest.raises(ClientError) as missing:
        ses.send_templated_email(
            Source=SENDER, Destination=destination, Template="Nope", TemplateData="{}"
        )
    assert missing.value.response["Error"] == {
        "Type": "Sender",
        "Code": "TemplateDoesNotExist",
        "Message": "Template Nope does not exist.",
    }
    with pytest.raises(ses.exceptions.TemplateDoesNotExistException):
        ses.send_bulk_templated_email(
            Source=SENDER, Template="Nope", DefaultTemplateData="{}",
            Destinations=[{"Destination": destination}],
        )  # fmt: skip
    with pytest.raises(sesv2.exceptions.NotFoundException):
        sesv2.send_email(
            FromEmailAddress=SENDER, Destination=destination,
            Content={"Template": {"TemplateName": "Nope", "TemplateData": "{}"}},
        )  # fmt: skip
    with pytest.raises(ClientError) as bad_data:
        ses.send_templated_email(
            Source=SENDER, Destination=destination, Template="Animals", TemplateData="[1]"
        )
    assert bad_data.value.response["Error"]["Code"] == "InvalidParameterValue"
    with pytest.raises(ClientError) as too_many:
        ses.send_bulk_templated_email(
            Source=SENDER, Template="Animals", DefaultTemplateData="{}",
            Destinations=[{"Destination": {"ToAddresses": [_to(f"r{i}")]}} for i in range(51)],
        )  # fmt: skip
    assert too_many.value.response["Error"]["Code"] == "InvalidParameterValue"
    with pytest.raises(ses.exceptions.MessageRejected):
        ses.send_bulk_templated_email(
            Source="someone@unverified.test", Template="Animals", DefaultTemplateData="{}",
            Destinations=[{"Destination": destination}],
        )  # fmt: skip
    assert ses.get_send_quota()["SentLast24Hours"] == 0.0


def test_a_bad_destination_fails_alone(clean: RunningServer, mx: SmtpSink) -> None:
    ses = clean.client("ses")
    ses.create_template(Template=ANIMALS)
    before = len(mx.accepted_messages)
    data = '{"name": "n", "favoriteanimal": "a"}'
    statuses = ses.send_bulk_templated_email(
        Source=SENDER,
        Template="Animals",
        DefaultTemplateData=data,
        Destinations=[
            {"Destination": {"ToAddresses": ["not-an-address"]}},
            {"Destination": {"ToAddresses": [_to("ok")]}, "ReplacementTemplateData": "{oops"},
            {"Destination": {"ToAddresses": [_to(f"r{i}") for i in range(51)]}},
            {"Destination": {"ToAddresses": [_to("fine")]}},
        ],
    )["Status"]
    assert [s["Status"] for s in statuses] == ["InvalidParameterValue"] * 3 + ["Success"]
    assert [("MessageId" in s, "Error" in s) for s in statuses] == [(False, True)] * 3 + [
        (True, False)
    ]
    assert statuses[1]["Error"] == "The template data is invalid"
    assert statuses[2]["Error"] == "Recipient count exceeds 50."
    assert list(_arrived(mx, before, 1)) == [_to("fine")]


def test_v2_template_content_inline_and_stored_with_headers(
    clean: RunningServer, mx: SmtpSink
) -> None:
    sesv2 = clean.client("sesv2")
    sesv2.create_email_template(
        TemplateName="Stored",
        TemplateContent={"Subject": "Order {{order.id}}", "Text": "{{#if gift}}Gift!{{/if}}"},
    )
    before = len(mx.accepted_messages)
    inline = sesv2.send_email(
        FromEmailAddress=SENDER,
        Destination={"ToAddresses": [_to("inline")]},
        Content={"Template": {
            "TemplateContent": {"Subject": "Hi {{name}}", "Text": "Text {{name}}",
                                "Html": "<b>{{{name}}}</b>"},
            "TemplateData": '{"name": "Zoë <z>"}',
            "Headers": [{"Name": "X-Campaign", "Value": "inline-1"}],
        }},
    )["MessageId"]  # fmt: skip
    arn = "arn:aws:ses:us-east-1:000000000000:template/Stored"
    data = '{"order": {"id": 7}, "gift": 1}'
    stored = sesv2.send_email(
        FromEmailAddress=SENDER,
        Destination={"ToAddresses": [_to("stored")]},
        Content={"Template": {"TemplateArn": arn, "TemplateData": data}},
    )["MessageId"]  # fmt: skip
    by_recipient = _arrived(mx, before, 2)
    first, second = by_recipient[_to("inline")], by_recipient[_to("stored")]
    assert first["Subject"] == "Hi Zoë <z>"
    assert _text(first).strip() == "Text Zoë <z>"
    assert _text(first, "html").strip() == "<b>Zoë <z></b>"  # SES does not escape HTML
    assert first["X-Campaign"] == "inline-1"
    assert first["Message-ID"] == f"<{inline}@email.amazonses.com>"
    assert second["Subject"] == "Order 7"
    assert _text(second).strip() == "Gift!"
    assert second["Message-ID"] == f"<{stored}@email.amazonses.com>"
    # Inline content allows simple substitutions only, as SES.
    for text in ("{{#if name}}x{{/if}}", "{{contact.name}}", "{{first_name}}"):
        with pytest.raises(ClientError) as caught:
            sesv2.send_email(
                FromEmailAddress=SENDER, Destination={"ToAddresses": [_to("x")]},
                Content={"Template": {"TemplateContent": {"Subject": "s", "Text": text},
                                      "TemplateData": "{}"}},
            )  # fmt: skip
        assert caught.value.response["Error"]["Code"] == "BadRequestException"
        assert caught.value.response["Error"]["Message"] == (
            "Template contains unsupported operations."
        )


def test_v2_send_bulk_email(clean: RunningServer, mx: SmtpSink) -> None:
    sesv2 = clean.client("sesv2")
    sesv2.create_email_template(
        TemplateName="Bulk", TemplateContent={"Subject": "For {{name}}", "Text": "{{name}}!"}
    )
    before = len(mx.accepted_messages)
    results = sesv2.send_bulk_email(
        FromEmailAddress=SENDER,
        DefaultContent={"Template": {
            "TemplateName": "Bulk", "TemplateData": '{"name": "everyone"}',
            "Headers": [{"Name": "X-List", "Value": "default"},
                        {"Name": "X-Kept", "Value": "kept"}],
        }},
        DefaultEmailTags=[{"Name": "batch", "Value": "b1"}],
        BulkEmailEntries=[
            {"Destination": {"ToAddresses": [_to("ann")]},
             "ReplacementEmailContent": {
                 "ReplacementTemplate": {"ReplacementTemplateData": '{"name": "Ann"}'}},
             "ReplacementHeaders": [{"Name": "x-list", "Value": "ann"}],
             "ReplacementTags": [{"Name": "batch", "Value": "b2"}]},
            {"Destination": {"ToAddresses": [_to("bob")]}},
            {"Destination": {"ToAddresses": [_to("bad")]},
             "ReplacementEmailContent": {
                 "ReplacementTemplate": {"ReplacementTemplateData": "nope"}}},
        ],
    )["BulkEmailEntryResults"]  # fmt: skip
    assert [r["Status"] for r in results] == ["SUCCESS", "SUCCESS", "INVALID_PARAMETER"]
    assert results[2]["Error"] == "Unable to parse template data (invalid JSON)."
    by_recipient = _arrived(mx, before, 2)
    ann, bob = by_recipient[_to("ann")], by_recipient[_to("bob")]
    assert (ann["Subject"], _text(ann).strip()) == ("For Ann", "Ann!")
    assert (bob["Subject"], _text(bob).strip()) == ("For everyone", "everyone!")
    assert (ann.get_all("X-List"), ann["X-Kept"]) == (["ann"], "kept")
    assert (bob.get_all("X-List"), bob["X-Kept"]) == (["default"], "kept")
    send_events = [_inspect(clean, r["MessageId"])["Events"][0] for r in results[:2]]
    assert [e["mail"]["tags"]["batch"] for e in send_events] == [["b2"], ["b1"]]
    with pytest.raises(sesv2.exceptions.BadRequestException) as caught:
        sesv2.send_email(
            FromEmailAddress=SENDER, Destination={"ToAddresses": [_to("x")]},
            Content={"Template": {"TemplateName": "Bulk", "TemplateData": "[]"}},
        )  # fmt: skip
    assert "Unable to parse template data" in caught.value.response["Error"]["Message"]


def test_in_the_sandbox_a_recipient_fails_its_destination_and_the_rate_the_whole_call(
    prod_server: RunningServer,
) -> None:
    async def setup(application: Application) -> tuple[str, str]:
        account, key = await application.services.accounts.create_account("bulk-sandboxed")
        scope = Scope(account.account_id, "us-east-1")
        await application.services.identities.verify_domain(scope, DOMAIN)
        # Outside dev mode verification waits for DNS; mark it done as the verifier would.
        async with application.database.transaction() as conn:
            await identities_repo.update_identity(
                conn, account.account_id, "us-east-1", DOMAIN, verification_status="Success"
            )
        return key.access_key_id, key.secret_access_key

    key_id, secret = prod_server.call(setup)
    ses = prod_server.client("ses", access_key_id=key_id, secret_access_key=secret)
    ses.create_template(Template=ANIMALS)
    data = '{"name": "n", "favoriteanimal": "a"}'
    statuses = ses.send_bulk_templated_email(
        Source=SENDER, Template="Animals", DefaultTemplateData=data,
        Destinations=[{"Destination": {"ToAddresses": ["success@simulator.amazonses.com"]}},
                      {"Destination": {"ToAddresses": ["x@elsewhere.test"]}}],
    )["Status"]  # fmt: skip
    assert statuses[0]["Status"] == "Success"
    assert statuses[1] == {
        "Status": "MessageRejected",
        "Error": "Email address is not verified. The following identities failed the check "
        "in region US-EAST-1: x@elsewhere.test",
    }
    # At 1 recipient per second the bucket is now empty: the next call is throttled as a
    # whole, none of its destinations accepted. Twenty destinations would need twenty
    # seconds of refill, so a slow machine between the two calls changes nothing.
    with pytest.raises(ClientError) as throttled:
        ses.send_bulk_templated_email(
            Source=SENDER, Template="Animals", DefaultTemplateData=data,
            Destinations=[{"Destination": {"ToAddresses": [f"success+{i}@simulator.amazonses.com"]}}
                          for i in range(20)],
        )  # fmt: skip
    assert throttled.value.response["Error"]["Code"] == "Throttling"
    assert throttled.value.response["Error"]["Message"] == "Maximum sending rate exceeded."


def test_the_aws_cli_sends_a_templated_email_as_the_guide_shows(
    clean: RunningServer, mx: SmtpSink, tmp_path: Path
) -> None:
    """Developer Guide, "Sending templated email to a single destination"."""
    template_file = tmp_path / "mytemplate.json"
    template_file.write_text(json.dumps({"Template": ANIMALS}))
    email_file = tmp_path / "myemail.json"
    email_file.write_text(
        json.dumps({
            "Source": f"Mary Major <{SENDER}>",
            "Template": "Animals",
            "Destination": {"ToAddresses": [_to("alejandro.rosalez")]},
            "TemplateData": '{ "name": "Alejandro", "favoriteanimal": "alligator" }',
        })
    )  # fmt: skip
    before = len(mx.accepted_messages)
    _aws(clean, "ses", "create-template", "--cli-input-json", f"file://{template_file}")
    answer = _aws(clean, "ses", "send-templated-email", "--cli-input-json", f"file://{email_file}")
    message = _arrived(mx, before, 1)[_to("alejandro.rosalez")]
    assert message["Subject"] == "Greetings, Alejandro!"
    assert "Your favorite animal is alligator." in _text(message)
    assert message["Message-ID"] == f"<{answer['MessageId']}@email.amazonses.com>"


def _aws(server: RunningServer, *args: str) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "OPENSES_"))}
    env.update(
        AWS_ACCESS_KEY_ID="test",
        AWS_SECRET_ACCESS_KEY="test",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
    )
    result = subprocess.run(
        [str(Path(sys.executable).parent / "aws"), "--endpoint-url", server.endpoint,
         "--output", "json", *args],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    document: dict[str, Any] = json.loads(result.stdout) if result.stdout.strip() else {}
    return document
