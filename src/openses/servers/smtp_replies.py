"""Every reply the SMTP submission interface gives, in one catalogue.

Sources are tagged as in ``openses.mail.inspect``: [SEED] the Developer Guide's
"SMTP response codes returned by Amazon SES" table (spec digest §1.7); [ISSUE] a
public report quoting SES's reply (repository#number); [RFC] the protocol's own
reply where SES's is not known; [INF] our wording.

The texts a message's content earns (``554 Transaction failed: ...``,
``554 Message rejected: ...``, ``552 Message is too long.``) come from the rejection
table in ``openses.mail.inspect`` through the errors' ``smtp_reply``, so the API
and SMTP doors answer one failure with the same words.
"""

from __future__ import annotations

import logging
from typing import Final

from openses.domain.errors import (
    DomainError,
    MessageRejectedError,
    SendingNotAuthorizedError,
    SendingPausedError,
    ThrottlingError,
)
from openses.mail.errors import MessageFormatError
from openses.mail.errors import MessageRejectedError as MailRuleRejectedError

logger = logging.getLogger("openses.smtp")

# -- connection -------------------------------------------------------------
# [SEED] banner shape: "220 email-smtp.amazonaws.com ESMTP SimpleEmailService-d-... <id>"
GREETING: Final = "220 {hostname} ESMTP SimpleEmailService-openses {session_id}"
TOO_MANY_CONNECTIONS: Final = "421 Too many concurrent SMTP connections"  # [SEED]
# [ISSUE] knadh/listmonk#1624, symfony/symfony#45586, mozilla/sumo#2215 (SES, 2022-2025).
TIMEOUT: Final = "451 4.4.2 Timeout waiting for data from client."
SHUTTING_DOWN: Final = "421 Service not available, closing transmission channel"  # [RFC]
TOO_MANY_MESSAGES: Final = "421 Too many messages in one session, reconnect"  # [INF]
TOO_MANY_ERRORS: Final = "421 Too many errors, closing connection"  # [INF]
BYE: Final = "221 Bye"  # [INF]

# -- commands ----------------------------------------------------------------
OK: Final = "250 Ok"  # [SEED] SES ends its EHLO reply and answers RSET/NOOP with "250 Ok"
START_DATA: Final = "354 End data with <CR><LF>.<CR><LF>"  # [RFC]
UNRECOGNIZED: Final = "500 Unrecognized command"  # [RFC]
LINE_TOO_LONG: Final = "500 Line too long"  # [RFC] 5321 §4.5.3.1.4
NOT_ASCII: Final = "500 Commands must be ASCII"  # [INF] SMTPUTF8 is not offered
NOT_IMPLEMENTED: Final = "502 Command not implemented"  # [RFC]
BAD_SEQUENCE: Final = "503 Bad sequence of commands"  # [RFC]
SEND_EHLO_FIRST: Final = "503 Send EHLO first"  # [INF]
SYNTAX_HELO: Final = "501 Syntax: EHLO hostname"  # [RFC]
SYNTAX_MAIL: Final = "501 Syntax: MAIL FROM:<address>"  # [RFC]
SYNTAX_RCPT: Final = "501 Syntax: RCPT TO:<address>"  # [RFC]
NO_PARAMETERS: Final = "501 Syntax error, no parameters allowed"  # [RFC]
UNKNOWN_PARAMETER: Final = "555 MAIL FROM/RCPT TO parameters not recognized"  # [RFC] §4.1.1.11
INVALID_ADDRESS: Final = "553 {reason}"  # [RFC] "mailbox name not allowed"
TOO_MANY_RECIPIENTS: Final = "452 Too many recipients"  # [RFC] 5321 §4.5.3.1.10; 50 as SES
MESSAGE_TOO_LONG: Final = "552 Message is too long."  # [SEED]
BARE_CR: Final = "554 Transaction failed: Bare CR characters are not allowed in messages."

