"""What the Easy DKIM zone answers: one DNS query in, one response out (no sockets here).

openses is authoritative for ``dkim.<OPENSES_DKIM_DOMAIN>`` (RFC 1034 §4.3.2, RFC 2308):

- ``<selector>.<zone>`` TXT → ``v=DKIM1; k=rsa; p=<key>`` (split into 255-byte strings,
  RFC 1035 §3.3.14), for every published key, retired ones included;
- the apex has SOA and NS; other types of an existing name → NODATA (SOA in authority);
- unknown names → NXDOMAIN with the SOA, whose minimum bounds negative caching;
- names outside the zone → REFUSED, without AA (we are not a resolver);
- EDNS(0) (RFC 6891): our payload size is advertised, the client's is honoured; over
  UDP an answer that does not fit is sent empty with TC set so the client retries over
  TCP; EDNS versions above 0 → BADVERS;
- opcodes other than QUERY → NOTIMP; zone transfers → REFUSED; a question count other
  than one → FORMERR.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.opcode
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rdtypes.ANY.TXT
import dns.rrset

TxtLookup = Callable[[str], Awaitable[str | None]]
"""selector → the TXT value published under it, or ``None``."""

OUR_PAYLOAD = 1232  # the DNS flag day 2020 recommendation: no IP fragmentation
_MIN_UDP = 512  # RFC 1035 §4.2.1: what every client accepts without EDNS
_TXT_STRING = 255  # RFC 1035 §3.3.14: a TXT character-string holds at most 255 octets
_HEADER_BYTES = 12


@dataclass(frozen=True, slots=True)
class ZoneSettings:
    zone: str  # e.g. "dkim.mail.example.com"
    nameserver: str  # the host the zone is delegated to (NS and SOA MNAME)
    record_ttl: int = 3600
    negative_ttl: int = 60  # SOA minimum: how long resolvers remember a missing key
    serial: int = 1


class DkimZone:
    def __init__(self, settings: ZoneSettings, lookup: TxtLookup) -> None:
        self._settings = settings
        self._origin = dns.name.from_text(settings.zone.rstrip(".") + ".")
        self._nameserver = dns.name.from_text(settings.nameserver.rstrip(".") + ".")
        self._lookup = lookup

    @property
    def origin(self) -> dns.name.Name:
        return self._origin

    async def respond(self, wire: bytes, *, udp: bool) -> bytes | None:
        """The reply to a query, or ``None`` when it deserves none (responses, runts)."""
        try:
            query = dns.message.from_wire(wire)
        except Exception:  # any malformed packet: FORMERR if we can, else silence
            return header_only_error(wire, dns.rcode.FORMERR)
        if query.flags & dns.flags.QR:
            return None  # a response: never answer one (reflection loops)
        response = await self._answer(query)
        return _to_wire(query, response, udp=udp)

    async def _answer(self, query: dns.message.Message) -> dns.message.Message:
        response = dns.message.make_response(query, our_payload=OUR_PAYLOAD)
        response.flags &= ~dns.flags.RA  # authoritative only: no recursion offered
        if query.edns > 0:
            response.use_edns(0, 0, OUR_PAYLOAD)
            response.set_rcode(dns.rcode.BADVERS)
            return response
        if query.opcode() != dns.opcode.QUERY:
            response.set_rcode(dns.rcode.NOTIMP)
            return response
        if len(query.question) != 1:
            response.set_rcode(dns.rcode.FORMERR)
            return response
        question = query.question[0]
        name, rdtype = question.name, question.rdtype
        if question.rdclass not in (dns.rdataclass.IN, dns.rdataclass.ANY) or not (
            name.is_subdomain(self._origin)
        ):
            response.set_rcode(dns.rcode.REFUSED)
            return response
        if rdtype in (dns.rdatatype.AXFR, dns.rdatatype.IXFR):
            response.set_rcode(dns.rcode.REFUSED)
            return response
        response.flags |= dns.flags.AA
        if name == self._origin:
            self._answer_apex(response, name, rdtype)
            return response
        relative = name.relativize(self._origin)
        value = None
        if len(relative.labels) == 1:
            selector = relative.labels[0].decode("ascii", "replace").lower()  # 0x20-safe
            value = await self._lookup(selector)
        if value is None:
            response.set_rcode(dns.rcode.NXDOMAIN)
            response.authority.append(self._soa(self._origin))
        elif rdtype in (dns.rdatatype.TXT, dns.rdatatype.ANY):
            response.answer.append(self._txt(name, value))
        else:
            response.authority.append(self._soa(self._origin))  # NODATA
        return response

    def _answer_apex(
        self, response: dns.message.Message, name: dns.name.Name, rdtype: dns.rdatatype.RdataType
    ) -> None:
        if rdtype in (dns.rdatatype.SOA, dns.rdatatype.ANY):
            response.answer.append(self._soa(name))
        if rdtype in (dns.rdatatype.NS, dns.rdatatype.ANY):
            response.answer.append(self._ns(name))
        if not response.answer:
            response.authority.append(self._soa(self._origin))  # NODATA

    def _rrset(self, owner: dns.name.Name, rdata: dns.rdata.Rdata, ttl: int) -> dns.rrset.RRset:
        rrset = dns.rrset.RRset(owner, dns.rdataclass.IN, rdata.rdtype)
        rrset.add(rdata, ttl)
        return rrset

    def _soa(self, owner: dns.name.Name) -> dns.rrset.RRset:
        settings = self._settings
        hostmaster = dns.name.Name((b"hostmaster", *self._origin.labels))
        # refresh, retry, expire: only secondaries read them; minimum bounds negative caching.
        soa = dns.rdata.from_text(
            dns.rdataclass.IN,
            dns.rdatatype.SOA,
            f"{self._nameserver} {hostmaster} {settings.serial} 3600 600 1209600 "
            f"{settings.negative_ttl}",
        )
        # RFC 2308 §3: the SOA of a negative answer has TTL min(SOA TTL, minimum).
        return self._rrset(owner, soa, settings.negative_ttl)

    def _ns(self, owner: dns.name.Name) -> dns.rrset.RRset:
        ns = dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.NS, self._nameserver.to_text())
        return self._rrset(owner, ns, self._settings.record_ttl)

    def _txt(self, owner: dns.name.Name, value: str) -> dns.rrset.RRset:
        data = value.encode("ascii")
        strings = [data[i : i + _TXT_STRING] for i in range(0, len(data), _TXT_STRING)] or [b""]
        txt = dns.rdtypes.ANY.TXT.TXT(dns.rdataclass.IN, dns.rdatatype.TXT, strings)
        return self._rrset(owner, txt, self._settings.record_ttl)


def _udp_limit(query: dns.message.Message) -> int:
    if query.edns < 0:
        return _MIN_UDP
    return max(_MIN_UDP, min(query.payload, 65535))


def _to_wire(query: dns.message.Message, response: dns.message.Message, *, udp: bool) -> bytes:
    limit = _udp_limit(query) if udp else 65535
    try:
        return response.to_wire(max_size=limit)
    except dns.exception.TooBig:
        # RFC 2181 §9: drop every record rather than send a partial RRset; TC sends
        # the client to TCP.
        response.answer.clear()
        response.authority.clear()
        response.additional.clear()
        response.flags |= dns.flags.TC
        return response.to_wire(max_size=limit)


def header_only_error(wire: bytes, rcode: dns.rcode.Rcode) -> bytes | None:
    """FORMERR for a query we cannot parse (RFC 1035 §4.1.1), echoing its id; silence
    for packets too short to carry a header or that claim to be responses."""
    if len(wire) < _HEADER_BYTES:
        return None
    flags = int.from_bytes(wire[2:4], "big")
    if flags & dns.flags.QR:
        return None
    opcode_bits = flags & 0x7800
    reply_flags = dns.flags.QR | opcode_bits | (int(rcode) & 0xF)
    return wire[:2] + reply_flags.to_bytes(2, "big") + bytes(8)
