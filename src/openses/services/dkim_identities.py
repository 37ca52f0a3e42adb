"""DKIM of identities: Easy DKIM, BYODKIM, enabling and rotating, for SES v1 and v2 alike.

Whatever changes a domain's DKIM records (new tokens, a BYODKIM selector) sets its
DKIM status to ``PENDING`` and asks the verifier to look at once (``next_check_at``);
the verifier owns every later status change. Dev mode (``verify_at_once``) skips the
wait: DKIM is ``SUCCESS`` at once. Rotating an Easy DKIM key changes no DNS record
the customer publishes, so the status stays as it is.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from openses.domain.clock import Clock
from openses.domain.dkim import SIGNING_ATTRIBUTES_FOR_ADDRESS, SIGNING_ATTRIBUTES_REQUIRED
from openses.domain.dkim import key_length as parse_key_length
from openses.domain.errors import (
    AlreadyExistsError,
    IdentityNotFoundError,
    InvalidParameterError,
)
from openses.domain.identities import (
    DkimKeyLength,
    DkimOrigin,
    Identity,
    IdentityType,
    VerificationStatus,
    dkim_record_name,
    domain_verification_record,
    easy_dkim_target,
    lookup_key,
    normalize_domain,
)
from openses.mail.dkim_keys import load_private_key
from openses.services.dkim import DkimSigner
from openses.services.dkim_dns import PublishedKeyService, dkim_txt_value
from openses.services.dkim_setup import (
    DkimSetup,
    DkimSigningRequest,
    apply_keys,
    byodkim_setup,
    easy_dkim_setup,
    public_key_base64,
    rotation_setup,
)
from openses.services.identities import IdentityService
from openses.services.scope import Scope
from openses.storage.engine import Database
from openses.storage.repositories import dkim_keys as keys_repo
from openses.storage.repositories import dkim_published_keys as published_repo
from openses.storage.repositories import identities as identities_repo


@dataclass(frozen=True, slots=True)
class DkimView:
    """What v1 ``GetIdentityDkimAttributes`` reports for one identity."""

    enabled: bool
    status: VerificationStatus
    tokens: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DnsRecord:
    """A record the domain's owner publishes; ``purpose`` says why, for people."""

    name: str
    type: str
    value: str
    purpose: str


