"""The identity verifier against a real DNS server on loopback, with a clock moved by hand.

Identities are made the way the API makes them (``IdentityService``); the
customer's DNS zone is a ``DnsServer`` whose records the tests add and remove;
72 hours pass by moving the clock.
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import datetime as dt
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from openses.domain.identities import (
    DkimOrigin,
    Identity,
    VerificationStatus,
    dkim_record_name,
    easy_dkim_target,
)
from openses.mail.dkim_keys import generate_key, load_private_key, private_key_pem, public_key_txt
from openses.mail.dns_records import RecordResolver
from openses.services.identities import IdentityService
from openses.services.scope import Scope
from openses.services.verification import IdentityVerifier, RecordTargets
from openses.storage.engine import Database, create_engine
from openses.storage.migrate import migrate
from openses.storage.repositories import dkim_keys as dkim_keys_repo
from openses.storage.repositories import dkim_published_keys as published_repo
from openses.storage.repositories import identities as identities_repo
from openses.storage.repositories import verification as queue_repo
from openses.storage.repositories.maintenance import delete_all_rows
from tests.fixtures.dns_server import DnsServer
from tests.storage.conftest import database_url, postgres_database_url  # noqa: F401

SCOPE = Scope("111122223333", "us-east-1")
DKIM_DOMAIN = "openses.test"
MAIL_FROM_MX = "feedback-smtp.openses.test"
START = dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)


class HandClock:
    def __init__(self, now: dt.datetime) -> None:
        self.current = now

    def now(self) -> dt.datetime:
        return self.current

    def advance(self, by: dt.timedelta) -> None:
        self.current += by


@dataclass
class World:
    database: Database
    clock: HandClock
    dns: DnsServer
    identities: IdentityService
    verifier: IdentityVerifier

    async def check(self, name: str, after: dt.timedelta = dt.timedelta(0)) -> Identity:
        """Move the clock by ``after``, run one verifier pass, return the identity."""
        self.clock.advance(after)
        await self.verifier.check_due()
        return await self.identities.get(SCOPE, name)

    async def save(self, identity: Identity) -> None:
        async with self.database.transaction() as conn:
            assert await identities_repo.save_identity(conn, identity)


Scenario = Callable[[World], Awaitable[None]]


@pytest.fixture
def dns() -> Iterator[DnsServer]:
    with DnsServer() as server:
        yield server


def run(dns: DnsServer, scenario: Scenario, url: str) -> None:
    async def main() -> None:
        database = Database(create_engine(url))
        try:
            await migrate(database)
            async with database.transaction() as conn:
                await delete_all_rows(conn)
            clock = HandClock(START)
            verifier = IdentityVerifier(
                database,
                clock,
                RecordResolver(dns.nameservers, timeout=2.0),
                RecordTargets(dkim_domain=DKIM_DOMAIN, mail_from_mx=MAIL_FROM_MX),
            )
            identities = IdentityService(database, clock, verify_at_once=False)
            await scenario(World(database, clock, dns, identities, verifier))
        finally:
            await database.dispose()

    asyncio.run(main())


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'openses.db'}"


def _txt(value: str) -> str:
    """A TXT value in zone-file syntax, split into strings of at most 255 characters."""
    return " ".join(f'"{value[i : i + 255]}"' for i in range(0, len(value), 255))


# --- v1 domain verification: the TXT token ----------------------------------------------


def test_a_published_token_verifies_the_domain(dns: DnsServer, sqlite_url: str) -> None:
    async def scenario(world: World) -> None:
        identity = await world.identities.verify_domain(SCOPE, "Example.TEST")
        assert identity.verification_status is VerificationStatus.PENDING
        assert identity.next_check_at == START  # checked at once
        dns.add("_amazonses.example.test", "TXT", _txt("someone-else's-token"))
        dns.add("_amazonses.example.test", "TXT", _txt(identity.verification_token or ""))

        checked = await world.check("example.test")

        assert checked.verification_status is VerificationStatus.SUCCESS
        assert checked.last_checked_at == checked.last_success_at == START
        assert checked.verification_error is None
        assert checked.verification_started_at is None
        assert checked.check_failures == 0
        assert checked.next_check_at == START + 4 * HOUR  # verified: watched every 4 hours

    run(dns, scenario, sqlite_url)


def test_the_token_may_sit_at_the_domain_itself(dns: DnsServer, sqlite_url: str) -> None:
    """For DNS providers that refuse underscores (Guide, "Common domain verification problems")."""

    async def scenario(world: World) -> None:
        identity = await world.identities.verify_domain(SCOPE, "apex.test")
        dns.add("apex.test", "TXT", _txt(identity.verification_token or ""))
        checked = await world.check("apex.test")
        assert checked.verification_status is VerificationStatus.SUCCESS

    run(dns, scenario, sqlite_url)


def test_the_token_must_match_exactly(dns: DnsServer, sqlite_url: str) -> None:
    """ "SES only verifies your domain when ... the value exactly matches" (case included)."""

    async def scenario(world: World) -> None:
        identity = await world.identities.verify_domain(SCOPE, "lower.test")
        dns.add("_amazonses.lower.test", "TXT", _txt((identity.verification_token or "").lower()))
        checked = await world.check("lower.test")
        assert checked.verification_status is VerificationStatus.PENDING
        assert checked.verification_error == "INVALID_VALUE"

    run(dns, scenario, sqlite_url)


def test_a_missing_token_stays_pending_with_backoff_then_fails_after_72_hours(
    dns: DnsServer, sqlite_url: str
) -> None:
    async def scenario(world: World) -> None:
        await world.identities.verify_domain(SCOPE, "missing.test")

        first = await world.check("missing.test")
        assert first.verification_status is VerificationStatus.PENDING
        assert first.verification_error == "HOST_NOT_FOUND"
        assert first.last_checked_at == START
        assert first.last_success_at is None
        # Looked for again after 1, 5 and 15 minutes, then every hour.
        delays = [first.next_check_at - START if first.next_check_at else None]
        for _ in range(4):
            current = await world.identities.get(SCOPE, "missing.test")
            assert current.next_check_at is not None
            world.clock.current = current.next_check_at
            checked = await world.check("missing.test")
            assert checked.next_check_at is not None
            delays.append(checked.next_check_at - world.clock.current)
        minute = dt.timedelta(minutes=1)
        assert delays == [minute, 5 * minute, 15 * minute, HOUR, HOUR]

        dns.add("missing.test", "A", "192.0.2.1")  # the name exists now, without the TXT
        assert (await world.check("missing.test", HOUR)).verification_error == "HOST_NOT_FOUND"
        dns.add("_amazonses.missing.test", "A", "192.0.2.1")
        nodata = await world.check("missing.test", HOUR)
        assert nodata.verification_error == "TYPE_NOT_FOUND"
        assert nodata.verification_status is VerificationStatus.PENDING

        world.clock.current = START + 72 * HOUR
        failed = await world.check("missing.test")
        assert failed.verification_status is VerificationStatus.FAILED
        assert failed.next_check_at is None  # no more checks until the customer retries

        # A token published too late changes nothing: nothing checks any more.
        dns.add("_amazonses.missing.test", "TXT", _txt(failed.verification_token or ""))
        assert await world.verifier.check_due() == 0
        assert (await world.check("missing.test", 24 * HOUR)).verification_status is (
            VerificationStatus.FAILED
        )

        # VerifyDomainIdentity again restarts the 72 hours, with the same token.
        restarted = await world.identities.verify_domain(SCOPE, "missing.test")
        assert restarted.verification_status is VerificationStatus.PENDING
        assert restarted.verification_token == failed.verification_token
        verified = await world.check("missing.test")
        assert verified.verification_status is VerificationStatus.SUCCESS

    run(dns, scenario, sqlite_url)


def test_a_dns_server_failure_is_a_temporary_failure(dns: DnsServer, sqlite_url: str) -> None:
    async def scenario(world: World) -> None:
        identity = await world.identities.verify_domain(SCOPE, "flaky.test")
        dns.fail("_amazonses.flaky.test", "SERVFAIL")

        failing = await world.check("flaky.test")
        assert failing.verification_status is VerificationStatus.TEMPORARY_FAILURE
        assert failing.verification_error == "DNS_SERVER_ERROR"

        dns.heal("_amazonses.flaky.test")
        dns.add("_amazonses.flaky.test", "TXT", _txt(identity.verification_token or ""))
        healed = await world.check("flaky.test", HOUR)
        assert healed.verification_status is VerificationStatus.SUCCESS

    run(dns, scenario, sqlite_url)


def test_a_timeout_is_a_temporary_failure_too(dns: DnsServer, sqlite_url: str) -> None:
    async def scenario(world: World) -> None:
        await world.identities.verify_domain(SCOPE, "silent.test")
        dns.fail("_amazonses.silent.test", "TIMEOUT")
        checked = await world.check("silent.test")
        assert checked.verification_status is VerificationStatus.TEMPORARY_FAILURE
        assert checked.verification_error == "DNS_SERVER_ERROR"

    run(dns, scenario, sqlite_url)


def test_a_removed_record_is_noticed_and_fails_72_hours_later(
    dns: DnsServer, sqlite_url: str
) -> None:
    async def scenario(world: World) -> None:
        identity = await world.identities.verify_domain(SCOPE, "gone.test")
        token = _txt(identity.verification_token or "")
        dns.add("_amazonses.gone.test", "TXT", token)
        assert (await world.check("gone.test")).verification_status is VerificationStatus.SUCCESS

        dns.remove("_amazonses.gone.test")
        noticed = await world.check("gone.test", 4 * HOUR)
        # Still verified while the customer has time to put the record back...
        assert noticed.verification_status is VerificationStatus.SUCCESS
        assert noticed.verification_error == "HOST_NOT_FOUND"
        assert noticed.last_checked_at == START + 4 * HOUR
        assert noticed.last_success_at == START
        assert noticed.next_check_at == world.clock.current + dt.timedelta(minutes=1)

        # ... and if it comes back in time, nothing happened.
        dns.add("_amazonses.gone.test", "TXT", token)
        back = await world.check("gone.test", 10 * HOUR)
        assert back.verification_status is VerificationStatus.SUCCESS
        assert back.verification_error is None
        assert back.check_failures == 0

        # Gone again, for good: 72 hours after it was first missed, the domain fails.
        dns.remove("_amazonses.gone.test")
        missed_at = world.clock.current + 4 * HOUR
        assert (await world.check("gone.test", 4 * HOUR)).verification_status is (
            VerificationStatus.SUCCESS
        )
        world.clock.current = missed_at + 71 * HOUR
        assert (await world.check("gone.test")).verification_status is VerificationStatus.SUCCESS
        world.clock.current = missed_at + 72 * HOUR
        failed = await world.check("gone.test")
        assert failed.verification_status is VerificationStatus.FAILED
        assert failed.next_check_at is None

    run(dns, scenario, sqlite_url)


# --- Easy DKIM -----------------------------------------------------------------------------


async def _easy_dkim_domain(world: World, name: str) -> Identity:
    identity = await world.identities.create_email_identity(SCOPE, name)
    assert len(identity.dkim_tokens) == 3
    assert identity.dkim_status is VerificationStatus.PENDING
    return identity


def _publish_cnames(dns: DnsServer, identity: Identity, tokens: tuple[str, ...]) -> None:
    for token in tokens:
        dns.add(
            dkim_record_name(token, identity.name),
            "CNAME",
            easy_dkim_target(token, DKIM_DOMAIN).upper() + ".",  # case and dot do not matter
        )


def test_easy_dkim_needs_all_three_cnames(dns: DnsServer, sqlite_url: str) -> None:
    async def scenario(world: World) -> None:
        identity = await _easy_dkim_domain(world, "dkim.example.test")
        _publish_cnames(dns, identity, identity.dkim_tokens[:2])

        two = await world.check(identity.name)
        assert two.dkim_status is VerificationStatus.PENDING
        assert two.verification_status is VerificationStatus.PENDING
        assert two.verification_error == "HOST_NOT_FOUND"

        _publish_cnames(dns, identity, identity.dkim_tokens[2:])
        three = await world.check(identity.name, HOUR)
        assert three.dkim_status is VerificationStatus.SUCCESS
        assert three.verification_status is VerificationStatus.SUCCESS  # v2: verified by DKIM
        assert three.is_verified
        assert three.verification_error is None
        assert three.last_success_at == START + HOUR

    run(dns, scenario, sqlite_url)


def test_a_cname_to_the_wrong_place_is_an_invalid_value(dns: DnsServer, sqlite_url: str) -> None:
    async def scenario(world: World) -> None:
        identity = await _easy_dkim_domain(world, "wrong.example.test")
        _publish_cnames(dns, identity, identity.dkim_tokens[1:])
        first = identity.dkim_tokens[0]
        dns.add(dkim_record_name(first, identity.name), "CNAME", f"{first}.dkim.amazonses.com")

        checked = await world.check(identity.name)
        assert checked.dkim_status is VerificationStatus.PENDING
        assert checked.verification_error == "INVALID_VALUE"

    run(dns, scenario, sqlite_url)


def test_easy_dkim_keys_published_directly_as_txt_records(dns: DnsServer, sqlite_url: str) -> None:
    """Operators who cannot delegate the DKIM zone publish the keys themselves."""

    async def scenario(world: World) -> None:
        identity = await _easy_dkim_domain(world, "direct.example.test")
        async with world.database.read() as conn:
            keys = [
                await published_repo.lookup_public_key(conn, token)
                for token in identity.dkim_tokens
            ]
        for token, key in zip(identity.dkim_tokens, keys, strict=True):
            assert key is not None
            record = f"v=DKIM1; k=rsa; p={key.public_key}"
            dns.add(dkim_record_name(token, identity.name), "TXT", _txt(record))

        checked = await world.check(identity.name)
        assert checked.dkim_status is VerificationStatus.SUCCESS

        # A key that is not the one openses serves does not count.
        other = public_key_txt(generate_key("rsa", 1024))
        name = dkim_record_name(identity.dkim_tokens[1], identity.name)
        dns.remove(name)
        dns.add(name, "TXT", _txt(other))
        identity = await world.identities.get(SCOPE, identity.name)
        await world.save(dataclasses.replace(identity, dkim_status=VerificationStatus.PENDING))
        world.clock.current = identity.next_check_at or world.clock.current
        again = await world.check(identity.name)
        assert again.dkim_status is VerificationStatus.PENDING
        assert again.verification_error == "INVALID_VALUE"

    run(dns, scenario, sqlite_url)


def test_dkim_that_never_appears_fails_after_72_hours(dns: DnsServer, sqlite_url: str) -> None:
    async def scenario(world: World) -> None:
        identity = await _easy_dkim_domain(world, "never.example.test")
        pending = await world.check(identity.name)
        assert pending.dkim_status is VerificationStatus.PENDING
        world.clock.current = START + 72 * HOUR
        failed = await world.check(identity.name)
        assert failed.dkim_status is VerificationStatus.FAILED
        assert failed.verification_status is VerificationStatus.FAILED
        assert failed.next_check_at is None

    run(dns, scenario, sqlite_url)


def test_removed_dkim_records_are_noticed_and_revoked_after_72_hours(
    dns: DnsServer, sqlite_url: str
) -> None:
    async def scenario(world: World) -> None:
        identity = await _easy_dkim_domain(world, "revoked.example.test")
        _publish_cnames(dns, identity, identity.dkim_tokens)
        assert (await world.check(identity.name)).dkim_status is VerificationStatus.SUCCESS

        dns.remove(dkim_record_name(identity.dkim_tokens[1], identity.name))
        grace = await world.check(identity.name, 4 * HOUR)
        assert grace.dkim_status is VerificationStatus.SUCCESS  # mail is still signed
        assert grace.verification_error == "HOST_NOT_FOUND"

        world.clock.current = START + 4 * HOUR + 72 * HOUR
        revoked = await world.check(identity.name)
        assert revoked.dkim_status is VerificationStatus.FAILED
        assert revoked.verification_status is VerificationStatus.FAILED
        assert not revoked.is_verified

    run(dns, scenario, sqlite_url)


def test_a_v1_domain_with_dkim_is_verified_by_either(dns: DnsServer, sqlite_url: str) -> None:
    """A domain with a TXT token and DKIM tokens: DKIM alone verifies it, and keeps it verified."""

    async def scenario(world: World) -> None:
        identity = await _easy_dkim_domain(world, "both.example.test")
        identity = await world.identities.verify_domain(SCOPE, identity.name)
        assert identity.verification_token
        _publish_cnames(dns, identity, identity.dkim_tokens)
        checked = await world.check(identity.name)
        assert checked.verification_status is VerificationStatus.SUCCESS
        assert checked.verification_error is None
        # The TXT token is never published; the domain stays verified by DKIM.
        later = await world.check(identity.name, 80 * HOUR)
        assert later.verification_status is VerificationStatus.SUCCESS
        assert later.check_failures == 0
        assert later.next_check_at == world.clock.current + 4 * HOUR

    run(dns, scenario, sqlite_url)


# --- BYODKIM ---------------------------------------------------------------------------------


async def _byodkim_domain(
    world: World, name: str, selector: str, bits: int
) -> tuple[Identity, str]:
    """A domain switched to BYODKIM: the customer's key stored, its selector the one token."""
    identity = await world.identities.create_email_identity(SCOPE, name)
    pem = private_key_pem(generate_key("rsa", bits))
    customer_key = "".join(line for line in pem.splitlines() if "-----" not in line)
    async with world.database.transaction() as conn:
        await dkim_keys_repo.put_key(
            conn,
            SCOPE.account_id,
            SCOPE.region,
            dkim_keys_repo.StoredDkimKey(name, selector, pem),
            START,
        )
    switched = dataclasses.replace(
        identity,
        dkim_origin=DkimOrigin.EXTERNAL,
        dkim_tokens=(selector,),
        dkim_status=VerificationStatus.PENDING,
        dkim_verification_started_at=START,
        next_check_at=START,
    )
    await world.save(switched)
    return switched, customer_key


