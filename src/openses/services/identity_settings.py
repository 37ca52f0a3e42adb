"""An identity's sending settings: custom MAIL FROM, feedback notifications, default set.

One service behind SES v1 (SetIdentityMailFromDomain, SetIdentityNotificationTopic,
SetIdentityFeedbackForwardingEnabled, SetIdentityHeadersInNotificationsEnabled)
and v2 (PutEmailIdentityMailFromAttributes, PutEmailIdentityFeedbackAttributes,
PutEmailIdentityConfigurationSetAttributes). Each change reads the identity,
applies the domain rule and writes the whole record back in one transaction.

A new custom MAIL FROM domain starts ``Pending`` with its DNS check due now: the
verifier looks for its MX record. In dev mode it is verified at once, as
identities are.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from openses.domain.arns import parse_arn
from openses.domain.clock import Clock
from openses.domain.errors import IdentityNotFoundError, InvalidParameterError
from openses.domain.identities import Identity, MailFromBehavior, VerificationStatus, lookup_key
from openses.domain.mail_from import validate_mail_from_domain
from openses.domain.notification_topics import (
    NotificationType,
    validate_topic_arn,
    with_forwarding,
    with_headers,
    with_topic,
)
from openses.services.mail_from import MailFromResolver
from openses.services.scope import Scope
from openses.storage.engine import Database
from openses.storage.repositories import identities as repo


def _not_found(name: str) -> IdentityNotFoundError:
    # SES v1's text (SetIdentityMailFromDomain on an unknown identity).
    return IdentityNotFoundError(f"Identity <{name}> does not exist.")


def _not_verified(name: str) -> InvalidParameterError:
    # SES v1's text for notification settings on an identity it cannot use.
    return InvalidParameterError(
        f"Identity {name} is invalid. Must be a verified email address or domain."
    )


class IdentitySettingsService:
    def __init__(
        self,
        database: Database,
        clock: Clock,
        mail_from: MailFromResolver,
        *,
        verify_at_once: bool,
        on_check_due: Callable[[], None] = lambda: None,
    ) -> None:
        self._db = database
        self._clock = clock
        self._mail_from = mail_from
        self._verify_at_once = verify_at_once
        # Wakes the verifier when a DNS check became due (a new MAIL FROM domain).
        self._on_check_due = on_check_due

    # --- Custom MAIL FROM ---

    async def set_mail_from(
        self,
        scope: Scope,
        name: str,
        mail_from_domain: str | None,
        behavior: MailFromBehavior,
    ) -> Identity:
        """Set (or, with None or "", clear) the identity's MAIL FROM domain and behaviour."""

        def change(identity: Identity) -> Identity:
            if not mail_from_domain:
                return dataclasses.replace(
                    identity,
                    mail_from_domain=None,
                    mail_from_status=None,
                    mail_from_started_at=None,
                    mail_from_behavior=behavior,
                )
            domain = validate_mail_from_domain(identity, mail_from_domain)
            if domain == identity.mail_from_domain:
                # Same domain: its verification goes on; only the behaviour changes.
                return dataclasses.replace(identity, mail_from_behavior=behavior)
            return self._with_new_mail_from(identity, domain, behavior)

        updated = await self._update(scope, name, change, must_be_verified=False)
        if updated.mail_from_status is VerificationStatus.PENDING:
            self._on_check_due()
        return updated

    def _with_new_mail_from(
        self, identity: Identity, domain: str, behavior: MailFromBehavior
    ) -> Identity:
        if self._verify_at_once:
            status, next_check = VerificationStatus.SUCCESS, identity.next_check_at
        else:
            now = self._clock.now()
            due = identity.next_check_at
            status, next_check = VerificationStatus.PENDING, now if due is None else min(due, now)
        return dataclasses.replace(
            identity,
            mail_from_domain=domain,
            mail_from_status=status,
            mail_from_started_at=None if self._verify_at_once else self._clock.now(),
            mail_from_behavior=behavior,
            next_check_at=next_check,
        )

    # --- Feedback notifications ---

    async def set_notification_topic(
        self, scope: Scope, name: str, kind: NotificationType, topic: str | None
    ) -> Identity:
        """Set (or clear, with None) the SNS topic of one notification type."""
        checked = validate_topic_arn(topic, scope.region) if topic else None
        return await self._update(
            scope, name, lambda identity: with_topic(identity, kind, checked),
            must_be_verified=True,
        )  # fmt: skip

    async def set_headers_in_notifications(
        self, scope: Scope, name: str, kind: NotificationType, enabled: bool
    ) -> Identity:
        return await self._update(
            scope, name, lambda identity: with_headers(identity, kind, enabled),
            must_be_verified=True,
        )  # fmt: skip

    async def set_feedback_forwarding(
        self, scope: Scope, name: str, enabled: bool, *, require_topics: bool
    ) -> Identity:
        """v1 (``require_topics``) also wants a verified identity with both feedback topics
        set before forwarding goes off; v2 needs neither (see ``with_forwarding``)."""
        return await self._update(
            scope, name,
            lambda identity: with_forwarding(identity, enabled, require_topics=require_topics),
            must_be_verified=require_topics,
        )  # fmt: skip

    # --- Default configuration set ---

    async def set_configuration_set(
        self, scope: Scope, name: str, configuration_set_name: str | None
    ) -> Identity:
        """The configuration set used when a send names none (None clears it).

        The caller has checked that the set exists.
        """
        return await self._update(
            scope, name,
            lambda identity: dataclasses.replace(
                identity, configuration_set_name=configuration_set_name or None
            ),
            must_be_verified=False,
        )  # fmt: skip

    # ---

    def identity_name(self, scope: Scope, name: str) -> str:
        """The stored name an identity parameter means: a name, or this scope's identity ARN.

        v1 accepts ``arn:aws:ses:<region>:<account>:identity/<name>`` where it takes an
        identity; an ARN of another account or region names nothing here.
        """
        arn = parse_arn(name) if name.startswith("arn:") else None
        if arn is None:
            return lookup_key(name)
        if (arn.service, arn.resource_type) != ("ses", "identity") or (
            arn.account_id,
            arn.region,
        ) != (scope.account_id, scope.region):
            return ""
        return lookup_key(arn.resource_name)

    async def _update(
        self,
        scope: Scope,
        name: str,
        change: Callable[[Identity], Identity],
        *,
        must_be_verified: bool,
    ) -> Identity:
        key = self.identity_name(scope, name)
        try:
            async with self._db.transaction() as conn:
                identity = (
                    await repo.get_identity(conn, scope.account_id, scope.region, key)
                    if key
                    else None
                )
                if identity is None:
                    raise _not_verified(name) if must_be_verified else _not_found(name)
                if must_be_verified and not identity.is_verified:
                    raise _not_verified(name)
                updated = change(identity)
                await repo.save_identity(conn, updated)
        finally:
            self._mail_from.forget()
        return updated
