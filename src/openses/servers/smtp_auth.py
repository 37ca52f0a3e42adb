"""SMTP AUTH (RFC 4954) with SES's SMTP credentials: PLAIN (RFC 4616) and LOGIN.

The user name is an access key id; the password is the SES SMTP password derived
from the key's secret and this server's region (``openses.domain.credentials``,
spec digest §1.7). It is recomputed and compared in constant time; nothing of it
is stored.

No user enumeration: every failure (unknown key, wrong password, wrong region,
undecodable base64, an authorization identity that is not the user) is the same
``535 Authentication Credentials Invalid``, given at the same moment,
``failure_reply_seconds`` after the attempt began, whatever the check cost; the
password of an unknown key is still derived (from a decoy secret) and compared.

Brute force: failures are counted per client address (an IPv6 client by its
/64, which one host controls) over ``window`` seconds. Past ``free_failures``,
every answer to that client, success or failure, waits an extra delay that
doubles per failure up to ``max_delay``: guessing slows to a crawl, the
legitimate user on another address is untouched, and the one on the same
address is slowed, never locked out. A success does not clear the count, or an
attacker with one valid key could keep resetting it.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hmac
import ipaddress
import secrets
import time
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from openses.domain.credentials import smtp_password

MAX_USERNAME_LENGTH = 128  # access key ids are 16-128 characters (IAM AccessKey model)


@dataclass(frozen=True, slots=True)
class Principal:
    """Who an SMTP session sends as."""

    account_id: str
    access_key_id: str
    region: str


class StoredKey(Protocol):
    @property
    def access_key_id(self) -> str: ...
    @property
    def account_id(self) -> str: ...
    @property
    def secret_access_key(self) -> str: ...


KeyLookup = Callable[[str], Awaitable[StoredKey | None]]


def decode_base64(text: str) -> bytes | None:
    """Strict base64 (RFC 4954 §4), or None."""
    try:
        return base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None


def plain_credentials(response: str) -> tuple[str, bytes] | None:
    """User name and password from a PLAIN response ``authzid NUL authcid NUL passwd``.

    An authorization identity other than the user itself (acting for someone else)
    is not supported: the attempt fails like any other.
    """
    raw = decode_base64(response)
    if raw is None or raw.count(b"\0") != 2:
        return None
    authzid, authcid, password = raw.split(b"\0")
    if authzid and authzid != authcid:
        return None
    try:
        return authcid.decode("utf-8"), password
    except UnicodeDecodeError:
        return None


def client_key(client_ip: str) -> str:
    """The unit failures are counted in: the address, or its /64 for IPv6."""
    try:
        address = ipaddress.ip_address(client_ip)
    except ValueError:
        return client_ip
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


class FailureThrottle:
    """Recent authentication failures per client, and the delay they earn."""

    def __init__(
        self,
        *,
        free_failures: int = 5,
        window: float = 300.0,
        first_delay: float = 1.0,
        max_delay: float = 30.0,
        max_clients: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._free = free_failures
        self._window = window
        self._first_delay = first_delay
        self._max_delay = max_delay
        self._max_clients = max_clients
        self._clock = clock
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()

    def _recent(self, key: str) -> deque[float] | None:
        times = self._failures.get(key)
        if times is None:
            return None
        horizon = self._clock() - self._window
        while times and times[0] < horizon:
            times.popleft()
        if not times:
            del self._failures[key]
            return None
        return times

    def delay(self, client_ip: str) -> float:
        times = self._recent(client_key(client_ip))
        excess = (len(times) if times else 0) - self._free
        if not times or excess < 0:
            return 0.0
        return float(min(self._max_delay, self._first_delay * 2**excess))

    def record_failure(self, client_ip: str) -> None:
        key = client_key(client_ip)
        times = self._recent(key)
        if times is None:
            times = self._failures[key] = deque(maxlen=64)
        times.append(self._clock())
        self._failures.move_to_end(key)
        while len(self._failures) > self._max_clients:  # memory stays bounded under a flood
            self._failures.popitem(last=False)


class SmtpAuthenticator:
    """Checks SMTP credentials for one region; see the module docstring."""

    def __init__(
        self,
        find_access_key: KeyLookup,
        region: str,
        *,
        failure_reply_seconds: float = 0.25,
        throttle: FailureThrottle | None = None,
    ) -> None:
        self._find = find_access_key
        self._region = region
        self._failure_reply_seconds = failure_reply_seconds
        self._throttle = throttle or FailureThrottle()
        self._decoy_secret = secrets.token_urlsafe(30)

    async def authenticate(
        self, username: str | None, password: bytes | None, client_ip: str
    ) -> Principal | None:
        """The principal for these credentials, or None; ``None`` values mean undecodable."""
        started = time.monotonic()
        penalty = self._throttle.delay(client_ip)
        principal = await self._verify(username, password)
        if principal is None:
            self._throttle.record_failure(client_ip)
            penalty += self._failure_reply_seconds
        wait = started + penalty - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        return principal

    async def _verify(self, username: str | None, password: bytes | None) -> Principal | None:
        key: StoredKey | None = None
        if username and len(username) <= MAX_USERNAME_LENGTH and username.isprintable():
            key = await self._find(username)
        secret = key.secret_access_key if key is not None else self._decoy_secret
        expected = smtp_password(secret, self._region).encode("ascii")
        matches = hmac.compare_digest(expected, password or b"")
        if key is None or not matches:
            return None
        return Principal(key.account_id, key.access_key_id, self._region)
