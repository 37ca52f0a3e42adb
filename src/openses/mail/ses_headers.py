"""SES's own control headers in raw messages (``X-SES-*``).

Developer Guide: ``X-SES-CONFIGURATION-SET`` and ``X-SES-MESSAGE-TAGS`` ("Using
Amazon SES-specific email headers", event publishing), ``X-SES-SOURCE-ARN``,
``X-SES-FROM-ARN``, ``X-SES-RETURN-PATH-ARN`` (sending authorization; "if you
include multiple instances of an X-header, Amazon SES only uses the first
instance"), ``X-SES-LIST-MANAGEMENT-OPTIONS: {contactListName}; topic={topicName}``
(list management). SES removes them before sending.

Tag rules are the ``MessageTag`` ones (botocore ``ses`` model): ASCII letters,
digits, ``_`` and ``-``, at most 256 characters; the reserved names
``ses:feedback-id-a``/``ses:feedback-id-b`` are the one exception (AWS, 2024,
"fine-grained feedback"; localstack/localstack#11243).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from openses.mail.header_block import HeaderField

CONTROL_HEADER_PREFIX = "x-ses-"
CONFIGURATION_SET = "X-SES-CONFIGURATION-SET"
MESSAGE_TAGS = "X-SES-MESSAGE-TAGS"
SOURCE_ARN = "X-SES-SOURCE-ARN"
FROM_ARN = "X-SES-FROM-ARN"
RETURN_PATH_ARN = "X-SES-RETURN-PATH-ARN"
LIST_MANAGEMENT_OPTIONS = "X-SES-LIST-MANAGEMENT-OPTIONS"

MAX_TAG_LENGTH = 256
_TAG_TEXT = re.compile(r"[A-Za-z0-9_-]*")
_RESERVED_TAG_NAMES = frozenset({"ses:feedback-id-a", "ses:feedback-id-b"})


@dataclass(frozen=True)
class MessageTag:
    name: str
    value: str


@dataclass(frozen=True)
class ListManagementOptions:
    contact_list_name: str
    topic_name: str | None


@dataclass(frozen=True)
class TagProblem:
    rule: str  # "invalid_tag_name" | "invalid_tag_value"
    text: str


@dataclass(frozen=True)
class SesControlHeaders:
    configuration_set: str | None = None
    message_tags: tuple[MessageTag, ...] = ()
    source_arn: str | None = None
    from_arn: str | None = None
    return_path_arn: str | None = None
    list_management: ListManagementOptions | None = None


def is_control_header(field: HeaderField) -> bool:
    return field.name.lower().startswith(CONTROL_HEADER_PREFIX)


def _first_value(fields: Iterable[HeaderField], name: str) -> str | None:
    for field in fields:
        if field.is_named(name):
            return field.value
    return None


def tag_problem(name: str, value: str) -> TagProblem | None:
    """Why SES would refuse the tag ``name=value``, if it would."""
    name_ok = name in _RESERVED_TAG_NAMES or (
        0 < len(name) <= MAX_TAG_LENGTH and _TAG_TEXT.fullmatch(name) is not None
    )
    if not name_ok:
        return TagProblem("invalid_tag_name", name)
    if len(value) > MAX_TAG_LENGTH or _TAG_TEXT.fullmatch(value) is None:
        return TagProblem("invalid_tag_value", value)
    return None


def parse_message_tags(value: str) -> tuple[tuple[MessageTag, ...], TagProblem | None]:
    """``name1=value1, name2=value2`` as tags; the first bad one is reported."""
    tags: list[MessageTag] = []
    for entry in value.split(","):
        entry = entry.strip(" \t")
        if not entry:
            continue
        name, _equals, tag_value = entry.partition("=")
        name, tag_value = name.strip(" \t"), tag_value.strip(" \t")
        problem = tag_problem(name, tag_value)
        if problem is not None:
            return (), problem
        tags.append(MessageTag(name, tag_value))
    return tuple(tags), None


def parse_list_management(value: str) -> ListManagementOptions | None:
    """``{contactListName}; topic={topicName}`` (the topic is optional)."""
    list_name, *options = (piece.strip(" \t") for piece in value.split(";"))
    if not list_name:
        return None
    topic: str | None = None
    for option in options:
        key, _equals, option_value = option.partition("=")
        if key.strip(" \t").lower() == "topic" and option_value.strip(" \t"):
            topic = option_value.strip(" \t")
    return ListManagementOptions(list_name, topic)


def extract_control_headers(
    fields: Iterable[HeaderField],
) -> tuple[SesControlHeaders, TagProblem | None]:
    """The control values, first instance of each header winning."""
    control_fields = [field for field in fields if is_control_header(field)]
    tags_value = _first_value(control_fields, MESSAGE_TAGS)
    tags, problem = parse_message_tags(tags_value) if tags_value else ((), None)
    list_value = _first_value(control_fields, LIST_MANAGEMENT_OPTIONS)
    headers = SesControlHeaders(
        configuration_set=_first_value(control_fields, CONFIGURATION_SET) or None,
        message_tags=tags,
        source_arn=_first_value(control_fields, SOURCE_ARN) or None,
        from_arn=_first_value(control_fields, FROM_ARN) or None,
        return_path_arn=_first_value(control_fields, RETURN_PATH_ARN) or None,
        list_management=parse_list_management(list_value) if list_value else None,
    )
    return headers, problem
