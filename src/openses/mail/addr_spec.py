"""One addr-spec (``local@domain``, RFC 5322 section 3.4.1) checked token by token.

The addr-spec must be a single run of text: white space or a comment inside it is
refused (JavaMail's "contains control or whitespace"), so the accepted text is a
literal slice of what the sender wrote and cannot differ from what a mail
client shows. Domains must be ASCII (IDNs travel as Punycode A-labels: Developer
Guide, "Sending raw email using the Amazon SES API").
"""

from __future__ import annotations

import ipaddress
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from openses.mail.address_problems import ProblemCode
from openses.mail.address_tokens import Kind, Token

_DOMAIN_LABEL_CHARS = re.compile(r"[A-Za-z0-9_-]+")


@dataclass(frozen=True)
class AddrSpec:
    text: str
    local_part: str
    domain: str
    warnings: tuple[ProblemCode, ...]


def _strip_cfws(tokens: Sequence[Token]) -> Sequence[Token]:
    start, end = 0, len(tokens)
    while start < end and tokens[start].kind in (Kind.SPACE, Kind.COMMENT):
        start += 1
    while end > start and tokens[end - 1].kind in (Kind.SPACE, Kind.COMMENT):
        end -= 1
    return tokens[start:end]


def _dot_problem(words: Sequence[Token], *, local: bool) -> ProblemCode | None:
    """Dots must separate words: none first, none last, never two in a row."""
    if words[0].is_special("."):
        return ProblemCode.LOCAL_STARTS_WITH_DOT if local else ProblemCode.DOMAIN_STARTS_WITH_DOT
    if words[-1].is_special("."):
        return ProblemCode.LOCAL_ENDS_WITH_DOT if local else ProblemCode.DOMAIN_ENDS_WITH_DOT
    for before, after in itertools.pairwise(words):
        if before.is_special(".") and after.is_special("."):
            return ProblemCode.LOCAL_DOT_DOT if local else ProblemCode.DOMAIN_DOT_DOT
        if not before.is_special(".") and not after.is_special("."):
            return (
                ProblemCode.ILLEGAL_CHARACTER_IN_LOCAL
                if local
                else ProblemCode.ILLEGAL_CHARACTER_IN_DOMAIN
            )
    return None


def _check_local(words: Sequence[Token]) -> tuple[ProblemCode, ...] | ProblemCode:
    if not words or all(word.text == '""' for word in words):
        return ProblemCode.MISSING_LOCAL
    for word in words:
        if word.kind not in (Kind.ATOM, Kind.QUOTED) and not word.is_special("."):
            return ProblemCode.ILLEGAL_CHARACTER_IN_LOCAL
    dots = _dot_problem(words, local=True)
    if dots is not None:
        return dots
    text = "".join(word.text for word in words)
    if not text.isascii():
        return ProblemCode.NON_ASCII_LOCAL
    warnings: list[ProblemCode] = []
    if any(word.kind is Kind.QUOTED for word in words):
        warnings.append(ProblemCode.QUOTED_LOCAL_PART)
    if "%" in text:
        warnings.append(ProblemCode.PERCENT_HACK)
    if "!" in text:
        warnings.append(ProblemCode.BANG_PATH)
    return tuple(warnings)


def _check_literal(literal: str) -> tuple[ProblemCode, ...] | ProblemCode:
    inner = literal[1:-1]
    tagged_v6 = inner.lower().startswith("ipv6:")
    try:
        address = ipaddress.ip_address(inner[5:] if tagged_v6 else inner)
    except ValueError:
        return ProblemCode.ILLEGAL_CHARACTER_IN_DOMAIN
    if (address.version == 6) != tagged_v6:
        return ProblemCode.ILLEGAL_CHARACTER_IN_DOMAIN
    return (ProblemCode.IP_LITERAL,)


def _check_domain(words: Sequence[Token]) -> tuple[ProblemCode, ...] | ProblemCode:
    if not words:
        return ProblemCode.MISSING_DOMAIN
    if len(words) == 1 and words[0].kind is Kind.LITERAL:
        return _check_literal(words[0].text)
    for word in words:
        if word.is_special("."):
            continue
        if word.kind is not Kind.ATOM:
            return ProblemCode.ILLEGAL_CHARACTER_IN_DOMAIN
        if not word.text.isascii():
            return ProblemCode.NON_ASCII_DOMAIN
        if not _DOMAIN_LABEL_CHARS.fullmatch(word.text):
            return ProblemCode.ILLEGAL_CHARACTER_IN_DOMAIN
    dots = _dot_problem(words, local=False)
    return dots if dots is not None else ()


def _interior_gap(tokens: Sequence[Token], at_index: int) -> ProblemCode | None:
    """White space or a comment inside the addr-spec, named by the side it is on."""
    for index, token in enumerate(tokens):
        if token.kind in (Kind.SPACE, Kind.COMMENT):
            if index < at_index:
                return ProblemCode.WHITESPACE_IN_LOCAL
            return ProblemCode.WHITESPACE_IN_DOMAIN
    return None


def check_addr_spec(tokens: Sequence[Token]) -> AddrSpec | ProblemCode:
    """The addr-spec the tokens spell, or the first reason SES would refuse it."""
    words = _strip_cfws(tokens)
    if not words:
        return ProblemCode.EMPTY_ADDRESS
    at_positions = [index for index, token in enumerate(words) if token.is_special("@")]
    if not at_positions:
        gap = _interior_gap(words, len(words))
        return gap if gap is not None else ProblemCode.MISSING_AT
    at_index = at_positions[0]
    gap = _interior_gap(words, at_index)
    if gap is not None:
        return gap
    if len(at_positions) > 1:
        return ProblemCode.ILLEGAL_CHARACTER_IN_DOMAIN
    local = _check_local(words[:at_index])
    if isinstance(local, ProblemCode):
        return local
    domain = _check_domain(words[at_index + 1 :])
    if isinstance(domain, ProblemCode):
        return domain
    text = "".join(token.text for token in words)
    local_text = "".join(token.text for token in words[:at_index])
    return AddrSpec(
        text=text,
        local_part=local_text,
        domain=text[len(local_text) + 1 :],
        warnings=local + domain,
    )
