"""Verifying an address by the link in the mail: boto3 → openses → loopback MX → HTTP client."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
import urllib.parse
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from tests.identities.verification_env import (
    HOSTNAME,
    RECEIVER,
    VerificationEnv,
    open_link,
    running_env,
)


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VerificationEnv]:
    with running_env(tmp_path_factory) as running:
        yield running


def _status(ses: Any, address: str) -> str | None:
    attributes = ses.get_identity_verification_attributes(Identities=[address])
    entry = attributes["VerificationAttributes"].get(address)
    return None if entry is None else str(entry["VerificationStatus"])


def test_verify_email_identity_mails_a_link_that_verifies_the_address(
    env: VerificationEnv,
) -> None:
    ses, _ = env.new_account("v1-link")
    address = f"alice@{RECEIVER}"
    ses.verify_email_identity(EmailAddress=address)
    assert _status(ses, address) == "Pending"

    mail = env.wait_for_mails(address)[0]
    assert mail.mail_from == ""  # the null reverse-path: no bounce of it can loop back
    parsed = email.message_from_bytes(mail.content, policy=email.policy.default)
    assert parsed["From"] == f"no-reply@{HOSTNAME}"
    assert parsed["To"] == address
    assert "us-east-1" in parsed["Subject"]
    link = env.link_in(mail)
    assert link.startswith(f"{env.server.endpoint}/_openses/verify-email?token=")

    page = open_link(link)
    assert page.status == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert "Email address verified" in page.body
    assert address in page.body
    assert _status(ses, address) == "Success"
    assert address in ses.list_verified_email_addresses()["VerifiedEmailAddresses"]

    again = open_link(link)  # idempotent: nothing more to do
    assert again.status == 200
    assert "already verified" in again.body
    assert _status(ses, address) == "Success"

    # Verified for sending: a message from it is accepted and delivered.
    ses.send_email(
        Source=address,
        Destination={"ToAddresses": [f"bob@{RECEIVER}"]},
        Message={"Subject": {"Data": "hi"}, "Body": {"Text": {"Data": "hello"}}},
    )
    env.wait_for_mails(f"bob@{RECEIVER}")


def test_v2_create_email_identity_mails_the_link(env: VerificationEnv) -> None:
    _, sesv2 = env.new_account("v2-link")
    address = f"carol@{RECEIVER}"
    created = sesv2.create_email_identity(EmailIdentity=address)
    assert created["IdentityType"] == "EMAIL_ADDRESS"
    assert created["VerifiedForSendingStatus"] is False
    assert sesv2.get_email_identity(EmailIdentity=address)["VerificationStatus"] == "PENDING"

    link = env.link_in(env.wait_for_mails(address)[0])
    assert open_link(link).status == 200
    identity = sesv2.get_email_identity(EmailIdentity=address)
    assert identity["VerificationStatus"] == "SUCCESS"
    assert identity["VerifiedForSendingStatus"] is True


def test_asking_again_mails_a_fresh_link_and_every_link_works_once_verified(
    env: VerificationEnv,
) -> None:
    ses, _ = env.new_account("resend")
    address = f"dave@{RECEIVER}"
    ses.verify_email_identity(EmailAddress=address)
    ses.verify_email_address(EmailAddress=address)  # the deprecated spelling does the same
    first, second = (env.link_in(m) for m in env.wait_for_mails(address, 2)[:2])
    assert first != second
    assert _status(ses, address) == "Pending"
    assert open_link(second).status == 200
    assert "already verified" in open_link(first).body

    # Once verified, asking again mails nothing more.
    ses.verify_email_identity(EmailAddress=address)
    assert _status(ses, address) == "Success"
    assert len(env.mails_to(address)) == 2


def _tampered(link: str) -> list[str]:
    base, _, token = link.partition("?token=")
    payload, _, signature = token.partition(".")
    flipped = "A" if payload[5] != "A" else "B"
    return [
        f"{base}?token={payload[:5]}{flipped}{payload[6:]}.{signature}",  # altered payload
        f"{base}?token={payload}.{signature[:-2]}",  # cut signature
        f"{base}?token={payload}",  # no signature
        f"{base}?token=",
        base,  # no query at all
        f"{base}?token=%FF%FE%00.%C3%28",  # bytes that are not UTF-8
        f"{base}?token={'A' * 5000}.{'B' * 50}",
        f"{base}?token=a.b.c&token=",
        f"{base}?{urllib.parse.quote('token')}=%25%25%25.%2F%2F",
        f"{base}?token={payload}.{signature}&x=<script>",  # a genuine token, but the last
        f"{base}?token={payload}.{signature}&token={payload}.",  # token value counts
    ]


def test_tampered_or_malformed_links_change_nothing(env: VerificationEnv) -> None:
    ses, _ = env.new_account("tamper")
    address = f"erin@{RECEIVER}"
    ses.verify_email_identity(EmailAddress=address)
    link = env.link_in(env.wait_for_mails(address)[0])

    for url in _tampered(link)[:-2] + _tampered(link)[-1:]:
        page = open_link(url)
        assert page.status == 400, url
        assert "not valid" in page.body
        assert "Nothing was changed" in page.body
        assert "<script>" not in page.body
        assert _status(ses, address) == "Pending"
    assert open_link(link, method="POST").status == 405
    assert open_link(link, method="HEAD").status == 200  # link checkers: nothing happens
    assert _status(ses, address) == "Pending"

    # Extra parameters do not matter to a genuine token.
    assert open_link(_tampered(link)[-2]).status == 200
    assert _status(ses, address) == "Success"


def test_pages_escape_the_address(env: VerificationEnv) -> None:
    ses, _ = env.new_account("escape")
    address = f"o'neil&co{{x}}@{RECEIVER}"
    ses.verify_email_identity(EmailAddress=address)
    page = open_link(env.link_in(env.wait_for_mails(address)[0]))
    assert page.status == 200
    assert "o&#x27;neil&amp;co{x}@receiver.test" in page.body
    assert address not in page.body


def test_an_expired_link_changes_nothing(env: VerificationEnv) -> None:
    ses, _ = env.new_account("expiry")
    address = f"frank@{RECEIVER}"
    ses.verify_email_identity(EmailAddress=address)
    link = env.link_in(env.wait_for_mails(address)[0])
    try:
        env.clock.shift(dt.timedelta(hours=24, seconds=1))
        page = open_link(link)
        assert page.status == 410
        assert "expired" in page.body
        assert "Nothing was changed" in page.body
        env.clock.shift(dt.timedelta(hours=23, minutes=59))
        assert open_link(link).status == 200  # still within its 24 hours
    finally:
        env.clock.shift(dt.timedelta())
    assert _status(ses, address) == "Success"


def test_a_link_for_a_deleted_identity_shows_a_clear_page(
    env: VerificationEnv,
) -> None:
    ses, sesv2 = env.new_account("deleted")
    address = f"grace@{RECEIVER}"
    ses.verify_email_identity(EmailAddress=address)
    old_link = env.link_in(env.wait_for_mails(address)[0])
    sesv2.delete_email_identity(EmailIdentity=address)

    page = open_link(old_link)
    assert page.status == 404
    assert "no longer awaiting verification" in page.body
    assert _status(ses, address) is None  # nothing was created

    # Created again later: the old link belongs to the identity that was deleted.
    try:
        env.clock.shift(dt.timedelta(seconds=5))
        ses.verify_email_identity(EmailAddress=address)
        assert open_link(old_link).status == 404
        assert _status(ses, address) == "Pending"
        assert open_link(env.link_in(env.wait_for_mails(address, 2)[-1])).status == 200
    finally:
        env.clock.shift(dt.timedelta())
    assert _status(ses, address) == "Success"


def _signed_get(env: VerificationEnv, ses: Any, path: str) -> Any:
    credentials: Credentials = ses._request_signer._credentials
    request = AWSRequest(method="GET", url=f"{env.server.endpoint}{path}")
    SigV4Auth(credentials, "ses", "us-east-1").add_auth(request)
    prepared = urllib.request.Request(request.url, headers=dict(request.headers.items()))
    with urllib.request.urlopen(prepared, timeout=30) as response:
        return json.loads(response.read())


def test_the_mail_is_neither_the_accounts_to_read_nor_charged_to_it(
    env: VerificationEnv,
) -> None:
    ses, _ = env.new_account("private")
    address = f"heidi@{RECEIVER}"
    ses.verify_email_identity(EmailAddress=address)
    env.wait_for_mails(address)
    # The inspection API would otherwise hand the account the link to any address.
    assert _signed_get(env, ses, "/_openses/messages")["messages"] == []
    assert _signed_get(env, ses, "/_aws/ses")["messages"] == []
    assert ses.get_send_quota()["SentLast24Hours"] == 0


@pytest.mark.usefixtures("clean_dev_server")
def test_dev_mode_verifies_at_once_and_mails_nothing(ses: Any, sesv2: Any) -> None:
    ses.verify_email_identity(EmailAddress="dev@example.com")
    sesv2.create_email_identity(EmailIdentity="dev2@example.com")
    assert _status(ses, "dev@example.com") == "Success"
    assert _status(ses, "dev2@example.com") == "Success"
    endpoint = ses.meta.endpoint_url
    with urllib.request.urlopen(f"{endpoint}/_aws/ses", timeout=30) as response:
        assert json.loads(response.read())["messages"] == []