def test_byodkim_is_verified_by_the_txt_record_of_its_selector(
    dns: DnsServer, sqlite_url: str
) -> None:
    async def scenario(world: World) -> None:
        identity, customer_key = await _byodkim_domain(world, "byo.example.test", "sel1", 1024)
        pending = await world.check(identity.name)
        assert pending.dkim_status is VerificationStatus.PENDING
        assert pending.verification_error == "HOST_NOT_FOUND"

        # The customer publishes the public half as a bare PKCS#1 key: the same key.
        public = load_private_key(customer_key).public_key()
        from cryptography.hazmat.primitives import serialization

        pkcs1 = public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)
        record = f"v=DKIM1; k=rsa; p={base64.b64encode(pkcs1).decode()}"
        dns.add(dkim_record_name("sel1", identity.name), "TXT", _txt(record))
        checked = await world.check(identity.name, dt.timedelta(minutes=1))
        assert checked.dkim_status is VerificationStatus.SUCCESS
        assert checked.verification_status is VerificationStatus.SUCCESS

    run(dns, scenario, sqlite_url)


def test_byodkim_with_another_key_published_is_an_invalid_value(
    dns: DnsServer, sqlite_url: str
) -> None:
    async def scenario(world: World) -> None:
        identity, _key = await _byodkim_domain(world, "byo2.example.test", "s2048", 2048)
        other = public_key_txt(generate_key("rsa", 2048))
        dns.add(dkim_record_name("s2048", identity.name), "TXT", _txt(other))
        checked = await world.check(identity.name)
        assert checked.dkim_status is VerificationStatus.PENDING
        assert checked.verification_error == "INVALID_VALUE"

    run(dns, scenario, sqlite_url)


