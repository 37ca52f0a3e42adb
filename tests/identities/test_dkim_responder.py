"""openses's authoritative DNS responder for the Easy DKIM zone, over real UDP and TCP sockets,
queried with dnspython (responder fed from a dict here; from the database in test_dkim_signing)."""

from __future__ import annotations

import os
import socket
import struct
from collections.abc import Iterator

import dns.edns
import dns.flags
import dns.message
import dns.opcode
import dns.query
import dns.rcode
import dns.rdatatype
import pytest

from tests.identities.dns_helpers import ResponderThread, resolver, tcp, txt_value, udp

ZONE = "dkim.mail.example.net"
SHORT = "v=DKIM1; k=rsa; p=" + "A" * 100
LONG = "v=DKIM1; k=rsa; p=" + "B" * 700  # a 4096-bit key's size: needs three strings
RECORDS = {"token1": SHORT, "bigkey": LONG}


@pytest.fixture(scope="module")
def responder() -> Iterator[ResponderThread]:
    with ResponderThread(ZONE, RECORDS, nameserver="openses.mail.example.net") as running:
        yield running


def test_txt_record_is_served_authoritatively_and_split_into_255_byte_strings(
    responder: ResponderThread,
) -> None:
    response = udp(responder.port, f"Token1.{ZONE}")  # names are case-insensitive
    assert response.rcode() == dns.rcode.NOERROR
    assert response.flags & dns.flags.AA
    assert not response.flags & dns.flags.RA
    assert txt_value(response) == SHORT
    assert str(response.answer[0].name) == f"Token1.{ZONE}."  # the question's case, echoed
    big = tcp(responder.port, f"bigkey.{ZONE}")
    (rdata,) = list(big.answer[0])
    assert [len(s) for s in rdata.strings] == [255, 255, len(LONG) - 510]  # type: ignore[attr-defined]
    assert txt_value(big) == LONG
    # A stub resolver (what the verifier and MTAs use) reads it the same way.
    answer = resolver(responder.port).resolve(f"token1.{ZONE}", "TXT")
    assert b"".join(answer[0].strings).decode() == SHORT  # type: ignore[attr-defined]


def test_unknown_name_is_nxdomain_with_the_soa_and_existing_name_other_type_is_nodata(
    responder: ResponderThread,
) -> None:
    missing = udp(responder.port, f"nosuchtoken.{ZONE}")
    assert missing.rcode() == dns.rcode.NXDOMAIN
    assert missing.flags & dns.flags.AA
    assert not missing.answer
    (soa,) = missing.authority
    assert soa.rdtype == dns.rdatatype.SOA
    assert str(soa.name) == f"{ZONE}."
    assert soa.ttl == 60
    assert next(iter(soa)).minimum == 60
    deeper = udp(responder.port, f"x.token1.{ZONE}")
    assert deeper.rcode() == dns.rcode.NXDOMAIN
    nodata = udp(responder.port, f"token1.{ZONE}", "A")
    assert nodata.rcode() == dns.rcode.NOERROR
    assert not nodata.answer
    assert nodata.authority[0].rdtype == dns.rdatatype.SOA


def test_apex_has_soa_and_ns(responder: ResponderThread) -> None:
    soa = udp(responder.port, ZONE, "SOA")
    assert soa.rcode() == dns.rcode.NOERROR
    assert soa.flags & dns.flags.AA
    record = next(iter(soa.answer[0]))
    assert str(record.mname) == "openses.mail.example.net."  # type: ignore[attr-defined]
    assert str(record.rname) == f"hostmaster.{ZONE}."  # type: ignore[attr-defined]
    ns = tcp(responder.port, ZONE, "NS")
    assert [str(r.target) for r in ns.answer[0]] == ["openses.mail.example.net."]  # type: ignore[attr-defined]
    apex_txt = udp(responder.port, ZONE, "TXT")
    assert apex_txt.rcode() == dns.rcode.NOERROR
    assert not apex_txt.answer
    assert apex_txt.authority[0].rdtype == dns.rdatatype.SOA


def test_names_outside_the_zone_and_transfers_are_refused(responder: ResponderThread) -> None:
    lookups_before = len(responder.lookups)
    for name in ("example.com", "mail.example.net", f"token1.{ZONE}.evil.test"):
        response = udp(responder.port, name)
        assert response.rcode() == dns.rcode.REFUSED, name
        assert not response.flags & dns.flags.AA
        assert not response.answer
    axfr = tcp(responder.port, ZONE, "AXFR")
    assert axfr.rcode() == dns.rcode.REFUSED
    assert len(responder.lookups) == lookups_before  # refused without touching the store


def test_udp_answer_too_big_is_truncated_and_the_client_retries_over_tcp(
    responder: ResponderThread,
) -> None:
    plain = udp(responder.port, f"bigkey.{ZONE}")  # no EDNS: 512 bytes at most
    assert plain.flags & dns.flags.TC
    assert not plain.answer
    assert plain.rcode() == dns.rcode.NOERROR
    # EDNS(0): the client's payload size is honoured, ours advertised.
    edns = udp(responder.port, f"bigkey.{ZONE}", use_edns=0, payload=4096)
    assert not edns.flags & dns.flags.TC
    assert txt_value(edns) == LONG
    assert edns.edns == 0
    assert edns.payload == 1232
    small_edns = udp(responder.port, f"bigkey.{ZONE}", use_edns=0, payload=600)
    assert small_edns.flags & dns.flags.TC
    assert small_edns.edns == 0
    # dnspython's "UDP, then TCP when truncated", as resolvers do.
    query = dns.message.make_query(f"bigkey.{ZONE}", "TXT")
    response, used_tcp = dns.query.udp_with_fallback(
        query, "127.0.0.1", port=responder.port, timeout=5
    )
    assert used_tcp
    assert txt_value(response) == LONG


