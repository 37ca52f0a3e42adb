"""Handlebars grammar (handlebars.js 4.x ``handlebars.yy``) as a recursive-descent parser.

Raw blocks (``{{{{raw}}}}``) are refused: SES documents none of them and they
only make sense with custom helpers, which SES does not have.
"""

from __future__ import annotations

from dataclasses import dataclass

from openses.mail.templates.lexer import TemplateSyntaxError, Token, tokenize
from openses.mail.templates.nodes import (
    Block,
    Comment,
    Content,
    Expr,
    Literal,
    Mustache,
    Node,
    Partial,
    PartialBlock,
    PathExpr,
    Program,
    Strip,
    SubExpr,
)
from openses.mail.templates.values import UNDEFINED, to_string

_PARAM_STARTS = {"ID", "DATA", "STRING", "NUMBER", "BOOLEAN", "UNDEFINED", "NULL", "OPEN_SEXPR"}
_PROGRAM_ENDS = {"OPEN_ENDBLOCK", "INVERSE", "OPEN_INVERSE_CHAIN", "EOF"}


def strip_flags(open_text: str, close_text: str) -> Strip:
    return Strip(open=open_text[2:3] == "~", close=close_text[-3:-2] == "~")


@dataclass
class _Open:
    """An opening tag: ``{{#name params hash as |block params|}}`` and its strip flags."""

    path: Expr
    params: list[Expr]
    hash: list[tuple[str, Expr]]
    block_params: list[str]
    strip: Strip
    decorator: bool


@dataclass
class _Inverse:
    strip: Strip
    program: Program
    chain: bool


@dataclass
class _Close:
    path: Expr
    strip: Strip


def _bracket_id(text: str) -> str:
    return text[1:-1] if text.startswith("[") and text.endswith("]") else text


def _original(expr: Expr) -> str:
    if isinstance(expr, PathExpr | Literal):
        return expr.original
    return ""


class _Parser:
    def __init__(self, source: str) -> None:
        self.tokens = tokenize(source)
        self.index = 0

    # --- token helpers ---

    def _peek(self, offset: int = 0) -> Token:
        return self.tokens[min(self.index + offset, len(self.tokens) - 1)]

    def _take(self, *kinds: str) -> Token:
        token = self._peek()
        if token.kind not in kinds:
            expected = " or ".join(kinds)
            raise TemplateSyntaxError(
                f"Parse error at position {token.position}: expecting {expected}, got {token.kind}"
            )
        self.index += 1
        return token

    # --- programs and statements ---

    def parse_root(self) -> Program:
        program = self._program()
        self._take("EOF")
        return program

    def _program(self) -> Program:
        body: list[Node] = []
        while self._peek().kind not in _PROGRAM_ENDS:
            body.append(self._statement())
        return Program(body)

    def _statement(self) -> Node:
        token = self._peek()
        if token.kind == "CONTENT":
            self.index += 1
            return Content(token.text, token.text)
        if token.kind == "COMMENT":
            self.index += 1
            return Comment(strip_flags(token.text, token.text))
        if token.kind in ("OPEN", "OPEN_UNESCAPED"):
            return self._mustache()
        if token.kind in ("OPEN_BLOCK", "OPEN_INVERSE"):
            return self._block()
        if token.kind == "OPEN_PARTIAL":
            return self._partial()
        if token.kind == "OPEN_PARTIAL_BLOCK":
            return self._partial_block()
        if token.kind == "OPEN_RAW_BLOCK":
            raise TemplateSyntaxError("Raw blocks are not supported.")
        raise TemplateSyntaxError(f"Parse error at position {token.position}: got {token.kind}")

    def _mustache(self) -> Mustache:
        opening = self._take("OPEN", "OPEN_UNESCAPED")
        path, params, hash_ = self._call()
        close_kind = "CLOSE_UNESCAPED" if opening.kind == "OPEN_UNESCAPED" else "CLOSE"
        closing = self._take(close_kind)
        flag = opening.text[3:4] or opening.text[2:3]
        return Mustache(
            path,
            params,
            hash_,
            escaped=flag not in ("{", "&"),
            strip=strip_flags(opening.text, closing.text),
            decorator="*" in opening.text,
        )

    def _partial(self) -> Partial:
        opening = self._take("OPEN_PARTIAL")
        name, params, hash_ = self._call(partial=True)
        closing = self._take("CLOSE")
        _check_partial_params(params)
        return Partial(name, params, hash_, strip_flags(opening.text, closing.text))

    def _partial_block(self) -> PartialBlock:
        opening = self._take("OPEN_PARTIAL_BLOCK")
        name, params, hash_ = self._call(partial=True)
        open_close = self._take("CLOSE")
        _check_partial_params(params)
        program = self._program()
        close = self._close_block()
        if _original(close.path) != _original(name):
            raise TemplateSyntaxError(f"{_original(name)} doesn't match {_original(close.path)}")
        return PartialBlock(
            name, params, hash_, program, strip_flags(opening.text, open_close.text), close.strip
        )

    # --- blocks ---

    def _open(self, *kinds: str) -> _Open:
        opening = self._take(*kinds)
        path, params, hash_ = self._call()
        block_params: list[str] = []
        if self._peek().kind == "OPEN_BLOCK_PARAMS":
            self.index += 1
            block_params.append(_bracket_id(self._take("ID").text))
            while self._peek().kind == "ID":
                block_params.append(_bracket_id(self._take("ID").text))
            self._take("CLOSE_BLOCK_PARAMS")
        closing = self._take("CLOSE")
        strip = strip_flags(opening.text, closing.text)
        return _Open(path, params, hash_, block_params, strip, "*" in opening.text)

    def _close_block(self) -> _Close:
        opening = self._take("OPEN_ENDBLOCK")
        path = self._helper_name()
        closing = self._take("CLOSE")
        return _Close(path, strip_flags(opening.text, closing.text))

    def _block(self) -> Block:
        inverted = self._peek().kind == "OPEN_INVERSE"
        opening = self._open("OPEN_INVERSE" if inverted else "OPEN_BLOCK")
        program = self._program()
        inverse: _Inverse | None = None
        if self._peek().kind == "INVERSE":
            inverse = self._inverse_and_program()
        elif self._peek().kind == "OPEN_INVERSE_CHAIN" and not inverted:
            inverse = self._inverse_chain()
        close = self._close_block()
        return _prepare_block(opening, program, inverse, close, inverted=inverted)

    def _inverse_and_program(self) -> _Inverse:
        token = self._take("INVERSE")
        return _Inverse(strip_flags(token.text, token.text), self._program(), chain=False)

    def _inverse_chain(self) -> _Inverse:
        opening = self._open("OPEN_INVERSE_CHAIN")
        program = self._program()
        nested: _Inverse | None = None
        if self._peek().kind == "INVERSE":
            nested = self._inverse_and_program()
        elif self._peek().kind == "OPEN_INVERSE_CHAIN":
            nested = self._inverse_chain()
        block = _prepare_block(opening, program, nested, nested, inverted=False)
        return _Inverse(opening.strip, Program([block], chained=True), chain=True)

    # --- expressions ---

    def _call(self, *, partial: bool = False) -> tuple[Expr, list[Expr], list[tuple[str, Expr]]]:
        if partial and self._peek().kind == "OPEN_SEXPR":
            name: Expr = self._subexpression()
        else:
            name = self._helper_name()
        params: list[Expr] = []
        while self._peek().kind in _PARAM_STARTS and not self._at_hash():
            params.append(self._param())
        hash_: list[tuple[str, Expr]] = []
        while self._at_hash():
            key = _bracket_id(self._take("ID").text)
            self._take("EQUALS")
            hash_.append((key, self._param()))
        return name, params, hash_

    def _at_hash(self) -> bool:
        return self._peek().kind == "ID" and self._peek(1).kind == "EQUALS"

    def _param(self) -> Expr:
        if self._peek().kind == "OPEN_SEXPR":
            return self._subexpression()
        return self._helper_name()

    def _subexpression(self) -> SubExpr:
        self._take("OPEN_SEXPR")
        path, params, hash_ = self._call()
        self._take("CLOSE_SEXPR")
        return SubExpr(path, params, hash_)

    def _helper_name(self) -> Expr:
        token = self._take("ID", "DATA", "STRING", "NUMBER", "BOOLEAN", "UNDEFINED", "NULL")
        if token.kind == "ID":
            self.index -= 1
            return self._path(data=False)
        if token.kind == "DATA":
            return self._path(data=True)
        return _literal(token)

    def _path(self, *, data: bool) -> PathExpr:
        segments = [("", self._take("ID").text)]
        while self._peek().kind == "SEP":
            separator = self._take("SEP").text
            segments.append((separator, self._take("ID").text))
        return _prepare_path(data, segments)


