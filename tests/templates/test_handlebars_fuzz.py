"""Random templates (seeded, so reproducible) rendered by handlebars.js and by openses.

The generator nests blocks, mixes standalone lines, ``~`` markers, comments,
partials and values of every JSON type, which is where whitespace control and
value formatting usually part ways.
"""

from __future__ import annotations

import random
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
from tests.templates.handlebars_js import OracleUnavailableError, render_with_handlebars_js

SEED = 20261122
COUNT = 300
_MODES: list[tuple[Dialect, dict[str, Any]]] = [
    (HANDLEBARS_JS, {}),
    (HANDLEBARS_JS_NO_ESCAPE, {"noEscape": True}),
]

DATA: dict[str, Any] = {
    "name": "Ann & <Bob>",
    "empty": "",
    "zero": 0,
    "num": 3.25,
    "big": 1e21,
    "yes": True,
    "no": False,
    "nil": None,
    "list": ["a", "", 0, {"name": "in list"}],
    "nums": [1, 2.5, -3],
    "none": [],
    "obj": {"name": "obj name", "b": {"name": "deep"}, "2": "two", "1": "one"},
    "people": [
        {"name": "Zoë", "tags": ["x", "y"], "boss": {"name": "B"}},
        {"name": "李", "tags": []},
    ],
    "uni": "héllo 😀",
}
_PATHS = [
    "name", "empty", "zero", "num", "big", "yes", "no", "nil", "missing", "list", "nums",
    "none", "obj", "obj.name", "obj.b.name", "obj.[1]", "people.[0].name", "uni", "uni.length",
    "this", ".", "../name", "@root.name", "@index", "@key", "@first", "@last", "tags",
    "boss.name", "list.length",
]  # fmt: skip
_CONDITIONS = ["yes", "no", "zero", "nil", "missing", "list", "none", "obj", "empty", "this"]
_ITERABLES = ["list", "nums", "none", "obj", "people", "missing", "uni", "tags", "this"]
_TEXT = ["", " ", "x", "\n", "  \n", "\t", "line\n", "\r\n", " a b ", "<p>", "é"]


class _Generator:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def tilde(self) -> str:
        return "~" if self.rng.random() < 0.2 else ""

    def mustache(self) -> str:
        path = self.rng.choice(_PATHS)
        style = self.rng.random()
        if style < 0.15:
            return "{{" + self.tilde() + "{" + path + "}" + self.tilde() + "}}"
        if style < 0.25:
            return "{{&" + path + "}}"
        if style < 0.35:
            return '{{lookup obj "' + self.rng.choice(["name", "1", "b", "zz"]) + '"}}'
        return "{{" + self.tilde() + " " + path + " " + self.tilde() + "}}"

    def block(self, depth: int) -> str:
        kind = self.rng.choice(["if", "unless", "each", "with", "section", "inverse"])
        target = self.rng.choice(_ITERABLES if kind in ("each", "section") else _CONDITIONS)
        if kind == "section":
            name, opener = target, "#" + target
        elif kind == "inverse":
            name, opener = target, "^" + target
        else:
            name, opener = kind, f"#{kind} {target}"
        sep = self.rng.choice(["", "\n", "\n  ", " "])
        body = self.body(depth + 1)
        inverse = ""
        if kind != "inverse" and self.rng.random() < 0.4:
            inverse = (
                sep
                + "{{"
                + self.tilde()
                + "else"
                + self.tilde()
                + "}}"
                + sep
                + self.body(depth + 1)
            )
        return (
            "{{" + self.tilde() + opener + self.tilde() + "}}" + sep + body + inverse + sep
            + "{{" + self.tilde() + "/" + name + self.tilde() + "}}"
        )  # fmt: skip

    def piece(self, depth: int) -> str:
        roll = self.rng.random()
        if roll < 0.3:
            return self.rng.choice(_TEXT)
        if roll < 0.6 or depth >= 3:
            return self.mustache()
        if roll < 0.67:
            return self.rng.choice(["{{! note }}", "{{!-- long }} note --}}", "\n{{! c }}\n"])
        if roll < 0.72:
            return "{{> part}}" if self.rng.random() < 0.5 else "\n  {{> part}}\n"
        return self.block(depth)

    def body(self, depth: int) -> str:
        return "".join(self.piece(depth) for _ in range(self.rng.randint(0, 4)))

    def template(self) -> str:
        text = self.body(0)
        if "{{> part}}" in text:
            text = '{{#*inline "part"}}[{{name}}]\n{{/inline}}' + text
        return text


def _templates() -> list[str]:
    generator = _Generator(random.Random(SEED))
    return [generator.template() for _ in range(COUNT)]


TEMPLATES = _templates()


@pytest.fixture(scope="module")
def reference() -> list[dict[str, str]]:
    requests = [
        {"template": template, "data": DATA, "options": options}
        for _dialect, options in _MODES
        for template in TEMPLATES
    ]
    try:
        return render_with_handlebars_js(requests)
    except OracleUnavailableError as exc:
        pytest.fail(f"the reference handlebars.js is unavailable: {exc}")


def test_random_templates_render_as_handlebars_js(reference: list[dict[str, str]]) -> None:
    mismatches = []
    cases = [(dialect, template) for dialect, _options in _MODES for template in TEMPLATES]
    for (dialect, template), expected in zip(cases, reference, strict=True):
        try:
            actual = {"output": compile_template(template, dialect).render(DATA)}
        except (TemplateSyntaxError, TemplateRenderError) as exc:
            actual = {"error": str(exc)}
        if ("error" in expected) != ("error" in actual) or (
            "output" in expected and actual != expected
        ):
            mismatches.append((template, expected, actual))
    assert not mismatches, f"{len(mismatches)} differ; first: {mismatches[0]!r}"
