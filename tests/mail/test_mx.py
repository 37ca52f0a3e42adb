"""MX resolution against a real DNS server on loopback (tests/fixtures/dns_server.py)."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Iterator

import dns.asyncresolver
import dns.nameserver
import pytest

from openses.mail.mx import MxResolver, MxTarget, PermanentMxError, TransientMxError
from tests.fixtures.dns_server import DnsServer


@pytest.fixture
def dns_server() -> Iterator[DnsServer]:
    with DnsServer() as server:
        yield server


def resolve(server: DnsServer, domain: str, **options: object) -> list[MxTarget]:
    resolver = MxResolver(server.nameservers, timeout=2.0, **options)  # type: ignore[arg-type]
    return asyncio.run(resolver.resolve(domain))


def uncached(server: DnsServer) -> MxResolver:
    return MxResolver(server.nameservers, timeout=2.0, cache_size=0)


def test_mx_hosts_come_in_preference_order_with_their_ipv4_then_ipv6_addresses(
    dns_server: DnsServer,
) -> None:
    dns_server.add_mx("example.test", "backup.example.test", preference=20)
    dns_server.add_mx("example.test", "primary.example.test", preference=10)
    dns_server.add_host("primary.example.test", "::1", "127.0.0.2")
    dns_server.add_host("backup.example.test", "127.0.0.3")

    assert resolve(dns_server, "example.test") == [
        MxTarget("primary.example.test", 10, ("127.0.0.2", "::1")),
        MxTarget("backup.example.test", 20, ("127.0.0.3",)),
    ]


def test_equal_preferences_are_shuffled_but_never_outrank_better_ones(
    dns_server: DnsServer,
) -> None:
    dns_server.add_mx("example.test", "first.example.test", preference=5)
    for name in ("a", "b", "c"):
        dns_server.add_mx("example.test", f"{name}.example.test", preference=10)
        dns_server.add_host(f"{name}.example.test", "127.0.0.2")
    dns_server.add_host("first.example.test", "127.0.0.2")

    orders = set()
    for seed in range(20):
        targets = resolve(dns_server, "example.test", rng=random.Random(seed))
        assert targets[0].host == "first.example.test"
        orders.add(tuple(target.host for target in targets[1:]))
    assert len(orders) > 1
    assert all(sorted(order) == [f"{n}.example.test" for n in "abc"] for order in orders)


def test_a_null_mx_is_a_permanent_failure(dns_server: DnsServer) -> None:
    dns_server.add_mx("nomail.test", ".", preference=0)

    with pytest.raises(PermanentMxError) as raised:
        resolve(dns_server, "nomail.test")
    assert str(raised.value.reply) == "556 5.1.10 Recipient address has null MX (nomail.test)"


def test_a_null_mx_beside_real_ones_is_ignored(dns_server: DnsServer) -> None:
    dns_server.add_mx("odd.test", ".", preference=0)
    dns_server.add_mx("odd.test", "mx.odd.test", preference=10)
    dns_server.add_host("mx.odd.test", "127.0.0.2")

    assert [t.host for t in resolve(dns_server, "odd.test")] == ["mx.odd.test"]


def test_no_mx_falls_back_to_the_domains_own_addresses(dns_server: DnsServer) -> None:
    dns_server.add_host("plain.test", "127.0.0.4", "::1")
    dns_server.add("plain.test", "TXT", '"v=spf1 -all"')

    assert resolve(dns_server, "plain.test") == [
        MxTarget("plain.test", 0, ("127.0.0.4", "::1"), implicit=True)
    ]


def test_no_mx_and_no_address_is_a_permanent_failure(dns_server: DnsServer) -> None:
    dns_server.add("textonly.test", "TXT", '"hello"')

    with pytest.raises(PermanentMxError) as raised:
        resolve(dns_server, "textonly.test")
    assert str(raised.value.reply) == "550 5.4.4 Invalid domain"


def test_nxdomain_is_a_permanent_failure(dns_server: DnsServer) -> None:
    with pytest.raises(PermanentMxError) as raised:
        resolve(dns_server, "does-not-exist.test")
    assert raised.value.reason == "NXDOMAIN"
    assert str(raised.value.reply) == "550 5.4.4 Invalid domain"


def test_servfail_is_a_transient_failure(dns_server: DnsServer) -> None:
    dns_server.add_mx("broken.test", "mx.broken.test")
    dns_server.fail("broken.test", "SERVFAIL")

    with pytest.raises(TransientMxError) as raised:
        resolve(dns_server, "broken.test")
    assert str(raised.value.reply) == "421 4.4.0 Unable to lookup DNS for broken.test"


def test_a_silent_name_server_is_a_transient_failure_after_the_timeout(
    dns_server: DnsServer,
) -> None:
    dns_server.fail("slow.test", "TIMEOUT")
    resolver = MxResolver(dns_server.nameservers, timeout=0.3, cache_size=0)

    started = time.monotonic()
    with pytest.raises(TransientMxError, match="timed out"):
        asyncio.run(resolver.resolve("slow.test"))
    assert time.monotonic() - started < 2.0


def test_an_mx_host_whose_address_lookup_fails_is_transient_if_it_is_the_only_one(
    dns_server: DnsServer,
) -> None:
    dns_server.add_mx("flaky.test", "mx.flaky.test")
    dns_server.add_host("mx.flaky.test", "127.0.0.2")
    dns_server.fail("mx.flaky.test", "SERVFAIL", rdtype="A")
    dns_server.fail("mx.flaky.test", "SERVFAIL", rdtype="AAAA")

    with pytest.raises(TransientMxError):
        resolve(dns_server, "flaky.test")


def test_mx_hosts_without_addresses_are_skipped(dns_server: DnsServer) -> None:
    dns_server.add_mx("partial.test", "ghost.partial.test", preference=1)
    dns_server.add_mx("partial.test", "real.partial.test", preference=2)
    dns_server.add_host("real.partial.test", "127.0.0.2")

    assert [t.host for t in resolve(dns_server, "partial.test")] == ["real.partial.test"]


def test_mx_hosts_none_of_which_has_an_address_are_a_permanent_failure(
    dns_server: DnsServer,
) -> None:
    dns_server.add_mx("hollow.test", "ghost.hollow.test")

    with pytest.raises(PermanentMxError, match="no MX host has an address"):
        resolve(dns_server, "hollow.test")


def test_cname_chains_are_followed(dns_server: DnsServer) -> None:
    dns_server.add("mail.test", "CNAME", "alias.mail.test")
    dns_server.add_mx("alias.mail.test", "mx.mail.test")
    dns_server.add("mx.mail.test", "CNAME", "hop1.mail.test")
    dns_server.add("hop1.mail.test", "CNAME", "final.mail.test")
    dns_server.add_host("final.mail.test", "127.0.0.5")

    assert resolve(dns_server, "mail.test") == [MxTarget("mx.mail.test", 10, ("127.0.0.5",))]


def test_records_can_change_while_a_test_runs(dns_server: DnsServer) -> None:
    resolver = uncached(dns_server)
    with pytest.raises(PermanentMxError):
        asyncio.run(resolver.resolve("late.test"))

    dns_server.add_mx("late.test", "mx.late.test")
    dns_server.add_host("mx.late.test", "127.0.0.2")
    assert asyncio.run(resolver.resolve("late.test"))[0].addresses == ("127.0.0.2",)

    dns_server.remove("mx.late.test", "A", "127.0.0.2")
    dns_server.add_host("mx.late.test", "127.0.0.3")
    assert asyncio.run(resolver.resolve("late.test"))[0].addresses == ("127.0.0.3",)

    dns_server.remove("late.test")
    dns_server.remove("mx.late.test")
    with pytest.raises(PermanentMxError, match="NXDOMAIN"):
        asyncio.run(resolver.resolve("late.test"))


def test_the_cache_keeps_answers_for_their_ttl_only(dns_server: DnsServer) -> None:
    dns_server.add("kept.test", "MX", "10 mx.kept.test", ttl=300)
    dns_server.add("mx.kept.test", "A", "127.0.0.2", ttl=300)
    dns_server.add("brief.test", "MX", "10 mx.brief.test", ttl=0)
    dns_server.add("mx.brief.test", "A", "127.0.0.2", ttl=0)
    resolver = MxResolver(dns_server.nameservers, timeout=2.0)

    async def twice() -> tuple[list[MxTarget], list[MxTarget]]:
        kept, brief = await resolver.resolve("kept.test"), await resolver.resolve("brief.test")
        dns_server.remove("mx.kept.test", "A")
        dns_server.remove("mx.brief.test", "A")
        return kept, brief

    asyncio.run(twice())
    assert asyncio.run(resolver.resolve("kept.test"))[0].addresses == ("127.0.0.2",)
    with pytest.raises(PermanentMxError):
        asyncio.run(resolver.resolve("brief.test"))
    with pytest.raises(PermanentMxError):
        asyncio.run(uncached(dns_server).resolve("kept.test"))


def test_truncated_udp_answers_are_retried_over_tcp(dns_server: DnsServer) -> None:
    dns_server.add_mx("big.test", "mx.big.test")
    dns_server.add_host("mx.big.test", "127.0.0.2")
    dns_server.truncate_udp = True

    assert resolve(dns_server, "big.test", cache_size=0)[0].host == "mx.big.test"
    transports = {(q.name, q.rdtype, q.transport) for q in dns_server.queries}
    assert ("big.test.", "MX", "tcp") in transports


def test_internationalized_domains_are_looked_up_in_their_ascii_form(
    dns_server: DnsServer,
) -> None:
    dns_server.add_mx("xn--bcher-kva.test", "mx.xn--bcher-kva.test")
    dns_server.add_host("mx.xn--bcher-kva.test", "127.0.0.2")

    assert resolve(dns_server, "bücher.test")[0].host == "mx.xn--bcher-kva.test"


@pytest.mark.parametrize("domain", ["", ".", "a..b"])
def test_a_domain_that_is_no_domain_is_a_permanent_failure(
    dns_server: DnsServer, domain: str
) -> None:
    with pytest.raises(PermanentMxError, match="not a valid domain"):
        resolve(dns_server, domain)


def test_the_dns_fixture_serves_txt_and_refuses_on_demand(dns_server: DnsServer) -> None:
    resolver = dns.asyncresolver.Resolver(configure=False)
    resolver.nameservers = [dns.nameserver.Do53Nameserver(*dns_server.nameservers[0])]
    resolver.lifetime = 2.0
    dns_server.add("_dmarc.example.test", "TXT", '"v=DMARC1; p=none"')

    answer = asyncio.run(resolver.resolve("_dmarc.example.test", "TXT"))
    assert [record.to_text() for record in answer] == ['"v=DMARC1; p=none"']

    dns_server.fail("_dmarc.example.test", "REFUSED")
    with pytest.raises(dns.resolver.NoNameservers):
        asyncio.run(resolver.resolve("_dmarc.example.test", "TXT"))
    dns_server.heal("_dmarc.example.test")
    assert asyncio.run(resolver.resolve("_dmarc.example.test", "TXT"))
