"""Shared set-up for the transport tests: a DNS server, SMTP sinks as MX hosts, a clock."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar

import pytest

from openses.mail.mx import MxResolver
from openses.mail.smtp_session import SmtpTimeouts
from openses.mail.transports import (
    Deliverer,
    DeliveryReport,
    DeliveryStatus,
    Envelope,
    MxSettings,
    MxTransport,
)
from tests.fixtures.dns_server import DnsServer
from tests.fixtures.smtp_sink import SinkScript, SmtpSink

T = TypeVar("T")
T0 = dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC)
HELO = "mta1.openses.test"
QUICK = SmtpTimeouts.uniform(5.0)  # generous enough for a loaded CI machine


class SteppingClock:
    """Each reading is one second after the previous one, from ``T0``."""

    def __init__(self) -> None:
        self.readings = 0

    def now(self) -> dt.datetime:
        self.readings += 1
        return T0 + dt.timedelta(seconds=self.readings - 1)


SinkFactory = Callable[..., SmtpSink]


@pytest.fixture
def dns_server() -> Iterator[DnsServer]:
    with DnsServer() as server:
        yield server


@pytest.fixture
def sinks() -> Iterator[SinkFactory]:
    """Starts sinks on one shared port, each on its own loopback address."""
    started: list[SmtpSink] = []

    def start(script: SinkScript | None = None, *, host: str, **options: Any) -> SmtpSink:
        port = started[0].port if started else 0
        sink = SmtpSink(script, host=host, port=port, **options).start()
        started.append(sink)
        return sink

    yield start
    for sink in started:
        sink.stop()


def point_mx(dns_server: DnsServer, domain: str, *hosts: tuple[str, int, str]) -> None:
    """MX records for ``domain``: ``(host name, preference, address)`` each."""
    for name, preference, address in hosts:
        dns_server.add_mx(domain, name, preference)
        dns_server.add_host(name, address)


def mx_transport(dns_server: DnsServer, port: int, **settings: Any) -> MxTransport:
    resolver = MxResolver(dns_server.nameservers, timeout=2.0, cache_size=0)
    options: dict[str, Any] = {"helo_hostname": HELO, "port": port, "timeouts": QUICK}
    options.update(settings)
    return MxTransport(resolver, MxSettings(**options), clock=SteppingClock())


def envelope(
    *recipients: str, message: bytes | None = None, sender: str = "app@a.test"
) -> Envelope:
    body = message if message is not None else b"Subject: hello\r\n\r\nHello there.\r\n"
    return Envelope(sender, tuple(recipients), body)


def statuses(report: DeliveryReport) -> dict[str, DeliveryStatus]:
    return {outcome.recipient: outcome.status for outcome in report.outcomes}


def run(deliverer: Deliverer, action: Callable[[Deliverer], Awaitable[T]]) -> T:
    """Runs ``action(deliverer)`` on a fresh loop, closing the deliverer afterwards."""

    async def main() -> T:
        try:
            return await action(deliverer)
        finally:
            await deliverer.close()

    return asyncio.run(main())


def deliver_one(deliverer: Deliverer, message: Envelope) -> DeliveryReport:
    return run(deliverer, lambda d: d.deliver(message))
