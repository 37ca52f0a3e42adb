"""Identities: the e-mail addresses and domains an account may send from.

Rules from the Developer Guide, "Verified identities":
- an identity is an address (``local@domain``) or a domain;
- domains are case-insensitive and stored lower-case; the local part of an
  address is case-sensitive, so only an address's domain is lower-cased;
- DNS labels are at most 63 characters and a domain at most 253 (RFC 1034).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from enum import StrEnum

from openses.domain.errors import InvalidParameterError

MAX_IDENTITIES_PER_REGION = 10_000
MAX_DOMAIN_LENGTH = 253
MAX_LABEL_LENGTH = 63
MAX_ADDRESS_LENGTH = 320  # RFC 5321 §4.5.3.1: 64 local + "@" + 255 domain

_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
# Printable ASCII without the specials that need quoting (RFC 5322 §3.2.3 atext and dots).
_LOCAL_PART = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}$")


class IdentityType(StrEnum):
    EMAIL_ADDRESS = "EMAIL_ADDRESS"
    DOMAIN = "DOMAIN"


class DkimOrigin(StrEnum):
    """Who made the DKIM keys: SES (Easy DKIM) or the customer (BYODKIM)."""

    AWS_SES = "AWS_SES"
    EXTERNAL = "EXTERNAL"


class DkimKeyLength(StrEnum):
    RSA_1024_BIT = "RSA_1024_BIT"
    RSA_2048_BIT = "RSA_2048_BIT"


class MailFromBehavior(StrEnum):
    """What to do when the custom MAIL FROM domain's MX record is missing."""

    USE_DEFAULT_VALUE = "UseDefaultValue"
    REJECT_MESSAGE = "RejectMessage"


class VerificationStatus(StrEnum):
    """SES v1's names; v2 spells the same states in upper snake case."""

    PENDING = "Pending"
    SUCCESS = "Success"
    FAILED = "Failed"
    TEMPORARY_FAILURE = "TemporaryFailure"
    NOT_STARTED = "NotStarted"


@dataclass(frozen=True, slots=True)
class Identity:
    account_id: str
    region: str
    name: str
    identity_type: IdentityType
    verification_status: VerificationStatus
    created_at: dt.datetime
    # v1 domain verification: the TXT value expected at _amazonses.<domain>.
    verification_token: str | None = None
    # Easy DKIM: three tokens, CNAMEs <token>._domainkey.<domain>.
    dkim_tokens: tuple[str, ...] = ()
    dkim_enabled: bool = False
    dkim_status: VerificationStatus = VerificationStatus.NOT_STARTED
    feedback_forwarding_enabled: bool = True
    configuration_set_name: str | None = None
    tags: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    # The verifier's bookkeeping (v2 GetEmailIdentity VerificationInfo). A verification
    # attempt starts at verification_started_at and gives up 72 hours later.
    verification_started_at: dt.datetime | None = None
    last_checked_at: dt.datetime | None = None
    last_success_at: dt.datetime | None = None
    verification_error: str | None = None  # v2 VerificationInfo.ErrorType
    next_check_at: dt.datetime | None = None
    check_failures: int = 0
    # DKIM: Easy DKIM (keys made here, tokens are selectors) or BYODKIM (one selector).
    dkim_origin: DkimOrigin = DkimOrigin.AWS_SES
    dkim_current_key_length: DkimKeyLength | None = None
    dkim_next_key_length: DkimKeyLength | None = None
    dkim_key_generated_at: dt.datetime | None = None
    dkim_verification_started_at: dt.datetime | None = None
    # Custom MAIL FROM domain (a subdomain of the identity's domain).
    mail_from_domain: str | None = None
    mail_from_status: VerificationStatus | None = None
    mail_from_behavior: MailFromBehavior = MailFromBehavior.USE_DEFAULT_VALUE
    mail_from_started_at: dt.datetime | None = None  # its MX search's 72 hours start here
    # Notifications (SNS topic ARNs) and whether they carry the original headers.
    bounce_topic: str | None = None
    complaint_topic: str | None = None
    delivery_topic: str | None = None
    headers_in_bounce: bool = False
    headers_in_complaint: bool = False
    headers_in_delivery: bool = False

    @property
    def is_verified(self) -> bool:
        return self.verification_status is VerificationStatus.SUCCESS


