"""Errors the mail package raises when a message breaks one of SES's rules.

Both classes carry the rule's key in ``REJECTIONS`` (``openses.mail.inspect``) and
the reply the SMTP interface gives for it, so the API and the SMTP door answer
the same failure with SES's own words.
"""

from __future__ import annotations

from openses.domain.errors import InvalidParameterError
from openses.domain.errors import MessageRejectedError as DomainMessageRejectedError


class MessageFormatError(InvalidParameterError):
    """SES answers ``InvalidParameterValue`` (v1) / ``BadRequestException`` (v2)."""

    def __init__(self, message: str, *, rule: str, smtp_reply: str) -> None:
        super().__init__(message)
        self.rule = rule
        self.smtp_reply = smtp_reply


class MessageRejectedError(DomainMessageRejectedError):
    """SES answers ``MessageRejected`` (v1 and v2)."""

    def __init__(self, message: str, *, rule: str, smtp_reply: str) -> None:
        super().__init__(message)
        self.rule = rule
        self.smtp_reply = smtp_reply


MailRuleError = MessageFormatError | MessageRejectedError
