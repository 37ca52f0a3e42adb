"""Sending authorization enforced: a delegate account sends for another account's
identity only where that identity's policies allow it. Two accounts on one dev-mode
server (the owner is the dev account, whose identities are verified at once), real
boto3 clients over a socket, v1 and v2."""

from __future__ import annotations

import datetime as dt
import json
import urllib.request
from dataclasses import dataclass
from typing import Any

import pytest
from botocore.exceptions import ClientError

from openses.app import Application
from tests.fixtures.server import RunningServer

OWNER = "000000000000"
DOMAIN = "owner.test"
ARN = f"arn:aws:ses:us-east-1:{OWNER}:identity/{DOMAIN}"
MESSAGE = {"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "b"}}}
TO = {"ToAddresses": ["someone@partner.test"]}


@dataclass
class Accounts:
    server: RunningServer
    delegate_id: str
    key: str
    secret: str

    @property
    def owner_ses(self) -> Any:
        return self.server.client("ses")

    def ses(self) -> Any:
        return self.server.client("ses", access_key_id=self.key, secret_access_key=self.secret)

    def sesv2(self) -> Any:
        return self.server.client("sesv2", access_key_id=self.key, secret_access_key=self.secret)

    def allow(self, name: str = "delegate", **statement: Any) -> None:
        document = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": name,
                    "Effect": "Allow",
                    "Resource": ARN,
                    "Principal": {"AWS": [self.delegate_id]},
                    "Action": ["ses:Send*"],
                    **statement,
                }
            ],
        }
        self.owner_ses.put_identity_policy(
            Identity=DOMAIN, PolicyName=name, Policy=json.dumps(document)
        )

    def denied_text(self, action: str, arn: str = ARN) -> str:
        return (
            f"User `arn:aws:iam::{self.delegate_id}:root' is not authorized to perform "
            f"`ses:{action}' on resource `{arn}'"
        )


@pytest.fixture
def accounts(clean_dev_server: RunningServer) -> Accounts:
    clean_dev_server.client("sesv2").create_email_identity(EmailIdentity=DOMAIN)

    async def create(application: Application) -> tuple[str, str, str]:
        account, key = await application.services.accounts.create_account("delegate", sandbox=False)
        return account.account_id, key.access_key_id, key.secret_access_key

    delegate_id, key, secret = clean_dev_server.call(create)
    return Accounts(clean_dev_server, delegate_id, key, secret)


def _error(call: Any) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as caught:
        call()
    response: Any = caught.value.response
    return (
        response["Error"]["Code"],
        response["Error"]["Message"],
        response["ResponseMetadata"]["HTTPStatusCode"],
    )


def _send(ses: Any, source: str = f"news@{DOMAIN}", **extra: Any) -> str:
    arguments = {"Source": source, "Destination": TO, "Message": MESSAGE, "SourceArn": ARN}
    message_id: str = ses.send_email(**{**arguments, **extra})["MessageId"]
    return message_id


def _detail(server: RunningServer, message_id: str) -> dict[str, Any]:
    url = f"{server.endpoint}/_openses/messages/{message_id}"
    with urllib.request.urlopen(url, timeout=30) as response:
        document: dict[str, Any] = json.loads(response.read())
        return document


def test_without_a_policy_the_delegate_is_denied(accounts: Accounts) -> None:
    assert _error(lambda: _send(accounts.ses())) == (
        "AccessDenied",
        accounts.denied_text("SendEmail"),
        403,
    )
    code, message, status = _error(
        lambda: accounts.sesv2().send_email(
            FromEmailAddress=f"news@{DOMAIN}",
            FromEmailAddressIdentityArn=ARN,
            Destination=TO,
            Content={"Simple": MESSAGE},
        )
    )
    assert (code, message, status) == (
        "AccessDeniedException",
        accounts.denied_text("SendEmail"),
        403,
    )


