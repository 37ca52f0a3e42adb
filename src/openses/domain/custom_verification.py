"""Custom verification e-mail templates: SES's rules for their fields and HTML content.

Developer Guide, "Using custom verification email templates" (FAQ Q1, Q5):
at most 50 templates per account; content at most 10 MB; HTML may use only the
tags and attributes of the guide's table, and no comments. The sender
(``FromEmailAddress``) takes no display name and must be verified (checked by the
service, which knows the identities).
"""

from __future__ import annotations

import datetime as dt
import re
import urllib.parse
from dataclasses import dataclass
from html.parser import HTMLParser

from openses.domain.errors import CustomVerificationInvalidContentError, InvalidParameterError

MAX_TEMPLATES_PER_ACCOUNT = 50
MAX_CONTENT_BYTES = 10 * 1024 * 1024
MAX_SUBJECT_LENGTH = 998  # one header line (RFC 5322 §2.1.1)
_NAME = re.compile(r"[a-zA-Z0-9_-]{1,64}")

# The footer SES adds to every custom verification e-mail (FAQ Q10), which the
# template cannot remove; the address is the operator's (SES: its abuse inbox).
DISCLAIMER = (
    "If you did not request to verify this email address, please disregard this message. "
    "If you have any concerns, please forward this message to the following email address "
    "along with your questions or comments:"
)

_COMMON_ATTRIBUTES = frozenset({"class", "id", "style", "title"})
_EXTRA_ATTRIBUTES: dict[str, frozenset[str]] = {
    "blockquote": frozenset({"cite"}),
    "q": frozenset({"cite"}),
    "col": frozenset({"span", "width"}),
    "colgroup": frozenset({"span", "width"}),
    "img": frozenset({"align", "alt", "height", "src", "width"}),
    "ol": frozenset({"start", "type"}),
    "ul": frozenset({"type"}),
    "table": frozenset({"summary", "width"}),
    "td": frozenset({"abbr", "axis", "colspan", "rowspan", "width"}),
    "th": frozenset({"abbr", "axis", "colspan", "rowspan", "scope", "width"}),
}
# fmt: off
ALLOWED_TAGS = frozenset({
    "abbr", "acronym", "address", "area", "b", "bdo", "big", "blockquote", "body", "br", "button",
    "caption", "center", "cite", "code", "col", "colgroup", "dd", "del", "dfn", "dir", "div",
    "dl", "dt", "em", "fieldset", "font", "form", "h1", "h2", "h3", "h4", "h5", "h6", "head",
    "hr", "html", "i", "img", "input", "ins", "kbd", "label", "legend", "li", "map", "menu", "ol",
    "optgroup", "option", "p", "pre", "q", "s", "samp", "select", "small", "span", "strike",
    "strong", "sub", "sup", "table", "tbody", "td", "textarea", "tfoot", "th", "thead", "tr",
    "tt", "u", "ul", "var",
})
# fmt: on


@dataclass(frozen=True, slots=True)
class CustomVerificationTemplate:
    account_id: str
    region: str
    name: str
    from_address: str
    subject: str
    content: str
    success_url: str
    failure_url: str
    created_at: dt.datetime


@dataclass(frozen=True, slots=True)
class TemplateFields:
    """The fields a create or update gives; None: not given (an update keeps the old value)."""

    from_address: str | None = None
    subject: str | None = None
    content: str | None = None
    success_url: str | None = None
    failure_url: str | None = None


def validate_template_name(name: str) -> None:
    if not _NAME.fullmatch(name):
        raise InvalidParameterError(
            f"Invalid template name {name}: a template name is 1 to 64 characters, "
            "letters, numbers, underscores (_) and dashes (-) only."
        )


def validate_redirect_url(url: str, which: str) -> None:
    """An absolute http(s) URL: where the person who clicked is sent."""
    try:
        parsed = urllib.parse.urlsplit(url)
    except ValueError:
        parsed = None
    if (
        parsed is None
        or parsed.scheme.lower() not in ("http", "https")
        or not parsed.hostname
        or any(not 0x21 <= ord(c) <= 0x7E for c in url)  # it becomes a Location header
    ):
        raise InvalidParameterError(f"The {which} redirection URL is invalid")


def validate_subject(subject: str) -> None:
    if not subject.strip():
        raise InvalidParameterError("TemplateSubject is required.")
    if len(subject) > MAX_SUBJECT_LENGTH or any(c in subject for c in "\r\n"):
        raise InvalidParameterError("The template subject is invalid.")


def validate_content(content: str) -> None:
    """The size limit and the HTML allow-list; raises CustomVerificationInvalidContentError."""
    if not content.strip():
        raise CustomVerificationInvalidContentError("The template content is empty.")
    if len(content.encode("utf-8")) > MAX_CONTENT_BYTES:
        raise CustomVerificationInvalidContentError(
            "The template content is larger than the limit of 10 MB."
        )
    checker = _HtmlAllowList()
    checker.feed(content)
    checker.close()
    if checker.problem is not None:
        raise CustomVerificationInvalidContentError(checker.problem)


class _HtmlAllowList(HTMLParser):
    """Finds the first tag, attribute or comment the guide's table does not allow."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problem: str | None = None

    def _report(self, problem: str) -> None:
        if self.problem is None:
            self.problem = problem

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self._report(f"The template content contains the tag <{tag}>, which is not allowed.")
            return
        allowed = _COMMON_ATTRIBUTES | _EXTRA_ATTRIBUTES.get(tag, frozenset())
        for name, _value in attrs:
            if name not in allowed:
                self._report(
                    f"The template content contains the attribute {name} on <{tag}>, "
                    "which is not allowed."
                )
                return

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_comment(self, data: str) -> None:
        self._report("The template content contains a comment, which is not allowed.")
