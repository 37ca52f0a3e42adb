"""The syntax tree of a Handlebars template, shaped as handlebars.js's own AST.

The shapes (program bodies, chained inverses, strip flags, content ``original``
versus stripped ``value``) follow handlebars.js 4.x so that its whitespace
control can be applied node for node.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Union

# handlebars' scopedId test, unanchored "this" included (JavaScript's ASCII \b).
_SCOPED = re.compile(r"^\.|this\b", re.ASCII)


@dataclass
class Strip:
    """``~`` flags of a tag: ``open`` strips whitespace before it, ``close`` after it."""

    open: bool = False
    close: bool = False


@dataclass
class PathExpr:
    original: str
    parts: list[str]
    depth: int = 0
    data: bool = False

    @property
    def scoped(self) -> bool:
        # handlebars' scopedId: "this" or "." makes the path skip helpers and block params.
        return _SCOPED.search(self.original) is not None

    @property
    def simple(self) -> bool:
        return len(self.parts) == 1 and not self.scoped and not self.depth and not self.data


@dataclass
class Literal:
    """STRING, NUMBER, BOOLEAN, UNDEFINED or NULL; ``original`` is how a path would name it."""

    value: object
    original: str


@dataclass
class SubExpr:
    path: Expr
    params: list[Expr]
    hash: list[tuple[str, Expr]]


Expr = Union[PathExpr, Literal, SubExpr]  # noqa: UP007 (a runtime alias in a dataclass module)


@dataclass
class Content:
    original: str
    value: str
    left_stripped: bool = False
    right_stripped: bool = False


@dataclass
class Comment:
    strip: Strip


@dataclass
class Mustache:
    path: Expr
    params: list[Expr]
    hash: list[tuple[str, Expr]]
    escaped: bool
    strip: Strip
    decorator: bool = False


@dataclass
class Program:
    body: list[Node]
    block_params: list[str] = field(default_factory=list)
    chained: bool = False


@dataclass
class Block:
    path: Expr
    params: list[Expr]
    hash: list[tuple[str, Expr]]
    program: Program | None
    inverse: Program | None
    open_strip: Strip
    inverse_strip: Strip
    close_strip: Strip
    decorator: bool = False
    # SES: the line break right after an inline partial's close tag is not rendered.
    is_inline_partial: bool = False


@dataclass
class Partial:
    name: Expr
    params: list[Expr]
    hash: list[tuple[str, Expr]]
    strip: Strip
    indent: str = ""


@dataclass
class PartialBlock:
    name: Expr
    params: list[Expr]
    hash: list[tuple[str, Expr]]
    program: Program
    open_strip: Strip
    close_strip: Strip


Node = Union[Content, Comment, Mustache, Block, Partial, PartialBlock]  # noqa: UP007
