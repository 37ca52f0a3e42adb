"""Rendering a parsed template: the behaviour of handlebars.js 4.x's compiled code.

Each statement is evaluated as handlebars' compiler classifies it: a *helper*
call (parameters, or a built-in helper's name), an *ambiguous* name (a helper
if there is one, else a value) or a *simple* value lookup. A ``Dialect`` chooses
between handlebars.js's own behaviour and SES's (no HTML escaping, and a shown
value that is absent fails the render).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from typing import Literal as TypingLiteral

from openses.mail.templates.errors import (
    MissingAttributeError,
    PartialNotFoundError,
    TemplateRenderError,
    TemplateSyntaxError,
)
from openses.mail.templates.helpers import (
    BUILTIN_HELPERS,
    Options,
    block_helper_missing,
    helper_missing,
)
from openses.mail.templates.jsconcat import FLUSH, program_value
from openses.mail.templates.nodes import (
    Block,
    Content,
    Expr,
    Literal,
    Mustache,
    Node,
    Partial,
    PartialBlock,
    PathExpr,
    Program,
    SubExpr,
)
from openses.mail.templates.scope import (
    DataFrame,
    ProgramFn,
    Scope,
    create_frame,
    enter,
    noop,
)
from openses.mail.templates.values import (
    UNDEFINED,
    escape_html,
    is_nullish,
    lookup_property,
    to_string,
    truthy,
)

Kind = TypingLiteral["helper", "ambiguous", "simple"]


@dataclass(frozen=True, slots=True)
class Dialect:
    """How a template renders: handlebars.js's defaults, or SES's variant."""

    escape_html: bool = True
    missing_is_error: bool = False
    null_is_missing: bool = False
    drop_newline_after_inline: bool = False
    # handlebars.js joins output with JavaScript "+" (see jsconcat); SES joins text.
    js_concatenation: bool = True
    # Shown as written when absent from the data (SES fills them in when it sends).
    placeholders: frozenset[str] = frozenset()


def _as_path(expr: Expr) -> PathExpr | SubExpr:
    """handlebars' ``transformLiteralToPath``: ``{{"name"}}`` and ``{{1}}`` look names up."""
    if isinstance(expr, Literal):
        return PathExpr(expr.original, [expr.original])
    return expr


