"""Custom MAIL FROM settings through real boto3 clients (v1 and v2) over a socket."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from botocore.exceptions import ClientError

from openses.app import Application
from openses.domain.identities import Identity
from openses.storage.repositories import identities as identities_repo
from tests.fixtures.server import RunningServer


def _error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str, int]:
    response: Any = exc.value.response
    return (
        response["Error"]["Code"],
        response["Error"]["Message"],
        response["ResponseMetadata"]["HTTPStatusCode"],
    )


def test_v1_mail_from_round_trip_and_clearing(ses: Any) -> None:
    ses.verify_domain_identity(Domain="example.com")
    ses.verify_email_identity(EmailAddress="plain@example.org")
    ses.set_identity_mail_from_domain(
        Identity="example.com",
        MailFromDomain="Bounce.Example.com",
        BehaviorOnMXFailure="RejectMessage",
    )
    attributes = ses.get_identity_mail_from_domain_attributes(
        Identities=["example.com", "plain@example.org", "unknown.example"]
    )["MailFromDomainAttributes"]
    # Dev mode verifies at once; an identity without MAIL FROM shows only its behaviour;
    # an unknown identity is left out.
    assert attributes == {
        "example.com": {
            "MailFromDomain": "bounce.example.com",
            "MailFromDomainStatus": "Success",
            "BehaviorOnMXFailure": "RejectMessage",
        },
        "plain@example.org": {"BehaviorOnMXFailure": "UseDefaultValue"},
    }
    ses.set_identity_mail_from_domain(Identity="example.com")  # no domain: cleared
    cleared = ses.get_identity_mail_from_domain_attributes(Identities=["example.com"])
    assert cleared["MailFromDomainAttributes"] == {
        "example.com": {"BehaviorOnMXFailure": "UseDefaultValue"}
    }


def test_an_address_identity_takes_a_subdomain_of_its_domain(ses: Any, sesv2: Any) -> None:
    ses.verify_email_identity(EmailAddress="Sender@Example.com")
    ses.set_identity_mail_from_domain(
        Identity="Sender@example.com", MailFromDomain="mail.example.com"
    )
    identity = sesv2.get_email_identity(EmailIdentity="Sender@example.com")
    assert identity["MailFromAttributes"] == {
        "MailFromDomain": "mail.example.com",
        "MailFromDomainStatus": "SUCCESS",
        "BehaviorOnMxFailure": "USE_DEFAULT_VALUE",
    }


def test_v2_put_mail_from_is_seen_by_v1_and_get_email_identity(ses: Any, sesv2: Any) -> None:
    sesv2.create_email_identity(EmailIdentity="example.net")
    assert sesv2.get_email_identity(EmailIdentity="example.net")["MailFromAttributes"] == {
        "BehaviorOnMxFailure": "USE_DEFAULT_VALUE"
    }
    sesv2.put_email_identity_mail_from_attributes(
        EmailIdentity="example.net",
        MailFromDomain="a.b.example.net",
        BehaviorOnMxFailure="REJECT_MESSAGE",
    )
    assert sesv2.get_email_identity(EmailIdentity="example.net")["MailFromAttributes"] == {
        "MailFromDomain": "a.b.example.net",
        "MailFromDomainStatus": "SUCCESS",
        "BehaviorOnMxFailure": "REJECT_MESSAGE",
    }
    v1 = ses.get_identity_mail_from_domain_attributes(Identities=["example.net"])
    assert v1["MailFromDomainAttributes"]["example.net"]["BehaviorOnMXFailure"] == "RejectMessage"
    # Without MailFromDomain the custom domain is removed, the behaviour kept as given.
    sesv2.put_email_identity_mail_from_attributes(EmailIdentity="example.net")
    assert sesv2.get_email_identity(EmailIdentity="example.net")["MailFromAttributes"] == {
        "BehaviorOnMxFailure": "USE_DEFAULT_VALUE"
    }


@pytest.mark.parametrize(
    ("mail_from", "message"),
    [
        (
            "bounce.example.org",
            "Provided MAIL-FROM domain <bounce.example.org> is not subdomain of the domain "
            "of the identity <example.com>.",
        ),
        (
            "example.com",
            "Provided MAIL-FROM domain <example.com> is not subdomain of the domain "
            "of the identity <example.com>.",
        ),
        (
            "notexample.com",
            "Provided MAIL-FROM domain <notexample.com> is not subdomain of the domain "
            "of the identity <example.com>.",
        ),
        (f"{'a' * 64}.example.com", f"Invalid domain name {'a' * 64}.example.com."),
        ("bad_label.example.com", "Invalid domain name bad_label.example.com."),
        ("-dash.example.com", "Invalid domain name -dash.example.com."),
    ],
)
def test_a_mail_from_domain_must_be_a_valid_subdomain(
    ses: Any, sesv2: Any, mail_from: str, message: str
) -> None:
    ses.verify_domain_identity(Domain="example.com")
    with pytest.raises(ClientError) as v1_error:
        ses.set_identity_mail_from_domain(Identity="example.com", MailFromDomain=mail_from)
    assert _error(v1_error) == ("InvalidParameterValue", message, 400)
    with pytest.raises(ClientError) as v2_error:
        sesv2.put_email_identity_mail_from_attributes(
            EmailIdentity="example.com", MailFromDomain=mail_from
        )
    assert _error(v2_error) == ("BadRequestException", message, 400)
    attributes = ses.get_identity_mail_from_domain_attributes(Identities=["example.com"])
    assert "MailFromDomain" not in attributes["MailFromDomainAttributes"]["example.com"]


def test_an_address_mail_from_must_be_below_the_address_domain(ses: Any) -> None:
    ses.verify_email_identity(EmailAddress="sender@example.com")
    with pytest.raises(ClientError) as error:
        ses.set_identity_mail_from_domain(
            Identity="sender@example.com", MailFromDomain="mail.other.example"
        )
    assert _error(error) == (
        "InvalidParameterValue",
        "Provided MAIL-FROM domain <mail.other.example> is not subdomain of the domain of the "
        "identity <example.com>.",
        400,
    )


def test_unknown_identities_and_bad_behaviours_are_refused(ses: Any, sesv2: Any) -> None:
    with pytest.raises(ClientError) as v1_error:
        ses.set_identity_mail_from_domain(
            Identity="nowhere.example", MailFromDomain="mail.nowhere.example"
        )
    assert _error(v1_error) == (
        "InvalidParameterValue",
        "Identity <nowhere.example> does not exist.",
        400,
    )
    with pytest.raises(ClientError) as v2_error:
        sesv2.put_email_identity_mail_from_attributes(
            EmailIdentity="nowhere.example", MailFromDomain="mail.nowhere.example"
        )
    assert _error(v2_error) == (
        "NotFoundException",
        "Email identity nowhere.example does not exist.",
        404,
    )
    ses.verify_domain_identity(Domain="example.com")
    with pytest.raises(ClientError) as behaviour:
        ses.set_identity_mail_from_domain(
            Identity="example.com", MailFromDomain="m.example.com", BehaviorOnMXFailure="Bounce"
        )
    code, message, status = _error(behaviour)
    assert (code, status) == ("ValidationError", 400)
    assert "Member must satisfy enum value set: [UseDefaultValue, RejectMessage]" in message


def _stored(server: RunningServer, account_id: str, name: str) -> Identity:
    async def load(application: Application) -> Identity:
        async with application.database.read() as conn:
            identity = await identities_repo.get_identity(conn, account_id, "us-east-1", name)
        assert identity is not None
        return identity

    return server.call(load)


def test_outside_dev_mode_a_new_mail_from_domain_awaits_its_mx_check(
    prod_server: RunningServer,
) -> None:
    async def create(application: Application) -> tuple[str, str, str]:
        account, key = await application.services.accounts.create_account("mail-from-pending")
        return account.account_id, key.access_key_id, key.secret_access_key

    account_id, key_id, secret = prod_server.call(create)
    ses = prod_server.client("ses", access_key_id=key_id, secret_access_key=secret)
    sesv2 = prod_server.client("sesv2", access_key_id=key_id, secret_access_key=secret)
    ses.verify_domain_identity(Domain="pending.example")
    before = dt.datetime.now(dt.UTC)
    # The identity itself is still pending: MAIL FROM can be set up alongside it.
    ses.set_identity_mail_from_domain(
        Identity="pending.example", MailFromDomain="bounce.pending.example"
    )
    attributes = ses.get_identity_mail_from_domain_attributes(Identities=["pending.example"])
    assert attributes["MailFromDomainAttributes"]["pending.example"] == {
        "MailFromDomain": "bounce.pending.example",
        "MailFromDomainStatus": "Pending",
        "BehaviorOnMXFailure": "UseDefaultValue",
    }
    mail_from = sesv2.get_email_identity(EmailIdentity="pending.example")["MailFromAttributes"]
    assert mail_from["MailFromDomainStatus"] == "PENDING"
    stored = _stored(prod_server, account_id, "pending.example")
    assert stored.next_check_at is not None
    # Due at once: the verifier may already have checked it and set the next check.
    assert stored.next_check_at <= dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1, seconds=5)
    assert stored.mail_from_started_at is not None
    assert stored.next_check_at >= before - dt.timedelta(minutes=1)
    # Changing only the behaviour keeps the domain's verification as it is.
    ses.set_identity_mail_from_domain(
        Identity="pending.example",
        MailFromDomain="bounce.pending.example",
        BehaviorOnMXFailure="RejectMessage",
    )
    again = _stored(prod_server, account_id, "pending.example")
    assert (again.mail_from_domain, again.mail_from_behavior.value) == (
        "bounce.pending.example",
        "RejectMessage",
    )
