"""Address lists parsed so that an identity check cannot be fooled.

The rules, each against a known trick:

* the address is the ``<addr-spec>`` when there is one; everything before ``<`` is
  only a display name (``"admin@bank.com" <evil@x.com>`` is ``evil@x.com``), and
  RFC 2047 words in it are decoded as text, never as an address;
* an addr-spec must be one unbroken run of text (no white space or comments
  inside it), so every ``Mailbox.addr_spec`` is a literal slice of the input;
* CR or LF anywhere (header injection), control characters, a second ``<…>`` in
  one mailbox, unbalanced quotes, comments or brackets: the list is refused;
* source routes, ``%``/``!`` hacks, IP literals, quoted local parts and names
  that contain ``@`` are reported as warnings so a caller can refuse them.

Messages are SES's (see ``openses.mail.address_problems``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from openses.mail.addr_spec import AddrSpec, check_addr_spec
from openses.mail.address_problems import Problem, ProblemCode
from openses.mail.address_tokens import Kind, Token, tokenize
from openses.mail.encoded_words import decode_words


@dataclass(frozen=True)
class Mailbox:
    display_name: str | None
    local_part: str
    domain: str
    addr_spec: str  # exactly as written in the input
    group: str | None = None
    route: str | None = None


@dataclass(frozen=True)
class AddressList:
    mailboxes: tuple[Mailbox, ...]
    groups: tuple[str, ...]
    problems: tuple[Problem, ...]  # fatal: the whole list is refused
    warnings: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def addr_specs(self) -> tuple[str, ...]:
        return tuple(mailbox.addr_spec for mailbox in self.mailboxes)

    @property
    def first_problem(self) -> Problem | None:
        return self.problems[0] if self.problems else None


class _RefusedError(Exception):
    def __init__(self, code: ProblemCode) -> None:
        super().__init__(code.message)
        self.problem = Problem.of(code)


_STOP = frozenset("<>,;:")


def display_text(tokens: Sequence[Token]) -> str | None:
    """The display name a phrase stands for: quotes removed, words decoded."""
    pieces: list[str] = []
    for token in tokens:
        if token.kind is Kind.COMMENT:
            continue
        if token.kind is Kind.SPACE:
            pieces.append(" ")
        elif token.kind is Kind.QUOTED:
            inner = token.text[1:-1]
            pieces.append("".join(c for i, c in enumerate(inner) if not _escape_at(inner, i)))
        else:
            pieces.append(token.text)
    name = " ".join(decode_words("".join(pieces)).split())
    return name or None


def _escape_at(text: str, index: int) -> bool:
    """True when ``text[index]`` is a backslash that escapes the next character."""
    run = 0
    while index - run >= 0 and text[index - run] == "\\":
        run += 1
    return run % 2 == 1


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self._tokens = tokens
        self._index = 0
        self.mailboxes: list[Mailbox] = []
        self.groups: list[str] = []
        self.warnings: list[Problem] = []

    def _peek(self) -> Token | None:
        return self._tokens[self._index] if self._index < len(self._tokens) else None

    def _at(self, char: str) -> bool:
        token = self._peek()
        return token is not None and token.is_special(char)

    def _skip_cfws(self) -> None:
        while (token := self._peek()) is not None and token.kind in (Kind.SPACE, Kind.COMMENT):
            self._index += 1

    def _take_until_stop(self) -> list[Token]:
        taken: list[Token] = []
        while (token := self._peek()) is not None and not (
            token.kind is Kind.SPECIAL and token.text in _STOP
        ):
            taken.append(token)
            self._index += 1
        return taken

    def _warn(self, code: ProblemCode) -> None:
        if all(warning.code is not code for warning in self.warnings):
            self.warnings.append(Problem.of(code))

    def parse_list(self) -> None:
        while True:
            self._skip_cfws()
            if self._peek() is None:
                return
            if self._at(","):
                self._index += 1
                continue
            self._parse_address(group=None)
            self._skip_cfws()
            if self._peek() is None:
                return
            if not self._at(","):
                raise _RefusedError(self._unexpected_code(in_group=False))
            self._index += 1

    def _unexpected_code(self, *, in_group: bool) -> ProblemCode:
        if self._at(";") and not in_group:
            return ProblemCode.ILLEGAL_SEMICOLON
        if self._at("<"):
            return ProblemCode.EXTRA_ROUTE_ADDR
        if self._at(">"):
            return ProblemCode.MISSING_OPEN_ANGLE
        return ProblemCode.TRAILING_TEXT

    def _parse_address(self, group: str | None) -> None:
        phrase = self._take_until_stop()
        if self._at(":"):
            if group is not None:
                raise _RefusedError(ProblemCode.NESTED_GROUP)
            self._index += 1
            self._parse_group(display_text(phrase) or "")
        elif self._at("<"):
            self._index += 1
            self._parse_angle_addr(phrase, group)
        elif self._at(">"):
            raise _RefusedError(ProblemCode.MISSING_OPEN_ANGLE)
        elif self._at(";") and group is None:
            raise _RefusedError(ProblemCode.ILLEGAL_SEMICOLON)
        else:
            self._add(None, check_addr_spec(phrase), group, None)

    def _parse_group(self, name: str) -> None:
        self.groups.append(name)
        if "@" in name:
            self._warn(ProblemCode.NAME_LOOKS_LIKE_ADDRESS)
        while True:
            self._skip_cfws()
            if self._peek() is None:
                self._warn(ProblemCode.UNTERMINATED_GROUP)
                return
            if self._at(";"):
                self._index += 1
                return
            if self._at(","):
                self._index += 1
                continue
            self._parse_address(group=name)
            self._skip_cfws()
            if self._peek() is not None and not (self._at(",") or self._at(";")):
                raise _RefusedError(self._unexpected_code(in_group=True))

    def _parse_angle_addr(self, phrase: list[Token], group: str | None) -> None:
        self._skip_cfws()
        route = self._parse_route()
        inner = self._take_until_stop()
        if self._at("<"):
            raise _RefusedError(ProblemCode.EXTRA_ROUTE_ADDR)
        if not self._at(">"):
            raise _RefusedError(ProblemCode.MISSING_CLOSE_ANGLE)
        self._index += 1
        self._skip_cfws()
        if self._at("<"):
            raise _RefusedError(ProblemCode.EXTRA_ROUTE_ADDR)
        self._add(display_text(phrase), check_addr_spec(inner), group, route)

    def _parse_route(self) -> str | None:
        """An obsolete source route ``@relay1,@relay2:`` before the addr-spec."""
        if not self._at("@"):
            return None
        start = self._index
        while (token := self._peek()) is not None and not token.is_special(":"):
            if token.kind is Kind.SPECIAL and token.text in "<>;":
                raise _RefusedError(ProblemCode.MISSING_CLOSE_ANGLE)
            self._index += 1
        if self._peek() is None:
            raise _RefusedError(ProblemCode.MISSING_CLOSE_ANGLE)
        route = "".join(token.text for token in self._tokens[start : self._index])
        self._index += 1
        self._warn(ProblemCode.SOURCE_ROUTE)
        return route

    def _add(
        self,
        display_name: str | None,
        checked: AddrSpec | ProblemCode,
        group: str | None,
        route: str | None,
    ) -> None:
        if isinstance(checked, ProblemCode):
            raise _RefusedError(checked)
        for code in checked.warnings:
            self._warn(code)
        if display_name is not None and "@" in display_name:
            self._warn(ProblemCode.NAME_LOOKS_LIKE_ADDRESS)
        self.mailboxes.append(
            Mailbox(
                display_name=display_name,
                local_part=checked.local_part,
                domain=checked.domain,
                addr_spec=checked.text,
                group=group,
                route=route,
            )
        )


def _refused(problem: Problem) -> AddressList:
    return AddressList(mailboxes=(), groups=(), problems=(problem,), warnings=())


def parse_address_list(text: str) -> AddressList:
    """Every mailbox in an (unfolded) address-list header value such as To or Cc.

    Never raises: a malformed list comes back with ``problems`` and no mailboxes.
    """
    tokens, token_problems = tokenize(text)
    if token_problems:
        return _refused(token_problems[0])
    parser = _Parser(tokens)
    try:
        parser.parse_list()
    except _RefusedError as refused:
        return _refused(refused.problem)
    return AddressList(
        mailboxes=tuple(parser.mailboxes),
        groups=tuple(parser.groups),
        problems=(),
        warnings=tuple(parser.warnings),
    )


def parse_mailbox(text: str) -> AddressList:
    """Exactly one mailbox (e.g. the ``Source`` parameter); anything else is refused."""
    parsed = parse_address_list(text)
    if parsed.ok and (len(parsed.mailboxes) != 1 or parsed.groups):
        return _refused(Problem.of(ProblemCode.NOT_ONE_ADDRESS))
    return parsed


_NAME_SPECIALS = frozenset('()<>[]:;@\\,."')


def format_mailbox(mailbox: Mailbox) -> str:
    """``Name <addr>`` as SES shows it in ``commonHeaders`` (names decoded, quoted if needed)."""
    if not mailbox.display_name:
        return mailbox.addr_spec
    name = mailbox.display_name
    if any(char in _NAME_SPECIALS for char in name) or name != name.strip():
        name = '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return f"{name} <{mailbox.addr_spec}>"