# --- Custom MAIL FROM ------------------------------------------------------------------------


async def _with_mail_from(world: World, identity: Identity, domain: str) -> Identity:
    changed = dataclasses.replace(
        identity,
        mail_from_domain=domain,
        mail_from_status=VerificationStatus.PENDING,
        next_check_at=world.clock.now(),
    )
    await world.save(changed)
    return changed


def test_mail_from_is_verified_by_one_mx_record_naming_our_host(
    dns: DnsServer, sqlite_url: str
) -> None:
    async def scenario(world: World) -> None:
        identity = await world.identities.verify_domain(SCOPE, "mf.test")
        dns.add("_amazonses.mf.test", "TXT", _txt(identity.verification_token or ""))
        verified = await world.check("mf.test")
        await _with_mail_from(world, verified, "bounce.mf.test")

        dns.add_mx("bounce.mf.test", "mx.elsewhere.test")
        wrong = await world.check("mf.test", HOUR)
        assert wrong.mail_from_status is VerificationStatus.PENDING
        assert wrong.verification_status is VerificationStatus.SUCCESS  # untouched
        assert wrong.verification_error is None  # VerificationInfo is about the identity

        dns.remove("bounce.mf.test")
        dns.add_mx("bounce.mf.test", MAIL_FROM_MX, preference=10)
        dns.add_mx("bounce.mf.test", MAIL_FROM_MX.upper(), preference=20)
        two = await world.check("mf.test", HOUR)
        assert two.mail_from_status is VerificationStatus.PENDING  # exactly one MX, says SES

        dns.remove("bounce.mf.test")
        dns.add_mx("bounce.mf.test", MAIL_FROM_MX)
        good = await world.check("mf.test", HOUR)
        assert good.mail_from_status is VerificationStatus.SUCCESS
        assert good.next_check_at == world.clock.current + 4 * HOUR

        dns.fail("bounce.mf.test", "SERVFAIL")
        flaky = await world.check("mf.test", 4 * HOUR)
        missed_at = world.clock.current
        assert flaky.mail_from_status is VerificationStatus.SUCCESS  # in its grace period
        dns.heal("bounce.mf.test")
        dns.remove("bounce.mf.test")
        world.clock.current = missed_at + 71 * HOUR
        assert (await world.check("mf.test")).mail_from_status is VerificationStatus.SUCCESS
        world.clock.current = missed_at + 72 * HOUR
        gone = await world.check("mf.test")
        assert gone.mail_from_status is VerificationStatus.FAILED
        assert gone.verification_status is VerificationStatus.SUCCESS

    run(dns, scenario, sqlite_url)