def is_domain_name(value: str) -> bool:
    if not value or len(value) > MAX_DOMAIN_LENGTH:
        return False
    labels = value.lower().rstrip(".").split(".")
    return len(labels) >= 2 and all(_LABEL.match(label) for label in labels)


def normalize_domain(domain: str) -> str:
    """Lower-cased, without a trailing dot; raises InvalidParameterError when not a domain name."""
    candidate = domain.strip()
    if not is_domain_name(candidate):
        raise InvalidParameterError(f"Invalid domain name {domain}.")
    return candidate.lower().rstrip(".")


def normalize_email_address(address: str) -> str:
    """The address with its domain lower-cased; the local part is kept as given (case matters)."""
    local, at, domain = address.rpartition("@")
    if (
        not at
        or len(address) > MAX_ADDRESS_LENGTH
        or not _LOCAL_PART.match(local)
        or local.startswith(".")
        or local.endswith(".")
        or ".." in local
        or not is_domain_name(domain)
    ):
        raise InvalidParameterError(f"Invalid email address<{address}>.")
    return f"{local}@{domain.lower().rstrip('.')}"


def identity_type_of(name: str) -> IdentityType:
    return IdentityType.EMAIL_ADDRESS if "@" in name else IdentityType.DOMAIN


def normalize_identity(name: str) -> tuple[str, IdentityType]:
    """The stored form of an identity name and its type."""
    kind = identity_type_of(name)
    if kind is IdentityType.EMAIL_ADDRESS:
        return normalize_email_address(name), kind
    return normalize_domain(name), kind


def lookup_key(name: str) -> str:
    """The form under which an identity is looked up, without validating it.

    Lookups must find ``EXAMPLE.com`` when ``example.com`` was created, but must
    not raise for names that could never have been created: those are simply
    not found.
    """
    local, at, domain = name.rpartition("@")
    if at:
        return f"{local}@{domain.lower().rstrip('.')}"
    return name.strip().lower().rstrip(".")


# --- The DNS records that verify a domain (names as the Developer Guide gives them) ---


def domain_verification_record(domain: str) -> str:
    """Where v1 domain verification expects its TXT token: ``_amazonses.<domain>``."""
    return f"_amazonses.{domain}"


def dkim_record_name(selector: str, domain: str) -> str:
    """Where a DKIM public key is found: ``<selector>._domainkey.<domain>`` (RFC 6376 §3.6.2)."""
    return f"{selector}._domainkey.{domain}"


def easy_dkim_target(token: str, dkim_domain: str) -> str:
    """The CNAME target of an Easy DKIM token: ``<token>.dkim.<OPENSES_DKIM_DOMAIN>``."""
    return f"{token}.dkim.{dkim_domain}"


def identity_candidates(address: str) -> list[str]:
    """The identity names that may authorise ``address``, most specific first.

    Developer Guide, "Verified identities": a verified address authorises itself
    and its plus-labelled forms (``sender+x@example.com``); a verified domain
    authorises every address on it and on its subdomains. Local parts are
    case-sensitive, domains are not.
    """
    local, at, domain = address.rpartition("@")
    if not at:
        return []
    domain = domain.lower().rstrip(".")
    candidates = [f"{local}@{domain}"]
    base, plus, _label = local.partition("+")
    if plus and base:
        candidates.append(f"{base}@{domain}")
    labels = domain.split(".")
    candidates += [".".join(labels[i:]) for i in range(len(labels) - 1)]
    return candidates