def test_an_allowed_delegate_sends_on_its_own_quota_with_the_owners_arn(
    accounts: Accounts,
) -> None:
    accounts.allow()
    message_id = _send(accounts.ses())
    send_event = next(e for e in _detail(accounts.server, message_id)["Events"])
    assert send_event["eventType"] == "Send"
    assert send_event["mail"]["sendingAccountId"] == accounts.delegate_id
    assert send_event["mail"]["sourceArn"] == ARN
    assert accounts.ses().get_send_quota()["SentLast24Hours"] == 1.0
    assert accounts.owner_ses.get_send_quota()["SentLast24Hours"] == 0.0
    # v2 names the ARN FromEmailAddressIdentityArn.
    accounts.sesv2().send_email(
        FromEmailAddress=f"Newsletter <news@{DOMAIN}>",
        FromEmailAddressIdentityArn=ARN,
        Destination=TO,
        Content={"Simple": MESSAGE},
    )


def test_the_owner_needs_no_policy_for_its_own_arn(accounts: Accounts) -> None:
    _send(accounts.owner_ses)


def test_an_explicit_deny_wins_over_an_allow(accounts: Accounts) -> None:
    accounts.allow("allow")
    accounts.allow("deny", Effect="Deny", Condition={"StringLike": {"ses:FromAddress": "x*"}})
    _send(accounts.ses())
    assert _error(lambda: _send(accounts.ses(), f"x-files@{DOMAIN}"))[0] == "AccessDenied"


def test_a_policy_for_another_account_does_not_help(accounts: Accounts) -> None:
    accounts.allow(Principal={"AWS": ["arn:aws:iam::111122223333:root"]})
    assert _error(lambda: _send(accounts.ses()))[0] == "AccessDenied"
    accounts.allow("everyone", Principal="*")
    _send(accounts.ses())


def test_from_address_condition(accounts: Accounts) -> None:
    accounts.allow(Condition={"StringLike": {"ses:FromAddress": "marketing+*@owner.test"}})
    _send(accounts.ses(), f"marketing+spring@{DOMAIN}")
    assert _error(lambda: _send(accounts.ses(), f"ceo@{DOMAIN}")) == (
        "AccessDenied",
        accounts.denied_text("SendEmail"),
        403,
    )


def test_recipients_condition_applies_to_every_recipient(accounts: Accounts) -> None:
    accounts.allow(Condition={"ForAllValues:StringLike": {"ses:Recipients": "*@partner.test"}})
    _send(accounts.ses(), Destination={"ToAddresses": ["a@partner.test"], "CcAddresses": [
        "b@partner.test"]})  # fmt: skip
    mixed = {"ToAddresses": ["a@partner.test"], "BccAddresses": ["spy@elsewhere.test"]}
    assert _error(lambda: _send(accounts.ses(), Destination=mixed))[0] == "AccessDenied"


def test_time_window_condition(accounts: Accounts) -> None:
    now = dt.datetime.now(dt.UTC)

    def stamp(delta: dt.timedelta) -> str:
        return (now + delta).strftime("%Y-%m-%dT%H:%MZ")

    accounts.allow(
        Condition={
            "DateGreaterThan": {"aws:CurrentTime": stamp(dt.timedelta(days=-30))},
            "DateLessThan": {"aws:CurrentTime": stamp(dt.timedelta(days=-1))},
        }
    )
    assert _error(lambda: _send(accounts.ses()))[0] == "AccessDenied"
    accounts.allow(
        Condition={
            "DateGreaterThan": {"aws:CurrentTime": stamp(dt.timedelta(hours=-1))},
            "DateLessThan": {"aws:CurrentTime": stamp(dt.timedelta(days=1))},
        }
    )
    _send(accounts.ses())


