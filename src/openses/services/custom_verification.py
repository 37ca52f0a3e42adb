"""Custom verification e-mail templates and SendCustomVerificationEmail, behind v1 and v2.

A template is the customer's own verification mail: its sender (a verified
identity of the account), subject, HTML content and where to send the person
who clicks (success or failure URL). SendCustomVerificationEmail adds the address
as a pending identity, as the API reference says ("Adds an email address to the
list of identities ... and attempts to verify it"), and mails the template's
content followed by the verification link and SES's fixed footer (guide, FAQ Q2
and Q10). It needs production access (guide: "your Amazon SES account has to be
out of the sandbox"). The mail counts against the account's sending quotas.
"""

from __future__ import annotations

import dataclasses
import html
from collections.abc import Sequence
from dataclasses import dataclass

from openses.domain.arns import Arn
from openses.domain.clock import Clock
from openses.domain.custom_verification import (
    DISCLAIMER,
    MAX_TEMPLATES_PER_ACCOUNT,
    CustomVerificationTemplate,
    TemplateFields,
    validate_content,
    validate_redirect_url,
    validate_subject,
    validate_template_name,
)
from openses.domain.errors import (
    ConfigurationSetDoesNotExistError,
    CustomVerificationTemplateDoesNotExistError,
    FromEmailAddressNotVerifiedError,
    InvalidParameterError,
    LimitExceededError,
    ProductionAccessNotGrantedError,
    SendingPausedError,
)
from openses.domain.identities import identity_candidates, normalize_email_address
from openses.domain.tags import validate_tags
from openses.mail.compose import Content, SimpleMessage
from openses.services.accounts import AccountService
from openses.services.email_verification import EmailVerificationService
from openses.services.identities import IdentityService
from openses.services.pagination import decode_page_token, encode_page_token
from openses.services.scope import Scope
from openses.storage.engine import Database
from openses.storage.repositories import custom_verification_templates as repo
from openses.storage.repositories import tags as tags_repo


@dataclass(frozen=True, slots=True)
class CustomVerificationTemplatePage:
    templates: list[CustomVerificationTemplate]
    next_token: str | None


def template_arn(scope: Scope, name: str) -> str:
    return str(
        Arn("ses", scope.region, scope.account_id, "custom-verification-email-template", name)
    )


def _not_found(name: str) -> CustomVerificationTemplateDoesNotExistError:
    return CustomVerificationTemplateDoesNotExistError(
        f"Custom verification email template <{name}> does not exist", name
    )


def _bare_sender(address: str) -> str:
    # "FromEmailAddress doesn't support display names" (guide): an address, nothing else.
    try:
        return normalize_email_address(address.strip())
    except InvalidParameterError:
        raise InvalidParameterError(f"Invalid email address<{address}>.") from None


