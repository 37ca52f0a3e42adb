"""Whitespace control: ``~`` stripping and standalone lines, as handlebars.js 4.x does it.

A port of handlebars' ``WhitespaceControl`` visitor. Tags alone on their line
(blocks, ``{{else}}``, partials, comments) take their line with them; partials
that stand alone remember their indentation so every line they render gets it.
The regular expressions test ``original`` (the text before any stripping), as
handlebars does, with ECMAScript's ``\\s`` and ``$`` (end of text only).
"""

from __future__ import annotations

import re

from openses.mail.templates.nodes import (
    Block,
    Comment,
    Content,
    Mustache,
    Node,
    Partial,
    PartialBlock,
    Program,
)
from openses.mail.templates.values import JS_WHITESPACE

_S = f"[{JS_WHITESPACE}]"
_PREV_WS_SIBLING = re.compile(rf"\r?\n{_S}*?\Z")
_PREV_WS_ROOT = re.compile(rf"(?:^|\r?\n){_S}*?\Z")
_NEXT_WS_SIBLING = re.compile(rf"^{_S}*?\r?\n")
_NEXT_WS_ROOT = re.compile(rf"^{_S}*?(?:\r?\n|\Z)")
_ALL_LEADING = re.compile(rf"^{_S}+")
_LINE_LEADING = re.compile(r"^[ \t]*\r?\n?")
_ALL_TRAILING = re.compile(rf"{_S}+\Z")
_LINE_TRAILING = re.compile(r"[ \t]+\Z")
_INDENT = re.compile(r"([ \t]+)\Z")


class _Strip:
    """What a statement tells its program: ``~`` flags and standalone candidacy."""

    def __init__(
        self,
        *,
        open_: bool = False,
        close: bool = False,
        open_standalone: bool = False,
        close_standalone: bool = False,
        inline_standalone: bool = False,
    ) -> None:
        self.open = open_
        self.close = close
        self.open_standalone = open_standalone
        self.close_standalone = close_standalone
        self.inline_standalone = inline_standalone


def _is_prev_whitespace(body: list[Node], i: int | None = None, is_root: bool = False) -> bool:
    if i is None:
        i = len(body)
    prev = body[i - 1] if i - 1 >= 0 else None
    sibling = body[i - 2] if i - 2 >= 0 else None
    if prev is None:
        return is_root
    if isinstance(prev, Content):
        pattern = _PREV_WS_SIBLING if (sibling is not None or not is_root) else _PREV_WS_ROOT
        return pattern.search(prev.original) is not None
    return False


def _is_next_whitespace(body: list[Node], i: int | None = None, is_root: bool = False) -> bool:
    if i is None:
        i = -1
    nxt = body[i + 1] if i + 1 < len(body) else None
    sibling = body[i + 2] if i + 2 < len(body) else None
    if nxt is None:
        return is_root
    if isinstance(nxt, Content):
        pattern = _NEXT_WS_SIBLING if (sibling is not None or not is_root) else _NEXT_WS_ROOT
        return pattern.search(nxt.original) is not None
    return False


def _omit_right(body: list[Node], i: int | None = None, multiple: bool = False) -> None:
    index = 0 if i is None else i + 1
    current = body[index] if 0 <= index < len(body) else None
    if not isinstance(current, Content) or (not multiple and current.right_stripped):
        return
    original = current.value
    current.value = (_ALL_LEADING if multiple else _LINE_LEADING).sub("", current.value, count=1)
    current.right_stripped = current.value != original


def _omit_left(body: list[Node], i: int | None = None, multiple: bool = False) -> bool:
    index = len(body) - 1 if i is None else i - 1
    current = body[index] if 0 <= index < len(body) else None
    if not isinstance(current, Content) or (not multiple and current.left_stripped):
        return False
    original = current.value
    current.value = (_ALL_TRAILING if multiple else _LINE_TRAILING).sub("", current.value, count=1)
    current.left_stripped = current.value != original
    return current.left_stripped


