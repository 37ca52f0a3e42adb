"""What can be wrong with an address, in the words SES uses for it.

SES parses addresses with JavaMail's ``InternetAddress``; its refusals reach users
verbatim as ``InvalidParameterValue`` messages (v1) / ``BadRequestException`` (v2),
and as ``554 Transaction failed: …`` on SMTP. Texts seen from SES in public
reports:

* ``Missing final '@domain'`` — boto/boto#351, anymail/django-anymail#281,
  cloud-custodian#885
* ``Missing domain`` — brave/accounts#35
* ``Missing local name`` — arithmetric/aws-lambda-ses-forwarder#103
* ``Local address contains control or whitespace`` — aws/aws-sdk-rails#16 (for a
  non-ASCII local part), the SMTP reply in an Odoo module ("Transaction failed: …")
* ``Domain contains illegal character`` — 18F/identity-idp#7380 (non-ASCII
  domain), awslabs/aws-sdk-rust#881, SebastiaanKlippert/lambda-ses-forwarder#2
* ``Domain contains control or whitespace`` — GoodDollar/GoodDAPP#3730
* ``Extra route-addr`` — arithmetric/aws-lambda-ses-forwarder#91
* ``Illegal address`` — medplum/medplum#5320

The other JavaMail texts (``Missing '>'``, ``Nested group``, dots…) are the same
parser's messages for the other cases [INF: not yet seen from SES itself]. The
non-ASCII local-part text is the Developer Guide's ("Amazon SES email sending
errors": "There are non-ASCII characters in the email address").

Warnings do not make an address unusable; they mark forms an identity check
should look at twice (percent hack, source routes, IP literals…).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

_CONTROL = "Local address contains control or whitespace"
_ILLEGAL = "Illegal address"


class ProblemCode(enum.Enum):
    # --- fatal: the address list is refused -------------------------------------
    LINE_BREAK = ("line_break", _CONTROL, True)
    CONTROL_CHARACTER = ("control_character", _CONTROL, True)
    UNTERMINATED_QUOTE = ("unterminated_quote", "Missing '\"'", True)
    UNTERMINATED_COMMENT = ("unterminated_comment", "Missing ')'", True)
    UNOPENED_COMMENT = ("unopened_comment", "Missing '('", True)
    UNTERMINATED_LITERAL = ("unterminated_literal", "Missing ']'", True)
    ILLEGAL_CHARACTER = ("illegal_character", _ILLEGAL, True)
    MISSING_AT = ("missing_at", "Missing final '@domain'", True)
    MISSING_DOMAIN = ("missing_domain", "Missing domain", True)
    MISSING_LOCAL = ("missing_local", "Missing local name", True)
    EMPTY_ADDRESS = ("empty_address", _ILLEGAL, True)
    WHITESPACE_IN_LOCAL = ("whitespace_in_local", _CONTROL, True)
    WHITESPACE_IN_DOMAIN = ("whitespace_in_domain", "Domain contains control or whitespace", True)
    ILLEGAL_CHARACTER_IN_LOCAL = (
        "illegal_character_in_local",
        "Local address contains illegal character",
        True,
    )
    ILLEGAL_CHARACTER_IN_DOMAIN = (
        "illegal_character_in_domain",
        "Domain contains illegal character",
        True,
    )
    NON_ASCII_LOCAL = (
        "non_ascii_local",
        "There are non-ASCII characters in the email address",
        True,
    )
    NON_ASCII_DOMAIN = ("non_ascii_domain", "Domain contains illegal character", True)
    LOCAL_STARTS_WITH_DOT = ("local_starts_with_dot", "Local address starts with dot", True)
    LOCAL_ENDS_WITH_DOT = ("local_ends_with_dot", "Local address ends with dot", True)
    LOCAL_DOT_DOT = ("local_dot_dot", "Local address contains dot-dot", True)
    DOMAIN_STARTS_WITH_DOT = ("domain_starts_with_dot", "Domain starts with dot", True)
    DOMAIN_ENDS_WITH_DOT = ("domain_ends_with_dot", "Domain ends with dot", True)
    DOMAIN_DOT_DOT = ("domain_dot_dot", "Domain contains dot-dot", True)
    MISSING_CLOSE_ANGLE = ("missing_close_angle", "Missing '>'", True)
    MISSING_OPEN_ANGLE = ("missing_open_angle", "Missing '<'", True)
    EXTRA_ROUTE_ADDR = ("extra_route_addr", "Extra route-addr", True)
    NESTED_GROUP = ("nested_group", "Nested group", True)
    ILLEGAL_SEMICOLON = ("illegal_semicolon", "Illegal semicolon, not in group", True)
    TRAILING_TEXT = ("trailing_text", _ILLEGAL, True)
    NOT_ONE_ADDRESS = ("not_one_address", _ILLEGAL, True)
    # --- warnings: parsed, but worth refusing for an identity -------------------
    NAME_LOOKS_LIKE_ADDRESS = ("name_looks_like_address", "Display name contains '@'", False)
    SOURCE_ROUTE = ("source_route", "Address has a source route", False)
    PERCENT_HACK = ("percent_hack", "Local part contains '%'", False)
    BANG_PATH = ("bang_path", "Local part contains '!'", False)
    IP_LITERAL = ("ip_literal", "Domain is an address literal", False)
    QUOTED_LOCAL_PART = ("quoted_local_part", "Local part is quoted", False)
    UNTERMINATED_GROUP = ("unterminated_group", "Missing ';'", False)

    def __init__(self, key: str, message: str, fatal: bool) -> None:
        self.key = key
        self.message = message
        self.fatal = fatal


@dataclass(frozen=True)
class Problem:
    code: ProblemCode
    message: str

    @classmethod
    def of(cls, code: ProblemCode) -> Problem:
        return cls(code, code.message)

    @property
    def fatal(self) -> bool:
        return self.code.fatal
