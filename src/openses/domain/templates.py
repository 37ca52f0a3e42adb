"""E-mail templates: their names, parts and limits.

Rules and where they come from:
- a name is 1-64 characters of ``[a-zA-Z0-9_-]`` (CloudFormation's
  ``AWS::SES::Template`` ``TemplateName`` pattern, the service's own rule);
- a template has a subject (``SubjectPart`` is required in CloudFormation) and a
  text part, an HTML part or both ("If the template doesn't contain either the
  TextPart or HtmlPart property (or both), this command returns an
  InvalidParameterValue error", Developer Guide, "Updating an email template");
- "Each template can be up to 500 KB in size, including both the text and HTML
  parts"; "You can create up to 10,000 email templates per Amazon SES account"
  in each Region (Developer Guide, "Using templates to send personalized email").
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from openses.domain.arns import Arn
from openses.domain.errors import InvalidParameterError, LimitExceededError

MAX_TEMPLATES_PER_REGION = 10_000
MAX_TEMPLATE_BYTES = 500 * 1024  # text and HTML parts together, UTF-8 [INF: KiB, bytes]
_NAME = re.compile(r"[a-zA-Z0-9_-]{1,64}")


@dataclass(frozen=True, slots=True)
class TemplateContent:
    subject: str | None = None
    text: str | None = None
    html: str | None = None


@dataclass(frozen=True, slots=True)
class EmailTemplate:
    account_id: str
    region: str
    name: str
    content: TemplateContent
    created_at: dt.datetime


def template_arn(region: str, account_id: str, name: str) -> Arn:
    return Arn("ses", region, account_id, "template", name)


def validate_template_name(name: str) -> None:
    if not _NAME.fullmatch(name):
        raise InvalidParameterError(
            f"Invalid template name {name}: a template name is 1 to 64 characters, "
            "letters, numbers, underscores (_) and dashes (-) only."
        )


def validate_template_content(content: TemplateContent) -> None:
    if not content.subject:
        raise InvalidParameterError("The subject must be specified.")
    if content.text is None and content.html is None:
        raise InvalidParameterError("The template must contain a text part or an HTML part.")
    size = sum(len(part.encode("utf-8")) for part in (content.text, content.html) if part)
    if size > MAX_TEMPLATE_BYTES:
        raise InvalidParameterError(
            "The template is too large: its text and HTML parts together can be at most 500 KB."
        )


def check_template_count(existing: int) -> None:
    if existing >= MAX_TEMPLATES_PER_REGION:
        raise LimitExceededError(
            f"You can have at most {MAX_TEMPLATES_PER_REGION} templates per region."
        )