class _WhitespaceControl:
    def __init__(self) -> None:
        self.root_seen = False

    def program(self, program: Program) -> None:
        is_root = not self.root_seen
        self.root_seen = True
        body = program.body
        for i, current in enumerate(body):
            strip = self._accept(current)
            if strip is not None:
                self._apply(body, i, current, strip, is_root)

    def _apply(self, body: list[Node], i: int, current: Node, strip: _Strip, root: bool) -> None:
        prev_ws = _is_prev_whitespace(body, i, root)
        next_ws = _is_next_whitespace(body, i, root)
        if strip.close:
            _omit_right(body, i, True)
        if strip.open:
            _omit_left(body, i, True)
        if strip.inline_standalone and prev_ws and next_ws:
            _omit_right(body, i)
            if _omit_left(body, i) and isinstance(current, Partial):
                previous = body[i - 1]
                assert isinstance(previous, Content)
                match = _INDENT.search(previous.original)
                current.indent = match.group(1) if match else ""
        if strip.open_standalone and prev_ws:
            assert isinstance(current, Block | PartialBlock)
            inner = current.program if current.program is not None else _inverse_of(current)
            _omit_right(inner.body)
            _omit_left(body, i)
        if strip.close_standalone and next_ws:
            assert isinstance(current, Block | PartialBlock)
            _omit_right(body, i)
            inverse = _inverse_of(current) if isinstance(current, Block) else None
            last = inverse if inverse is not None else current.program
            assert last is not None
            _omit_left(last.body)

    def _accept(self, node: Node) -> _Strip | None:
        if isinstance(node, Block | PartialBlock):
            return self._block(node)
        if isinstance(node, Mustache):
            return _Strip(open_=node.strip.open, close=node.strip.close)
        if isinstance(node, Partial | Comment):
            return _Strip(open_=node.strip.open, close=node.strip.close, inline_standalone=True)
        return None

    def _block(self, block: Block | PartialBlock) -> _Strip:
        if block.program is not None:
            self.program(block.program)
        inverse_program = block.inverse if isinstance(block, Block) else None
        if inverse_program is not None:
            self.program(inverse_program)
        program = block.program if block.program is not None else inverse_program
        assert program is not None
        inverse = inverse_program if block.program is not None else None
        first_inverse = last_inverse = inverse
        if inverse is not None and inverse.chained:
            first_inverse = _chained_program(inverse.body[0])
            last_inverse = inverse
            while last_inverse.chained:
                last_inverse = _chained_program(last_inverse.body[-1])
        strip = _Strip(
            open_=block.open_strip.open,
            close=block.close_strip.close,
            open_standalone=_is_next_whitespace(program.body),
            close_standalone=_is_prev_whitespace((first_inverse or program).body),
        )
        if block.open_strip.close:
            _omit_right(program.body, None, True)
        if inverse is not None and first_inverse is not None and last_inverse is not None:
            assert isinstance(block, Block)
            self._inverse_strip(block, program, first_inverse, last_inverse)
        elif block.close_strip.open:
            _omit_left(program.body, None, True)
        return strip

    @staticmethod
    def _inverse_strip(block: Block, program: Program, first: Program, last: Program) -> None:
        if block.inverse_strip.open:
            _omit_left(program.body, None, True)
        if block.inverse_strip.close:
            _omit_right(first.body, None, True)
        if block.close_strip.open:
            _omit_left(last.body, None, True)
        # A standalone {{else}}.
        if _is_prev_whitespace(program.body) and _is_next_whitespace(first.body):
            _omit_left(program.body)
            _omit_right(first.body)


def _inverse_of(node: Block | PartialBlock) -> Program:
    if isinstance(node, Block) and node.inverse is not None:
        return node.inverse
    assert node.program is not None
    return node.program


def _chained_program(node: Node) -> Program:
    assert isinstance(node, Block)
    assert node.program is not None
    return node.program


def apply_whitespace_control(root: Program) -> Program:
    _WhitespaceControl().program(root)
    return root


def drop_newline_after_inline_partials(program: Program) -> None:
    """SES: "The newline character (\\n) is required to separate the {{inline}} block
    from the content in your template. The newline isn't rendered in the final output."
    (Developer Guide, "Creating inline partials")."""
    body = program.body
    for i, node in enumerate(body):
        if isinstance(node, Block | PartialBlock):
            for inner in (node.program, node.inverse if isinstance(node, Block) else None):
                if inner is not None:
                    drop_newline_after_inline_partials(inner)
        if isinstance(node, Block) and node.is_inline_partial and i + 1 < len(body):
            following = body[i + 1]
            if isinstance(following, Content) and not following.right_stripped:
                following.value = re.sub(r"^\r?\n", "", following.value, count=1)
