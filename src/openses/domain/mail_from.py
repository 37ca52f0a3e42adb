"""Custom MAIL FROM domains: which names SES accepts, and which envelope sender a message gets.

Developer Guide, "Using a custom MAIL FROM domain": the MAIL FROM domain must be
a subdomain of the verified identity (of the address's domain for an address
identity), e.g. ``bounce.example.com`` for ``example.com``; it is used only once
SES has found its MX record (status ``Success``). Until then, or when the record
goes away, ``BehaviorOnMxFailure`` decides: ``UseDefaultValue`` sends with the
platform's default MAIL FROM, ``RejectMessage`` refuses the send with
``MailFromDomainNotVerified``.
"""

from __future__ import annotations

from openses.domain.errors import InvalidParameterError, MailFromDomainNotVerifiedError
from openses.domain.identities import (
    Identity,
    IdentityType,
    MailFromBehavior,
    VerificationStatus,
    normalize_domain,
)

# The text SES answers a send refused by RejectMessage (Developer Guide, "Troubleshooting").
MAIL_FROM_NOT_VERIFIED = "Mail FROM domain is not verified"


def identity_domain(identity: Identity) -> str:
    """The domain a MAIL FROM domain must sit under: the identity, or an address's domain."""
    if identity.identity_type is IdentityType.EMAIL_ADDRESS:
        return identity.name.rpartition("@")[2]
    return identity.name


def validate_mail_from_domain(identity: Identity, mail_from_domain: str) -> str:
    """The stored (lower-case) form of ``mail_from_domain``, or SES's InvalidParameterValue.

    A malformed name (a label over 63 characters, bad characters) is refused as
    any domain is; a well-formed name that is not strictly below the identity's
    domain gets the text SES answers (seen from SetIdentityMailFromDomain).
    """
    domain = normalize_domain(mail_from_domain)
    parent = identity_domain(identity)
    if not domain.endswith(f".{parent}"):
        raise InvalidParameterError(
            f"Provided MAIL-FROM domain <{mail_from_domain}> is not subdomain of the domain "
            f"of the identity <{parent}>."
        )
    return domain


def uses_custom_mail_from(identity: Identity) -> bool:
    """Whether mail from ``identity`` leaves with its own MAIL FROM domain: only once verified."""
    return (
        identity.mail_from_domain is not None
        and identity.mail_from_status is VerificationStatus.SUCCESS
    )


def check_mail_from(identity: Identity) -> None:
    """Raise ``MailFromDomainNotVerified`` when ``identity`` must refuse to send.

    That is when it has a custom MAIL FROM domain that is not (or no longer)
    verified and its BehaviorOnMxFailure is RejectMessage; otherwise mail leaves
    with the custom domain (verified) or the default (UseDefaultValue).
    """
    if (
        identity.mail_from_domain is not None
        and not uses_custom_mail_from(identity)
        and identity.mail_from_behavior is MailFromBehavior.REJECT_MESSAGE
    ):
        raise MailFromDomainNotVerifiedError(MAIL_FROM_NOT_VERIFIED)


def custom_envelope_sender(message_id: str, mail_from_domain: str) -> str:
    """The envelope sender of mail leaving with a custom MAIL FROM domain.

    SES's own form (its Return-Path reads ``<message id>@mail.example.com``): the
    local part is the SES message id, so a bounce arriving at the MAIL FROM
    domain's MX (``OPENSES_MAIL_FROM_MX``) names the message it is about.
    """
    return f"{message_id}@{mail_from_domain}"
