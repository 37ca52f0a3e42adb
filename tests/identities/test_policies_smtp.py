"""Sending authorization over SMTP: a delegate names the owner's identity with the
``X-SES-*-ARN`` headers after DATA; SES answers ``554 Access denied: ...`` when no
policy allows it, and strips the headers from what it delivers."""

from __future__ import annotations

import json
import smtplib
from email.message import EmailMessage

from openses.app import Application
from tests.smtp.conftest import (  # noqa: F401 (fixtures, found by name)
    DOMAIN,
    RECIPIENT_DOMAIN,
    SmtpTarget,
    smtp,
    smtp_dns,
    smtp_mx,
    smtp_server,
)
from tests.smtp.delivery_checks import delivered, message_id_of, stored_message
from tests.smtp.smtp_helpers import client_tls_context, ses_smtp_password

OWNER = "000000000000"
ARN = f"arn:aws:ses:us-east-1:{OWNER}:identity/{DOMAIN}"


def _delegate(target: SmtpTarget) -> tuple[str, smtplib.SMTP]:
    async def create(application: Application) -> tuple[str, str, str]:
        account, key = await application.services.accounts.create_account(
            "smtp-delegate", sandbox=False
        )
        return account.account_id, key.access_key_id, key.secret_access_key

    account_id, key, secret = target.server.call(create)
    client = smtplib.SMTP(target.host, target.starttls_port, timeout=30)
    client.starttls(context=client_tls_context(target.certificate))
    client.login(key, ses_smtp_password(secret, "us-east-1"))
    return account_id, client


def _message(*headers: tuple[str, str]) -> bytes:
    mail = EmailMessage()
    for name, value in headers:
        mail[name] = value
    mail["From"] = f"News <news@{DOMAIN}>"
    mail["To"] = f"someone@{RECIPIENT_DOMAIN}"
    mail["Subject"] = "for the owner"
    mail.set_content("hello\n")
    return mail.as_bytes()


def _send(client: smtplib.SMTP, data: bytes) -> str:
    assert client.mail(f"news@{DOMAIN}")[0] == 250
    assert client.rcpt(f"someone@{RECIPIENT_DOMAIN}")[0] == 250
    code, reply = client.data(data)
    return f"{code} {reply.decode()}"


def _allow(target: SmtpTarget, delegate: str, action: str) -> None:
    document = {
        "Statement": [
            {
                "Effect": "Allow",
                "Resource": ARN,
                "Principal": {"AWS": delegate},
                "Action": action,
            }
        ]
    }
    target.server.client("ses").put_identity_policy(
        Identity=DOMAIN, PolicyName="smtp", Policy=json.dumps(document)
    )


def test_delegate_over_smtp_is_refused_then_allowed(smtp: SmtpTarget) -> None:  # noqa: F811
    delegate, client = _delegate(smtp)
    with client:
        denied = (
            f"554 Access denied: User `arn:aws:iam::{delegate}:root' is not authorized to "
            f"perform `ses:SendRawEmail' on resource `{ARN}'"
        )
        assert _send(client, _message(("X-SES-SOURCE-ARN", ARN))) == denied
        # SMTP mail is raw mail: a policy for SendEmail alone does not cover it.
        _allow(smtp, delegate, "ses:SendEmail")
        assert _send(client, _message(("X-SES-SOURCE-ARN", ARN))) == denied
        _allow(smtp, delegate, "ses:SendRawEmail")
        reply = _send(client, _message(("X-SES-SOURCE-ARN", ARN), ("X-SES-FROM-ARN", ARN)))
        assert reply.startswith("250 Ok ")
        # Without the headers, the delegate's own identities decide: it has none.
        unverified = _send(client, _message())
        assert unverified.startswith("554 Message rejected: Email address is not verified.")
    message_id = message_id_of(reply)
    event = stored_message(smtp.server, message_id)["Events"][0]
    assert event["mail"]["sendingAccountId"] == delegate
    assert event["mail"]["sourceArn"] == ARN
    received = delivered(smtp.mx, message_id)
    assert b"X-SES-SOURCE-ARN" not in received.content
    assert b"X-SES-FROM-ARN" not in received.content