class DkimIdentityService:
    def __init__(
        self,
        database: Database,
        clock: Clock,
        identities: IdentityService,
        signer: DkimSigner,
        published: PublishedKeyService,
        *,
        verify_at_once: bool,
    ) -> None:
        self._db = database
        self._clock = clock
        self._identities = identities
        self._signer = signer
        self._published = published
        self._verify_at_once = verify_at_once

    # -- v1 -------------------------------------------------------------------------

    async def dkim_views(self, scope: Scope, names: list[str]) -> dict[str, DkimView]:
        """v1 GetIdentityDkimAttributes: identities that exist, keyed as asked.

        An address reports its own DkimEnabled and, as SES documents, the tokens (and
        status) of its domain's identity, when that exists.
        """
        found = await self._identities.get_many(scope, names)
        domains = {
            name: identity.name.rpartition("@")[2]
            for name, identity in found.items()
            if identity.identity_type is IdentityType.EMAIL_ADDRESS
        }
        domain_identities = await self._identities.get_many(scope, sorted(set(domains.values())))
        views: dict[str, DkimView] = {}
        for name, identity in found.items():
            source = identity
            if name in domains:
                source = domain_identities.get(domains[name], identity)
            tokens = source.dkim_tokens if source.identity_type is IdentityType.DOMAIN else ()
            status = (
                source.dkim_status
                if source.identity_type is IdentityType.DOMAIN
                else VerificationStatus.NOT_STARTED
            )
            views[name] = DkimView(identity.dkim_enabled, status, tokens)
        return views

    async def verify_domain_dkim(self, scope: Scope, domain: str) -> Identity:
        """v1 VerifyDomainDkim: Easy DKIM tokens for the domain (created if new); idempotent."""
        name = normalize_domain(domain)
        identity = await self._identities.find(scope, name)
        if identity is None:
            try:
                return await self._identities.create_email_identity(scope, name)
            except AlreadyExistsError:  # created concurrently: carry on with it
                identity = await self._identities.get(scope, name)
        if identity.dkim_tokens:
            return identity
        return await self._switch(scope, name, await easy_dkim_setup(parse_key_length(None)))

    async def set_dkim_enabled(
        self, scope: Scope, name: str, enabled: bool, *, require_verified: bool
    ) -> Identity:
        """v1 SetIdentityDkimEnabled (``require_verified``) and v2 PutEmailIdentityDkimAttributes.

        v1 refuses to enable DKIM until it can sign: a domain's own DKIM, or for an
        address its domain's DKIM, must be verified.
        """
        identity = await self._identities.get(scope, name)
        if enabled and require_verified:
            await self._check_can_sign(scope, identity)
        async with self._db.transaction() as conn:
            current = await identities_repo.get_identity(
                conn, scope.account_id, scope.region, identity.name
            )
            if current is None:
                raise IdentityNotFoundError(f"Identity {name} does not exist.")
            updated = dataclasses.replace(current, dkim_enabled=enabled)
            await identities_repo.save_identity(conn, updated)
        self._signer.forget()
        return updated

    async def _check_can_sign(self, scope: Scope, identity: Identity) -> None:
        if identity.identity_type is IdentityType.DOMAIN:
            if identity.dkim_status is not VerificationStatus.SUCCESS:
                raise InvalidParameterError(
                    f"Domain {identity.name} has not completed DKIM verification."
                )
            return
        domain = identity.name.rpartition("@")[2]
        owner = await self._identities.find(scope, domain)
        if owner is None or owner.dkim_status is not VerificationStatus.SUCCESS:
            raise InvalidParameterError(
                f"Domain {domain} of {identity.name} has not completed DKIM verification."
            )

    # -- v2 -------------------------------------------------------------------------

    async def put_signing_attributes(
        self, scope: Scope, name: str, origin: str, request: DkimSigningRequest | None
    ) -> Identity:
        """v2 PutEmailIdentityDkimSigningAttributes, every direction the API lists.

        EXTERNAL: the customer's selector and key replace whatever signed before (also
        a BYODKIM key rotation). AWS_SES on a domain without Easy DKIM (none, or
        BYODKIM): new tokens and key. AWS_SES on an Easy DKIM domain: a new
        ``NextSigningKeyLength`` rotates the key at once; without one, nothing changes.
        """
        identity = await self._identities.get(scope, name)
        if identity.identity_type is not IdentityType.DOMAIN:
            raise InvalidParameterError(SIGNING_ATTRIBUTES_FOR_ADDRESS)
        if origin == DkimOrigin.EXTERNAL.value:
            if request is None or not (request.selector and request.private_key):
                raise InvalidParameterError(SIGNING_ATTRIBUTES_REQUIRED)
            setup = byodkim_setup(request.selector, request.private_key)
            return await self._switch(scope, identity.name, setup)
        if origin != DkimOrigin.AWS_SES.value:
            raise InvalidParameterError(
                f"SigningAttributesOrigin {origin} (Deterministic Easy DKIM) is not supported."
            )
        requested = request.next_key_length if request is not None else None
        length = parse_key_length(requested)
        if identity.dkim_origin is DkimOrigin.AWS_SES and identity.dkim_tokens:
            if requested is None:
                return identity
            return await self.rotate(scope, identity.name, length)
        return await self._switch(scope, identity.name, await easy_dkim_setup(length))

    async def rotate(
        self, scope: Scope, name: str, length: DkimKeyLength | None = None
    ) -> Identity:
        """A new Easy DKIM key (of ``length``, default the next length) under the next token."""
        identity = await self._identities.get(scope, name)
        if identity.dkim_origin is not DkimOrigin.AWS_SES or not identity.dkim_tokens:
            raise InvalidParameterError(f"Identity {identity.name} does not use Easy DKIM.")
        async with self._db.read() as conn:
            stored = await keys_repo.get_key(conn, scope.account_id, scope.region, identity.name)
        current = stored.selector if stored is not None else identity.dkim_tokens[-1]
        length = length or identity.dkim_next_key_length or parse_key_length(None)
        setup = await rotation_setup(identity.dkim_tokens, current, length)
        now = self._clock.now()
        async with self._db.transaction() as conn:
            fresh = await identities_repo.get_identity(
                conn, scope.account_id, scope.region, identity.name
            )
            if fresh is None or fresh.dkim_tokens != identity.dkim_tokens:
                raise InvalidParameterError(
                    f"The DKIM settings of {identity.name} changed meanwhile; try again."
                )
            updated = dataclasses.replace(
                fresh,
                dkim_current_key_length=length,
                dkim_next_key_length=length,
                dkim_key_generated_at=now,
            )
            await identities_repo.save_identity(conn, updated)
            await apply_keys(conn, scope.account_id, scope.region, identity.name, setup, now)
        self._forget(setup)
        return updated

    async def _switch(self, scope: Scope, name: str, setup: DkimSetup) -> Identity:
        """Give the domain ``setup``'s DKIM; its DKIM verification starts again."""
        now = self._clock.now()
        async with self._db.transaction() as conn:
            current = await identities_repo.get_identity(conn, scope.account_id, scope.region, name)
            if current is None:
                raise IdentityNotFoundError(f"Email identity {name} does not exist.")
            updated = setup.applied_to(current, now, verify_at_once=self._verify_at_once)
            await identities_repo.save_identity(conn, updated)
            await apply_keys(conn, scope.account_id, scope.region, name, setup, now)
        self._forget(setup)
        return updated

    def _forget(self, setup: DkimSetup) -> None:
        """After a committed DKIM change: drop cached keys, let the verifier look at once."""
        self._signer.forget()
        self._published.forget(setup.published_selectors)
        self._identities.wake_verifier()

    # -- records for operators ----------------------------------------------------------

    async def dns_records(self, scope: Scope, name: str, dkim_domain: str) -> list[DnsRecord]:
        """The records the domain's owner publishes: verification TXT, DKIM CNAMEs or TXTs.

        Easy DKIM lists each CNAME and, for operators who cannot delegate the
        ``dkim.`` zone to openses, the TXT record the CNAME would lead to.
        """
        identity = await self._identities.get(scope, lookup_key(name))
        if identity.identity_type is not IdentityType.DOMAIN:
            raise InvalidParameterError(f"{identity.name} is an e-mail address, not a domain.")
        records: list[DnsRecord] = []
        if identity.verification_token:
            records.append(
                DnsRecord(
                    domain_verification_record(identity.name),
                    "TXT",
                    identity.verification_token,
                    "domain verification (SES v1)",
                )
            )
        async with self._db.read() as conn:
            published = {
                key.selector: key
                for key in await published_repo.domain_keys(
                    conn, scope.account_id, scope.region, identity.name
                )
            }
            stored = await keys_repo.get_key(conn, scope.account_id, scope.region, identity.name)
        if identity.dkim_origin is DkimOrigin.EXTERNAL:
            if stored is not None:
                public = public_key_base64(load_private_key(stored.private_key_pem))
                records.append(
                    DnsRecord(
                        dkim_record_name(stored.selector, identity.name),
                        "TXT",
                        dkim_txt_value(public),
                        "BYODKIM public key",
                    )
                )
            return records
        for token in identity.dkim_tokens:
            records.append(
                DnsRecord(
                    dkim_record_name(token, identity.name),
                    "CNAME",
                    easy_dkim_target(token, dkim_domain),
                    "Easy DKIM",
                )
            )
        for token in identity.dkim_tokens:
            key = published.get(token)
            if key is not None:
                records.append(
                    DnsRecord(
                        dkim_record_name(token, identity.name),
                        "TXT",
                        dkim_txt_value(key.public_key),
                        "Easy DKIM without delegation (instead of the CNAME)",
                    )
                )
        return records
