"""Where a statement renders: context, data frame, block parameters and context stack.

These mirror handlebars.js's compiled-template variables ``depth0``, ``data``,
``blockParams`` and ``depths``, and ``wrapProgram``, which decides when a block's
new context is pushed on the stack that ``../`` walks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from openses.mail.templates.values import UNDEFINED, is_nullish, loose_equal

DataFrame = dict[str, Any]

# handlebars' ``container.nullContext``: the ``this`` of helpers called where the
# context is null or undefined. An empty object, so ``{{this}}`` shows "[object Object]".
NULL_CONTEXT: dict[str, Any] = {}


@dataclass(frozen=True, slots=True)
class BlockParams:
    names: tuple[str, ...]
    values: tuple[Any, ...]

    def get(self, name: str) -> tuple[bool, Any]:
        if name not in self.names:
            return False, UNDEFINED
        index = self.names.index(name)
        return True, self.values[index] if index < len(self.values) else UNDEFINED


@dataclass(frozen=True, slots=True)
class Scope:
    context: Any
    data: DataFrame
    block_params: tuple[BlockParams, ...]  # innermost program first
    depths: tuple[Any, ...]  # depths[0] is the innermost pushed context

    def block_param(self, name: str) -> tuple[bool, Any]:
        for level in self.block_params:
            found, value = level.get(name)
            if found:
                return True, value
        return False, UNDEFINED

    def declares(self, name: str) -> bool:
        return any(name in level.names for level in self.block_params)

    def helper_this(self) -> Any:
        return NULL_CONTEXT if is_nullish(self.context) else self.context


def create_frame(data: DataFrame) -> DataFrame:
    """handlebars' ``createFrame``: a copy that remembers its parent (``@../``)."""
    frame = dict(data)
    frame["_parent"] = data
    return frame


# A block's program, as a helper sees it: call with a context, optionally a data frame
# and block parameter values; it returns its output (text, or a JavaScript value in
# the handlebars.js dialects: see jsconcat).
ProgramFn = Callable[[Any, DataFrame | None, tuple[Any, ...] | None], Any]


def noop(_context: Any, _data: DataFrame | None = None, _bp: tuple[Any, ...] | None = None) -> Any:
    return ""


def enter(
    captured: Scope, names: tuple[str, ...], context: Any, data: DataFrame | None, values: Any
) -> Scope:
    """The scope a wrapped program runs in (handlebars' ``wrapProgram``'s ``prog``)."""
    depths = captured.depths
    top = depths[0] if depths else UNDEFINED
    if not loose_equal(context, top) and not (context is NULL_CONTEXT and top is None):
        depths = (context, *depths)
    level = BlockParams(names, tuple(values) if values is not None else ())
    return Scope(
        context,
        data if data is not None else captured.data,
        (level, *captured.block_params),
        depths,
    )
