"""Classifying SMTP replies into SES bounce types, and the DSN strings SES reports.

SES's bounce types and subtypes (Developer Guide, "Amazon SNS notification
contents", bounce types table):

* ``Undetermined`` / ``Undetermined``: SES could not tell why.
* ``Permanent`` / ``General``, ``NoEmail`` (the address does not exist),
  ``Suppressed`` (global suppression list), ``OnAccountSuppressionList``.
  The last two never come from a remote server: the sending service decides them
  before any delivery, so no rule below produces them.
* ``Transient`` / ``General``, ``MailboxFull``, ``MessageTooLarge``,
  ``ContentRejected``, ``AttachmentRejected``. These subtypes exist only under
  ``Transient``: SES calls a ``552 5.2.2`` mailbox-full reply a Transient bounce
  although the server said 5xx. (``UnsubscribedRecipient`` is not one of SES's.)

Whether to *retry* is a different question, answered by the reply code alone
(RFC 5321 §4.2.1: 4yz transient, 5yz permanent); this module only names the
bounce for the notification.

The rules are data: an ordered tuple of ``BounceRule``; the first whose every
given condition holds wins, and the fallback is the class of the status.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# SES's bounce types live in the domain: events and statistics use the same enums.
from openses.domain.messages import BounceSubType, BounceType
from openses.mail.replies import SmtpReply

__all__ = ["BounceKind", "BounceRule", "BounceSubType", "BounceType", "classify"]


@dataclass(frozen=True, slots=True)
class BounceKind:
    bounce_type: BounceType
    sub_type: BounceSubType


@dataclass(frozen=True, slots=True)
class BounceRule:
    """Conditions on a reply; ``None`` means "any". All given conditions must hold.

    ``status_class``: 4 or 5, the class of the enhanced status if the server sent
    one, else of the reply code. ``enhanced``: regex fully matching the enhanced
    status code (``""`` matches a reply that has none). ``text``: regex searched,
    case-insensitively, in the reply text.
    """

    name: str
    kind: BounceKind
    status_class: int | None = None
    enhanced: str | None = None
    text: str | None = None

    def matches(self, reply: SmtpReply) -> bool:
        if self.status_class is not None and status_class(reply) != self.status_class:
            return False
        if self.enhanced is not None and not re.fullmatch(
            self.enhanced, reply.enhanced_status or ""
        ):
            return False
        return self.text is None or re.search(self.text, reply.text, re.IGNORECASE) is not None


def _kind(bounce_type: BounceType, sub_type: BounceSubType) -> BounceKind:
    return BounceKind(bounce_type, sub_type)


_MAILBOX_FULL = _kind(BounceType.TRANSIENT, BounceSubType.MAILBOX_FULL)
_TOO_LARGE = _kind(BounceType.TRANSIENT, BounceSubType.MESSAGE_TOO_LARGE)
_ATTACHMENT = _kind(BounceType.TRANSIENT, BounceSubType.ATTACHMENT_REJECTED)
_CONTENT = _kind(BounceType.TRANSIENT, BounceSubType.CONTENT_REJECTED)
_NO_EMAIL = _kind(BounceType.PERMANENT, BounceSubType.NO_EMAIL)
PERMANENT_GENERAL = _kind(BounceType.PERMANENT, BounceSubType.GENERAL)
TRANSIENT_GENERAL = _kind(BounceType.TRANSIENT, BounceSubType.GENERAL)
UNDETERMINED = _kind(BounceType.UNDETERMINED, BounceSubType.UNDETERMINED)

_FULL_TEXT = (
    r"mailbox (is )?full|over ?quota|quota exceeded|exceeded (the |their |its )?"
    r"(storage )?quota|insufficient (disk |storage )?space|out of storage|"
    r"mailbox size limit"
)
_TOO_LARGE_TEXT = (
    r"(message|mail|email|file) (size|length|is too (big|large)|too (big|large))|"
    r"size limit|exceeds? (the )?(maximum|fixed maximum|max)|too much mail data"
)
_ATTACHMENT_TEXT = r"attachment|file ?type|file extension|executable"
# "spam" but not "Spamhaus": a blocklisted IP is not about this message's content.
_CONTENT_TEXT = (
    r"spam(?!haus)|unsolicited|content|phish|malware|virus|"
    r"message (was |has been )?(rejected|blocked|refused|not accepted)"
)
_NO_SUCH_USER_TEXT = (
    r"user unknown|unknown user|no such (user|mailbox|recipient|account)|"
    r"(user|mailbox|recipient|address|account) (not found|does not exist|doesn'?t exist|"
    r"is unknown|unknown)|does not exist|doesn'?t have an? [\w.-]+ account|"
    r"invalid (recipient|mailbox)|recipient not found|not a valid (mailbox|recipient)"
)

# X.6.x media, X.7.x security or policy (RFC 3463 §3.7, §3.8).
_POLICY_OR_MEDIA = r"[45]\.[67]\.\d{1,3}"
_NONE = ""  # matches only a reply without an enhanced status code

# Ordered: the first match wins. Specific subjects (RFC 3463 §3) before text.
BOUNCE_RULES: tuple[BounceRule, ...] = (
    # X.2.2 "Mailbox full"; Gmail 452-4.2.2 / 552-5.2.2 "... is over quota".
    BounceRule("mailbox full (status)", _MAILBOX_FULL, enhanced=r"[45]\.2\.2"),
    # X.3.4 "Message too big for system"; X.2.3 "Message length exceeds
    # administrative limit"; Gmail 552-5.3.4, Outlook 552 5.3.4.
    BounceRule("message too large (status)", _TOO_LARGE, enhanced=r"[45]\.(3\.4|2\.3)"),
    BounceRule("mailbox full (text)", _MAILBOX_FULL, text=_FULL_TEXT),
    BounceRule("message too large (text)", _TOO_LARGE, text=_TOO_LARGE_TEXT),
    # X.7.x security/policy or X.6.x media with words about files: Gmail 552-5.7.0
    # "blocked because its content presents a potential security issue ... attachment".
    BounceRule("attachment", _ATTACHMENT, enhanced=_POLICY_OR_MEDIA, text=_ATTACHMENT_TEXT),
    BounceRule("content", _CONTENT, enhanced=_POLICY_OR_MEDIA, text=_CONTENT_TEXT),
    # Servers that send no enhanced code at all ("554 Message rejected as spam").
    BounceRule("attachment (no status)", _ATTACHMENT, enhanced=_NONE, text=_ATTACHMENT_TEXT),
    BounceRule("content (no status)", _CONTENT, enhanced=_NONE, text=_CONTENT_TEXT),
    # X.1.1 "Bad destination mailbox address", X.1.6 "moved, no forwarding",
    # X.1.10 "Recipient address has null MX" (RFC 7505) / Outlook "RecipientNotFound".
    BounceRule("no such mailbox (status)", _NO_EMAIL, status_class=5, enhanced=r"5\.1\.(1|6|10)"),
    # Servers without enhanced codes (Yahoo "554 delivery error: dd This user doesn't
    # have a yahoo.com account"); only 5xx, a 4xx "user unknown" is a lookup hiccup.
    BounceRule("no such mailbox (text)", _NO_EMAIL, status_class=5, text=_NO_SUCH_USER_TEXT),
    BounceRule("other permanent failure", PERMANENT_GENERAL, status_class=5),
    BounceRule("other transient failure", TRANSIENT_GENERAL, status_class=4),
)


def status_class(reply: SmtpReply) -> int:
    """2, 4 or 5: the enhanced status's class if given (RFC 3463 §3.1), else the code's.

    SES itself labels ``550 4.4.7 Message expired ...`` Transient: the enhanced
    code is the more specific of the two.
    """
    if reply.enhanced_status:
        return int(reply.enhanced_status[0])
    return reply.code // 100


def classify(reply: SmtpReply, rules: tuple[BounceRule, ...] = BOUNCE_RULES) -> BounceKind:
    """The SES bounce type and subtype for a failed delivery's reply."""
    if status_class(reply) == 2:
        return UNDETERMINED
    for rule in rules:
        if rule.matches(reply):
            return rule.kind
    return UNDETERMINED


def classify_reply(code: int, enhanced_status: str | None, text: str) -> BounceKind:
    """``classify`` for callers holding the three parts rather than a reply."""
    return classify(SmtpReply.make(code, enhanced_status, text))


def dsn_status(reply: SmtpReply) -> str:
    """``bouncedRecipients[].status``: the enhanced code, else ``class.0.0``.

    SES's documented example pairs ``"status": "5.0.0"`` with ``smtp; 550 user
    unknown``: a server that sends no enhanced code gets the class's "other".
    """
    return reply.enhanced_status or f"{reply.code // 100}.0.0"


def diagnostic_code(reply: SmtpReply) -> str:
    """``bouncedRecipients[].diagnosticCode``: RFC 3464 §2.3.6, type ``smtp``.

    Multi-line replies keep their lines, as SES shows Gmail's: ``smtp; 550-5.1.1
    The email account ...\\n550-5.1.1 ...\\n550 5.1.1 ... - gsmtp``.
    """
    return f"smtp; {reply}"


def dsn_action(reply: SmtpReply) -> str:
    """``bouncedRecipients[].action`` (RFC 3464 §2.3.3): SES bounces are ``failed``."""
    return "delivered" if reply.is_positive else "failed"
