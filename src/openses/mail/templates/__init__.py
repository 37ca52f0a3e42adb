"""Handlebars templates, rendered as handlebars.js 4.x renders them, or as SES does.

SES's template system "is based on Handlebars" (Developer Guide, "Advanced email
personalization"). This package is a Handlebars implementation of its own, pure
and without I/O, held to handlebars.js by a differential test
(``tests/templates/test_handlebars_differential.py``). Two dialects:

* ``HANDLEBARS_JS``: handlebars.js defaults (``{{x}}`` HTML-escapes ``&<>"'`=``);
* ``SES``: what SES documents on top of Handlebars: no HTML escaping ("SES
  doesn't escape HTML content when rendering the HTML template"), a shown value
  that is absent or null fails the render with "Attribute 'x' is not present in
  the rendering data.", the line break after an inline partial's ``{{/inline}}``
  is not rendered, and ``{{amazonSESUnsubscribeUrl}}`` survives for the sender.

Usage: ``compile_template(source, SES).render(data)``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from openses.mail.templates.errors import (
    MissingAttributeError,
    PartialNotFoundError,
    TemplateRenderError,
    TemplateSyntaxError,
)
from openses.mail.templates.nodes import Block, Mustache, Partial, PartialBlock, Program, SubExpr
from openses.mail.templates.parser import parse
from openses.mail.templates.runtime import Dialect, Renderer
from openses.mail.templates.whitespace import (
    apply_whitespace_control,
    drop_newline_after_inline_partials,
)

__all__ = [
    "HANDLEBARS_JS",
    "HANDLEBARS_JS_NO_ESCAPE",
    "SES",
    "CompiledTemplate",
    "Dialect",
    "MissingAttributeError",
    "PartialNotFoundError",
    "TemplateRenderError",
    "TemplateSyntaxError",
    "compile_template",
]

HANDLEBARS_JS = Dialect()
HANDLEBARS_JS_NO_ESCAPE = Dialect(escape_html=False)  # handlebars.js with {noEscape: true}
SES = Dialect(
    escape_html=False,
    missing_is_error=True,
    null_is_missing=True,
    drop_newline_after_inline=True,
    placeholders=frozenset({"amazonSESUnsubscribeUrl"}),
    js_concatenation=False,
)


@dataclass(frozen=True)
class CompiledTemplate:
    source: str
    program: Program
    dialect: Dialect

    def render(self, data: Any) -> str:
        """The text for ``data`` (JSON values: dict, list, str, int, float, bool, None)."""
        try:
            return Renderer(self.dialect).render_root(self.program, data)
        except RecursionError:
            # handlebars.js: "RangeError: Maximum call stack size exceeded".
            raise TemplateRenderError("Maximum call stack size exceeded") from None

    def undefined_partials(self) -> list[str]:
        """Partials called by a fixed name that no inline partial in the template defines."""
        defined: set[str] = set()
        called: list[str] = []
        _collect_partials(self.program, defined, called)
        return [name for name in dict.fromkeys(called) if name not in defined]


@functools.lru_cache(maxsize=512)
def compile_template(source: str, dialect: Dialect = HANDLEBARS_JS) -> CompiledTemplate:
    """Parse ``source`` once; raises TemplateSyntaxError where handlebars.js would fail
    to compile it (and for decorators other than ``inline`` and raw blocks)."""
    try:
        program = apply_whitespace_control(parse(source))
    except RecursionError:
        raise TemplateSyntaxError("The template nests too deeply.") from None
    _check_decorators(program)
    if dialect.drop_newline_after_inline:
        drop_newline_after_inline_partials(program)
    return CompiledTemplate(source, program, dialect)


def _children(program: Program) -> list[Program]:
    found: list[Program] = []
    for node in program.body:
        if isinstance(node, Block):
            found.extend(p for p in (node.program, node.inverse) if p is not None)
        elif isinstance(node, PartialBlock):
            found.append(node.program)
    return found


def _check_decorators(program: Program) -> None:
    for node in program.body:
        if isinstance(node, Mustache) and node.decorator:
            raise TemplateSyntaxError("Only inline partial decorators ({{#*inline}}) exist.")
        inline = isinstance(node, Block) and node.is_inline_partial and len(node.params) == 1
        if isinstance(node, Block) and node.decorator and not inline:
            raise TemplateSyntaxError("Only inline partial decorators ({{#*inline}}) exist.")
    for child in _children(program):
        _check_decorators(child)


def _collect_partials(program: Program, defined: set[str], called: list[str]) -> None:
    for node in program.body:
        if isinstance(node, Block) and node.is_inline_partial and node.params:
            definition = node.params[0]
            if not isinstance(definition, SubExpr):
                defined.add(definition.original)
        called_name = _fixed_partial_name(node)
        if called_name is not None and called_name != "@partial-block":
            called.append(called_name)
    for child in _children(program):
        _collect_partials(child, defined, called)


def _fixed_partial_name(node: object) -> str | None:
    if isinstance(node, Partial) and not isinstance(node.name, SubExpr):
        return node.name.original
    return None
