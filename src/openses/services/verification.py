"""The identity verifier: looks up the DNS records that verify identities, moves their statuses.

What is looked for (Developer Guide, "Verified identities", and the BYODKIM
announcement, seed 002):

* a domain's v1 token: a TXT record at ``_amazonses.<domain>`` whose value is
  exactly the token; or, for DNS providers that refuse underscores, the same TXT
  value at the domain itself (Guide, "Common domain verification problems");
* Easy DKIM: for each of the three tokens, ``<token>._domainkey.<domain>`` is a
  CNAME to ``<token>.dkim.<OPENSES_DKIM_DOMAIN>``; or, for operators who cannot
  delegate that zone, a TXT record there publishing the key openses serves under
  that token. All three found: DKIM ``SUCCESS``;
* BYODKIM: a TXT record at ``<selector>._domainkey.<domain>`` publishing the public
  half of the customer's private key;
* a custom MAIL FROM domain: exactly one MX record, naming ``OPENSES_MAIL_FROM_MX``
  (SES's status follows the MX record; the SPF record is recommended, not checked).

A domain is verified (``Success``) when its TXT token is found or its DKIM is
``SUCCESS`` (SES v2 verifies domains through DKIM). Statuses move as
``openses.domain.verification`` describes; the identity's ``VerificationInfo``
(last checked, last success, error type) records what the checks of the TXT
token and DKIM saw. E-mail addresses are verified by link, not here; only their
MAIL FROM domain is.

Bookkeeping shared between settings, for want of more columns:
``verification_started_at`` is when the identity's own records started being
searched for (cleared when found). A MAIL FROM domain's search uses it too when
the identity is not searching; a MAIL FROM set on an identity that is itself
still being verified shares that identity's 72 hours.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from openses.domain.clock import Clock
from openses.domain.identities import (
    DkimOrigin,
    Identity,
    IdentityType,
    VerificationStatus,
    dkim_record_name,
    domain_verification_record,
    easy_dkim_target,
)
from openses.domain.verification import (
    FOUND,
    CheckResult,
    Progress,
    VerificationError,
    combine,
    next_check,
    overall_status,
)
from openses.mail.dkim_records import public_key_of_private_pem, publishes_key, spki_der
from openses.mail.dns_records import Outcome, RecordLookup, RecordResolver, same_host
from openses.storage.engine import Database
from openses.storage.repositories import dkim_keys as dkim_keys_repo
from openses.storage.repositories import dkim_published_keys as published_repo
from openses.storage.repositories import verification as queue_repo

logger = logging.getLogger("openses.verifier")

# A claimed identity whose check never finishes (the process died) is retried after this.
CLAIM_FOR = dt.timedelta(minutes=5)

_MISSING = {
    Outcome.NO_SUCH_NAME: CheckResult(VerificationError.HOST_NOT_FOUND),
    Outcome.NO_RECORDS: CheckResult(VerificationError.TYPE_NOT_FOUND),
    Outcome.SERVER_FAILURE: CheckResult(VerificationError.DNS_SERVER_ERROR),
}
_INVALID = CheckResult(VerificationError.INVALID_VALUE)
_SERVICE_ERROR = CheckResult(VerificationError.SERVICE_ERROR)


@dataclass(frozen=True, slots=True)
class RecordTargets:
    """What published records must point at: this server's DKIM zone and MAIL FROM MX host."""

    dkim_domain: str
    mail_from_mx: str


def _missing(lookup: RecordLookup) -> CheckResult:
    return _MISSING[lookup.outcome]


