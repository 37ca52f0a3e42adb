"""What sending authorization needs to know about one message: the identity ARNs a
delegate named, and which of the message's sender addresses each ARN vouches for.

Developer Guide, "Sending emails for the identity owner": ``SourceArn`` covers the
``Source`` address, ``FromArn`` the ``From`` header, ``ReturnPathArn`` the
``ReturnPath``; "if you only specify the SourceArn, Amazon SES sets the "From" address
and the "Return Path" addresses to the identity that you specified in SourceArn". The
raw-message headers ``X-SES-SOURCE-ARN``, ``X-SES-FROM-ARN`` and
``X-SES-RETURN-PATH-ARN`` stand for the same parameters (SMTP has only them); a
parameter wins over its header. SES v2 calls them ``FromEmailAddressIdentityArn`` (the
``SourceArn``) and ``FeedbackForwardingEmailAddressIdentityArn`` (the ``ReturnPathArn``).

No I/O here: ``services/sending_authorization`` checks the facts against the stored
identities and policies.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from openses.services.send_requests import SendRequest


class SenderRole(enum.Enum):
    SOURCE = "source"
    FROM = "from"
    RETURN_PATH = "return-path"


@dataclass(frozen=True, slots=True)
class SendingArns:
    source: str | None = None
    from_: str | None = None
    return_path: str | None = None

    def __bool__(self) -> bool:
        return bool(self.source or self.from_ or self.return_path)

    def over(self, fallback: SendingArns) -> SendingArns:
        """These ARNs (the call's parameters), each missing one taken from ``fallback``."""
        return SendingArns(
            self.source or fallback.source,
            self.from_ or fallback.from_,
            self.return_path or fallback.return_path,
        )

    def for_role(self, role: SenderRole) -> str | None:
        """The ARN that vouches for an address in ``role``; SourceArn stands in for the rest."""
        if role is SenderRole.FROM:
            return self.from_ or self.source
        if role is SenderRole.RETURN_PATH:
            return self.return_path or self.source
        return self.source


def request_arns(request: SendRequest) -> SendingArns:
    return SendingArns(request.source_arn, request.from_arn, request.return_path_arn)


@dataclass(frozen=True, slots=True)
class SenderFacts:
    """One message as sending authorization sees it."""

    arns: SendingArns
    # Every sender address with the role that decides which ARN covers it.
    claims: tuple[tuple[str, SenderRole], ...]
    action: str  # the policy action: "SendEmail", "SendRawEmail", ...
    from_address: str
    from_display_name: str | None
    feedback_address: str
    recipients: tuple[str, ...]
    source_ip: str = ""


def sender_claims(
    *,
    source: str,
    from_addresses: tuple[str, ...],
    sender: str | None,
    return_path: str | None,
    feedback_parameter: str | None,
) -> tuple[tuple[str, SenderRole], ...]:
    """The message's sender addresses (those the identity checks look at) by role."""
    claims = [(source, SenderRole.SOURCE)]
    claims += [(address, SenderRole.FROM) for address in from_addresses]
    # The Sender header names who sent the message for its From: a From-like address.
    if sender:
        claims.append((sender, SenderRole.FROM))
    for address in (return_path, feedback_parameter):
        if address:
            claims.append((address, SenderRole.RETURN_PATH))
    return tuple(claims)


_BULK_OPERATIONS = frozenset({"SendBulkTemplatedEmail", "SendBulkEmail"})


def authorization_action(request: SendRequest) -> str:
    """The sending action a policy must allow for ``request``.

    A policy names v1's four actions; v2 SendEmail and SMTP are the one whose content
    they carry (SMTP is raw mail: "you have to specify ses:SendRawEmail", guide).
    """
    if request.operation in _BULK_OPERATIONS:
        return "SendBulkTemplatedEmail"
    if request.template is not None:
        return "SendTemplatedEmail"
    if request.raw is not None:
        return "SendRawEmail"
    return "SendEmail"
