"""Sending with templates: which template, with what data, for each destination.

The rules, and where they come from:

* the template is looked up when the call is made: one that does not exist is an
  error of the call (botocore ``ses``: SendTemplatedEmail and SendBulkTemplatedEmail
  raise ``TemplateDoesNotExist``; ``sesv2``: ``NotFoundException``). Rendering
  happens after acceptance, so a value the data lacks is not an error of the call but
  a Rendering Failure event (guide, "Part 1: Set up Rendering Failure event
  notifications");
* ``TemplateData`` that is not a JSON object is refused at once: v1 answers "The
  template data is invalid" (seen from SendBulkTemplatedEmail, boto3 issue 1795,
  aws-sdk-php issue 1454), v2 "Unable to parse template data (invalid JSON)." (seen
  from sesv2 SendEmail, aws-cli issue 6349); both as the API's parameter error [INF];
* a bulk destination's ``ReplacementTemplateData`` is merged over the
  ``DefaultTemplateData`` (``merge_template_data``); "{}" or none gives the defaults
  (guide, SendBulkTemplatedEmail);
* a destination's ``ReplacementTags`` replace the default tags of the same name,
  others are kept; v2 ``ReplacementHeaders`` replace the template's header of the
  same name or are added (sesv2 ``BulkEmailEntry.ReplacementHeaders``) [INF for tags];
* v2 inline ``TemplateContent``: "Amazon SES supports only simple substitutions when
  you send email using the SendEmail or SendBulkEmail operations and you provide the
  full template content in the request" (sesv2 ``Template.TemplateContent``); SES
  answers anything else with BadRequestException "Template contains unsupported
  operations." (aws-sdk-js-v3 issue 6657: ``{{#if}}``, also ``{{no_reply}}`` and
  nested paths, so a substitution is one name of letters and digits).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from typing import Any

from openses.domain.arns import parse_arn
from openses.domain.errors import (
    InvalidParameterError,
    InvalidRenderingParameterError,
    InvalidTemplateError,
    TemplateDoesNotExistError,
)
from openses.domain.templates import EmailTemplate, TemplateContent, validate_template_content
from openses.mail.templates import SES, TemplateSyntaxError, compile_template
from openses.mail.templates.nodes import Content, Mustache, PathExpr, Program
from openses.services.scope import Scope
from openses.services.send_requests import BulkDestination, BulkSendRequest, SendRequest
from openses.services.template_rendering import merge_template_data, parse_template_data
from openses.services.templates import TemplateService

V1_INVALID_TEMPLATE_DATA = "The template data is invalid"
V2_INVALID_TEMPLATE_DATA = "Unable to parse template data (invalid JSON)."
UNSUPPORTED_INLINE_OPERATIONS = "Template contains unsupported operations."
MAX_BULK_DESTINATIONS = 50  # guide: "up to 50 destinations in each call"
_SIMPLE_NAME = re.compile(r"[A-Za-z0-9]+")


class TemplateDataError(InvalidParameterError):
    """``TemplateData`` (or a replacement) is not a JSON object. ``message`` is v1's text;
    v2 adapters answer ``V2_INVALID_TEMPLATE_DATA``."""

    def __init__(self) -> None:
        super().__init__(V1_INVALID_TEMPLATE_DATA)


def parse_send_data(text: str | None) -> dict[str, Any]:
    """TemplateData of a send as Python values; none given is ``{}`` [INF]."""
    if text is None:
        return {}
    try:
        return parse_template_data(text)
    except InvalidRenderingParameterError:
        raise TemplateDataError from None


async def stored_template(
    templates: TemplateService, scope: Scope, *, name: str | None, arn: str | None
) -> EmailTemplate:
    """The stored template named by ``name`` or ``arn`` (this account's and region's only:
    openses has no sending authorization, so another account's ARN names nothing here)."""
    if arn:
        parsed = parse_arn(arn)
        if parsed is None or parsed.service != "ses" or parsed.resource_type != "template":
            raise InvalidParameterError(f"Invalid template ARN: {arn}")
        if name and name != parsed.resource_name:
            raise InvalidParameterError("The template name and template ARN do not match.")
        if (parsed.account_id, parsed.region) != (scope.account_id, scope.region):
            raise TemplateDoesNotExistError(parsed.resource_name)
        name = parsed.resource_name
    if not name:
        raise InvalidParameterError(
            "A template name, template ARN or template content is required."
        )
    return await templates.get(scope, name)


def check_inline_template(content: TemplateContent) -> None:
    """v2 inline TemplateContent: SES's template rules, and simple substitutions only."""
    validate_template_content(content)
    for part in (content.subject, content.text, content.html):
        if part is None:
            continue
        try:
            program = compile_template(part, SES).program
        except TemplateSyntaxError as exc:
            raise InvalidTemplateError(f"Template is invalid: {exc}") from None
        if not _only_simple_substitutions(program):
            raise InvalidParameterError(UNSUPPORTED_INLINE_OPERATIONS)


def _only_simple_substitutions(program: Program) -> bool:
    for node in program.body:
        if isinstance(node, Content):
            continue
        if not isinstance(node, Mustache) or node.params or node.hash or node.decorator:
            return False
        path = node.path
        if not isinstance(path, PathExpr) or not path.simple:
            return False
        if not _SIMPLE_NAME.fullmatch(path.parts[0]):
            return False
    return True


# --- bulk sends ------------------------------------------------------------------------


def check_destination_count(count: int) -> None:
    if count == 0:
        raise InvalidParameterError("At least one destination is required.")
    if count > MAX_BULK_DESTINATIONS:
        raise InvalidParameterError(
            f"Too many destinations: a call can have at most {MAX_BULK_DESTINATIONS}."
        )


def destination_request(bulk: BulkSendRequest, entry: BulkDestination) -> SendRequest:
    """The send of one bulk destination: its recipients, data, tags and headers."""
    base = bulk.base
    if base.simple is None or base.template is None:
        raise InvalidParameterError("A bulk send needs a template and an envelope.")
    destination = entry.destination
    simple = dataclasses.replace(
        base.simple,
        to=destination.to,
        cc=destination.cc,
        bcc=destination.bcc,
        headers=_replace_by_name(base.simple.headers, entry.replacement_headers, fold=True),
    )
    template = dataclasses.replace(
        base.template, data=_destination_data(base.template.data, entry.replacement_data)
    )
    tags = _replace_by_name(base.tags, entry.replacement_tags, fold=False)
    return dataclasses.replace(
        base, simple=simple, destination=destination, template=template, tags=tags
    )


def _destination_data(default: Mapping[str, Any], replacement: str | None) -> Mapping[str, Any]:
    data = parse_send_data(replacement)
    return merge_template_data(default, data) if data else default


def _replace_by_name(
    defaults: Sequence[tuple[str, str]], replacements: Sequence[tuple[str, str]], *, fold: bool
) -> tuple[tuple[str, str], ...]:
    """``defaults`` without the names ``replacements`` has, then ``replacements``.

    Header names compare case-insensitively (RFC 5322), tag names exactly.
    """
    if not replacements:
        return tuple(defaults)

    def key(name: str) -> str:
        return name.lower() if fold else name

    replaced = {key(name) for name, _ in replacements}
    kept = [(name, value) for name, value in defaults if key(name) not in replaced]
    return (*kept, *replacements)