def test_mail_from_that_never_appears_fails_after_72_hours(dns: DnsServer, sqlite_url: str) -> None:
    async def scenario(world: World) -> None:
        identity = await world.identities.verify_domain(SCOPE, "mf2.test")
        dns.add("_amazonses.mf2.test", "TXT", _txt(identity.verification_token or ""))
        verified = await world.check("mf2.test", 10 * HOUR)
        set_at = world.clock.current + HOUR
        world.clock.current = set_at
        await _with_mail_from(world, verified, "bounce.mf2.test")
        dns.fail("bounce.mf2.test", "SERVFAIL")
        temporary = await world.check("mf2.test")
        assert temporary.mail_from_status is VerificationStatus.TEMPORARY_FAILURE
        dns.heal("bounce.mf2.test")
        world.clock.current = set_at + 71 * HOUR
        assert (await world.check("mf2.test")).mail_from_status is VerificationStatus.PENDING
        world.clock.current = set_at + 72 * HOUR
        failed = await world.check("mf2.test")
        assert failed.mail_from_status is VerificationStatus.FAILED
        assert failed.verification_status is VerificationStatus.SUCCESS
        assert failed.next_check_at == world.clock.current + 4 * HOUR  # the domain is watched

    run(dns, scenario, sqlite_url)