class Renderer:
    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        self.partials: dict[str, ProgramFn] = {}

    # --- programs ---

    def render_root(self, root: Program, context: Any) -> str:
        data: DataFrame = {"root": context}
        # The root's decorators run with an empty context stack, its body with [context].
        decorator_scope = Scope(context, data, (), ())
        self.partials = self._inline_partials(root, decorator_scope)
        return to_string(self.exec_program(root, Scope(context, data, (), (context,))))

    def program_fn(self, node: Program | None, captured: Scope) -> ProgramFn:
        """handlebars' ``container.program``: a block body bound to where it was found."""
        if node is None:
            return noop
        names = tuple(node.block_params)

        def run(context: Any, data: DataFrame | None = None, bp: Any = None) -> Any:
            return self.exec_program(node, enter(captured, names, context, data, bp))

        defined = self._inline_partials(node, captured)
        if not defined:
            return run

        def run_with_partials(context: Any, data: DataFrame | None = None, bp: Any = None) -> Any:
            saved = self.partials
            self.partials = {**saved, **defined}
            try:
                return run(context, data, bp)
            finally:
                self.partials = saved

        return run_with_partials

    def _inline_partials(self, node: Program, captured: Scope) -> dict[str, ProgramFn]:
        defined: dict[str, ProgramFn] = {}
        for statement in node.body:
            if isinstance(statement, Block) and statement.decorator:
                if not statement.is_inline_partial or not statement.params:
                    raise TemplateRenderError("Only inline partial decorators are supported.")
                name = to_string(self.expr(statement.params[0], captured))
                defined[name] = self.program_fn(statement.program, captured)
        return defined

    def exec_program(self, node: Program, scope: Scope) -> Any:
        """The program's output: text, or with ``js_concatenation`` a JavaScript value."""
        lines: list[Any] = []
        for statement in node.body:
            lines.extend(self.statement(statement, scope))
        if self.dialect.js_concatenation:
            return program_value(lines, is_simple=len(node.body) == 1)
        return "".join(to_string(line) for line in lines if line is not FLUSH)

    def statement(self, node: Node, scope: Scope) -> list[Any]:
        """What the statement appends to its program's output (none for comments)."""
        if isinstance(node, Content):
            return [node.value] if node.value else []
        if isinstance(node, Mustache):
            return [self.mustache(node, scope)]
        if isinstance(node, Block):
            if node.decorator:
                return []
            path = _as_path(node.path)
            ambiguous = self._classify(path, node.params, node.hash, scope) == "ambiguous"
            return [FLUSH, self.block(node, scope)] if ambiguous else [self.block(node, scope)]
        if isinstance(node, Partial):
            return [self.partial(node.name, node.params, node.hash, scope, node.indent)]
        if isinstance(node, PartialBlock):
            block = self.program_fn(node.program, scope)
            return [self.partial(node.name, node.params, node.hash, scope, "", block)]
        return []  # comments

    # --- mustaches and blocks ---

    def mustache(self, node: Mustache, scope: Scope) -> Any:
        if node.decorator:
            raise TemplateRenderError("Only inline partial decorators are supported.")
        path = _as_path(node.path)
        kind = self._classify(path, node.params, node.hash, scope)
        value = self._evaluate_call(path, node.params, node.hash, scope, kind)
        if self._is_missing(value) and self.dialect.missing_is_error and kind != "helper":
            name = path.original if isinstance(path, PathExpr) else ""
            if name in self.dialect.placeholders:
                return "{{" + name + "}}"
            raise MissingAttributeError(name)
        if node.escaped and self.dialect.escape_html:
            return escape_html(to_string(value))
        return "" if is_nullish(value) else value

    def block(self, node: Block, scope: Scope) -> Any:
        path = _as_path(node.path)
        kind = self._classify(path, node.params, node.hash, scope)
        fn = self.program_fn(node.program, scope)
        inverse = self.program_fn(node.inverse, scope)
        if kind == "helper":
            value = self._call_helper(path, node.params, node.hash, scope, fn, inverse)
            return "" if is_nullish(value) else value
        assert isinstance(path, PathExpr)  # only helper calls have sub-expression paths
        value = self.lookup(path, scope)
        if self._is_missing(value) and self.dialect.missing_is_error:
            raise MissingAttributeError(path.original)
        options = Options(path.original, scope.data, fn, inverse)
        # Unlike helper calls, the compiled code passes depth0 itself here, null or not.
        result = block_helper_missing(scope.context, [value], options)
        return "" if is_nullish(result) else result

    def _is_missing(self, value: Any) -> bool:
        return value is UNDEFINED or (value is None and self.dialect.null_is_missing)

    def _classify(
        self, path: PathExpr | SubExpr, params: list[Expr], hash_: list[Any], scope: Scope
    ) -> Kind:
        """handlebars' ``classifySexpr``."""
        if isinstance(path, SubExpr):
            return "helper"
        is_simple = path.simple
        is_block_param = is_simple and scope.declares(path.parts[0])
        is_helper = not is_block_param and bool(params or hash_)
        is_eligible = not is_block_param and (is_helper or is_simple)
        if is_eligible and not is_helper and path.parts[0] in BUILTIN_HELPERS:
            is_helper = True
        if is_helper:
            return "helper"
        return "ambiguous" if is_eligible else "simple"

    def _evaluate_call(
        self,
        path: PathExpr | SubExpr,
        params: list[Expr],
        hash_: list[tuple[str, Expr]],
        scope: Scope,
        kind: Kind,
    ) -> Any:
        if kind == "helper":
            return self._call_helper(path, params, hash_, scope, noop, noop)
        assert isinstance(path, PathExpr)
        return self.lookup(path, scope)

    def _call_helper(
        self,
        path: PathExpr | SubExpr,
        params: list[Expr],
        hash_: list[tuple[str, Expr]],
        scope: Scope,
        fn: ProgramFn,
        inverse: ProgramFn,
    ) -> Any:
        if isinstance(path, SubExpr):
            raise TemplateSyntaxError("A sub-expression cannot name a helper.")
        args = [self.expr(param, scope) for param in params]
        options = Options(
            path.original,
            scope.data,
            fn,
            inverse,
            {key: self.expr(value, scope) for key, value in hash_},
        )
        helper = BUILTIN_HELPERS.get(path.parts[0]) if path.simple else None
        if helper is not None and not scope.declares(path.parts[0]):
            return helper(scope.helper_this(), args, options)
        if self.dialect.missing_is_error:
            # SES names the helper it does not know: {{#IF x}} fails with attribute 'IF'.
            raise MissingAttributeError(path.original)
        return helper_missing(scope.helper_this(), [*args, options], options)

    # --- expressions ---

    def expr(self, expr: Expr, scope: Scope) -> Any:
        """A parameter or hash value: literals, value lookups and sub-expressions."""
        if isinstance(expr, Literal):
            return expr.value
        if isinstance(expr, PathExpr):
            return self.lookup(expr, scope)
        return self._evaluate_call(
            _as_path(expr.path),
            expr.params,
            expr.hash,
            scope,
            self._classify(_as_path(expr.path), expr.params, expr.hash, scope),
        )

    def lookup(self, path: PathExpr, scope: Scope) -> Any:
        """The value a path names (handlebars' ``lookupOnContext``/``lookupData``)."""
        if path.data:
            return self._lookup_data(path, scope)
        if not path.depth and not path.scoped and path.parts:
            found, value = scope.block_param(path.parts[0])
            if found:
                return _walk(value, path.parts[1:])
        if path.depth == 0:
            base = scope.context
        else:
            base = scope.depths[path.depth] if path.depth < len(scope.depths) else UNDEFINED
        return _walk(base, path.parts)

    @staticmethod
    def _lookup_data(path: PathExpr, scope: Scope) -> Any:
        current: Any = scope.data
        for _ in range(path.depth):
            if not truthy(current):
                break
            current = lookup_property(current, "_parent")
        for part in path.parts:
            if not truthy(current):
                return current
            current = lookup_property(current, part)
        return current

    # --- partials ---

    def partial(
        self,
        name_expr: Expr,
        params: list[Expr],
        hash_: list[tuple[str, Expr]],
        scope: Scope,
        indent: str,
        block: ProgramFn | None = None,
    ) -> Any:
        if isinstance(name_expr, SubExpr):
            name = to_string(self.expr(name_expr, scope))
        else:
            name = name_expr.original
        context = self.expr(params[0], scope) if params else scope.context
        if hash_:
            context = _extend(context, {key: self.expr(value, scope) for key, value in hash_})
        data = scope.data
        partial = data.get("partial-block") if name == "@partial-block" else self.partials.get(name)
        if block is not None:
            data, partial = _with_partial_block(data, block, partial)
        if not callable(partial):
            raise PartialNotFoundError(name)
        result = partial(context, data, None)
        return _indent(to_string(result), indent) if indent else result


