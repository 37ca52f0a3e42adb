"""The lexical layer of RFC 5322 address lists (section 3.2): atoms, quoted strings,
comments, domain literals, specials and white space, each with its position in the
input so the parser can insist that an addr-spec is one unbroken run of text.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from openses.mail.address_problems import Problem, ProblemCode


class Kind(enum.Enum):
    ATOM = "atom"
    QUOTED = "quoted"
    COMMENT = "comment"
    LITERAL = "literal"
    SPECIAL = "special"
    SPACE = "space"


@dataclass(frozen=True)
class Token:
    kind: Kind
    text: str  # exactly as written, quotes/parentheses/brackets included
    start: int
    end: int

    def is_special(self, char: str) -> bool:
        return self.kind is Kind.SPECIAL and self.text == char


SPECIALS = frozenset("<>,;:@.")
_DELIMITERS = SPECIALS | frozenset(' \t"()[]\\')


def _is_control(char: str) -> bool:
    return (ord(char) < 0x20 and char != "\t") or ord(char) == 0x7F


def _scan_quoted(text: str, start: int) -> tuple[int, Problem | None]:
    """End of the quoted-string opening at ``start``; backslash escapes one character."""
    index = start + 1
    while index < len(text):
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if char == '"':
            return index + 1, None
        index += 1
    return len(text), Problem.of(ProblemCode.UNTERMINATED_QUOTE)


def _scan_comment(text: str, start: int) -> tuple[int, Problem | None]:
    """End of the (possibly nested) comment opening at ``start``."""
    depth = 0
    index = start
    while index < len(text):
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return index + 1, None
        index += 1
    return len(text), Problem.of(ProblemCode.UNTERMINATED_COMMENT)


def _scan_literal(text: str, start: int) -> tuple[int, Problem | None]:
    index = start + 1
    while index < len(text):
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if char == "[":
            return index, Problem.of(ProblemCode.ILLEGAL_CHARACTER_IN_DOMAIN)
        if char == "]":
            return index + 1, None
        index += 1
    return len(text), Problem.of(ProblemCode.UNTERMINATED_LITERAL)


def _scan_run(text: str, start: int, stop_chars: frozenset[str]) -> int:
    index = start
    while index < len(text) and text[index] not in stop_chars and not _is_control(text[index]):
        index += 1
    return index


def _scan_spaces(text: str, start: int) -> int:
    index = start
    while index < len(text) and text[index] in " \t":
        index += 1
    return index


def _first_control_problem(text: str) -> Problem | None:
    """CR or LF left in an (already unfolded) header value is an injection attempt."""
    if "\r" in text or "\n" in text:
        return Problem.of(ProblemCode.LINE_BREAK)
    if any(_is_control(char) for char in text):
        return Problem.of(ProblemCode.CONTROL_CHARACTER)
    return None


def tokenize(text: str) -> tuple[list[Token], list[Problem]]:
    """The tokens of ``text``; problems end the scan (the parser then refuses)."""
    control = _first_control_problem(text)
    if control is not None:
        return [], [control]
    tokens: list[Token] = []
    index = 0
    while index < len(text):
        char = text[index]
        problem: Problem | None = None
        if char in " \t":
            end, kind = _scan_spaces(text, index), Kind.SPACE
        elif char == '"':
            (end, problem), kind = _scan_quoted(text, index), Kind.QUOTED
        elif char == "(":
            (end, problem), kind = _scan_comment(text, index), Kind.COMMENT
        elif char == "[":
            (end, problem), kind = _scan_literal(text, index), Kind.LITERAL
        elif char in SPECIALS:
            end, kind = index + 1, Kind.SPECIAL
        elif char == ")":
            return tokens, [Problem.of(ProblemCode.UNOPENED_COMMENT)]
        elif char in "]\\":
            return tokens, [Problem.of(ProblemCode.ILLEGAL_CHARACTER)]
        else:
            end, kind = _scan_run(text, index, _DELIMITERS), Kind.ATOM
        if problem is not None:
            return tokens, [problem]
        tokens.append(Token(kind, text[index:end], index, end))
        index = end
    return tokens, []
