"""A DnsResponder running on its own event loop thread, and DNS query helpers for the tests."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Mapping
from types import TracebackType

import dns.message
import dns.name
import dns.query
import dns.rdatatype
import dns.resolver

from openses.servers.dns_answers import ZoneSettings
from openses.servers.dns_responder import DnsResponder


class ResponderThread:
    """Serves ``records`` (selector → TXT value) for ``zone`` on 127.0.0.1, UDP and TCP."""

    def __init__(self, zone: str, records: Mapping[str, str], nameserver: str = "ns.test") -> None:
        self.records = dict(records)
        self.lookups: list[str] = []
        self._settings = ZoneSettings(zone=zone, nameserver=nameserver)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._responder: DnsResponder | None = None
        self.port = 0

    async def _lookup(self, selector: str) -> str | None:
        self.lookups.append(selector)
        if selector == "explode":
            raise RuntimeError("a failing lookup")
        return self.records.get(selector)

    def __enter__(self) -> ResponderThread:
        self._thread.start()
        self._responder = DnsResponder(self._settings, self._lookup)
        endpoint = asyncio.run_coroutine_threadsafe(
            self._responder.start("127.0.0.1", 0), self._loop
        ).result(timeout=10)
        self.port = endpoint.port
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._responder is not None
        asyncio.run_coroutine_threadsafe(self._responder.stop(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()


def udp(port: int, name: str, rdtype: str = "TXT", **options: object) -> dns.message.Message:
    query = dns.message.make_query(name, rdtype, **options)  # type: ignore[arg-type]
    return dns.query.udp(query, "127.0.0.1", port=port, timeout=5, ignore_trailing=False)


def tcp(port: int, name: str, rdtype: str = "TXT") -> dns.message.Message:
    return dns.query.tcp(dns.message.make_query(name, rdtype), "127.0.0.1", port=port, timeout=5)


def txt_value(response: dns.message.Message) -> str:
    """The one TXT record of an answer, its character-strings joined (RFC 6376 §3.6.2.2)."""
    (rrset,) = [r for r in response.answer if r.rdtype == dns.rdatatype.TXT]
    (rdata,) = list(rrset)
    return b"".join(rdata.strings).decode("ascii")  # type: ignore[attr-defined]


def resolver(port: int) -> dns.resolver.Resolver:
    """A stub resolver asking only 127.0.0.1:port, without caching."""
    stub = dns.resolver.Resolver(configure=False)
    stub.nameservers = ["127.0.0.1"]
    stub.port = port
    stub.timeout = stub.lifetime = 5
    return stub


def dkim_dnsfunc(customer_port: int, responder_port: int) -> object:
    """A dkimpy ``dnsfunc`` that resolves like a receiving MTA: the customer's DNS gives
    the CNAME (Easy DKIM) or the TXT itself (BYODKIM); a CNAME into the openses zone is
    then asked of openses's own responder."""
    customer, openses = resolver(customer_port), resolver(responder_port)

    def lookup(name: bytes, timeout: int = 5) -> bytes | None:
        qname = dns.name.from_text(name.decode("ascii"))
        try:
            answer = customer.resolve(qname, "CNAME", raise_on_no_answer=False)
            target = next((rd.target for rd in answer.rrset or ()), None)  # type: ignore[attr-defined]
        except dns.resolver.NXDOMAIN:
            return None
        source = customer if target is None else openses
        try:
            txt = source.resolve(target or qname, "TXT")
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            return None
        return b"".join(b"".join(rd.strings) for rd in txt)  # type: ignore[attr-defined]

    return lookup
