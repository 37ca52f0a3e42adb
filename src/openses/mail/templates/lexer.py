"""Tokens of a Handlebars template, rule for rule as handlebars.js 4.x's lexer.

The lexer has three states: content (``INITIAL``), inside a mustache (``mu``) and
after a backslash-escaped ``\\{{`` (``emu``). As in jison's default mode, the
first rule that matches wins, so the order of ``_MU_RULES`` matters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from openses.mail.templates.values import JS_WHITESPACE


class TemplateSyntaxError(Exception):
    """The template cannot be parsed (handlebars.js throws a parse error)."""


@dataclass(frozen=True, slots=True)
class Token:
    kind: str
    text: str
    position: int


_WS = f"[{JS_WHITESPACE}]"
_LOOKAHEAD = f"(?=[=~}}{JS_WHITESPACE}/.)|])"
_LITERAL_LOOKAHEAD = f"(?=[~}}{JS_WHITESPACE})])"
_ID = "[^" + JS_WHITESPACE + '!"#%-,./;->@\\[-\\^`{-~]+' + _LOOKAHEAD

# (pattern, token kind or None to skip, leaves the mustache state)
_MU_RULES: tuple[tuple[re.Pattern[str], str | None, bool], ...] = tuple(
    (re.compile(pattern), kind, pops)
    for pattern, kind, pops in (
        (r"\(", "OPEN_SEXPR", False),
        (r"\)", "CLOSE_SEXPR", False),
        (r"\{\{\{\{", "OPEN_RAW_BLOCK", False),
        (r"\{\{~?>", "OPEN_PARTIAL", False),
        (r"\{\{~?#>", "OPEN_PARTIAL_BLOCK", False),
        (r"\{\{~?#\*?", "OPEN_BLOCK", False),
        (r"\{\{~?/", "OPEN_ENDBLOCK", False),
        (rf"\{{\{{~?\^{_WS}*~?\}}\}}", "INVERSE", True),
        (rf"\{{\{{~?{_WS}*else{_WS}*~?\}}\}}", "INVERSE", True),
        (r"\{\{~?\^", "OPEN_INVERSE", False),
        (rf"\{{\{{~?{_WS}*else", "OPEN_INVERSE_CHAIN", False),
        (r"\{\{~?\{", "OPEN_UNESCAPED", False),
        (r"\{\{~?&", "OPEN", False),
        (r"\{\{~?!(?=--)[\s\S]*?--~?\}\}", "COMMENT", True),
        (r"\{\{~?!--", "UNCLOSED_COMMENT", False),
        (r"\{\{~?![\s\S]*?\}\}", "COMMENT", True),
        (r"\{\{~?\*?", "OPEN", False),
        (r"=", "EQUALS", False),
        (r"\.\.", "ID", False),
        (r"\." + _LOOKAHEAD, "ID", False),
        (r"[/.]", "SEP", False),
        (_WS + "+", None, False),
        (r"\}~?\}\}", "CLOSE_UNESCAPED", True),
        (r"~?\}\}", "CLOSE", True),
        (r'"(?:\\"|[^"])*"', "STRING", False),
        (r"'(?:\\'|[^'])*'", "STRING", False),
        (r"@", "DATA", False),
        (r"true" + _LITERAL_LOOKAHEAD, "BOOLEAN", False),
        (r"false" + _LITERAL_LOOKAHEAD, "BOOLEAN", False),
        (r"undefined" + _LITERAL_LOOKAHEAD, "UNDEFINED", False),
        (r"null" + _LITERAL_LOOKAHEAD, "NULL", False),
        (r"-?[0-9]+(?:\.[0-9]+)?" + _LITERAL_LOOKAHEAD, "NUMBER", False),
        (rf"as{_WS}+\|", "OPEN_BLOCK_PARAMS", False),
        (r"\|", "CLOSE_BLOCK_PARAMS", False),
        (_ID, "ID", False),
        (r"\[(?:\\\]|[^\]])*\]", "ID", False),
    )
)
_CONTENT_TO_MUSTACHE = re.compile(r"[^\x00]*?(?=\{\{)")
_CONTENT_TO_END = re.compile(r"[^\x00]+")
_ESCAPED_CONTENT = re.compile(r"[^\x00]{2,}?(?=\{\{|\\\{\{|\\\\\{\{|\Z)")
_BRACKET_ESCAPE = re.compile(r"\\([\\\]])")


def _token_text(kind: str, text: str) -> str:
    if kind == "STRING":
        quote = text[0]
        return text[1:-1].replace("\\" + quote, quote)
    if kind == "ID" and text.startswith("["):
        return _BRACKET_ESCAPE.sub(r"\1", text)
    return text


class _Lexer:
    def __init__(self, source: str) -> None:
        self.source = source
        self.position = 0
        self.states = ["INITIAL"]
        self.tokens: list[Token] = []

    def run(self) -> list[Token]:
        while self.position < len(self.source):
            state = self.states[-1]
            if state == "mu":
                self._mustache_token()
            elif state == "emu":
                self._escaped_content()
            else:
                self._content()
        self.tokens.append(Token("EOF", "", self.position))
        return self.tokens

    def _emit(self, kind: str, text: str, start: int) -> None:
        self.tokens.append(Token(kind, text, start))

    def _content(self) -> None:
        start = self.position
        match = _CONTENT_TO_MUSTACHE.match(self.source, start)
        if match is None:
            end = _CONTENT_TO_END.match(self.source, start)
            if end is None:  # a NUL character: handlebars' lexer has no rule for it
                raise TemplateSyntaxError(f"Lexical error at position {start}")
            self.position = end.end()
            self._emit("CONTENT", end.group(), start)
            return
        text = match.group()
        self.position = match.end()
        if text.endswith("\\\\"):
            text = text[:-1]  # "\\{{": a literal backslash, then a real mustache
            self.states.append("mu")
        elif text.endswith("\\"):
            text = text[:-1]  # "\{{": the mustache is literal text
            self.states.append("emu")
        else:
            self.states.append("mu")
        if text:
            self._emit("CONTENT", text, start)

    def _escaped_content(self) -> None:
        start = self.position
        match = _ESCAPED_CONTENT.match(self.source, start)
        if match is None:  # fewer than two characters left
            match = _CONTENT_TO_END.match(self.source, start)
            assert match is not None
        self.position = match.end()
        self.states.pop()
        self._emit("CONTENT", match.group(), start)

    def _mustache_token(self) -> None:
        start = self.position
        for pattern, kind, pops in _MU_RULES:
            match = pattern.match(self.source, start)
            if match is None:
                continue
            if kind == "UNCLOSED_COMMENT":
                raise TemplateSyntaxError(f"Parse error at position {start}: unclosed comment")
            self.position = match.end()
            if pops:
                self.states.pop()
            if kind is not None:
                self._emit(kind, _token_text(kind, match.group()), start)
            return
        raise TemplateSyntaxError(
            f"Parse error at position {start}: unexpected {self.source[start]!r}"
        )


def tokenize(source: str) -> list[Token]:
    return _Lexer(source).run()
