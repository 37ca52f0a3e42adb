"""Domain verification end to end: boto3 → a real openses (not dev mode) → a real DNS server.

The operator's story from issue #5: create a domain identity, publish the records
it prints in the domain's DNS, watch it reach ``Success``; only then does mail
from it go out. The server's clock runs ahead on demand so the verifier's
backoff (1, 5, 15 minutes...) passes without waiting.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from openses.app import Application
from openses.domain.accounts import AccessKey
from tests.conftest import make_settings
from tests.fixtures.dns_server import DnsServer
from tests.fixtures.server import RunningServer

DKIM_DOMAIN = "openses.test"


class RunAheadClock:
    """The real time plus an offset the test moves forward."""

    def __init__(self) -> None:
        self._offset = dt.timedelta(0)
        self._lock = threading.Lock()

    def now(self) -> dt.datetime:
        with self._lock:
            return dt.datetime.now(dt.UTC) + self._offset

    def advance(self, by: dt.timedelta) -> None:
        with self._lock:
            self._offset += by


@pytest.fixture
def dns() -> Iterator[DnsServer]:
    with DnsServer() as server:
        yield server


@pytest.fixture
def clock() -> RunAheadClock:
    return RunAheadClock()


@pytest.fixture
def server(tmp_path: Path, dns: DnsServer, clock: RunAheadClock) -> Iterator[RunningServer]:
    settings = make_settings(tmp_path, dev=False)
    settings = settings.with_overrides(
        delivery="capture",
        dns_servers=tuple(dns.nameservers),
        identities=dataclasses.replace(settings.identities, dkim_domain=DKIM_DOMAIN),
    )
    running = RunningServer(settings, clock=clock).start()
    yield running
    running.stop()


@pytest.fixture
def key(server: RunningServer) -> AccessKey:
    async def production_account(application: Application) -> AccessKey:
        account, key = await application.services.accounts.create_account("verifier-e2e")
        await application.services.accounts.update_account(account.account_id, sandbox=False)
        return key

    return server.call(production_account)


def _clients(server: RunningServer, key: AccessKey) -> tuple[Any, Any]:
    credentials = {
        "access_key_id": key.access_key_id,
        "secret_access_key": key.secret_access_key,
    }
    return server.client("ses", **credentials), server.client("sesv2", **credentials)


def _let_time_pass(server: RunningServer, clock: RunAheadClock, by: dt.timedelta) -> None:
    """Move the server's clock past the verifier's next check and wake the verifier."""
    clock.advance(by)

    async def wake(application: Application) -> None:
        assert application.verifier is not None, "the verifier runs outside dev mode"
        application.verifier.wake()

    server.call(wake)


def _eventually(condition: Callable[[], bool], what: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def _send(ses: Any, source: str) -> str:
    reply = ses.send_email(
        Source=source,
        Destination={"ToAddresses": ["someone@recipient.test"]},
        Message={"Subject": {"Data": "hello"}, "Body": {"Text": {"Data": "verified at last"}}},
    )
    message_id: str = reply["MessageId"]
    return message_id


def test_a_v1_domain_is_verified_by_its_txt_record_and_then_sends(
    server: RunningServer, key: AccessKey, dns: DnsServer, clock: RunAheadClock
) -> None:
    ses, sesv2 = _clients(server, key)
    token = ses.verify_domain_identity(Domain="Shop.Example.TEST")["VerificationToken"]

    def status() -> str:
        attributes = ses.get_identity_verification_attributes(Identities=["shop.example.test"])
        found: str = attributes["VerificationAttributes"]["shop.example.test"]["VerificationStatus"]
        return found

    def checked_once() -> bool:
        info = sesv2.get_email_identity(EmailIdentity="shop.example.test")["VerificationInfo"]
        return "LastCheckedTimestamp" in info

    # The verifier looks at once (woken by the creation), and finds nothing yet.
    _eventually(checked_once, "the first check")
    pending = sesv2.get_email_identity(EmailIdentity="shop.example.test")
    assert status() == "Pending"
    assert pending["VerificationStatus"] == "PENDING"
    assert pending["VerifiedForSendingStatus"] is False
    assert pending["VerificationInfo"]["ErrorType"] == "HOST_NOT_FOUND"
    assert "LastSuccessTimestamp" not in pending["VerificationInfo"]
    with pytest.raises(ClientError) as rejected:
        _send(ses, "orders@shop.example.test")
    assert rejected.value.response["Error"]["Code"] == "MessageRejected"

    dns.add("_amazonses.shop.example.test", "TXT", f'"{token}"')
    _let_time_pass(server, clock, dt.timedelta(minutes=1, seconds=1))
    _eventually(lambda: status() == "Success", "Success")

    verified = sesv2.get_email_identity(EmailIdentity="shop.example.test")
    assert verified["VerifiedForSendingStatus"] is True
    assert verified["VerificationStatus"] == "SUCCESS"
    assert "ErrorType" not in verified["VerificationInfo"]
    assert (
        verified["VerificationInfo"]["LastSuccessTimestamp"]
        >= (verified["VerificationInfo"]["LastCheckedTimestamp"])
    )
    assert _send(ses, "orders@shop.example.test")
    assert _send(ses, "anyone@sub.shop.example.test")  # a domain covers its subdomains


def test_a_v2_domain_is_verified_by_its_three_dkim_cnames_and_then_sends(
    server: RunningServer, key: AccessKey, dns: DnsServer, clock: RunAheadClock
) -> None:
    ses, sesv2 = _clients(server, key)
    created = sesv2.create_email_identity(EmailIdentity="news.example.test")
    tokens = created["DkimAttributes"]["Tokens"]
    assert len(tokens) == 3
    assert created["DkimAttributes"]["Status"] == "PENDING"

    def identity() -> Any:
        return sesv2.get_email_identity(EmailIdentity="news.example.test")

    for token in tokens[:2]:
        dns.add(f"{token}._domainkey.news.example.test", "CNAME", f"{token}.dkim.{DKIM_DOMAIN}")
    _eventually(lambda: "LastCheckedTimestamp" in identity()["VerificationInfo"], "a check")
    _let_time_pass(server, clock, dt.timedelta(minutes=1, seconds=1))
    time.sleep(0.5)  # the woken verifier finds two of three: still pending
    assert identity()["DkimAttributes"]["Status"] == "PENDING"
    assert identity()["VerifiedForSendingStatus"] is False
    with pytest.raises(ClientError):
        sesv2.send_email(
            FromEmailAddress="editor@news.example.test",
            Destination={"ToAddresses": ["someone@recipient.test"]},
            Content={"Simple": {"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "b"}}}},
        )

    dns.add(f"{tokens[2]}._domainkey.news.example.test", "CNAME", f"{tokens[2]}.dkim.{DKIM_DOMAIN}")
    # The second miss put the next check 5 minutes ahead (SigV4 allows 15 minutes of skew).
    _let_time_pass(server, clock, dt.timedelta(minutes=5, seconds=1))
    _eventually(lambda: identity()["VerifiedForSendingStatus"] is True, "verified for sending")

    verified = identity()
    assert verified["DkimAttributes"]["Status"] == "SUCCESS"
    assert verified["VerificationStatus"] == "SUCCESS"
    assert "ErrorType" not in verified["VerificationInfo"]
    v1 = ses.get_identity_verification_attributes(Identities=["news.example.test"])
    assert v1["VerificationAttributes"]["news.example.test"]["VerificationStatus"] == "Success"
    sent = sesv2.send_email(
        FromEmailAddress="editor@news.example.test",
        Destination={"ToAddresses": ["someone@recipient.test"]},
        Content={"Simple": {"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "b"}}}},
    )
    assert sent["MessageId"]
