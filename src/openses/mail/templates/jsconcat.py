"""How handlebars.js joins a program's output: JavaScript ``+``, not string concatenation.

handlebars.js compiles a block body to ``return a + b + c;`` where unescaped
values (``{{{x}}}``, and every ``{{x}}`` under ``noEscape``) are appended as they
are. Two numbers in a row are therefore *added*: ``{{{a}}}{{{b}}}`` with 4 and 4
renders "8", and ``true + 4`` is 5. ``mergeSource`` in its JavaScriptCompiler
splits the body where other statements sit (an ambiguous block such as
``{{#name}}`` emits one), so the sums restart there. openses reproduces this only
in the handlebars.js dialects, for the differential test; SES is not JavaScript
and its dialect concatenates text.
"""

from __future__ import annotations

from typing import Any, Final

from openses.mail.templates.values import to_string


class _Flush:
    def __repr__(self) -> str:
        return "FLUSH"


# A non-append source line in the compiled body (before an ambiguous block's value).
FLUSH: Final = _Flush()


def _is_textual(value: Any) -> bool:
    # ToPrimitive gives a string for strings, arrays and objects.
    return isinstance(value, str | list | dict)


def _to_number(value: Any) -> float:
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    return float(value)


def js_add(left: Any, right: Any) -> Any:
    if _is_textual(left) or _is_textual(right):
        return to_string(left) + to_string(right)
    return _to_number(left) + _to_number(right)


def _fold(values: list[Any]) -> Any:
    result = values[0]
    for value in values[1:]:
        result = js_add(result, value)
    return result


def program_value(lines: list[Any], *, is_simple: bool) -> Any:
    """The value a compiled program returns, from its appended values and FLUSH marks."""
    append_only = True
    source_seen = False
    buffer: Any = ""
    run: list[Any] = []
    for line in lines:
        if line is not FLUSH:
            run.append(line)
            continue
        if run:
            # "buffer = a + b;" before the first statement, "buffer += a + b;" after.
            buffer = _fold(run) if not source_seen else js_add(buffer, _fold(run))
            run = []
        source_seen = True
        if not is_simple:
            append_only = False
    if append_only:
        return _fold(run) if run else ""
    return _fold([buffer, *run])
