"""SMTP credentials: the documented derivation, PLAIN decoding, no enumeration, throttling."""

from __future__ import annotations

import asyncio
import base64
import statistics
import time
from dataclasses import dataclass
from typing import Any

import pytest

from openses.domain.credentials import smtp_password
from openses.servers.smtp_auth import (
    FailureThrottle,
    SmtpAuthenticator,
    client_key,
    plain_credentials,
)
from tests.smtp.smtp_helpers import ses_smtp_password

GUIDE_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


@pytest.mark.parametrize(
    ("region", "password"),
    [
        ("us-east-1", "BLBM/9hSUELfq8Gw+rU1YcBjkOxGbhT2XG763xVLGWL9"),
        ("us-west-2", "BF2PynzbSCAjX08zhZZnP/kW+T9P5zs/1Er0pi5vTEmd"),
        ("eu-west-1", "BMW5RDrXmmVs0lV7GpI4oLkHXpZ4stDsk6q91z1g38Pk"),
    ],
)
def test_the_tests_own_derivation_gives_the_documented_vectors(region: str, password: str) -> None:
    assert ses_smtp_password(GUIDE_SECRET, region) == password
    assert smtp_password(GUIDE_SECRET, region) == password


def plain(authzid: str, user: str, password: str) -> str:
    return base64.b64encode(f"{authzid}\0{user}\0{password}".encode()).decode()


def test_plain_responses_give_user_and_password() -> None:
    assert plain_credentials(plain("", "AKID", "pw")) == ("AKID", b"pw")
    assert plain_credentials(plain("AKID", "AKID", "pw")) == ("AKID", b"pw")


@pytest.mark.parametrize(
    "response",
    [
        plain("someone-else", "AKID", "pw"),
        "not base64!",
        "=",
        base64.b64encode(b"AKID\0pw").decode(),
    ],
)
def test_unusable_plain_responses_give_nothing(response: str) -> None:
    assert plain_credentials(response) is None


def test_ipv6_clients_are_counted_by_their_64() -> None:
    assert client_key("2001:db8:1:2:aaaa::1") == client_key("2001:db8:1:2:bbbb::2")
    assert client_key("2001:db8:1:2::1") != client_key("2001:db8:1:3::1")
    assert client_key("192.0.2.1") != client_key("192.0.2.2")


def test_failures_earn_a_growing_delay_per_client_only() -> None:
    now = [1000.0]
    throttle = FailureThrottle(
        free_failures=2, first_delay=1.0, max_delay=8.0, clock=lambda: now[0]
    )
    for _ in range(2):
        throttle.record_failure("192.0.2.1")
    assert throttle.delay("192.0.2.1") == 1.0
    for _ in range(5):
        throttle.record_failure("192.0.2.1")
    assert throttle.delay("192.0.2.1") == 8.0
    assert throttle.delay("192.0.2.99") == 0.0  # everyone else is untouched
    now[0] += 301  # the window passes: forgiven
    assert throttle.delay("192.0.2.1") == 0.0


def test_the_throttle_forgets_the_oldest_clients_past_its_size() -> None:
    throttle = FailureThrottle(free_failures=0, max_clients=3)
    for n in range(5):
        throttle.record_failure(f"192.0.2.{n}")
    assert throttle.delay("192.0.2.0") == 0.0
    assert throttle.delay("192.0.2.4") > 0.0


@dataclass(frozen=True)
class Key:
    access_key_id: str
    account_id: str
    secret_access_key: str


KEY = Key("AKIAEXAMPLE000000001", "123456789012", GUIDE_SECRET)


def authenticator(lookup_seconds: float = 0.0, **options: Any) -> SmtpAuthenticator:
    async def find(key_id: str) -> Key | None:
        await asyncio.sleep(lookup_seconds)
        return KEY if key_id == KEY.access_key_id else None

    return SmtpAuthenticator(find, "us-east-1", **options)


def test_the_right_password_for_the_region_authenticates() -> None:
    checker = authenticator()
    right = ses_smtp_password(GUIDE_SECRET, "us-east-1").encode()
    principal = asyncio.run(checker.authenticate(KEY.access_key_id, right, "192.0.2.1"))
    assert principal is not None
    assert (principal.account_id, principal.region) == ("123456789012", "us-east-1")
    other_region = ses_smtp_password(GUIDE_SECRET, "eu-west-1").encode()
    assert asyncio.run(checker.authenticate(KEY.access_key_id, other_region, "192.0.2.1")) is None


def test_every_kind_of_failure_takes_the_same_time() -> None:
    """Unknown key, wrong password, garbage: one answer, at one moment (no timing oracle)."""
    # A generous free allowance: the throttle's own delay would muddle the figures.
    checker = authenticator(
        lookup_seconds=0.01,
        failure_reply_seconds=0.2,
        throttle=FailureThrottle(free_failures=100),
    )
    right = ses_smtp_password(GUIDE_SECRET, "us-east-1")
    attempts = {
        "unknown key": ("AKIANOSUCHKEY0000000", right.encode()),
        "wrong password": (KEY.access_key_id, b"B" + right.encode()[1:-1] + b"x"),
        "undecodable": (None, None),
        "empty password": (KEY.access_key_id, b""),
    }

    async def timed(user: str | None, password: bytes | None) -> float:
        started = time.perf_counter()
        assert await checker.authenticate(user, password, "192.0.2.7") is None
        return time.perf_counter() - started

    async def measure() -> dict[str, float]:
        return {
            name: statistics.median([await timed(*attempt) for _ in range(3)])
            for name, attempt in attempts.items()
        }

    medians = asyncio.run(measure())
    assert all(0.2 <= value < 0.3 for value in medians.values()), medians
    assert max(medians.values()) - min(medians.values()) < 0.03, medians


def test_after_repeated_failures_even_the_right_password_waits() -> None:
    """An attacker cannot learn of a success sooner than of a failure."""
    checker = authenticator(
        failure_reply_seconds=0.0,
        throttle=FailureThrottle(free_failures=1, first_delay=0.3, max_delay=0.3),
    )
    right = ses_smtp_password(GUIDE_SECRET, "us-east-1").encode()

    async def scenario() -> tuple[float, float]:
        for _ in range(2):
            await checker.authenticate(KEY.access_key_id, b"wrong", "192.0.2.50")
        started = time.perf_counter()
        assert await checker.authenticate(KEY.access_key_id, right, "192.0.2.50") is not None
        slowed = time.perf_counter() - started
        started = time.perf_counter()
        assert await checker.authenticate(KEY.access_key_id, right, "192.0.2.51") is not None
        return slowed, time.perf_counter() - started

    slowed, elsewhere = asyncio.run(scenario())
    assert slowed >= 0.3
    assert elsewhere < 0.1
