"""Sending through openses's SMTP interface with stock clients, as applications do.

smtplib and aiosmtplib (Python), swaks (the command line), all with STARTTLS or
implicit TLS verified against the dev certificate, AUTH with credentials derived
in the test from the documented algorithm; the mail is checked where it lands,
at a loopback MX, DKIM-verified by dkimpy.
"""

from __future__ import annotations

import asyncio
import re
import smtplib
import ssl
import subprocess
from email.message import EmailMessage

import aiosmtplib
import pytest

from openses.app import Application
from tests.smtp.conftest import DOMAIN, RECIPIENT_DOMAIN, SmtpTarget
from tests.smtp.delivery_checks import (
    delivered,
    dkim_records,
    dkim_verifies,
    message_id_of,
    stored_message,
)
from tests.smtp.smtp_helpers import client_tls_context, ses_smtp_password

SES_MESSAGE_ID = re.compile(r"^[0-9a-f]{16}-[0-9a-f-]{36}-000000$")


def message(sender: str, recipient: str, subject: str, *headers: tuple[str, str]) -> bytes:
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = recipient
    mail["Subject"] = subject
    for name, value in headers:
        mail[name] = value
    mail.set_content(f"{subject}\n.a line starting with a dot\n")
    return mail.as_bytes()


def starttls_client(target: SmtpTarget) -> smtplib.SMTP:
    client = smtplib.SMTP(target.host, target.starttls_port, timeout=30)
    client.starttls(context=client_tls_context(target.certificate))
    client.login(target.username, target.password)
    return client


def send(client: smtplib.SMTP, sender: str, recipients: list[str], data: bytes) -> str:
    """MAIL, RCPT, DATA by hand: smtplib's sendmail hides the DATA reply we want to see."""
    assert client.mail(sender)[0] == 250
    for recipient in recipients:
        assert client.rcpt(recipient)[0] == 250
    code, reply = client.data(data)
    return f"{code} {reply.decode()}"


def test_smtplib_with_starttls_and_auth_plain_reaches_the_mx_dkim_signed(
    smtp: SmtpTarget,
) -> None:
    data = message(
        f"News <news@{DOMAIN}>",
        f"alice@{RECIPIENT_DOMAIN}",
        "over smtp",
        ("X-SES-MESSAGE-TAGS", "campaign=launch, variant=b"),
        ("X-SES-SOURCE-ARN", f"arn:aws:ses:us-east-1:000000000000:identity/{DOMAIN}"),
        ("X-SES-FROM-ARN", f"arn:aws:ses:us-east-1:000000000000:identity/{DOMAIN}"),
        ("X-SES-RETURN-PATH-ARN", f"arn:aws:ses:us-east-1:000000000000:identity/{DOMAIN}"),
    )
    with starttls_client(smtp) as client:
        reply = send(client, f"bounces@{DOMAIN}", [f"alice@{RECIPIENT_DOMAIN}"], data)
    assert reply.startswith("250 Ok ")
    message_id = message_id_of(reply)
    assert SES_MESSAGE_ID.match(message_id), message_id
    # 250 came after the commit: the message is there at once, queued.
    document = stored_message(smtp.server, message_id)
    send_event = document["Events"][0]
    assert send_event["eventType"] == "Send"
    assert send_event["mail"]["tags"]["campaign"] == ["launch"]
    assert send_event["mail"]["source"] == f"bounces@{DOMAIN}"
    received = delivered(smtp.mx, message_id)
    assert received.mail_from == f"bounces@{DOMAIN}"
    assert received.rcpt_tos == (f"alice@{RECIPIENT_DOMAIN}",)
    assert received.content.startswith(b"DKIM-Signature:")
    assert dkim_verifies(received.content, dkim_records(smtp.server, DOMAIN))
    assert b"X-SES-" not in received.content.upper()  # control headers never leave
    assert b"\r\n..a line starting with a dot\r\n" in received.raw_data


def test_aiosmtplib_with_implicit_tls_and_auth_login(smtp: SmtpTarget) -> None:
    async def scenario() -> str:
        client = aiosmtplib.SMTP(
            hostname=smtp.host,
            port=smtp.tls_port,
            use_tls=True,
            tls_context=client_tls_context(smtp.certificate),
        )
        async with client:
            await client.ehlo()
            await client.auth_login(smtp.username, smtp.password)
            errors, reply = await client.sendmail(
                f"news@{DOMAIN}",
                [f"bob@{RECIPIENT_DOMAIN}", f"carol@{RECIPIENT_DOMAIN}"],
                message(f"news@{DOMAIN}", f"bob@{RECIPIENT_DOMAIN}", "implicit tls"),
            )
        assert errors == {}
        return reply

    reply = asyncio.run(scenario())
    message_id = message_id_of(reply)
    received = delivered(smtp.mx, message_id)
    assert set(received.rcpt_tos) <= {f"bob@{RECIPIENT_DOMAIN}", f"carol@{RECIPIENT_DOMAIN}"}
    recipients = {r["recipient"] for r in stored_message(smtp.server, message_id)["Recipients"]}
    assert recipients == {f"bob@{RECIPIENT_DOMAIN}", f"carol@{RECIPIENT_DOMAIN}"}


