"""Identities: create, look up, list and delete the addresses and domains an account sends from.

One service behind SES v1 and v2: an identity created through one API is seen
by the other. Verification itself (DNS checks, e-mails with links) comes with
the identities issue; until then new identities stay ``Pending``, except in dev
mode where they are verified at once, as local SES emulators do.
"""

from __future__ import annotations

import base64
import contextlib
import secrets
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection

from openses.domain.arns import identity_arn
from openses.domain.clock import Clock
from openses.domain.dkim import SIGNING_ATTRIBUTES_FOR_ADDRESS
from openses.domain.errors import (
    AlreadyExistsError,
    IdentityNotFoundError,
    InvalidParameterError,
    LimitExceededError,
)
from openses.domain.identities import (
    MAX_IDENTITIES_PER_REGION,
    Identity,
    IdentityType,
    VerificationStatus,
    lookup_key,
    normalize_domain,
    normalize_email_address,
    normalize_identity,
)
from openses.domain.tags import validate_tags
from openses.services.dkim_setup import DkimSigningRequest, new_domain_setup
from openses.services.dkim_setup import apply_keys as apply_dkim_keys
from openses.services.expiring_cache import ExpiringCache
from openses.services.pagination import decode_page_token, encode_page_token
from openses.services.scope import Scope
from openses.storage.engine import Database
from openses.storage.repositories import dkim_keys as dkim_keys_repo
from openses.storage.repositories import dkim_published_keys as dkim_published_repo
from openses.storage.repositories import identities as repo
from openses.storage.repositories import identity_policies as policies_repo
from openses.storage.repositories import tags as tags_repo

_VERIFIED_CACHE_SECONDS = 1.0


@dataclass(frozen=True, slots=True)
class IdentityPage:
    identities: list[Identity]
    next_token: str | None


def _domain_verification_token() -> str:
    # The TXT value at _amazonses.<domain>: 32 random bytes, base64 (44 characters).
    return base64.b64encode(secrets.token_bytes(32)).decode("ascii")


