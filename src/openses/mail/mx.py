"""Where to deliver mail for a domain: MX lookup per RFC 5321 §5.1 and RFC 7505.

``MxResolver.resolve(domain)`` answers the hosts to try, best first, each with
its IPv4 and IPv6 addresses, or raises:

* ``PermanentMxError``: the domain does not exist (NXDOMAIN), publishes a null MX
  (``0 .``, RFC 7505), or has neither MX nor address records. Retrying will not help.
* ``TransientMxError``: SERVFAIL, timeouts, unreachable name servers. Retry later.

Each error carries the reply SES would report (``550 5.4.4 Invalid domain``,
``421 4.4.0 Unable to lookup DNS for ...``), so a transport can hand it on.

CNAME chains are followed by the resolver (dnspython follows them within an
answer). Answers are cached, within their TTLs only, in a small LRU cache that
``cache_size=0`` turns off.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import groupby

import dns.asyncresolver
import dns.exception
import dns.name
import dns.nameserver
import dns.rdatatype
import dns.resolver
from dns.rdtypes.ANY.MX import MX

from openses.mail import replies
from openses.mail.dns_records import async_resolver
from openses.mail.replies import SmtpReply

DEFAULT_CACHE_SIZE = 512


@dataclass(frozen=True, slots=True)
class MxTarget:
    """One host to try. ``implicit`` marks the RFC 5321 §5.1 fallback to the domain."""

    host: str
    preference: int
    addresses: tuple[str, ...]
    implicit: bool = False


class MxLookupError(Exception):
    """The domain's mail hosts could not be found; ``reply`` is what to report."""

    permanent: bool = False

    def __init__(self, domain: str, reason: str, reply: SmtpReply) -> None:
        super().__init__(f"{domain}: {reason}")
        self.domain = domain
        self.reason = reason
        self.reply = reply


class PermanentMxError(MxLookupError):
    permanent = True


class TransientMxError(MxLookupError):
    permanent = False


class _LookupError(Exception):
    """A SERVFAIL or timeout on one query, raised out of ``_query``."""


