"""Custom MAIL FROM at send time, end to end: boto3 and SMTP clients → openses → a real SMTP
server on loopback as the recipients' MX, found through a real DNS server on loopback.

The envelope sender the MX sees is ``<message id>@<MAIL FROM domain>`` once the MAIL
FROM domain is verified, the default otherwise; RejectMessage refuses the send.
Dev mode verifies MAIL FROM domains at once; the tests that need a MAIL FROM domain
that is not (or no longer) verified set its status through the repository, as the
verifier would on losing the MX record.
"""

from __future__ import annotations

import dataclasses
import smtplib
import urllib.request
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest
from botocore.exceptions import ClientError

from openses.app import Application
from openses.servers.smtp_submission import SmtpStart
from openses.storage.repositories import identities as identities_repo
from tests.conftest import make_settings
from tests.fixtures.dns_server import DnsServer
from tests.fixtures.server import RunningServer
from tests.fixtures.smtp_sink import ReceivedMessage, SinkScript, SmtpSink
from tests.smtp.smtp_helpers import client_tls_context, ses_smtp_password

DOMAIN = "example.test"
MAIL_FROM = f"bounce.{DOMAIN}"
RECIPIENT_DOMAIN = "receiver.test"
ACCOUNT = "000000000000"
SIMPLE = {"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "b"}}}


@dataclasses.dataclass
class Target:
    server: RunningServer
    smtp_port: int
    certificate: Any


@pytest.fixture(scope="module")
def mx() -> Iterator[SmtpSink]:
    with SmtpSink(SinkScript()) as sink:
        yield sink


@pytest.fixture(scope="module")
def dns_server() -> Iterator[DnsServer]:
    with DnsServer() as dns:
        dns.add_mx(RECIPIENT_DOMAIN, f"mx.{RECIPIENT_DOMAIN}")
        dns.add_mx(DOMAIN, f"mx.{RECIPIENT_DOMAIN}")  # where DSNs to the sender arrive
        dns.add_host(f"mx.{RECIPIENT_DOMAIN}", "127.0.0.1")
        # The record a customer publishes for the MAIL FROM domain: MX to openses.
        dns.add_mx(MAIL_FROM, "openses.test")
        yield dns


@pytest.fixture(scope="module")
def running(
    tmp_path_factory: pytest.TempPathFactory, mx: SmtpSink, dns_server: DnsServer
) -> Iterator[Target]:
    settings = make_settings(tmp_path_factory.mktemp("mail-from"), dev=True)
    settings = settings.with_overrides(
        smtp=dataclasses.replace(
            settings.smtp, listen=("127.0.0.1", 0), tls_listen=("127.0.0.1", 0)
        ),
        delivery="mx",
        mx_port=mx.port,
        dns_servers=tuple(dns_server.nameservers),
        hostname="openses.test",
    )
    server = RunningServer(settings).start()

    async def start(application: Application) -> SmtpStart:
        return await application.start_smtp()

    try:
        started = server.call(start)
        assert started.server is not None
        port = next(e.port for e in started.server.endpoints if e.tls == "STARTTLS")
        yield Target(server, port, started.certificate)
    finally:
        server.stop()


@pytest.fixture
def target(running: Target, mx: SmtpSink) -> Target:
    """A clean server with ``example.test`` verified and MAIL FROM ``bounce.example.test``."""
    request = urllib.request.Request(f"{running.server.endpoint}/_openses/reset", method="POST")
    urllib.request.urlopen(request, timeout=30).close()
    mx.script.rcpt_replies.clear()
    ses = running.server.client("ses")
    ses.verify_domain_identity(Domain=DOMAIN)
    ses.set_identity_mail_from_domain(Identity=DOMAIN, MailFromDomain=MAIL_FROM)
    return running


def _set_mail_from_status(target: Target, name: str, status: str) -> None:
    """What the verifier does when it loses (or finds) the MAIL FROM domain's MX record."""

    async def update(application: Application) -> None:
        async with application.database.transaction() as conn:
            await identities_repo.update_identity(
                conn, ACCOUNT, "us-east-1", name, mail_from_status=status
            )
        application.services.mail_from.forget()

    target.server.call(update)


def _arrived(mx: SmtpSink, recipient: str) -> ReceivedMessage:
    mx.wait_until(
        lambda sink: any(recipient in m.rcpt_tos for m in sink.accepted_messages), timeout=30
    )
    return next(m for m in mx.accepted_messages if recipient in m.rcpt_tos)


def _error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str, int]:
    response: Any = exc.value.response
    return (
        response["Error"]["Code"],
        response["Error"]["Message"],
        response["ResponseMetadata"]["HTTPStatusCode"],
    )