class IdentityService:
    def __init__(
        self,
        database: Database,
        clock: Clock,
        *,
        verify_at_once: bool,
        on_check_due: Callable[[], None] = lambda: None,
    ) -> None:
        self._db = database
        self._clock = clock
        # Wakes the identity verifier: a write may have made a DNS check due now.
        self._on_check_due = on_check_due
        # Dev mode: identities are verified as soon as they are created.
        self._verify_at_once = verify_at_once
        self._verified_cache: ExpiringCache[tuple[Scope, str], bool] = ExpiringCache(
            _VERIFIED_CACHE_SECONDS, max_entries=50_000
        )

    def wake_verifier(self) -> None:
        """For other services' writes that make a DNS check due now (the verifier polls anyway)."""
        if not self._verify_at_once:
            self._on_check_due()

    @property
    def _initial_status(self) -> VerificationStatus:
        return VerificationStatus.SUCCESS if self._verify_at_once else VerificationStatus.PENDING

    def _new_identity(
        self, scope: Scope, name: str, kind: IdentityType, **extra: object
    ) -> Identity:
        now = self._clock.now()
        if kind is IdentityType.DOMAIN and not self._verify_at_once:
            # The verifier looks for the domain's records at once, then on its schedule.
            extra.setdefault("verification_started_at", now)
            extra.setdefault("next_check_at", now)
        return Identity(
            account_id=scope.account_id,
            region=scope.region,
            name=name,
            identity_type=kind,
            verification_status=self._initial_status,
            created_at=now,
            **extra,  # type: ignore[arg-type]
        )

    async def _insert(self, scope: Scope, identity: Identity) -> None:
        async with self._write() as conn:
            if await repo.count_identities(conn, scope.account_id, scope.region) >= (
                MAX_IDENTITIES_PER_REGION
            ):
                raise LimitExceededError(
                    f"You can have at most {MAX_IDENTITIES_PER_REGION} identities per region."
                )
            await repo.insert_identity(conn, identity)

    async def verify_email_address(self, scope: Scope, address: str) -> Identity:
        """v1 VerifyEmailIdentity/VerifyEmailAddress: idempotent; an existing identity is kept."""
        name = normalize_email_address(address)
        existing = await self.find(scope, name)
        if existing is not None:
            return existing
        identity = self._new_identity(scope, name, IdentityType.EMAIL_ADDRESS)
        return await self._insert_or_existing(scope, identity)

    async def verify_domain(self, scope: Scope, domain: str) -> Identity:
        """v1 VerifyDomainIdentity: returns the identity with its TXT verification token."""
        name = normalize_domain(domain)
        existing = await self.find(scope, name)
        if existing is not None and existing.verification_token:
            if existing.verification_status is VerificationStatus.FAILED:
                return await self._restart_verification(scope, name)
            return existing
        if existing is not None:  # created through v2 (DKIM-verified): add a v1 token
            token = _domain_verification_token()
            if existing.verification_status is VerificationStatus.FAILED:
                return await self._restart_verification(scope, name, verification_token=token)
            now = self._clock.now()
            async with self._write() as conn:
                await repo.update_identity(
                    conn, scope.account_id, scope.region, name, verification_token=token,
                    next_check_at=None if self._verify_at_once else now,
                )  # fmt: skip
            return await self.get(scope, name)
        identity = self._new_identity(
            scope, name, IdentityType.DOMAIN, verification_token=_domain_verification_token()
        )
        return await self._insert_or_existing(scope, identity)

    async def _restart_verification(self, scope: Scope, name: str, **columns: object) -> Identity:
        """SES: verifying a domain whose verification failed starts a new 72-hour search."""
        now = self._clock.now()
        async with self._write() as conn:
            await repo.update_identity(
                conn, scope.account_id, scope.region, name,
                verification_status=VerificationStatus.PENDING.value,
                verification_started_at=now, verification_error=None, check_failures=0,
                next_check_at=now, **columns,
            )  # fmt: skip
        return await self.get(scope, name)

    async def _insert_or_existing(self, scope: Scope, identity: Identity) -> Identity:
        try:
            await self._insert(scope, identity)
        except AlreadyExistsError:
            # Two concurrent verify calls for one name: both succeed, one row exists.
            return await self.get(scope, identity.name)
        return identity

    async def create_email_identity(
        self,
        scope: Scope,
        name: str,
        *,
        tags: Sequence[tuple[str, str]] = (),
        configuration_set_name: str | None = None,
        dkim: DkimSigningRequest | None = None,
    ) -> Identity:
        """v2 CreateEmailIdentity: an error if the identity exists; domains get Easy DKIM
        tokens, or BYODKIM when ``dkim`` carries a selector and key (domains only)."""
        normalized, kind = normalize_identity(name)
        validate_tags(tags)
        if dkim is not None and kind is not IdentityType.DOMAIN:
            raise InvalidParameterError(SIGNING_ATTRIBUTES_FOR_ADDRESS)
        if await self.find(scope, normalized) is not None:
            raise AlreadyExistsError(f"Email identity {name} already exist.")
        extra: dict[str, object] = {"configuration_set_name": configuration_set_name}
        setup = await new_domain_setup(dkim) if kind is IdentityType.DOMAIN else None
        if setup is not None:
            # SES v2 verifies domains through DKIM: signing is on, the records are awaited.
            now = self._clock.now()
            extra.update(setup.identity_fields(now, verify_at_once=self._verify_at_once))
        identity = self._new_identity(scope, normalized, kind, **extra)
        async with self._write() as conn:
            if await repo.get_identity(conn, scope.account_id, scope.region, normalized):
                raise AlreadyExistsError(f"Email identity {name} already exist.")
            await repo.insert_identity(conn, identity)
            if setup is not None:  # the signing key, and Easy DKIM's published public key
                await apply_dkim_keys(
                    conn, scope.account_id, scope.region, normalized, setup, identity.created_at
                )
            if tags:
                await tags_repo.replace_tags(
                    conn, scope.account_id, scope.region, identity_arn_str(scope, normalized), tags
                )
        return identity

    async def verified_names(self, scope: Scope, names: Sequence[str]) -> set[str]:
        """Which of ``names`` are verified identities; cached for a second (every send asks).

        Changes made through this process take effect at once; changes made by
        another process (or the verifier), within a second.
        """
        verified: set[str] = set()
        missing: list[str] = []
        for name in names:
            cached = self._verified_cache.peek((scope, name))
            if cached is None:
                missing.append(name)
            elif cached[0]:
                verified.add(name)
        if missing:
            async with self._db.read() as conn:
                found = await repo.get_identities(conn, scope.account_id, scope.region, missing)
            for name in missing:
                is_verified = name in found and found[name].is_verified
                self._verified_cache.put((scope, name), is_verified)
                if is_verified:
                    verified.add(name)
        return verified

    def forget_cached(self) -> None:
        self._verified_cache.clear()

    @contextlib.asynccontextmanager
    async def _write(self) -> AsyncIterator[AsyncConnection]:
        """A write transaction, after which cached verification answers are dropped."""
        try:
            async with self._db.transaction() as conn:
                yield conn
        finally:
            self._verified_cache.clear()
        self.wake_verifier()  # cheap: the verifier only looks at what is due

    async def find(self, scope: Scope, name: str) -> Identity | None:
        async with self._db.read() as conn:
            return await repo.get_identity(conn, scope.account_id, scope.region, lookup_key(name))

    async def get(self, scope: Scope, name: str) -> Identity:
        identity = await self.find(scope, name)
        if identity is None:
            raise IdentityNotFoundError(f"Identity {name} does not exist.")
        return identity

    async def get_many(self, scope: Scope, names: Sequence[str]) -> dict[str, Identity]:
        """The identities among ``names`` that exist, keyed by the name as asked."""
        keys = {name: lookup_key(name) for name in names}
        async with self._db.read() as conn:
            found = await repo.get_identities(
                conn, scope.account_id, scope.region, sorted(set(keys.values()))
            )
        return {name: found[key] for name, key in keys.items() if key in found}

    async def list(
        self,
        scope: Scope,
        *,
        page_size: int,
        next_token: str | None = None,
        identity_type: IdentityType | None = None,
        verification_status: VerificationStatus | None = None,
        name_contains: str | None = None,
    ) -> IdentityPage:
        after_id = decode_page_token(next_token) if next_token else 0
        async with self._db.read() as conn:
            rows = await repo.list_identities(
                conn,
                scope.account_id,
                scope.region,
                after_id=after_id,
                limit=page_size + 1,
                identity_type=identity_type,
                verification_status=verification_status,
                name_contains=name_contains,
            )
        page = rows[:page_size]
        token = encode_page_token(page[-1][0]) if len(rows) > page_size else None
        return IdentityPage([identity for _, identity in page], token)

    async def delete(self, scope: Scope, name: str, *, must_exist: bool) -> None:
        """Delete an identity. v1 DeleteIdentity succeeds for unknown names; v2 does not."""
        key = lookup_key(name)
        async with self._write() as conn:
            deleted = await repo.delete_identity(conn, scope.account_id, scope.region, key)
            await dkim_keys_repo.delete_key(conn, scope.account_id, scope.region, key)
            await dkim_published_repo.delete_domain_keys(conn, scope.account_id, scope.region, key)
            # Its sending authorization policies go with it (a new identity of the same
            # name starts with none).
            await policies_repo.delete_all(conn, scope.account_id, scope.region, key)
            await tags_repo.replace_tags(
                conn, scope.account_id, scope.region, identity_arn_str(scope, key), ()
            )
        if must_exist and not deleted:
            raise IdentityNotFoundError(f"Email identity {name} does not exist.")

    async def tags_of(self, scope: Scope, name: str) -> tuple[tuple[str, str], ...]:
        async with self._db.read() as conn:
            return await tags_repo.get_tags(
                conn, scope.account_id, scope.region, identity_arn_str(scope, lookup_key(name))
            )


def identity_arn_str(scope: Scope, name: str) -> str:
    return str(identity_arn(scope.region, scope.account_id, name))


def ensure_page_size(value: int | None, *, default: int, maximum: int) -> int:
    if value is None:
        return default
    if not 1 <= value <= maximum:
        raise InvalidParameterError(f"The page size must be between 1 and {maximum}.")
    return value
