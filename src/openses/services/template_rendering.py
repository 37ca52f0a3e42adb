"""Rendering a template's subject, text and HTML with JSON data, as SES does.

Pure functions over ``openses.mail.templates`` (the SES dialect of Handlebars)
that turn its exceptions into SES's errors:

* data that is not a JSON object: ``InvalidRenderingParameterError``;
* a template that does not parse, or calls a partial nowhere defined:
  ``InvalidTemplateError`` (botocore ``InvalidTemplateException``: "This issue
  may occur when a template refers to a partial that does not exist");
* a value the template shows that the data lacks (or holds null):
  ``MissingRenderingAttributeError`` with SES's text, "Attribute 'name' is not
  present in the rendering data." (guide, Rendering Failure event examples).

Inline partials belong to one part: "if you want to use the same inline partial
in both the HTML and the text version of the email, you must define it in both".
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from openses.domain.errors import (
    InvalidRenderingParameterError,
    InvalidTemplateError,
    MissingRenderingAttributeError,
)
from openses.domain.templates import TemplateContent
from openses.mail.templates import (
    SES,
    CompiledTemplate,
    MissingAttributeError,
    TemplateRenderError,
    TemplateSyntaxError,
    compile_template,
)

INVALID_DATA_MESSAGE = "Template rendering data is invalid"  # [INF] SES's text is not published


@dataclass(frozen=True, slots=True)
class RenderedTemplate:
    subject: str
    text: str | None
    html: str | None


def _reject_constant(name: str) -> Any:
    # JSON.parse accepts no NaN or Infinity; Python's json would.
    raise ValueError(f"{name} is not JSON")


def parse_template_data(text: str, *, template_name: str | None = None) -> dict[str, Any]:
    """``TemplateData`` (a JSON object in a string) as Python values."""
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        raise InvalidRenderingParameterError(INVALID_DATA_MESSAGE, template_name) from None
    if not isinstance(data, dict):
        raise InvalidRenderingParameterError(INVALID_DATA_MESSAGE, template_name)
    return data


def merge_template_data(
    default: Mapping[str, Any], replacement: Mapping[str, Any]
) -> dict[str, Any]:
    """Bulk sends: a destination's replacement data over the default data.

    Key by key, objects merged recursively, arrays and scalars replaced whole; an
    empty replacement (``{}``) gives the defaults (guide, SendBulkTemplatedEmail;
    the per-key and nested merge were observed against SES v2 by the
    aws-ses-v2-local maintainers, issue 102 there).
    """
    merged = dict(default)
    for key, value in replacement.items():
        current = merged.get(key)
        if isinstance(current, Mapping) and isinstance(value, Mapping):
            merged[key] = merge_template_data(current, value)
        else:
            merged[key] = value
    return merged


def _compile(source: str, template_name: str | None) -> CompiledTemplate:
    try:
        compiled = compile_template(source, SES)
    except TemplateSyntaxError as exc:
        raise InvalidTemplateError(f"Template is invalid: {exc}", template_name) from None
    missing = compiled.undefined_partials()
    if missing:
        raise InvalidTemplateError(f"The partial {missing[0]} could not be found", template_name)
    return compiled


def check_template_content(content: TemplateContent, template_name: str | None = None) -> None:
    """Raise InvalidTemplateError unless every part compiles (CreateTemplate, UpdateTemplate)."""
    for part in (content.subject, content.text, content.html):
        if part is not None:
            _compile(part, template_name)


def _render_part(source: str, data: Mapping[str, Any], template_name: str | None) -> str:
    compiled = _compile(source, template_name)
    try:
        return compiled.render(data)
    except MissingAttributeError as exc:
        raise MissingRenderingAttributeError(str(exc), template_name) from None
    except TemplateRenderError as exc:
        raise InvalidTemplateError(str(exc), template_name) from None


def render_template(
    content: TemplateContent,
    data: Mapping[str, Any] | str,
    *,
    template_name: str | None = None,
) -> RenderedTemplate:
    """Render subject, text and HTML with ``data`` (a mapping, or TemplateData's JSON text).

    Raises a ``TemplateRenderingError`` subclass whose ``message`` is SES's text and
    whose ``template_name`` is ``template_name``: what a Rendering Failure reports.
    """
    values = (
        parse_template_data(data, template_name=template_name) if isinstance(data, str) else data
    )
    return RenderedTemplate(
        subject=_render_part(content.subject or "", values, template_name),
        text=None if content.text is None else _render_part(content.text, values, template_name),
        html=None if content.html is None else _render_part(content.html, values, template_name),
    )