def test_action_restriction_and_raw_mail_with_arn_headers(accounts: Accounts) -> None:
    accounts.allow(Action="SES:SendRawEmail")
    assert _error(lambda: _send(accounts.ses()))[0] == "AccessDenied"
    raw = (
        f"X-SES-SOURCE-ARN: {ARN}\r\nFrom: Owner News <news@{DOMAIN}>\r\n"
        "To: someone@partner.test\r\nSubject: s\r\n\r\nb\r\n"
    )
    message_id = accounts.ses().send_raw_email(RawMessage={"Data": raw.encode()})["MessageId"]
    detail = _detail(accounts.server, message_id)
    assert "X-SES-SOURCE-ARN" not in detail["RawData"]
    assert detail["Events"][0]["mail"]["sourceArn"] == ARN
    # The parameter works as well as the header.
    plain = raw.split("\r\n", 1)[1]
    accounts.ses().send_raw_email(RawMessage={"Data": plain.encode()}, SourceArn=ARN)
    # Without any ARN the delegate's own identities decide: it has none.
    code, message, _status = _error(
        lambda: accounts.ses().send_raw_email(RawMessage={"Data": plain.encode()})
    )
    assert (code, message) == (
        "MessageRejected",
        f"Email address is not verified. The following identities failed the check in "
        f"region US-EAST-1: news@{DOMAIN}",
    )


def test_display_name_condition(accounts: Accounts) -> None:
    accounts.allow(Condition={"StringLike": {"ses:FromDisplayName": "*Marketing*"}})
    _send(accounts.ses(), f"ACME Marketing <news@{DOMAIN}>")
    assert _error(lambda: _send(accounts.ses(), f"ACME Billing <news@{DOMAIN}>"))[0] == (
        "AccessDenied"
    )


def test_return_path_needs_its_own_authorization(accounts: Accounts) -> None:
    accounts.allow()
    # ReturnPath on the delegate's side is not covered by the owner's ARN: it must be the
    # delegate's own verified identity, or be named by ReturnPathArn.
    code, message, _status = _error(
        lambda: _send(accounts.ses(), ReturnPath="bounces@elsewhere.test")
    )
    assert code == "MessageRejected"
    assert message.endswith("bounces@elsewhere.test")
    _send(accounts.ses(), ReturnPath=f"bounces@{DOMAIN}")  # SourceArn covers it
    accounts.allow(Condition={"StringEquals": {"ses:FeedbackAddress": f"fb@{DOMAIN}"}})
    assert _error(lambda: _send(accounts.ses(), ReturnPath=f"bounces@{DOMAIN}"))[0] == (
        "AccessDenied"
    )
    _send(accounts.ses(), ReturnPath=f"fb@{DOMAIN}", ReturnPathArn=ARN)


def test_an_arn_that_does_not_cover_the_address_vouches_for_nothing(accounts: Accounts) -> None:
    accounts.allow()
    code, message, _status = _error(lambda: _send(accounts.ses(), "x@other.test"))
    assert code == "MessageRejected"
    assert message.endswith("x@other.test")
    assert _error(lambda: _send(accounts.ses(), SourceArn="not-an-arn")) == (
        "InvalidParameterValue",
        "Invalid identity ARN: not-an-arn",
        400,
    )


def test_templated_and_bulk_sends_are_their_own_actions(accounts: Accounts) -> None:
    accounts.ses().create_template(
        Template={"TemplateName": "t", "SubjectPart": "Hi {{name}}", "TextPart": "b"}
    )
    accounts.allow(Action=["ses:SendTemplatedEmail"])
    accounts.ses().send_templated_email(
        Source=f"news@{DOMAIN}", SourceArn=ARN, Destination=TO, Template="t",
        TemplateData='{"name": "x"}',
    )  # fmt: skip
    code, message, _status = _error(
        lambda: accounts.ses().send_bulk_templated_email(
            Source=f"news@{DOMAIN}",
            SourceArn=ARN,
            Template="t",
            DefaultTemplateData="{}",
            Destinations=[{"Destination": TO}],
        )
    )
    assert (code, message) == ("AccessDenied", accounts.denied_text("SendBulkTemplatedEmail"))
