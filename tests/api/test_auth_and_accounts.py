"""Accounts, keys and SigV4 against a server outside dev mode."""

from __future__ import annotations

import urllib.error
import urllib.request
from typing import Any

import pytest
from botocore.exceptions import ClientError

from openses.app import Application
from tests.fixtures.server import RunningServer


def _new_account(server: RunningServer, name: str) -> tuple[str, str, str]:
    async def create(application: Application) -> tuple[str, str, str]:
        account, key = await application.services.accounts.create_account(name)
        return account.account_id, key.access_key_id, key.secret_access_key

    return server.call(create)


@pytest.fixture
def account(prod_server: RunningServer, request: pytest.FixtureRequest) -> tuple[str, str, str]:
    return _new_account(prod_server, f"acct-{request.node.name}")


def test_a_new_account_works_with_its_key_and_starts_in_the_sandbox(
    prod_server: RunningServer, account: tuple[str, str, str]
) -> None:
    _, key_id, secret = account
    ses = prod_server.client("ses", access_key_id=key_id, secret_access_key=secret)
    quota = ses.get_send_quota()
    assert (quota["Max24HourSend"], quota["MaxSendRate"], quota["SentLast24Hours"]) == (
        200.0,
        1.0,
        0.0,
    )
    sesv2 = prod_server.client("sesv2", access_key_id=key_id, secret_access_key=secret)
    assert sesv2.get_account()["ProductionAccessEnabled"] is False


def test_identities_stay_pending_outside_dev_mode(
    prod_server: RunningServer, account: tuple[str, str, str]
) -> None:
    _, key_id, secret = account
    ses = prod_server.client("ses", access_key_id=key_id, secret_access_key=secret)
    ses.verify_email_identity(EmailAddress="me@example.com")
    attributes = ses.get_identity_verification_attributes(Identities=["me@example.com"])
    assert attributes["VerificationAttributes"]["me@example.com"]["VerificationStatus"] == (
        "Pending"
    )
    sesv2 = prod_server.client("sesv2", access_key_id=key_id, secret_access_key=secret)
    assert sesv2.get_email_identity(EmailIdentity="me@example.com")["VerifiedForSendingStatus"] is (
        False
    )


def test_accounts_do_not_see_each_other(prod_server: RunningServer) -> None:
    _, key_a, secret_a = _new_account(prod_server, "isolation-a")
    _, key_b, secret_b = _new_account(prod_server, "isolation-b")
    prod_server.client(
        "ses", access_key_id=key_a, secret_access_key=secret_a
    ).verify_email_identity(EmailAddress="a@example.com")
    b = prod_server.client("ses", access_key_id=key_b, secret_access_key=secret_b)
    assert b.list_identities()["Identities"] == []


def test_the_dev_account_does_not_exist_outside_dev_mode(prod_server: RunningServer) -> None:
    ses = prod_server.client("ses")  # key "test"
    with pytest.raises(ClientError) as caught:
        ses.list_identities()
    assert caught.value.response["Error"]["Code"] == "InvalidClientTokenId"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    sesv2 = prod_server.client("sesv2")
    with pytest.raises(ClientError) as caught_v2:
        sesv2.list_email_identities()
    assert caught_v2.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_a_wrong_secret_is_signature_does_not_match(
    prod_server: RunningServer, account: tuple[str, str, str]
) -> None:
    _, key_id, secret = account
    forged = secret[:-1] + ("A" if secret[-1] != "A" else "B")
    ses = prod_server.client("ses", access_key_id=key_id, secret_access_key=forged)
    with pytest.raises(ClientError) as caught:
        ses.list_identities()
    assert caught.value.response["Error"]["Code"] == "SignatureDoesNotMatch"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_a_deleted_key_stops_working(
    prod_server: RunningServer, account: tuple[str, str, str]
) -> None:
    account_id, key_id, secret = account

    async def rotate(application: Application) -> tuple[str, str]:
        new_key = await application.services.accounts.create_access_key(account_id)
        await application.services.accounts.delete_access_key(key_id)
        return new_key.access_key_id, new_key.secret_access_key

    new_id, new_secret = prod_server.call(rotate)
    with pytest.raises(ClientError):
        prod_server.client("ses", access_key_id=key_id, secret_access_key=secret).list_identities()
    ses = prod_server.client("ses", access_key_id=new_id, secret_access_key=new_secret)
    assert ses.list_identities()["Identities"] == []


def _raw(server: RunningServer, path: str, method: str = "GET", data: bytes | None = None) -> Any:
    request = urllib.request.Request(f"{server.endpoint}{path}", data=data, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_unsigned_requests_are_missing_authentication_token(prod_server: RunningServer) -> None:
    status, body = _raw(prod_server, "/", "POST", b"Action=ListIdentities&Version=2010-12-01")
    assert status in (400, 403)
    assert "<Code>MissingAuthenticationToken</Code>" in body
    status_v2, _ = _raw(prod_server, "/v2/email/account")
    assert status_v2 in (400, 403)


def test_health_exists_in_both_modes_and_reset_only_in_dev(
    prod_server: RunningServer, dev_server: RunningServer
) -> None:
    assert _raw(prod_server, "/_openses/health")[0] == 200
    assert _raw(dev_server, "/_openses/health")[0] == 200
    assert _raw(prod_server, "/_openses/reset", "POST", b"")[0] == 404


def test_dev_reset_wipes_state_but_keeps_the_dev_account(dev_server: RunningServer) -> None:
    ses = dev_server.client("ses")
    ses.verify_email_identity(EmailAddress="temp@example.com")
    assert _raw(dev_server, "/_openses/reset", "POST", b"")[0] == 200
    assert ses.list_identities()["Identities"] == []