class MxResolver:
    """Resolves recipient domains to MX targets with dnspython's async resolver.

    ``nameservers``: ``(host, port)`` pairs to ask; ``None`` uses the system's
    resolv.conf. ``timeout``: seconds for each whole lookup. ``rng`` orders
    equal-preference hosts (RFC 5321 §5.1: "randomized to spread the load").
    """

    def __init__(
        self,
        nameservers: Sequence[tuple[str, int]] | None = None,
        timeout: float = 10.0,
        *,
        cache_size: int = DEFAULT_CACHE_SIZE,
        rng: random.Random | None = None,
    ) -> None:
        self._resolver = async_resolver(
            nameservers, timeout, dns.resolver.LRUCache(cache_size) if cache_size > 0 else None
        )
        self._rng = rng or random.Random()

    async def resolve(self, domain: str) -> list[MxTarget]:
        """The hosts to try for ``domain``, in the order to try them."""
        name = _domain_name(domain)
        try:
            answer = await self._query(name, "MX")
        except dns.resolver.NXDOMAIN:
            raise PermanentMxError(domain, "NXDOMAIN", replies.invalid_domain()) from None
        except _LookupError as failure:
            raise TransientMxError(
                domain, str(failure), replies.dns_lookup_failed(domain)
            ) from None
        if answer is None:
            return await self._implicit_mx(domain, name)
        return await self._explicit_mx(domain, [r for r in answer if isinstance(r, MX)])

    async def _explicit_mx(self, domain: str, records: list[MX]) -> list[MxTarget]:
        # RFC 7505 §3: "0 ." alone says the domain takes no mail. A null MX next to
        # real ones is a misconfiguration; the real ones are still worth trying.
        usable = [r for r in records if r.exchange != dns.name.root]
        if not usable:
            raise PermanentMxError(domain, "null MX", replies.null_mx(domain))
        ordered = self._order(usable)
        found = await asyncio.gather(
            *(self._addresses(r.exchange) for r in ordered), return_exceptions=True
        )
        targets: list[MxTarget] = []
        transient = False
        for record, addresses in zip(ordered, found, strict=True):
            if isinstance(addresses, _LookupError):
                transient = True
                continue
            if isinstance(addresses, BaseException):
                raise addresses
            if addresses:
                host = record.exchange.to_text(omit_final_dot=True)
                targets.append(MxTarget(host, record.preference, addresses))
        if targets:
            return targets
        if transient:
            raise TransientMxError(
                domain, "MX host lookups failed", replies.dns_lookup_failed(domain)
            )
        raise PermanentMxError(domain, "no MX host has an address", replies.invalid_domain())

    async def _implicit_mx(self, domain: str, name: dns.name.Name) -> list[MxTarget]:
        """RFC 5321 §5.1: no MX records, so the domain itself is the host."""
        try:
            addresses = await self._addresses(name)
        except _LookupError as failure:
            raise TransientMxError(
                domain, str(failure), replies.dns_lookup_failed(domain)
            ) from None
        if not addresses:
            raise PermanentMxError(domain, "no MX, A or AAAA", replies.invalid_domain())
        host = name.to_text(omit_final_dot=True)
        return [MxTarget(host, 0, addresses, implicit=True)]

    def _order(self, records: list[MX]) -> list[MX]:
        """By preference; equal preferences shuffled (RFC 5321 §5.1)."""
        ordered: list[MX] = []
        by_preference = sorted(records, key=lambda r: r.preference)
        for _, group in groupby(by_preference, key=lambda r: r.preference):
            same = list(group)
            self._rng.shuffle(same)
            ordered.extend(same)
        return ordered

    async def _addresses(self, host: dns.name.Name) -> tuple[str, ...]:
        """IPv4 then IPv6 addresses of ``host``; empty if it has none.

        IPv4 first: most receiving networks rate sender IPv4 reputation best, and
        a transport falls through to the IPv6 addresses if the IPv4 ones fail.
        """
        results = await asyncio.gather(
            self._query(host, "A"), self._query(host, "AAAA"), return_exceptions=True
        )
        addresses: list[str] = []
        failure: BaseException | None = None
        for result in results:
            if isinstance(result, dns.resolver.NXDOMAIN):
                continue
            if isinstance(result, _LookupError):
                failure = result
                continue
            if isinstance(result, BaseException):
                raise result
            if result is not None:
                addresses.extend(record.to_text() for record in result)
        if failure is not None and not addresses:
            raise failure
        return tuple(addresses)

    async def _query(self, name: dns.name.Name, rdtype: str) -> dns.resolver.Answer | None:
        """One lookup; ``None`` for "no records of that type" (NODATA).

        Raises ``NXDOMAIN`` as is and every kind of transient trouble as ``_LookupError``.
        """
        try:
            return await self._resolver.resolve(name, rdtype, search=False)
        except dns.resolver.NoAnswer:
            return None
        except dns.resolver.NXDOMAIN:
            raise
        except dns.resolver.NoNameservers as error:
            raise _LookupError(f"{rdtype} lookup failed: SERVFAIL or refused") from error
        except dns.exception.Timeout as error:
            raise _LookupError(f"{rdtype} lookup timed out") from error
        except dns.exception.DNSException as error:
            raise _LookupError(f"{rdtype} lookup failed: {error}") from error


def _domain_name(domain: str) -> dns.name.Name:
    """The absolute DNS name of a mail domain (IDNA-encoded if it is not ASCII)."""
    try:
        name = dns.name.from_text(domain.strip().rstrip(".") + ".")
    except (dns.exception.DNSException, UnicodeError, ValueError):
        name = dns.name.root
    if name == dns.name.root:
        raise PermanentMxError(domain, "not a valid domain name", replies.invalid_domain())
    return name