class CustomVerificationService:
    def __init__(
        self,
        database: Database,
        clock: Clock,
        accounts: AccountService,
        identities: IdentityService,
        verification: EmailVerificationService,
    ) -> None:
        self._db = database
        self._clock = clock
        self._accounts = accounts
        self._identities = identities
        self._verification = verification

    # -- templates -----------------------------------------------------------------

    async def create(
        self,
        scope: Scope,
        name: str,
        fields: TemplateFields,
        *,
        tags: Sequence[tuple[str, str]] = (),
    ) -> CustomVerificationTemplate:
        validate_template_name(name)
        validate_tags(tags)
        template = await self._checked(
            scope,
            CustomVerificationTemplate(
                account_id=scope.account_id,
                region=scope.region,
                name=name,
                from_address=_required(fields.from_address, "FromEmailAddress"),
                subject=_required(fields.subject, "TemplateSubject"),
                content=_required(fields.content, "TemplateContent"),
                success_url=_required(fields.success_url, "SuccessRedirectionURL"),
                failure_url=_required(fields.failure_url, "FailureRedirectionURL"),
                created_at=self._clock.now(),
            ),
        )
        async with self._db.transaction() as conn:
            if await repo.count_templates(conn, scope.account_id) >= MAX_TEMPLATES_PER_ACCOUNT:
                raise LimitExceededError(
                    "You have reached the limit of "
                    f"{MAX_TEMPLATES_PER_ACCOUNT} custom verification email templates."
                )
            await repo.insert_template(conn, template)
            if tags:
                await tags_repo.replace_tags(
                    conn, scope.account_id, scope.region, template_arn(scope, name), tags
                )
        return template

    async def update(self, scope: Scope, name: str, fields: TemplateFields) -> None:
        """Overwrite the fields given; the others keep their values (guide, "Editing")."""
        current = await self.get(scope, name)
        changes = {k: v for k, v in dataclasses.asdict(fields).items() if v is not None}
        template = await self._checked(scope, dataclasses.replace(current, **changes))
        async with self._db.transaction() as conn:
            if not await repo.replace_fields(conn, template):
                raise _not_found(name)

    async def _checked(
        self, scope: Scope, template: CustomVerificationTemplate
    ) -> CustomVerificationTemplate:
        """``template`` with its sender normalised, or SES's error for its first bad field."""
        sender = _bare_sender(template.from_address)
        if not await self._sender_verified(scope, sender):
            raise FromEmailAddressNotVerifiedError(
                f"The from email address <{template.from_address}> is not verified"
            )
        validate_subject(template.subject)
        validate_redirect_url(template.success_url, "success")
        validate_redirect_url(template.failure_url, "failure")
        validate_content(template.content)
        return dataclasses.replace(template, from_address=sender)

    async def _sender_verified(self, scope: Scope, address: str) -> bool:
        return bool(await self._identities.verified_names(scope, identity_candidates(address)))

    async def find(self, scope: Scope, name: str) -> CustomVerificationTemplate | None:
        async with self._db.read() as conn:
            return await repo.get_template(conn, scope.account_id, scope.region, name)

    async def get(self, scope: Scope, name: str) -> CustomVerificationTemplate:
        template = await self.find(scope, name)
        if template is None:
            raise _not_found(name)
        return template

    async def tags_of(self, scope: Scope, name: str) -> tuple[tuple[str, str], ...]:
        async with self._db.read() as conn:
            return await tags_repo.get_tags(
                conn, scope.account_id, scope.region, template_arn(scope, name)
            )

    async def delete(self, scope: Scope, name: str, *, must_exist: bool) -> None:
        """v1 succeeds for unknown names (it declares no error); v2 answers NotFound."""
        async with self._db.transaction() as conn:
            deleted = await repo.delete_template(conn, scope.account_id, scope.region, name)
            await tags_repo.replace_tags(
                conn, scope.account_id, scope.region, template_arn(scope, name), ()
            )
        if must_exist and not deleted:
            raise _not_found(name)

    async def list(
        self, scope: Scope, *, page_size: int, next_token: str | None
    ) -> CustomVerificationTemplatePage:
        after_id = decode_page_token(next_token) if next_token else 0
        async with self._db.read() as conn:
            rows = await repo.list_templates(
                conn, scope.account_id, scope.region, after_id=after_id, limit=page_size + 1
            )
        page = rows[:page_size]
        token = encode_page_token(page[-1][0]) if len(rows) > page_size else None
        return CustomVerificationTemplatePage([template for _, template in page], token)

    # -- sending -------------------------------------------------------------------

    async def send(
        self,
        scope: Scope,
        address: str,
        template_name: str,
        *,
        configuration_set_name: str | None = None,
    ) -> str:
        """SendCustomVerificationEmail: the message id of the mail queued to ``address``."""
        settings = await self._accounts.sending_settings(scope)
        if not settings.sending_enabled:
            raise SendingPausedError(
                "Email sending is disabled for your entire Amazon SES account."
            )
        if settings.sandbox:
            raise ProductionAccessNotGrantedError(
                "Production access is required to send custom verification emails. "
                "Request production access for this account and region."
            )
        normalized = normalize_email_address(address)
        template = await self.find(scope, template_name)
        if template is None:
            raise CustomVerificationTemplateDoesNotExistError(
                f"Template <{template_name}> does not exist", template_name
            )
        if not await self._sender_verified(scope, template.from_address):
            raise FromEmailAddressNotVerifiedError(
                "Email address is not verified. The following identities failed the check "
                f"in region {scope.region.upper()}: {template.from_address}"
            )
        if configuration_set_name:
            # Configuration sets arrive with their own issue; none can exist yet.
            raise ConfigurationSetDoesNotExistError(configuration_set_name)
        identity = await self._identities.verify_email_address(scope, normalized)
        url = await self._verification.link_url(scope, identity, template_name=template.name)
        message = SimpleMessage(
            from_address=template.from_address,
            subject=Content(template.subject, "UTF-8"),
            html=Content(
                _with_link(template.content, url, self._verification.settings.contact_address),
                "UTF-8",
            ),
            to=(identity.name,),
        )
        return await self._verification.mailer.queue(scope, message, charge=settings)


def _required(value: str | None, name: str) -> str:
    if value is None or not value.strip():
        raise InvalidParameterError(f"{name} is required.")
    return value


def _with_link(content: str, url: str, contact_address: str) -> str:
    """The template's HTML followed by the link and the footer, inside its body if it has one."""
    link = html.escape(url, quote=True)
    contact = html.escape(contact_address, quote=True)
    addition = (
        f'<p><a href="{link}">{link}</a></p>'
        f'<p style="font-size:smaller">{html.escape(DISCLAIMER)} '
        f'<a href="mailto:{contact}">{contact}</a></p>'
    )
    closing = content.lower().rfind("</body>")
    if closing == -1:
        return content + addition
    return content[:closing] + addition + content[closing:]