def test_a_verified_mail_from_domain_is_the_envelope_sender(target: Target, mx: SmtpSink) -> None:
    ses, sesv2 = target.server.client("ses"), target.server.client("sesv2")
    first = ses.send_email(
        Source=f"News <news@{DOMAIN}>",
        Destination={"ToAddresses": [f"alice@{RECIPIENT_DOMAIN}"]},
        Message=SIMPLE,
    )["MessageId"]
    raw = f"From: news@{DOMAIN}\r\nTo: bob@{RECIPIENT_DOMAIN}\r\nSubject: raw\r\n\r\nbody\r\n"
    second = ses.send_raw_email(RawMessage={"Data": raw.encode()})["MessageId"]
    # A subdomain of the identity uses the identity's settings too.
    third = sesv2.send_email(
        FromEmailAddress=f"shop@news.{DOMAIN}",
        Destination={"ToAddresses": [f"carol@{RECIPIENT_DOMAIN}"]},
        Content={"Simple": SIMPLE},
    )["MessageId"]
    for recipient, message_id in (("alice", first), ("bob", second), ("carol", third)):
        received = _arrived(mx, f"{recipient}@{RECIPIENT_DOMAIN}")
        assert received.mail_from == f"{message_id}@{MAIL_FROM}"


def test_reject_message_refuses_sends_while_the_domain_is_not_verified(
    target: Target, mx: SmtpSink
) -> None:
    ses, sesv2 = target.server.client("ses"), target.server.client("sesv2")
    ses.set_identity_mail_from_domain(
        Identity=DOMAIN, MailFromDomain=MAIL_FROM, BehaviorOnMXFailure="RejectMessage"
    )
    _set_mail_from_status(target, DOMAIN, "Pending")
    with pytest.raises(ClientError) as v1_error:
        ses.send_email(
            Source=f"news@{DOMAIN}",
            Destination={"ToAddresses": [f"refused@{RECIPIENT_DOMAIN}"]},
            Message=SIMPLE,
        )
    assert _error(v1_error) == (
        "MailFromDomainNotVerifiedException",
        "Mail FROM domain is not verified",
        400,
    )
    assert isinstance(v1_error.value, ses.exceptions.MailFromDomainNotVerifiedException)
    _set_mail_from_status(target, DOMAIN, "TemporaryFailure")
    raw = f"From: news@{DOMAIN}\r\nTo: refused@{RECIPIENT_DOMAIN}\r\n\r\nx\r\n"
    with pytest.raises(ClientError) as raw_error:
        ses.send_raw_email(RawMessage={"Data": raw.encode()})
    assert _error(raw_error)[0] == "MailFromDomainNotVerifiedException"
    _set_mail_from_status(target, DOMAIN, "Failed")
    with pytest.raises(ClientError) as v2_error:
        sesv2.send_email(
            FromEmailAddress=f"news@{DOMAIN}",
            Destination={"ToAddresses": [f"refused@{RECIPIENT_DOMAIN}"]},
            Content={"Simple": SIMPLE},
        )
    assert _error(v2_error) == (
        "MailFromDomainNotVerifiedException",
        "Mail FROM domain is not verified",
        400,
    )
    assert isinstance(v2_error.value, sesv2.exceptions.MailFromDomainNotVerifiedException)
    # Verified again (the MX record is back): the same send goes out with the custom domain.
    _set_mail_from_status(target, DOMAIN, "Success")
    accepted = ses.send_email(
        Source=f"news@{DOMAIN}",
        Destination={"ToAddresses": [f"accepted@{RECIPIENT_DOMAIN}"]},
        Message=SIMPLE,
    )["MessageId"]
    assert _arrived(mx, f"accepted@{RECIPIENT_DOMAIN}").mail_from == f"{accepted}@{MAIL_FROM}"
    assert not any(f"refused@{RECIPIENT_DOMAIN}" in m.rcpt_tos for m in mx.messages)


def test_use_default_value_sends_with_the_default_envelope_sender(
    target: Target, mx: SmtpSink
) -> None:
    ses = target.server.client("ses")
    _set_mail_from_status(target, DOMAIN, "Pending")
    ses.send_email(
        Source=f"news@{DOMAIN}",
        Destination={"ToAddresses": [f"dave@{RECIPIENT_DOMAIN}"]},
        Message=SIMPLE,
    )
    ses.send_email(
        Source=f"news@{DOMAIN}",
        ReturnPath=f"returns@{DOMAIN}",
        Destination={"ToAddresses": [f"erin@{RECIPIENT_DOMAIN}"]},
        Message=SIMPLE,
    )
    assert _arrived(mx, f"dave@{RECIPIENT_DOMAIN}").mail_from == f"news@{DOMAIN}"
    assert _arrived(mx, f"erin@{RECIPIENT_DOMAIN}").mail_from == f"returns@{DOMAIN}"