def _literal(token: Token) -> Literal:
    if token.kind == "STRING":
        return Literal(token.text, token.text)
    if token.kind == "NUMBER":
        number = float(token.text)
        value: object = int(number) if number.is_integer() and "." not in token.text else number
        return Literal(value, to_string(value))
    if token.kind == "BOOLEAN":
        return Literal(token.text == "true", token.text)
    if token.kind == "NULL":
        return Literal(None, "null")
    return Literal(UNDEFINED, "undefined")


def _prepare_path(data: bool, segments: list[tuple[str, str]]) -> PathExpr:
    original = "@" if data else ""
    parts: list[str] = []
    depth = 0
    for separator, text in segments:
        part = _bracket_id(text)
        is_literal = text != part
        original += separator + part
        if not is_literal and part in ("..", ".", "this"):
            if parts:
                raise TemplateSyntaxError(f"Invalid path: {original}")
            if part == "..":
                depth += 1
        else:
            parts.append(part)
    return PathExpr(original, parts, depth, data)


def _check_partial_params(params: list[Expr]) -> None:
    if len(params) > 1:
        raise TemplateSyntaxError(f"Unsupported number of partial arguments: {len(params)}")


def _prepare_block(
    opening: _Open,
    program: Program,
    inverse_info: _Inverse | None,
    close: _Close | _Inverse | None,
    *,
    inverted: bool,
) -> Block:
    if isinstance(close, _Close) and _original(close.path) != _original(opening.path):
        raise TemplateSyntaxError(
            f"{_original(opening.path)} doesn't match {_original(close.path)}"
        )
    program.block_params = opening.block_params
    inverse: Program | None = None
    inverse_strip = Strip()
    if inverse_info is not None:
        if opening.decorator:
            raise TemplateSyntaxError("Unexpected inverse block on decorator")
        if inverse_info.chain and close is not None:
            chained = inverse_info.program.body[0]
            assert isinstance(chained, Block)
            chained.close_strip = close.strip
        inverse_strip = inverse_info.strip
        inverse = inverse_info.program
    main: Program | None = program
    if inverted:
        main, inverse = inverse, program
    return Block(
        opening.path,
        opening.params,
        opening.hash,
        main,
        inverse,
        opening.strip,
        inverse_strip,
        close.strip if close is not None else Strip(),
        decorator=opening.decorator,
        is_inline_partial=opening.decorator and _original(opening.path) == "inline",
    )


def parse(source: str) -> Program:
    """The syntax tree of ``source``; raises TemplateSyntaxError as handlebars.js would."""
    return _Parser(source).parse_root()
