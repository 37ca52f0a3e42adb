"""handlebars.js's built-in helpers: ``if``, ``unless``, ``each``, ``with``, ``lookup``,
``log`` and the two fallbacks, ``helperMissing`` and ``blockHelperMissing``.

SES accepts no custom helpers, so these are all a template can call ("Built-In
Helpers", handlebarsjs.com, which the Developer Guide points to).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from openses.mail.templates.errors import TemplateRenderError
from openses.mail.templates.scope import DataFrame, ProgramFn, create_frame, noop
from openses.mail.templates.values import (
    UNDEFINED,
    is_empty,
    is_nullish,
    iterate,
    lookup_property,
    property_key,
    to_string,
    truthy,
)


@dataclass
class Options:
    """The ``options`` argument handlebars passes every helper."""

    name: str
    data: DataFrame
    fn: ProgramFn = noop
    inverse: ProgramFn = noop
    hash: dict[str, Any] = field(default_factory=dict)


Helper = Callable[[Any, list[Any], Options], Any]


def _if(this: Any, args: list[Any], options: Options) -> Any:
    if len(args) != 1:
        raise TemplateRenderError("#if requires exactly one argument")
    conditional = args[0]
    include_zero = truthy(options.hash.get("includeZero", UNDEFINED))
    if (not include_zero and not truthy(conditional)) or is_empty(conditional):
        return options.inverse(this, None, None)
    return options.fn(this, None, None)


def _unless(this: Any, args: list[Any], options: Options) -> Any:
    if len(args) != 1:
        raise TemplateRenderError("#unless requires exactly one argument")
    swapped = Options(options.name, options.data, options.inverse, options.fn, options.hash)
    return _if(this, args, swapped)


def _with(this: Any, args: list[Any], options: Options) -> Any:
    if len(args) != 1:
        raise TemplateRenderError("#with requires exactly one argument")
    context = args[0]
    if is_empty(context):
        return options.inverse(this, None, None)
    return options.fn(context, options.data, (context,))


def each(this: Any, args: list[Any], options: Options) -> Any:
    if len(args) != 1:
        raise TemplateRenderError("Must pass iterator to #each")
    context = args[0]
    data = create_frame(options.data)
    items = list(iterate(context))
    out: list[str] = []
    for index, (key, item) in enumerate(items):
        data["key"] = key
        data["index"] = index
        data["first"] = index == 0
        data["last"] = index == len(items) - 1
        out.append(options.fn(item, data, (item, key)))
    if not items:
        return options.inverse(this, None, None)
    return "".join(to_string(piece) for piece in out)


def _lookup(this: Any, args: list[Any], options: Options) -> Any:
    obj = args[0] if args else UNDEFINED
    if not truthy(obj):
        return obj
    field_value = args[1] if len(args) > 1 else UNDEFINED
    return lookup_property(obj, property_key(field_value))


def _log(this: Any, args: list[Any], options: Options) -> Any:
    # handlebars.js writes to its logger; a rendered message shows nothing.
    return UNDEFINED


def helper_missing(this: Any, args: list[Any], options: Options) -> Any:
    if not args:
        return UNDEFINED
    raise TemplateRenderError(f'Missing helper: "{options.name}"')


def block_helper_missing(this: Any, args: list[Any], options: Options) -> Any:
    """A block whose name is a value, not a helper (Mustache sections)."""
    context = args[0] if args else UNDEFINED
    if context is True:
        return options.fn(this, None, None)
    if context is False or is_nullish(context):
        return options.inverse(this, None, None)
    if isinstance(context, list):
        if context:
            return each(this, [context], options)
        return options.inverse(this, None, None)
    return options.fn(context, options.data, None)


BUILTIN_HELPERS: dict[str, Helper] = {
    "blockHelperMissing": block_helper_missing,
    "each": each,
    "helperMissing": helper_missing,
    "if": _if,
    "log": _log,
    "lookup": _lookup,
    "unless": _unless,
    "with": _with,
}