def _walk(base: Any, parts: list[str]) -> Any:
    current = base
    for part in parts:
        if is_nullish(current):
            return current
        current = lookup_property(current, part)
    return current


def _extend(context: Any, hash_values: dict[str, Any]) -> dict[str, Any]:
    """``Utils.extend({}, context, hash)``: the context's own properties, then the hash."""
    merged: dict[str, Any] = {}
    if isinstance(context, dict):
        merged.update(context)
    elif isinstance(context, list | str):
        merged.update({str(index): item for index, item in enumerate(context)})
    merged.update(hash_values)
    return merged


def _with_partial_block(
    data: DataFrame, block: ProgramFn, partial: Any
) -> tuple[DataFrame, ProgramFn | None]:
    """handlebars' ``invokePartial`` for ``{{#> name}}…{{/name}}``."""
    outer_block = data.get("partial-block")
    frame = create_frame(data)

    def partial_block(context: Any, inner: DataFrame | None = None, bp: Any = None) -> Any:
        inner_frame = create_frame(inner if inner is not None else frame)
        inner_frame["partial-block"] = outer_block
        return block(context, inner_frame, bp)

    frame["partial-block"] = partial_block
    return frame, partial if callable(partial) else partial_block


def _indent(text: str, indent: str) -> str:
    if not indent:
        return text
    lines = text.split("\n")
    for index, line in enumerate(lines):
        if not line and index + 1 == len(lines):
            break
        lines[index] = indent + line
    return "\n".join(lines)
