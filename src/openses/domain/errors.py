"""One hierarchy of domain errors; ``api/errors.py`` maps each to AWS's codes per API version."""

from __future__ import annotations


class DomainError(Exception):
    """A rule of SES was broken. ``message`` is the text AWS shows the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidParameterError(DomainError):
    """A parameter has a value SES refuses (v1 InvalidParameterValue, v2 BadRequestException)."""


class ResourceNotFoundError(DomainError):
    """The named resource does not exist in this account and region."""


class IdentityNotFoundError(ResourceNotFoundError):
    pass


class AlreadyExistsError(DomainError):
    pass


class LimitExceededError(DomainError):
    pass


class AccountNotFoundError(DomainError):
    pass


class AccessKeyNotFoundError(DomainError):
    pass


class MessageRejectedError(DomainError):
    """SES refused the message (v1 and v2 ``MessageRejected``)."""


class IdentityNotVerifiedError(MessageRejectedError):
    """A sender, or in the sandbox a recipient, is not a verified identity."""

    def __init__(self, region: str, identities: list[str]) -> None:
        # SES lists the identities and ends with an ellipsis when it cannot show all.
        shown = identities[:10]
        suffix = ", ..." if len(identities) > len(shown) else ""
        super().__init__(
            "Email address is not verified. The following identities failed the check in "
            f"region {region.upper()}: {', '.join(shown)}{suffix}"
        )
        self.identities = identities


class SendingPausedError(DomainError):
    """Sending is disabled for the account in this region."""


class ThrottlingError(DomainError):
    """A send quota is exhausted; the message was not accepted (and must not be queued)."""


class MaximumSendRateExceededError(ThrottlingError):
    def __init__(self) -> None:
        super().__init__("Maximum sending rate exceeded.")


class DailyQuotaExceededError(ThrottlingError):
    def __init__(self) -> None:
        super().__init__("Daily message quota exceeded.")


class MailFromDomainNotVerifiedError(DomainError):
    pass


class ConfigurationSetDoesNotExistError(DomainError):
    def __init__(self, name: str) -> None:
        super().__init__(f"Configuration set <{name}> does not exist.")
        self.name = name


# --- Templates (v1 CreateTemplate…TestRenderTemplate, v2 CreateEmailTemplate…) ---


class TemplateDoesNotExistError(ResourceNotFoundError):
    """v1 ``TemplateDoesNotExist``, v2 ``NotFoundException``."""

    def __init__(self, name: str) -> None:
        super().__init__(f"Template {name} does not exist.")
        self.name = name


class TemplateAlreadyExistsError(AlreadyExistsError):
    def __init__(self, name: str, account_id: str) -> None:
        # The text SES v2 answers (seen from `aws sesv2 create-email-template`).
        super().__init__(f"Template {name} already exists for account id {account_id}")
        self.name = name


class TemplateRenderingError(DomainError):
    """A template cannot be rendered with the data given. ``message`` is what SES
    reports, synchronously from TestRenderTemplate or as a Rendering Failure event."""

    def __init__(self, message: str, template_name: str | None = None) -> None:
        super().__init__(message)
        self.template_name = template_name


class InvalidTemplateError(TemplateRenderingError):
    """v1 ``InvalidTemplate``: the template itself cannot render (syntax, unknown partial)."""


class InvalidRenderingParameterError(TemplateRenderingError):
    """v1 ``InvalidRenderingParameter``: the template data is not a JSON object."""


class MissingRenderingAttributeError(TemplateRenderingError):
    """v1 ``MissingRenderingAttribute``: a value the template shows is not in the data."""


# --- Custom verification e-mail templates (v1 and v2 …CustomVerificationEmailTemplate) ---


class CustomVerificationTemplateAlreadyExistsError(AlreadyExistsError):
    """v1 ``CustomVerificationEmailTemplateAlreadyExists``, v2 ``AlreadyExistsException``."""

    def __init__(self, name: str) -> None:
        super().__init__(f"Custom verification email template <{name}> already exists")
        self.name = name


class CustomVerificationTemplateDoesNotExistError(ResourceNotFoundError):
    """v1 ``CustomVerificationEmailTemplateDoesNotExist``, v2 ``NotFoundException``."""

    def __init__(self, message: str, name: str) -> None:
        super().__init__(message)
        self.name = name


class FromEmailAddressNotVerifiedError(DomainError):
    """A custom verification template's sender is not a verified identity."""


class CustomVerificationInvalidContentError(DomainError):
    """v1 ``CustomVerificationEmailInvalidContent``: size, disallowed HTML, comments."""


class ProductionAccessNotGrantedError(DomainError):
    """v1 ``ProductionAccessNotGranted``: custom verification e-mails need production access."""


# --- Sending authorization (identity policies) ---


class InvalidPolicyError(DomainError):
    """v1 ``InvalidPolicy``, v2 ``BadRequestException``: a policy SES would not store."""


class SendingNotAuthorizedError(DomainError):
    """A delegate named another account's identity that no policy lets it send for.

    The text is IAM's, as SES answers it (v1 ``AccessDenied``; over SMTP ``554 Access
    denied: ...``, e.g. ministryofjustice/analytical-platform#6944).
    """

    def __init__(self, principal_arn: str, action: str, resource_arn: str) -> None:
        super().__init__(
            f"User `{principal_arn}' is not authorized to perform `ses:{action}' "
            f"on resource `{resource_arn}'"
        )
        self.resource_arn = resource_arn
