"""The one table from domain errors to AWS errors, per API version."""

from __future__ import annotations

from typing import Literal

from openses.domain import errors as domain
from openses.protocol.errors import ApiError

ApiVersion = Literal["v1", "v2"]

# (domain error class, v1 code, v1 status, v2 code, v2 status); the first
# matching class wins, so subclasses come before their parents.
_TABLE: tuple[tuple[type[domain.DomainError], str, int, str, int], ...] = (
    (domain.MessageRejectedError, "MessageRejected", 400, "MessageRejected", 400),
    (
        domain.SendingPausedError,
        "AccountSendingPausedException",
        400,
        "SendingPausedException",
        400,
    ),
    (domain.ThrottlingError, "Throttling", 400, "TooManyRequestsException", 429),
    (
        domain.MailFromDomainNotVerifiedError,
        "MailFromDomainNotVerifiedException",
        400,
        "MailFromDomainNotVerifiedException",
        400,
    ),
    (
        domain.ConfigurationSetDoesNotExistError,
        "ConfigurationSetDoesNotExist",
        400,
        "NotFoundException",
        404,
    ),
    (domain.InvalidParameterError, "InvalidParameterValue", 400, "BadRequestException", 400),
    (domain.InvalidPolicyError, "InvalidPolicy", 400, "BadRequestException", 400),
    (domain.SendingNotAuthorizedError, "AccessDenied", 403, "AccessDeniedException", 403),
    (domain.TemplateDoesNotExistError, "TemplateDoesNotExist", 400, "NotFoundException", 404),
    (
        domain.CustomVerificationTemplateDoesNotExistError,
        "CustomVerificationEmailTemplateDoesNotExist",
        400,
        "NotFoundException",
        404,
    ),
    (
        domain.CustomVerificationTemplateAlreadyExistsError,
        "CustomVerificationEmailTemplateAlreadyExists",
        400,
        "AlreadyExistsException",
        400,
    ),
    # v2 answers an unverified template sender with NotFoundException (seen from SES).
    (
        domain.FromEmailAddressNotVerifiedError,
        "FromEmailAddressNotVerified",
        400,
        "NotFoundException",
        404,
    ),
    (
        domain.CustomVerificationInvalidContentError,
        "CustomVerificationEmailInvalidContent",
        400,
        "BadRequestException",
        400,
    ),
    # v2 declares no such error; [INF] BadRequestException.
    (
        domain.ProductionAccessNotGrantedError,
        "ProductionAccessNotGranted",
        400,
        "BadRequestException",
        400,
    ),
    (domain.InvalidTemplateError, "InvalidTemplate", 400, "BadRequestException", 400),
    (
        domain.InvalidRenderingParameterError,
        "InvalidRenderingParameter",
        400,
        "BadRequestException",
        400,
    ),
    (
        domain.MissingRenderingAttributeError,
        "MissingRenderingAttribute",
        400,
        "BadRequestException",
        400,
    ),
    (domain.IdentityNotFoundError, "InvalidParameterValue", 400, "NotFoundException", 404),
    (domain.ResourceNotFoundError, "InvalidParameterValue", 400, "NotFoundException", 404),
    (domain.AlreadyExistsError, "AlreadyExists", 400, "AlreadyExistsException", 400),
    (domain.LimitExceededError, "LimitExceeded", 400, "LimitExceededException", 400),
    (domain.AccountNotFoundError, "AccessDenied", 403, "AccessDeniedException", 403),
    (
        domain.AccessKeyNotFoundError,
        "InvalidClientTokenId",
        403,
        "UnrecognizedClientException",
        403,
    ),
)


def to_api_error(error: domain.DomainError, version: ApiVersion) -> ApiError:
    for error_class, v1_code, v1_status, v2_code, v2_status in _TABLE:
        if isinstance(error, error_class):
            if version == "v1":
                return ApiError(v1_code, error.message, v1_status)
            return ApiError(v2_code, error.message, v2_status)
    return ApiError("InternalFailure", "An internal error occurred.", 500, sender_fault=False)