class RecordChecks:
    """The DNS checks of one identity's records; each answers a ``CheckResult``."""

    def __init__(
        self, database: Database, resolver: RecordResolver, targets: RecordTargets
    ) -> None:
        self._db = database
        self._resolver = resolver
        self._targets = targets

    async def domain_token(self, identity: Identity) -> CheckResult:
        """v1 domain verification: the token as a TXT value at ``_amazonses.<domain>``."""
        token = identity.verification_token or ""
        primary = await self._txt_value(domain_verification_record(identity.name), token)
        if primary.found or primary.temporary:
            return primary
        # Providers that refuse underscores: the Guide lets the record sit at the domain.
        apex = await self._txt_value(identity.name, token)
        return apex if apex.found or apex.temporary else primary

    async def _txt_value(self, name: str, expected: str) -> CheckResult:
        lookup = await self._resolver.txt(name)
        if not lookup.found:
            return _missing(lookup)
        # "SES only verifies your domain when ... the value exactly matches" (case too).
        return FOUND if any(text.strip() == expected for text in lookup.values) else _INVALID

    async def dkim(self, identity: Identity) -> CheckResult:
        if identity.dkim_origin is DkimOrigin.EXTERNAL:
            return await self._byodkim(identity)
        results = await asyncio.gather(
            *(self._easy_dkim_token(identity, token) for token in identity.dkim_tokens)
        )
        return combine(list(results))

    async def _easy_dkim_token(self, identity: Identity, token: str) -> CheckResult:
        name = dkim_record_name(token, identity.name)
        cname = await self._resolver.cname(name)
        if cname.found:
            target = easy_dkim_target(token, self._targets.dkim_domain)
            return FOUND if any(same_host(value, target) for value in cname.values) else _INVALID
        if cname.outcome is not Outcome.NO_RECORDS:
            return _missing(cname)  # no such name, or the lookup failed
        # No CNAME but something else there: perhaps the key itself, published directly.
        expected = await self._easy_dkim_key(identity, token)
        if expected is None:
            return _INVALID
        return await self._key_record(name, expected)

    async def _easy_dkim_key(self, identity: Identity, token: str) -> bytes | None:
        """The public key openses serves under ``token`` (DER SPKI), if it serves one."""
        async with self._db.read() as conn:
            published = await published_repo.lookup_public_key(conn, token)
            if published is not None and published.domain == identity.name:
                return spki_der(published.public_key)
            stored = await dkim_keys_repo.get_key(
                conn, identity.account_id, identity.region, identity.name
            )
        if stored is not None and stored.selector == token:
            return public_key_of_private_pem(stored.private_key_pem)
        return None

    async def _byodkim(self, identity: Identity) -> CheckResult:
        async with self._db.read() as conn:
            stored = await dkim_keys_repo.get_key(
                conn, identity.account_id, identity.region, identity.name
            )
        if stored is None or not identity.dkim_tokens:
            logger.warning("BYODKIM identity %s has no stored key to verify", identity.name)
            return _SERVICE_ERROR
        expected = public_key_of_private_pem(stored.private_key_pem)
        name = dkim_record_name(identity.dkim_tokens[0], identity.name)
        return await self._key_record(name, expected)

    async def _key_record(self, name: str, expected_spki_der: bytes) -> CheckResult:
        lookup = await self._resolver.txt(name)
        if not lookup.found:
            return _missing(lookup)
        published = any(publishes_key(text, expected_spki_der) for text in lookup.values)
        return FOUND if published else _INVALID

    async def mail_from(self, identity: Identity) -> CheckResult:
        """Exactly one MX record at the MAIL FROM domain, naming our feedback host (Guide)."""
        lookup = await self._resolver.mx(identity.mail_from_domain or "")
        if not lookup.found:
            return _missing(lookup)
        if len(lookup.mx) == 1 and same_host(lookup.mx[0].host, self._targets.mail_from_mx):
            return FOUND
        return _INVALID


@dataclass(frozen=True, slots=True)
class _Round:
    """What one round of checks saw of an identity's records (``None``: not checked)."""

    identity: Identity
    now: dt.datetime
    txt: CheckResult | None = None
    dkim: CheckResult | None = None
    mail_from: CheckResult | None = None


def _checks_domain_token(identity: Identity) -> bool:
    return (
        identity.identity_type is IdentityType.DOMAIN
        and bool(identity.verification_token)
        and identity.verification_status is not VerificationStatus.FAILED
    )


def _checks_dkim(identity: Identity) -> bool:
    return (
        identity.identity_type is IdentityType.DOMAIN
        and bool(identity.dkim_tokens)
        and Progress(identity.dkim_status).active
    )


def _checks_mail_from(identity: Identity) -> bool:
    return (
        identity.mail_from_domain is not None
        and identity.mail_from_status is not None
        and Progress(identity.mail_from_status).active
    )


