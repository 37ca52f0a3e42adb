"""Easy DKIM: each domain identity gets a key pair; mail from it is signed at delivery.

Which key signs follows SES's precedence (Developer Guide, "Verified
identities"): the most specific verified identity of the From address decides.
A separately verified address has no DKIM of its own, so its mail is not signed
even when its domain has DKIM ("Troubleshooting DKIM"), unless DKIM was enabled for
the address (v1 SetIdentityDkimEnabled): then its domain's key signs it. The key is
the identity's current one (``dkim_keys``): Easy DKIM's after a rotation, or BYODKIM's.
"""

from __future__ import annotations

from openses.domain.clock import Clock
from openses.domain.identities import IdentityType, VerificationStatus, identity_candidates
from openses.domain.messages import AcceptedMessage
from openses.mail.dkim import DkimPrivateKey, DkimSigningKey, sign
from openses.mail.dkim_keys import load_private_key
from openses.services.expiring_cache import ExpiringCache
from openses.services.mail_from import settings_owner
from openses.storage.engine import Database
from openses.storage.repositories import dkim_keys as keys_repo
from openses.storage.repositories import identities as identities_repo

# Keys change rarely (identity created, DKIM switched); the delivery hot path
# should not query for them on every message.
_CACHE_SECONDS = 5.0


class DkimSigner:
    def __init__(self, database: Database, clock: Clock) -> None:
        self._db = database
        self._clock = clock
        self._cache: ExpiringCache[tuple[str, str, str], DkimSigningKey | None] = ExpiringCache(
            _CACHE_SECONDS
        )
        self._keys: dict[str, DkimPrivateKey] = {}

    async def sign(self, message: AcceptedMessage) -> bytes:
        """The message as it goes on the wire: DKIM-signed when its From identity signs."""
        # A delegated send signs with the identity owner's key, as SES does.
        key = await self._key_for(*settings_owner(message), message.from_address)
        if key is None:
            return message.raw
        header = sign(message.raw, key, timestamp=int(self._clock.now().timestamp()))
        return header + message.raw

    async def _key_for(self, account_id: str, region: str, address: str) -> DkimSigningKey | None:
        return await self._cache.get_or_load(
            (account_id, region, address), lambda: self._lookup(account_id, region, address)
        )

    async def _lookup(self, account_id: str, region: str, address: str) -> DkimSigningKey | None:
        candidates = identity_candidates(address)
        async with self._db.read() as conn:
            found = await identities_repo.get_identities(conn, account_id, region, candidates)
            address_enabled = False
            for name in candidates:  # most specific first
                identity = found.get(name)
                if identity is None or not identity.is_verified:
                    continue
                if identity.identity_type is IdentityType.EMAIL_ADDRESS:
                    if not identity.dkim_enabled:
                        return None
                    # v1 SetIdentityDkimEnabled on an address: it signs with its domain's key.
                    address_enabled = True
                    continue
                if identity.dkim_status is not VerificationStatus.SUCCESS or not (
                    identity.dkim_enabled or address_enabled
                ):
                    return None
                stored = await keys_repo.get_key(conn, account_id, region, identity.name)
                if stored is None:
                    return None
                return DkimSigningKey(
                    identity.name, stored.selector, self._parsed(stored.private_key_pem)
                )
        return None

    def _parsed(self, pem: str) -> DkimPrivateKey:
        # Parsing and checking an RSA key costs milliseconds; keys are immutable, so
        # each PEM is parsed once per process however often the lookup cache expires.
        key = self._keys.get(pem)
        if key is None:
            if len(self._keys) > 10_000:
                self._keys.clear()
            key = self._keys[pem] = load_private_key(pem)
        return key

    def forget(self) -> None:
        self._cache.clear()
