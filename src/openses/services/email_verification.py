"""Verifying e-mail addresses: the mail with a link, and what opening the link does.

VerifyEmailIdentity / VerifyEmailAddress (v1) and CreateEmailIdentity for an
address (v2) mail the address a link valid 24 hours; the identity stays
``Pending`` until the link is opened (Developer Guide, "Verifying an email
address"). Asking again for a pending address mails a fresh link, as SES's
"Resend" does; every link mailed stays good until it expires. Dev mode verifies
identities at once and mails nothing.

The links are signed, not stored (``domain.verification_links``); the signing
key is a server secret in the database, shared by every process.
"""

from __future__ import annotations

import datetime as dt
import secrets
import urllib.parse
from dataclasses import dataclass
from enum import StrEnum

from openses.domain.clock import Clock
from openses.domain.identities import Identity, IdentityType, VerificationStatus, lookup_key
from openses.domain.verification_links import (
    LINK_VALIDITY,
    LinkError,
    LinkProblem,
    VerificationLink,
    decode_link_token,
    encode_link_token,
)
from openses.mail.compose import Content, SimpleMessage
from openses.services.identities import IdentityService
from openses.services.scope import Scope
from openses.services.system_mail import SystemMailer
from openses.storage.engine import Database
from openses.storage.repositories import identities as identities_repo
from openses.storage.repositories import server_secrets as secrets_repo

VERIFY_PATH = "/_openses/verify-email"
_SECRET_NAME = "verification-link-hmac"  # noqa: S105 - the name of a secret, not one


@dataclass(frozen=True, slots=True)
class VerificationMailSettings:
    public_url: str  # where people's browsers reach this server (OPENSES_PUBLIC_URL)
    sender: str  # the platform's own address, e.g. no-reply@<OPENSES_HOSTNAME>
    contact_address: str  # named in the mail for people who did not ask for it

    @classmethod
    def for_host(cls, public_url: str, hostname: str) -> VerificationMailSettings:
        """The platform's addresses on ``hostname`` (postmaster exists on every mail host)."""
        return cls(public_url.rstrip("/"), f"no-reply@{hostname}", f"postmaster@{hostname}")

    @classmethod
    def defaults(cls) -> VerificationMailSettings:
        return cls.for_host("http://127.0.0.1:4566", "localhost")


class Outcome(StrEnum):
    VERIFIED = "verified"
    ALREADY_VERIFIED = "already-verified"
    EXPIRED = "expired"
    INVALID = "invalid"  # not a genuine link: altered, truncated, made up
    GONE = "gone"  # the identity was deleted (or deleted and created again) meanwhile


@dataclass(frozen=True, slots=True)
class Confirmation:
    """What opening a link did; ``link`` is known unless the link was not genuine."""

    outcome: Outcome
    link: VerificationLink | None = None

    @property
    def succeeded(self) -> bool:
        return self.outcome in (Outcome.VERIFIED, Outcome.ALREADY_VERIFIED)


def _seconds(moment: dt.datetime) -> int:
    return int(moment.timestamp())