def test_a_separately_verified_address_uses_its_own_settings(target: Target, mx: SmtpSink) -> None:
    ses = target.server.client("ses")
    ses.verify_email_identity(EmailAddress=f"plain@{DOMAIN}")  # no MAIL FROM of its own
    ses.verify_email_identity(EmailAddress=f"strict@{DOMAIN}")
    ses.set_identity_mail_from_domain(
        Identity=f"strict@{DOMAIN}",
        MailFromDomain=f"strict.{DOMAIN}",
        BehaviorOnMXFailure="RejectMessage",
    )
    _set_mail_from_status(target, f"strict@{DOMAIN}", "Pending")
    ses.send_email(
        Source=f"plain@{DOMAIN}",
        Destination={"ToAddresses": [f"frank@{RECIPIENT_DOMAIN}"]},
        Message=SIMPLE,
    )
    assert _arrived(mx, f"frank@{RECIPIENT_DOMAIN}").mail_from == f"plain@{DOMAIN}"
    with pytest.raises(ClientError) as error:
        ses.send_email(
            Source=f"strict@{DOMAIN}",
            Destination={"ToAddresses": [f"grace@{RECIPIENT_DOMAIN}"]},
            Message=SIMPLE,
        )
    assert _error(error)[0] == "MailFromDomainNotVerifiedException"


def test_a_bounce_still_reaches_the_feedback_address(target: Target, mx: SmtpSink) -> None:
    mx.script.rcpt_replies[f"gone@{RECIPIENT_DOMAIN}"] = "550 5.1.1 No such user"
    message_id = target.server.client("ses").send_email(
        Source=f"news@{DOMAIN}",
        Destination={"ToAddresses": [f"gone@{RECIPIENT_DOMAIN}"]},
        Message=SIMPLE,
    )["MessageId"]
    # The refused transaction went out with the custom envelope sender ...
    mx.wait_until(
        lambda sink: any(f"gone@{RECIPIENT_DOMAIN}" in t.decode() for t in sink.transcripts),
        timeout=30,
    )
    transcript = next(t for t in mx.transcripts if f"gone@{RECIPIENT_DOMAIN}".encode() in t)
    assert f"MAIL FROM:<{message_id}@{MAIL_FROM}>".encode() in transcript
    # ... and the DSN openses writes goes to the feedback address, not the MAIL FROM domain.
    dsn = _arrived(mx, f"news@{DOMAIN}")
    assert dsn.mail_from == ""
    assert message_id.encode() in dsn.content


def _smtp_message(sender: str, recipient: str) -> bytes:
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = recipient
    mail["Subject"] = "over smtp"
    mail.set_content("body\n")
    return mail.as_bytes()


def _smtp_send(target: Target, sender: str, recipient: str) -> tuple[int, str]:
    with smtplib.SMTP("127.0.0.1", target.smtp_port, timeout=30) as client:
        client.starttls(context=client_tls_context(target.certificate))
        client.login("test", ses_smtp_password("test", "us-east-1"))
        assert client.mail(sender)[0] == 250
        assert client.rcpt(recipient)[0] == 250
        code, reply = client.data(_smtp_message(sender, recipient))
        return code, reply.decode()


def test_smtp_submission_follows_the_same_rules(target: Target, mx: SmtpSink) -> None:
    code, reply = _smtp_send(target, f"news@{DOMAIN}", f"heidi@{RECIPIENT_DOMAIN}")
    assert code == 250
    message_id = reply.removeprefix("Ok ")
    assert _arrived(mx, f"heidi@{RECIPIENT_DOMAIN}").mail_from == f"{message_id}@{MAIL_FROM}"
    target.server.client("ses").set_identity_mail_from_domain(
        Identity=DOMAIN, MailFromDomain=MAIL_FROM, BehaviorOnMXFailure="RejectMessage"
    )
    _set_mail_from_status(target, DOMAIN, "Pending")
    code, reply = _smtp_send(target, f"news@{DOMAIN}", f"ivan@{RECIPIENT_DOMAIN}")
    assert (code, reply) == (554, "Transaction failed: Mail FROM domain is not verified")
