"""Where SES renders differently from plain handlebars.js, and the rendering API for sending."""

from __future__ import annotations

import pytest

from openses.domain.errors import (
    InvalidRenderingParameterError,
    InvalidTemplateError,
    MissingRenderingAttributeError,
)
from openses.domain.templates import TemplateContent
from openses.mail.templates import SES, MissingAttributeError, compile_template
from openses.services.template_rendering import (
    merge_template_data,
    parse_template_data,
    render_template,
)


def _ses(template: str, data: object) -> str:
    return compile_template(template, SES).render(data)


@pytest.mark.parametrize(
    ("template", "data", "missing"),
    [
        ("Hi {{name}}", {}, "name"),
        ("Hi {{name}}", {"name": None}, "name"),  # null counts as absent (aws-sdk-js #2239)
        ("{{contact.firstName}}", {"contact": {}}, "contact.firstName"),
        ("{{contact.firstName}}", {}, "contact.firstName"),
        ("{{{raw}}}", {}, "raw"),
        ("{{#each items}}{{name}}{{/each}}", {"items": [{"name": "a"}, {}]}, "name"),
        ("{{#with a}}{{b}}{{/with}}", {"a": {"c": 1}}, "b"),
        ("{{#IF FIRSTNAME}}x{{/IF}}", {"FIRSTNAME": "f"}, "IF"),  # an unknown helper
        ("{{shout name}}", {"name": "n"}, "shout"),
        ("{{#person}}{{/person}}", {}, "person"),
        ("{{../up}}", {}, "../up"),
    ],
)
def test_a_shown_value_that_is_absent_fails_the_render(
    template: str, data: object, missing: str
) -> None:
    with pytest.raises(MissingAttributeError) as caught:
        _ses(template, data)
    assert str(caught.value) == f"Attribute '{missing}' is not present in the rendering data."


@pytest.mark.parametrize(
    ("template", "data", "expected"),
    [
        ("{{#if lastName}} {{lastName}}{{/if}}", {}, ""),  # guide: "if it's available"
        ("{{#if a.b.c}}y{{else}}n{{/if}}", {}, "n"),
        ("{{#each items}}x{{else}}none{{/each}}", {}, "none"),
        ("{{#unless gone}}u{{/unless}}", {}, "u"),
        ("{{#with gone}}w{{else}}-{{/with}}", {}, "-"),
        ('[{{lookup o "k"}}]', {"o": {}}, "[]"),
        ("{{flag}} {{zero}} {{empty}}", {"flag": False, "zero": 0, "empty": ""}, "false 0 "),
    ],
)
def test_conditions_and_helpers_may_name_absent_values(
    template: str, data: object, expected: str
) -> None:
    assert _ses(template, data) == expected


def test_ses_joins_text_where_javascript_would_add_numbers() -> None:
    # handlebars.js renders "8" for this (see jsconcat); SES's renderer is not JavaScript.
    assert _ses("{{a}}{{b}}", {"a": 4, "b": 4}) == "44"


def test_ses_does_not_escape_html() -> None:
    data = {"x": "<b>&\"'`=</b>"}
    assert _ses("{{x}}|{{{x}}}", data) == "<b>&\"'`=</b>|<b>&\"'`=</b>"


def test_the_newline_after_an_inline_partial_is_not_rendered() -> None:
    # Developer Guide, "Creating inline partials": required, and not rendered.
    template = '{{#*inline "fullName"}}{{firstName}}{{/inline}}\n<h1>Hello {{> fullName}}!</h1>'
    assert _ses(template, {"firstName": "Ann"}) == "<h1>Hello Ann!</h1>"
    crlf = '{{#*inline "p"}}P{{/inline}}\r\nx{{> p}}'
    assert _ses(crlf, {}) == "xP"


def test_the_unsubscribe_placeholder_survives_for_the_sender() -> None:
    assert _ses("<a href='{{amazonSESUnsubscribeUrl}}'>", {}) == (
        "<a href='{{amazonSESUnsubscribeUrl}}'>"
    )


def test_deep_data_and_deep_templates_render() -> None:
    data: dict[str, object] = {"v": "leaf"}
    path = "v"
    for index in range(60):
        data = {f"k{index}": data}
        path = f"k{index}.{path}"
    assert _ses("{{" + path + "}}", data) == "leaf"
    nested = "{{#with a}}" * 40 + "{{v}}" + "{{/with}}" * 40
    deep: dict[str, object] = {"v": "in"}
    for _ in range(40):
        deep = {"a": deep}
    assert _ses(nested, deep) == "in"


# --- the API the sending service calls ---


CONTENT = TemplateContent(
    subject="Hi {{name}}", text="Dear {{name}}", html="<p>{{name}} likes {{animal}}</p>"
)


def test_render_template_renders_every_part() -> None:
    rendered = render_template(CONTENT, '{"name": "Ann", "animal": "owls"}', template_name="T")
    assert (rendered.subject, rendered.text, rendered.html) == (
        "Hi Ann",
        "Dear Ann",
        "<p>Ann likes owls</p>",
    )
    html_only = render_template(TemplateContent(subject="s", html="h"), {})
    assert (html_only.text, html_only.html) == (None, "h")


def test_render_template_raises_ses_rendering_failures() -> None:
    with pytest.raises(MissingRenderingAttributeError) as missing:
        render_template(CONTENT, {"name": "Ann"}, template_name="T")
    assert missing.value.message == "Attribute 'animal' is not present in the rendering data."
    assert missing.value.template_name == "T"
    with pytest.raises(InvalidRenderingParameterError) as invalid:
        render_template(CONTENT, "{not json", template_name="T")
    assert invalid.value.template_name == "T"
    with pytest.raises(InvalidTemplateError):
        render_template(TemplateContent(subject="s", text="{{> nope}}"), {}, template_name="T")


def test_parse_template_data_accepts_only_json_objects() -> None:
    assert parse_template_data('{"a": [1, {"b": null}]}') == {"a": [1, {"b": None}]}
    for text in ("[]", "1", '"s"', "NaN", '{"a": Infinity}', "", "{"):
        with pytest.raises(InvalidRenderingParameterError):
            parse_template_data(text)


def test_bulk_data_merges_key_by_key_and_objects_deeply() -> None:
    default = {"name": "friend", "meta": {"id": "", "tier": "free"}, "tags": ["a", "b"]}
    assert merge_template_data(default, {}) == default
    assert merge_template_data(default, {"name": "Ann", "meta": {"id": "7"}, "tags": ["c"]}) == {
        "name": "Ann",
        "meta": {"id": "7", "tier": "free"},
        "tags": ["c"],
    }