def test_protocol_corner_cases(responder: ResponderThread) -> None:
    bad_version = udp(responder.port, f"token1.{ZONE}", use_edns=1)
    assert bad_version.rcode() == dns.rcode.BADVERS
    notify = dns.message.make_query(ZONE, "SOA")
    notify.set_opcode(dns.opcode.NOTIFY)
    assert dns.query.udp(notify, "127.0.0.1", port=responder.port, timeout=5).rcode() == (
        dns.rcode.NOTIMP
    )
    chaos = dns.message.make_query(f"token1.{ZONE}", "TXT", rdclass="CH")
    assert dns.query.udp(chaos, "127.0.0.1", port=responder.port, timeout=5).rcode() == (
        dns.rcode.REFUSED
    )
    failing = udp(responder.port, f"explode.{ZONE}")  # the lookup raises: SERVFAIL, no crash
    assert failing.rcode() == dns.rcode.SERVFAIL
    assert txt_value(udp(responder.port, f"token1.{ZONE}")) == SHORT


def _udp_exchange(port: int, payload: bytes) -> bytes | None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(0.5)
        sock.sendto(payload, ("127.0.0.1", port))
        try:
            return sock.recv(65535)
        except TimeoutError:
            return None


def test_garbage_packets_get_formerr_or_silence_and_the_server_keeps_answering(
    responder: ResponderThread,
) -> None:
    assert _udp_exchange(responder.port, b"") is None
    assert _udp_exchange(responder.port, b"\x01\x02\x03") is None  # shorter than a header
    garbage = b"\xab\xcd" + b"\x01\x00" + b"\x00\x01" + b"\x00" * 6 + b"\xff" * 20
    reply = _udp_exchange(responder.port, garbage)
    assert reply is not None
    assert reply[:2] == b"\xab\xcd"
    assert reply[3] & 0x0F == dns.rcode.FORMERR
    assert reply[2] & 0x80
    # A packet that claims to be a response is never answered (no reflection loops).
    response_packet = dns.message.make_response(dns.message.make_query(ZONE, "SOA")).to_wire()
    assert _udp_exchange(responder.port, response_packet) is None
    two_questions = dns.message.make_query(f"token1.{ZONE}", "TXT")
    two_questions.question.append(dns.message.make_query(ZONE, "SOA").question[0])
    reply = _udp_exchange(responder.port, two_questions.to_wire())
    assert reply is not None
    assert dns.message.from_wire(reply).rcode() == dns.rcode.FORMERR
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        for _ in range(200):  # a burst of random datagrams, not waiting for replies
            sock.sendto(os.urandom(40), ("127.0.0.1", responder.port))
    # TCP: garbage framed and unframed, a zero length, a connection closed mid-message.
    for payload in (
        struct.pack("!H", 30) + os.urandom(30),
        struct.pack("!H", 0),
        struct.pack("!H", 500) + b"short",
        b"\xff",
    ):
        with socket.create_connection(("127.0.0.1", responder.port), timeout=5) as sock:
            sock.sendall(payload)
            sock.shutdown(socket.SHUT_WR)
            sock.settimeout(5)
            while sock.recv(4096):
                pass
    assert txt_value(udp(responder.port, f"token1.{ZONE}")) == SHORT
    assert txt_value(tcp(responder.port, f"token1.{ZONE}")) == SHORT


def test_several_queries_on_one_tcp_connection(responder: ResponderThread) -> None:
    with socket.create_connection(("127.0.0.1", responder.port), timeout=5) as sock:
        for name in (f"token1.{ZONE}", f"bigkey.{ZONE}", f"nosuch.{ZONE}"):
            wire = dns.message.make_query(name, "TXT").to_wire()
            sock.sendall(struct.pack("!H", len(wire)) + wire)
        replies = []
        buffer = b""
        while len(replies) < 3:
            buffer += sock.recv(65535)
            while len(buffer) >= 2 and len(buffer) >= 2 + struct.unpack("!H", buffer[:2])[0]:
                size = struct.unpack("!H", buffer[:2])[0]
                replies.append(dns.message.from_wire(buffer[2 : 2 + size]))
                buffer = buffer[2 + size :]
    assert txt_value(replies[0]) == SHORT
    assert txt_value(replies[1]) == LONG  # TCP is never truncated
    assert replies[2].rcode() == dns.rcode.NXDOMAIN


def test_edns_options_survive(responder: ResponderThread) -> None:
    cookie = dns.edns.GenericOption(dns.edns.COOKIE, os.urandom(8))
    response = udp(responder.port, f"token1.{ZONE}", use_edns=0, options=[cookie])
    assert response.rcode() == dns.rcode.NOERROR
    assert txt_value(response) == SHORT
