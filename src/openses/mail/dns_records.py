"""DNS lookups for identity verification: TXT, CNAME and MX records, never cached.

Verification must see what a customer's DNS says *now*: a record published a
minute ago must be found, one removed must be missed. So the resolver keeps no
cache of its own (the recursive resolver it asks may still cache within TTLs,
which is also what SES is subject to).

Every lookup answers a ``RecordLookup`` whose ``outcome`` says what happened:

* ``FOUND``: records of the type asked, in ``values``;
* ``NO_SUCH_NAME``: the name does not exist (NXDOMAIN);
* ``NO_RECORDS``: the name exists without records of that type (NODATA);
* ``SERVER_FAILURE``: SERVFAIL, REFUSED, a timeout or unreachable servers — the
  answer is unknown, ask again later.

Resolvers come from ``OPENSES_DNS_SERVERS`` exactly as ``mail/mx.py`` builds them
(``None``: the system's resolv.conf).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import dns.asyncresolver
import dns.exception
import dns.name
import dns.nameserver
import dns.rdatatype
import dns.resolver
from dns.rdtypes.ANY.CNAME import CNAME
from dns.rdtypes.ANY.MX import MX
from dns.rdtypes.ANY.TXT import TXT

DEFAULT_TIMEOUT = 5.0


class Outcome(StrEnum):
    FOUND = "found"
    NO_SUCH_NAME = "nxdomain"
    NO_RECORDS = "nodata"
    SERVER_FAILURE = "servfail"


@dataclass(frozen=True, slots=True)
class MxRecord:
    preference: int
    host: str  # lower case, without the trailing dot


@dataclass(frozen=True, slots=True)
class RecordLookup:
    """One lookup's result. ``values``: TXT texts, CNAME targets or MX records."""

    name: str
    outcome: Outcome
    values: tuple[str, ...] = ()
    mx: tuple[MxRecord, ...] = ()
    detail: str = ""

    @property
    def found(self) -> bool:
        return self.outcome is Outcome.FOUND


def host_name(name: dns.name.Name) -> str:
    """A DNS name as compared by verification: lower case, no trailing dot."""
    return name.to_text(omit_final_dot=True).lower()


def same_host(left: str, right: str) -> bool:
    """Whether two host names are the same (DNS names are case-insensitive, RFC 4343)."""
    return left.lower().rstrip(".") == right.lower().rstrip(".")


def async_resolver(
    nameservers: Sequence[tuple[str, int]] | None,
    timeout: float,
    cache: dns.resolver.LRUCache | None = None,
) -> dns.asyncresolver.Resolver:
    """dnspython's async resolver asking ``nameservers`` (``None``: the system's resolv.conf).

    ``timeout`` bounds each whole lookup; ``cache`` None asks afresh every time.
    """
    resolver = dns.asyncresolver.Resolver(configure=nameservers is None)
    if nameservers is not None:
        resolver.nameservers = [
            dns.nameserver.Do53Nameserver(host, port) for host, port in nameservers
        ]
    resolver.timeout = timeout
    resolver.lifetime = timeout
    resolver.cache = cache
    return resolver


class RecordResolver:
    """Asks ``nameservers`` (``(host, port)`` pairs; ``None``: the system's) for records."""

    def __init__(
        self, nameservers: Sequence[tuple[str, int]] | None = None, timeout: float = DEFAULT_TIMEOUT
    ) -> None:
        # Verification must see records as they are now: no cache.
        self._resolver = async_resolver(nameservers, timeout)

    async def txt(self, name: str) -> RecordLookup:
        """TXT records at ``name``, each one's strings joined (RFC 7208 §3.3, RFC 6376 §3.6.2.2)."""
        answer = await self._query(name, dns.rdatatype.TXT)
        if isinstance(answer, RecordLookup):
            return answer
        texts = tuple(
            b"".join(rdata.strings).decode("utf-8", "replace")
            for rdata in answer
            if isinstance(rdata, TXT)
        )
        return RecordLookup(name, Outcome.FOUND, texts)

    async def cname(self, name: str) -> RecordLookup:
        """The CNAME target(s) at ``name`` itself (a CNAME query is not followed)."""
        answer = await self._query(name, dns.rdatatype.CNAME)
        if isinstance(answer, RecordLookup):
            return answer
        targets = tuple(host_name(rdata.target) for rdata in answer if isinstance(rdata, CNAME))
        return RecordLookup(name, Outcome.FOUND, targets)

    async def mx(self, name: str) -> RecordLookup:
        """MX records at ``name``, best preference first."""
        answer = await self._query(name, dns.rdatatype.MX)
        if isinstance(answer, RecordLookup):
            return answer
        records = sorted(
            (
                MxRecord(rdata.preference, host_name(rdata.exchange))
                for rdata in answer
                if isinstance(rdata, MX)
            ),
            key=lambda record: (record.preference, record.host),
        )
        return RecordLookup(
            name, Outcome.FOUND, tuple(record.host for record in records), tuple(records)
        )

    async def _query(
        self, name: str, rdtype: dns.rdatatype.RdataType
    ) -> dns.resolver.Answer | RecordLookup:
        """The answer, or the ``RecordLookup`` that says why there is none."""
        kind = dns.rdatatype.to_text(rdtype)
        try:
            qname = dns.name.from_text(name.rstrip(".") + ".")
        except (dns.exception.DNSException, UnicodeError, ValueError) as error:
            # A name that cannot exist in DNS (a label over 63 octets, say) is not there.
            return RecordLookup(name, Outcome.NO_SUCH_NAME, detail=f"not a DNS name: {error}")
        try:
            answer = await self._resolver.resolve(qname, rdtype, search=False)
        except dns.resolver.NXDOMAIN:
            return RecordLookup(name, Outcome.NO_SUCH_NAME, detail=f"{name}: NXDOMAIN")
        except dns.resolver.NoAnswer:
            return RecordLookup(name, Outcome.NO_RECORDS, detail=f"{name}: no {kind} records")
        except dns.resolver.NoNameservers:
            detail = f"{name}: {kind} lookup failed (SERVFAIL or refused)"
            return RecordLookup(name, Outcome.SERVER_FAILURE, detail=detail)
        except dns.exception.Timeout:
            detail = f"{name}: {kind} lookup timed out"
            return RecordLookup(name, Outcome.SERVER_FAILURE, detail=detail)
        except dns.exception.DNSException as error:
            detail = f"{name}: {kind} lookup failed: {error}"
            return RecordLookup(name, Outcome.SERVER_FAILURE, detail=detail)
        return answer
