"""openses renders every corpus template exactly as the reference handlebars.js does.

Two handlebars.js configurations: its defaults (``{{x}}`` HTML-escaped) and
``{noEscape: true}``, which is how SES treats ``{{x}}`` (SES doesn't escape HTML,
Developer Guide "Advanced email personalization"). Run alone with
``.venv/bin/pytest -q tests/templates``; the first run installs handlebars with
``npm ci`` (see ``handlebars_js.py``).
"""

from __future__ import annotations

from typing import Any

import pytest

from openses.mail.templates import (
    HANDLEBARS_JS,
    HANDLEBARS_JS_NO_ESCAPE,
    Dialect,
    TemplateRenderError,
    TemplateSyntaxError,
    compile_template,
)
from tests.templates.corpus import CASES, Case
from tests.templates.handlebars_js import OracleUnavailableError, render_with_handlebars_js

_MODES: dict[str, tuple[Dialect, dict[str, Any]]] = {
    "escaped": (HANDLEBARS_JS, {}),
    "noEscape": (HANDLEBARS_JS_NO_ESCAPE, {"noEscape": True}),
}


@pytest.fixture(scope="module")
def reference() -> dict[tuple[str, str], dict[str, str]]:
    requests = [
        {"template": case.template, "data": case.data, "options": options}
        for _mode, (_dialect, options) in _MODES.items()
        for case in CASES
    ]
    try:
        results = render_with_handlebars_js(requests)
    except OracleUnavailableError as exc:
        pytest.fail(f"the reference handlebars.js is unavailable: {exc}")
    keys = [(mode, case.name) for mode in _MODES for case in CASES]
    return dict(zip(keys, results, strict=True))


def _render(case: Case, dialect: Dialect) -> dict[str, str]:
    try:
        return {"output": compile_template(case.template, dialect).render(case.data)}
    except (TemplateSyntaxError, TemplateRenderError) as exc:
        return {"error": str(exc)}


def test_the_corpus_has_at_least_a_hundred_cases_with_unique_names() -> None:
    assert len(CASES) >= 100
    assert len({case.name for case in CASES}) == len(CASES)


@pytest.mark.parametrize("mode", list(_MODES))
@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_openses_renders_as_handlebars_js(
    case: Case, mode: str, reference: dict[tuple[str, str], dict[str, str]]
) -> None:
    expected = reference[(mode, case.name)]
    actual = _render(case, _MODES[mode][0])
    if "error" in expected:
        assert "error" in actual, f"handlebars.js refused it ({expected['error']!r}); we rendered"
    else:
        assert actual == expected