def outcome_of(checks: _Round) -> Identity:
    """The identity after a round of checks: statuses, searches, VerificationInfo, schedule."""
    identity, now = checks.identity, checks.now
    # Each running search with what this round saw of it: they decide the schedule.
    searches: list[tuple[Progress, CheckResult]] = []
    dkim = Progress(identity.dkim_status, identity.dkim_verification_started_at)
    if checks.dkim is not None:
        dkim = dkim.advance(checks.dkim, now)
        searches.append((dkim, checks.dkim))
    own_found = any(r is not None and r.found for r in (checks.txt, checks.dkim))
    if dkim.status is VerificationStatus.SUCCESS:
        # Verified through DKIM; the TXT token decides nothing (but counts as a success).
        status = VerificationStatus.SUCCESS
        # The identity's records are missing when DKIM's are, and since the same time.
        identity_since = None if own_found else dkim.searching_since
    elif checks.txt is not None:
        txt = Progress(identity.verification_status, identity.verification_started_at)
        txt = txt.advance(checks.txt, now)
        searches.append((txt, checks.txt))
        statuses = [txt.status]
        if identity.dkim_status is not VerificationStatus.NOT_STARTED and identity.dkim_tokens:
            statuses.append(dkim.status)
        status = overall_status(statuses) or identity.verification_status
        identity_since = txt.searching_since
    else:
        status = identity.verification_status
        if identity.identity_type is IdentityType.DOMAIN and identity.dkim_tokens:
            status = overall_status([dkim.status]) or status
        identity_since = identity.verification_started_at if identity.verification_token else None

    mail_from: Progress | None = None
    if checks.mail_from is not None and identity.mail_from_status is not None:
        mail_from = Progress(identity.mail_from_status, identity.mail_from_started_at).advance(
            checks.mail_from, now
        )
        searches.append((mail_from, checks.mail_from))

    watched = [progress for progress, _result in searches if progress.active]
    missed = any(progress.active and not result.found for progress, result in searches)
    failures = identity.check_failures + 1 if missed else 0
    deadlines = [deadline for p in watched if (deadline := p.deadline) is not None]

    own = [r for r in (checks.dkim, checks.txt) if r is not None]
    error = identity.verification_error  # nothing of the identity's own checked: unchanged
    if own:
        reason = None if own_found else next((r.error for r in own if not r.found), None)
        error = reason.value if reason is not None else None
    mail_from_since = mail_from.searching_since if mail_from else None
    return dataclasses.replace(
        identity,
        verification_status=status,
        verification_started_at=identity_since,
        mail_from_started_at=mail_from_since if mail_from else identity.mail_from_started_at,
        dkim_status=dkim.status,
        dkim_verification_started_at=dkim.searching_since,
        mail_from_status=mail_from.status if mail_from else identity.mail_from_status,
        last_checked_at=now if own else identity.last_checked_at,
        last_success_at=now if own_found else identity.last_success_at,
        verification_error=error,
        check_failures=failures if watched else 0,
        next_check_at=next_check(now, failures, deadlines) if watched else None,
    )


class IdentityVerifier:
    """Checks the identities due for a DNS check (``check_due``), a batch at a time."""

    def __init__(
        self,
        database: Database,
        clock: Clock,
        resolver: RecordResolver,
        targets: RecordTargets,
        *,
        batch_size: int = 50,
        concurrency: int = 8,
        after_change: Callable[[], None] = lambda: None,
    ) -> None:
        self._db = database
        self._clock = clock
        self._checks = RecordChecks(database, resolver, targets)
        self._batch_size = batch_size
        self._slots = asyncio.Semaphore(concurrency)
        # Told when a status changed (e.g. to drop cached "is this identity verified" answers).
        self._after_change = after_change

    @property
    def batch_size(self) -> int:
        return self._batch_size

    async def check_due(self) -> int:
        """Check the identities due now; the number claimed (a full batch: call again)."""
        now = self._clock.now()
        async with self._db.transaction() as conn:
            claimed = await queue_repo.claim_due(conn, now, self._batch_size, now + CLAIM_FOR)
        outcomes = await asyncio.gather(*(self._check_one(identity) for identity in claimed))
        if any(outcomes):
            self._after_change()
        return len(claimed)

    async def _check_one(self, identity: Identity) -> bool:
        """Check and record one identity; whether a status changed. Never raises."""
        async with self._slots:
            try:
                result = await self.check(identity)
                async with self._db.transaction() as conn:
                    recorded = await queue_repo.record_check(conn, identity, result)
            except Exception:
                # Its claim runs out and it is checked again; the others go on.
                logger.exception("verifying identity %s failed", identity.name)
                return False
        if not recorded:
            return False
        changed = _statuses(identity) != _statuses(result)
        if changed:
            logger.info(
                "identity %s (account %s, %s): %s -> %s",
                identity.name, identity.account_id, identity.region,
                _statuses(identity), _statuses(result),
            )  # fmt: skip
        return changed

    async def check(self, identity: Identity) -> Identity:
        """One round of checks of ``identity``'s records: the identity as they leave it."""
        now = self._clock.now()
        txt = self._checks.domain_token(identity) if _checks_domain_token(identity) else None
        dkim = self._checks.dkim(identity) if _checks_dkim(identity) else None
        mail_from = self._checks.mail_from(identity) if _checks_mail_from(identity) else None
        results = await asyncio.gather(*(c for c in (txt, dkim, mail_from) if c is not None))
        found = iter(results)
        return outcome_of(
            _Round(
                identity,
                now,
                txt=next(found) if txt is not None else None,
                dkim=next(found) if dkim is not None else None,
                mail_from=next(found) if mail_from is not None else None,
            )
        )


def _statuses(identity: Identity) -> tuple[str, str, str | None]:
    return (
        identity.verification_status.value,
        identity.dkim_status.value,
        identity.mail_from_status.value if identity.mail_from_status else None,
    )