@pytest.mark.parametrize("implicit_tls", [False, True])
def test_swaks_sends_with_tls_and_auth_login(smtp: SmtpTarget, implicit_tls: bool) -> None:
    port = smtp.tls_port if implicit_tls else smtp.starttls_port
    result = subprocess.run(
        [
            "swaks",
            "--server", f"{smtp.host}:{port}",
            "--tls-on-connect" if implicit_tls else "--tls",
            "--tls-verify", "--tls-ca-path", str(smtp.certificate), "--tls-sni", "localhost",
            "--auth", "LOGIN", "--auth-user", smtp.username, "--auth-password", smtp.password,
            "--from", f"news@{DOMAIN}", "--to", f"dave@{RECIPIENT_DOMAIN}",
            "--header", "Subject: from swaks", "--helo", "swaks.test",
        ],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    reply = next(line for line in result.stdout.splitlines() if "<~  250 Ok 0" in line)
    message_id = reply.split("250 Ok ")[1].strip()
    received = delivered(smtp.mx, message_id)
    assert b"Subject: from swaks" in received.content
    assert dkim_verifies(received.content, dkim_records(smtp.server, DOMAIN))


def test_unverified_senders_get_ses_message_rejected(smtp: SmtpTarget) -> None:
    with starttls_client(smtp) as client:
        reply = send(
            client, "someone@unverified.test", [f"x@{RECIPIENT_DOMAIN}"],
            message("someone@unverified.test", f"x@{RECIPIENT_DOMAIN}", "nope"),
        )  # fmt: skip
        assert reply == (
            "554 Message rejected: Email address is not verified. The following identities "
            "failed the check in region US-EAST-1: someone@unverified.test"
        )
        # A verified MAIL FROM does not cover an unverified From header.
        client.rset()
        reply = send(
            client, f"news@{DOMAIN}", [f"x@{RECIPIENT_DOMAIN}"],
            message("ceo@unverified.test", f"x@{RECIPIENT_DOMAIN}", "spoof"),
        )  # fmt: skip
        assert reply.startswith("554 Message rejected: Email address is not verified.")
        assert reply.endswith("ceo@unverified.test")


def test_the_message_rules_answer_with_ses_smtp_texts(smtp: SmtpTarget) -> None:
    duplicate = b"From: news@example.com\r\nSubject: a\r\nSubject: b\r\n\r\nx\r\n"
    with starttls_client(smtp) as client:
        reply = send(client, f"news@{DOMAIN}", [f"x@{RECIPIENT_DOMAIN}"], duplicate)
        assert reply == "554 Transaction failed: Duplicate header 'Subject'."
        client.rset()
        with_set = message(
            f"news@{DOMAIN}", f"x@{RECIPIENT_DOMAIN}", "s", ("X-SES-CONFIGURATION-SET", "nope")
        )
        reply = send(client, f"news@{DOMAIN}", [f"x@{RECIPIENT_DOMAIN}"], with_set)
        assert reply == "554 Transaction failed: Configuration set <nope> does not exist."
        client.rset()
        code, text = client.mail(f"news@{DOMAIN}", [f"SIZE={40 * 1024 * 1024 + 1}"])
        assert (code, text) == (552, b"Message is too long.")


def test_throttling_and_pausing_answer_454_and_554(smtp: SmtpTarget) -> None:
    async def limit(application: Application) -> None:
        await application.services.accounts.update_account(
            "000000000000", max_24_hour_send=1, region="us-east-1"
        )

    smtp.server.call(limit)
    data = message(f"news@{DOMAIN}", f"x@{RECIPIENT_DOMAIN}", "quota")
    with starttls_client(smtp) as client:
        assert send(client, f"news@{DOMAIN}", [f"x@{RECIPIENT_DOMAIN}"], data).startswith("250")
        reply = send(client, f"news@{DOMAIN}", [f"x@{RECIPIENT_DOMAIN}"], data)
        assert reply == "454 Throttling failure: Daily message quota exceeded."
    smtp.server.client("ses").update_account_sending_enabled(Enabled=False)
    with starttls_client(smtp) as client:
        reply = send(client, f"news@{DOMAIN}", [f"x@{RECIPIENT_DOMAIN}"], data)
    assert reply == (
        "554 Sending paused: Email sending is disabled for your entire Amazon SES account."
    )


def test_sending_faster_than_the_rate_answers_454(smtp: SmtpTarget) -> None:
    async def slow(application: Application) -> None:
        await application.services.accounts.update_account(
            "000000000000", max_send_rate=1, region="us-east-1"
        )

    smtp.server.call(slow)
    data = message(f"news@{DOMAIN}", f"x@{RECIPIENT_DOMAIN}", "rate")
    with starttls_client(smtp) as client:
        replies = [
            send(client, f"news@{DOMAIN}", [f"x@{RECIPIENT_DOMAIN}"], data) for _ in range(3)
        ]
    assert replies[0].startswith("250 Ok ")
    assert "454 Throttling failure: Maximum sending rate exceeded." in replies[1:]


def test_the_sandbox_checks_recipients_for_a_new_account(smtp: SmtpTarget) -> None:
    async def create(application: Application) -> tuple[str, str]:
        _account, key = await application.services.accounts.create_account("sandboxed")
        return key.access_key_id, key.secret_access_key

    key_id, secret = smtp.server.call(create)
    sesv2 = smtp.server.client("sesv2", access_key_id=key_id, secret_access_key=secret)
    sesv2.create_email_identity(EmailIdentity=DOMAIN)
    client = smtplib.SMTP(smtp.host, smtp.starttls_port, timeout=30)
    with client:
        client.starttls(context=client_tls_context(smtp.certificate))
        client.login(key_id, ses_smtp_password(secret, "us-east-1"))
        reply = send(
            client, f"news@{DOMAIN}", [f"stranger@{RECIPIENT_DOMAIN}"],
            message(f"news@{DOMAIN}", f"stranger@{RECIPIENT_DOMAIN}", "sandbox"),
        )  # fmt: skip
    assert reply == (
        "554 Message rejected: Email address is not verified. The following identities failed "
        f"the check in region US-EAST-1: stranger@{RECIPIENT_DOMAIN}"
    )


@pytest.mark.parametrize(
    ("username", "password"),
    [
        ("test", ses_smtp_password("test", "eu-west-1")),  # another region's password
        ("test", "test"),  # the secret itself is not the SMTP password
        ("AKIANOSUCHKEY0000000", ses_smtp_password("test", "us-east-1")),
    ],
)
def test_wrong_credentials_all_get_the_same_535(
    smtp: SmtpTarget, username: str, password: str
) -> None:
    client = smtplib.SMTP(
        smtp.host, smtp.starttls_port, timeout=30, source_address=("127.0.0.9", 0)
    )
    with client:
        client.starttls(context=client_tls_context(smtp.certificate))
        with pytest.raises(smtplib.SMTPAuthenticationError) as caught:
            client.login(username, password)
    assert (caught.value.smtp_code, caught.value.smtp_error) == (
        535,
        b"Authentication Credentials Invalid",
    )


def test_mail_without_auth_is_refused(smtp: SmtpTarget) -> None:
    with smtplib.SMTP(smtp.host, smtp.starttls_port, timeout=30) as client:
        client.ehlo()
        assert client.mail(f"news@{DOMAIN}") == (530, b"Must issue a STARTTLS command first")
        client.starttls(context=client_tls_context(smtp.certificate))
        client.ehlo()
        assert client.mail(f"news@{DOMAIN}") == (530, b"Authentication required")


@pytest.mark.filterwarnings("ignore:ssl.TLSVersion.TLSv1_1 is deprecated:DeprecationWarning")
def test_the_certificate_is_for_the_host_name_and_tls_below_12_is_refused(
    smtp: SmtpTarget,
) -> None:
    verifying = client_tls_context(smtp.certificate)
    with smtplib.SMTP_SSL(smtp.host, smtp.tls_port, context=verifying, timeout=30) as client:
        assert client.sock is not None
        assert client.sock.version() in ("TLSv1.2", "TLSv1.3")  # type: ignore[attr-defined]
    old = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    old.check_hostname, old.verify_mode = False, ssl.CERT_NONE
    old.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
    old.maximum_version = ssl.TLSVersion.TLSv1_1
    old.set_ciphers("ALL:@SECLEVEL=0")
    with pytest.raises((ssl.SSLError, ConnectionError)):
        smtplib.SMTP_SSL(smtp.host, smtp.tls_port, context=old, timeout=30)
