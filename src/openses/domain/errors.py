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