# -- TLS and AUTH -------------------------------------------------------------
READY_FOR_TLS: Final = "220 Ready to start TLS"  # [RFC] 3207
TLS_NOT_AVAILABLE: Final = "454 TLS not available"  # [RFC] 3207
TLS_ALREADY_ACTIVE: Final = "503 TLS already active"  # [INF]
# [ISSUE] OmniLayer/omniwallet#1161, knadh/listmonk#2559: SES's answer to AUTH before TLS.
STARTTLS_FIRST: Final = "530 Must issue a STARTTLS command first"
AUTH_REQUIRED: Final = "530 Authentication required"  # [SEED]
AUTH_SUCCEEDED: Final = "235 Authentication successful"  # [SEED]
AUTH_FAILED: Final = "535 Authentication Credentials Invalid"  # [SEED]
AUTH_MECHANISM_UNKNOWN: Final = "504 Unrecognized authentication type"  # [RFC] 4954
AUTH_CANCELLED: Final = "501 Authentication cancelled"  # [RFC] 4954
ALREADY_AUTHENTICATED: Final = "503 Already authenticated"  # [RFC] 4954
AUTH_PROMPT_PLAIN: Final = "334 "  # [RFC] 4954: empty challenge
AUTH_PROMPT_USERNAME: Final = "334 VXNlcm5hbWU6"  # base64("Username:"), as SES and most servers
AUTH_PROMPT_PASSWORD: Final = "334 UGFzc3dvcmQ6"  # noqa: S105 - base64("Password:"), a prompt

# -- the message --------------------------------------------------------------
ACCEPTED: Final = "250 Ok {message_id}"  # [SEED]
THROTTLED: Final = "454 Throttling failure: {reason}"  # [SEED]
MESSAGE_REJECTED: Final = "554 Message rejected: {reason}"  # [SEED]
TRANSACTION_FAILED: Final = "554 Transaction failed: {reason}"  # [ISSUE] see mail/inspect.py
# [INF] SES's SMTP text for a paused account is not published; the API's words, 554.
SENDING_PAUSED: Final = "554 Sending paused: {reason}"
# [ISSUE] ministryofjustice/analytical-platform#6944, GSA/data.gov#3810: a delegate whose
# X-SES-*-ARN names an identity it is not authorized to send for.
ACCESS_DENIED: Final = "554 Access denied: {reason}"
TEMPORARY_FAILURE: Final = "451 Temporary service failure"  # [SEED]


def ehlo_lines(
    hostname: str, *, max_message_bytes: int, offer_starttls: bool, offer_auth: bool
) -> list[str]:
    """The EHLO reply. AUTH is offered only under TLS, STARTTLS only before it.

    SES offers AUTH before TLS too and answers its use with ``530 Must issue a
    STARTTLS command first``; offering it only under TLS keeps clients that
    would send credentials in clear from trying (RFC 4954 §4, RFC 3207 §6).
    """
    extensions = ["8BITMIME", f"SIZE {max_message_bytes}"]
    if offer_starttls:
        extensions.append("STARTTLS")
    if offer_auth:
        extensions.append("AUTH PLAIN LOGIN")
    lines = [hostname, *extensions, "Ok"]
    return [f"250-{line}" for line in lines[:-1]] + [f"250 {lines[-1]}"]


def accepted(message_id: str) -> str:
    return ACCEPTED.format(message_id=message_id)


def reply_for_error(error: Exception) -> str:
    """SES's SMTP reply for a refused send; ``451 Temporary service failure`` if unexpected."""
    if isinstance(error, MessageFormatError | MailRuleRejectedError):
        return error.smtp_reply
    if isinstance(error, ThrottlingError):
        return THROTTLED.format(reason=error.message)
    if isinstance(error, MessageRejectedError):
        return MESSAGE_REJECTED.format(reason=error.message)
    if isinstance(error, SendingPausedError):
        return SENDING_PAUSED.format(reason=error.message)
    if isinstance(error, SendingNotAuthorizedError):
        return ACCESS_DENIED.format(reason=error.message)
    if isinstance(error, DomainError):
        return TRANSACTION_FAILED.format(reason=error.message)
    logger.exception("SMTP submission failed", exc_info=error)
    return TEMPORARY_FAILURE
