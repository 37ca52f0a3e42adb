"""SMTP replies as values: parsing what a server said and the replies we make up.

A reply is a three-digit code (RFC 5321 §4.2), an optional enhanced status code
(RFC 3463, ``class.subject.detail``, announced by ENHANCEDSTATUSCODES, RFC 2034)
and text, possibly over several lines. SES shows replies to users in two places:
``delivery.smtpResponse`` ("250 2.0.0 OK ...") and ``bouncedRecipients[].diagnosticCode``
("smtp; 550 5.1.1 user unknown"); both keep every line the server sent, as the
wire had them ("550-5.1.1 ...\\n550 5.1.1 ...").

When delivery fails before any server answers (DNS, TCP, timeouts) there is no
remote reply, so we make one up the way SES does. The texts below are those
seen in real SES bounce notifications, e.g. ``smtp; 550 5.4.4 Invalid domain``
and ``554 4.4.7 Message expired: unable to deliver in 840 minutes.<421 4.4.0
Unable to lookup DNS for example.com>``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_ENHANCED_PREFIX = re.compile(r"^([245])\.(\d{1,3})\.(\d{1,3})(?=\s|$)")


@dataclass(frozen=True, slots=True)
class SmtpReply:
    """One SMTP reply. ``lines`` hold each line's text after the code, as sent."""

    code: int
    enhanced_status: str | None
    lines: tuple[str, ...]

    @classmethod
    def parse(cls, code: int, message: str) -> SmtpReply:
        """Build from a code and the message text, lines separated by ``\\n``.

        This is the shape aiosmtplib gives: each line's text with the code and
        the continuation mark removed, enhanced status code still in place.
        """
        lines = tuple(line.strip() for line in message.split("\n")) or ("",)
        match = _ENHANCED_PREFIX.match(lines[0])
        enhanced = ".".join(match.groups()) if match else None
        return cls(code=code, enhanced_status=enhanced, lines=lines)

    @classmethod
    def make(cls, code: int, enhanced_status: str | None, text: str) -> SmtpReply:
        """A one-line reply of our own making, e.g. ``make(421, "4.4.1", "...")``."""
        line = f"{enhanced_status} {text}" if enhanced_status else text
        return cls(code=code, enhanced_status=enhanced_status, lines=(line,))

    @property
    def text(self) -> str:
        """The human text, lines joined by spaces, enhanced status codes removed."""
        parts = (_ENHANCED_PREFIX.sub("", line).strip() for line in self.lines)
        return " ".join(part for part in parts if part)

    @property
    def is_positive(self) -> bool:
        return 200 <= self.code < 400

    @property
    def is_transient(self) -> bool:
        """4yz: Transient Negative Completion (RFC 5321 §4.2.1); worth retrying."""
        return 400 <= self.code < 500

    @property
    def is_permanent(self) -> bool:
        """5yz: Permanent Negative Completion; retrying the same thing will fail."""
        return 500 <= self.code < 600

    def __str__(self) -> str:
        """The reply as on the wire, multi-line replies joined with ``\\n``."""
        last = len(self.lines) - 1
        return "\n".join(
            f"{self.code}{' ' if index == last else '-'}{line}".rstrip()
            for index, line in enumerate(self.lines)
        )


# Replies we make up when no remote server answered. Texts are SES's own where
# SES's are known (from bounce notifications), else RFC-given ones.
def invalid_domain() -> SmtpReply:
    """NXDOMAIN, or no MX and no address records: SES says ``550 5.4.4 Invalid domain``."""
    return SmtpReply.make(550, "5.4.4", "Invalid domain")


def null_mx(domain: str) -> SmtpReply:
    """RFC 7505 §4.2: a null MX domain accepts no mail; 556 with 5.1.10."""
    return SmtpReply.make(556, "5.1.10", f"Recipient address has null MX ({domain})")


def dns_lookup_failed(domain: str) -> SmtpReply:
    """SERVFAIL or timeout while resolving: worth retrying (SES's text)."""
    return SmtpReply.make(421, "4.4.0", f"Unable to lookup DNS for {domain}")


def connection_failed() -> SmtpReply:
    """No MX host took a TCP connection or greeted us (SES's text)."""
    return SmtpReply.make(421, "4.4.1", "Failed to establish connection")


def connection_timed_out() -> SmtpReply:
    """A server stopped answering within the RFC 5321 §4.5.3.2 timeouts (SES's text)."""
    return SmtpReply.make(421, "4.4.2", "Connection timed out")


def connection_lost(stage: str) -> SmtpReply:
    """The connection closed mid-transaction; the message may or may not have arrived."""
    return SmtpReply.make(421, "4.4.2", f"Connection lost during {stage}")


def local_error(text: str) -> SmtpReply:
    """Something on our side went wrong; 451 is "local error in processing" (§4.2.3)."""
    return SmtpReply.make(451, "4.3.0", text)


def message_expired(minutes: int, last_reply: SmtpReply | None) -> SmtpReply:
    """The reply SES reports when it gives up retrying a soft bounce.

    e.g. ``554 4.4.7 Message expired: unable to deliver in 840 minutes.<421 4.4.2
    Connection timed out>``; SES marks such bounces ``Transient``/``General``.
    """
    last = f"<{' '.join(str(last_reply).splitlines())}>" if last_reply else ""
    return SmtpReply.make(
        554, "4.4.7", f"Message expired: unable to deliver in {minutes} minutes.{last}"
    )