def test_addresses_are_not_checked_by_dns_but_their_mail_from_is(
    dns: DnsServer, sqlite_url: str
) -> None:
    async def scenario(world: World) -> None:
        address = await world.identities.verify_email_address(SCOPE, "someone@addr.test")
        assert address.next_check_at is None
        assert await world.verifier.check_due() == 0

        await _with_mail_from(world, address, "bounce.addr.test")
        dns.add_mx("bounce.addr.test", MAIL_FROM_MX)
        checked = await world.check("someone@addr.test")
        assert checked.mail_from_status is VerificationStatus.SUCCESS
        assert checked.verification_status is VerificationStatus.PENDING  # the link does that
        assert checked.last_checked_at is None

    run(dns, scenario, sqlite_url)


# --- Claims: several verifier processes over one database --------------------------------


def test_only_one_claimant_checks_an_identity(
    dns: DnsServer,
    database_url: str,  # noqa: F811 - the fixture imported from tests/storage
) -> None:
    async def scenario(world: World) -> None:
        await world.identities.verify_domain(SCOPE, "claimed.test")
        until = START + dt.timedelta(minutes=5)
        async with world.database.transaction() as conn:
            first = await queue_repo.claim_due(conn, START, 10, until)
        async with world.database.transaction() as conn:
            second = await queue_repo.claim_due(conn, START, 10, until)
        assert [identity.name for identity in first] == ["claimed.test"]
        assert second == []

        # The customer restarts verification while the check runs: the customer wins.
        async with world.database.transaction() as conn:
            await identities_repo.update_identity(
                conn, SCOPE.account_id, SCOPE.region, "claimed.test", next_check_at=START
            )
        result = await world.verifier.check(first[0])
        async with world.database.transaction() as conn:
            assert not await queue_repo.record_check(conn, first[0], result)
        unchanged = await world.identities.get(SCOPE, "claimed.test")
        assert unchanged.last_checked_at is None
        assert unchanged.next_check_at == START

        # Two verifiers racing over the same due identities check each once.
        for index in range(6):
            await world.identities.verify_domain(SCOPE, f"race{index}.test")
        other = IdentityVerifier(
            world.database,
            world.clock,
            RecordResolver(dns.nameservers, timeout=2.0),
            RecordTargets(dkim_domain=DKIM_DOMAIN, mail_from_mx=MAIL_FROM_MX),
            batch_size=3,
        )
        before = len(dns.queries)
        counts = await asyncio.gather(world.verifier.check_due(), other.check_due())
        assert sum(counts) == 7
        asked = [q.name for q in dns.queries[before:] if q.name.startswith("_amazonses.")]
        assert len(asked) == len(set(asked)) == 7
        for index in range(6):
            checked = await world.identities.get(SCOPE, f"race{index}.test")
            assert checked.last_checked_at == START

    run(dns, scenario, database_url)


def test_one_broken_identity_does_not_stop_the_others(
    dns: DnsServer, sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    async def scenario(world: World) -> None:
        broken, _key = await _byodkim_domain(world, "broken.example.test", "sel", 1024)
        async with world.database.transaction() as conn:  # a stored key that cannot be read
            await dkim_keys_repo.put_key(
                conn,
                SCOPE.account_id,
                SCOPE.region,
                dkim_keys_repo.StoredDkimKey(broken.name, "sel", "not a key"),
                START,
            )
        healthy = await world.identities.verify_domain(SCOPE, "healthy.test")
        dns.add("_amazonses.healthy.test", "TXT", _txt(healthy.verification_token or ""))

        assert await world.verifier.check_due() == 2
        assert (await world.identities.get(SCOPE, "healthy.test")).is_verified
        left = await world.identities.get(SCOPE, broken.name)
        assert left.dkim_status is VerificationStatus.PENDING
        assert left.next_check_at == START + dt.timedelta(minutes=5)  # retried when its claim ends
        assert "verifying identity broken.example.test failed" in caplog.text

    run(dns, scenario, sqlite_url)