class EmailVerificationService:
    def __init__(
        self,
        database: Database,
        clock: Clock,
        identities: IdentityService,
        mailer: SystemMailer,
        settings: VerificationMailSettings,
    ) -> None:
        self._db = database
        self._clock = clock
        self._identities = identities
        self._mailer = mailer
        self._settings = settings
        self._secret: bytes | None = None

    @property
    def mailer(self) -> SystemMailer:
        return self._mailer

    @property
    def settings(self) -> VerificationMailSettings:
        return self._settings

    async def verify_email_identity(self, scope: Scope, address: str) -> Identity:
        """v1 VerifyEmailIdentity/VerifyEmailAddress: the identity, and a mail while pending."""
        identity = await self._identities.verify_email_address(scope, address)
        if not identity.is_verified:
            await self.send_verification_mail(scope, identity)
        return identity

    async def identity_created(self, scope: Scope, identity: Identity) -> None:
        """v2 CreateEmailIdentity made ``identity``: mail the link if it is a pending address."""
        if identity.identity_type is IdentityType.EMAIL_ADDRESS and not identity.is_verified:
            await self.send_verification_mail(scope, identity)

    async def send_verification_mail(self, scope: Scope, identity: Identity) -> str:
        url = await self.link_url(scope, identity)
        subject = f"Email Address Verification Request in region {scope.region}"
        body = _platform_mail_text(identity.name, scope.region, url, self._settings)
        message = SimpleMessage(
            from_address=self._settings.sender,
            subject=Content(subject),
            text=Content(body, "UTF-8"),
            to=(identity.name,),
        )
        return await self._mailer.queue(scope, message)

    async def link_url(
        self, scope: Scope, identity: Identity, *, template_name: str | None = None
    ) -> str:
        """A fresh link, valid 24 hours, that verifies ``identity`` when opened."""
        link = VerificationLink(
            account_id=scope.account_id,
            region=scope.region,
            address=identity.name,
            expires_at=_seconds(self._clock.now() + LINK_VALIDITY),
            nonce=secrets.token_urlsafe(12),
            issued_for=_seconds(identity.created_at),
            template_name=template_name,
        )
        token = encode_link_token(link, await self._key())
        query = urllib.parse.urlencode({"token": token})
        return f"{self._settings.public_url}{VERIFY_PATH}?{query}"

    async def confirm(self, token: str) -> Confirmation:
        """Open a link: verify its address if the link is genuine, current and still applies.

        Idempotent: opening it again answers ALREADY_VERIFIED. Nothing changes otherwise.
        """
        try:
            link = decode_link_token(token, await self._key(), self._clock.now())
        except LinkError as error:
            outcome = Outcome.EXPIRED if error.problem is LinkProblem.EXPIRED else Outcome.INVALID
            return Confirmation(outcome, error.link)
        scope = Scope(link.account_id, link.region)
        async with self._db.transaction() as conn:
            identity = await identities_repo.get_identity(
                conn, scope.account_id, scope.region, lookup_key(link.address)
            )
            if identity is None or _seconds(identity.created_at) != link.issued_for:
                return Confirmation(Outcome.GONE, link)
            if identity.is_verified:
                return Confirmation(Outcome.ALREADY_VERIFIED, link)
            await identities_repo.update_identity(
                conn,
                scope.account_id,
                scope.region,
                identity.name,
                verification_status=VerificationStatus.SUCCESS.value,
                last_success_at=self._clock.now(),
                verification_error=None,
            )
        # Sends through this process may use the address at once.
        self._identities.forget_cached()
        return Confirmation(Outcome.VERIFIED, link)

    async def _key(self) -> bytes:
        if self._secret is None:
            async with self._db.transaction() as conn:
                value = await secrets_repo.get_or_create_secret(
                    conn, _SECRET_NAME, secrets.token_urlsafe(32), self._clock.now()
                )
            self._secret = value.encode("ascii")
        return self._secret


def _platform_mail_text(
    address: str, region: str, url: str, settings: VerificationMailSettings
) -> str:
    # The wording follows the mail SES sends (Developer Guide, "Using custom
    # verification email templates", the default message).
    return (
        "Hello,\r\n\r\n"
        f"We have received a request to authorize this email address ({address}) for use "
        f"with our email service in region {region}. If you requested this verification, "
        "please go to the following URL to confirm that you are authorized to use this "
        "email address:\r\n\r\n"
        f"{url}\r\n\r\n"
        "Your request will not be processed unless you confirm the address using this URL. "
        "This link expires 24 hours after your original verification request.\r\n\r\n"
        "If you did NOT request to verify this email address, do not click on the link. "
        "If you are concerned, please forward this notification to "
        f"{settings.contact_address} and let us know that you did not request the "
        "verification.\r\n"
    )
