"""The MIME structure of a raw message, read only: how many parts, which file names.

Reading uses the standard library's parser (it knows RFC 2231 continuations and
encoded-words in parameters); nothing here writes a message, so the bytes SES
sends stay the sender's. A file name is looked for everywhere a mail client
might take one from — ``filename`` (Content-Disposition) *and* ``name``
(Content-Type), decoded and also as written — so ``filename=ok.pdf`` with
``name=evil.exe`` cannot slip an executable past the check.
"""

from __future__ import annotations

import contextlib
import email
import email.message
import email.policy
import email.utils
import re
import urllib.parse
from dataclasses import dataclass

from openses.mail.encoded_words import decode_words

_RAW_NAME_PARAMETER = re.compile(
    r"""(?:^|;)\s*(?:file)?name(?:\*\d+)?(\*)?\s*=\s*("(?:[^"\\]|\\.)*"|[^;\s]+)""",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class MimeSummary:
    part_count: int
    file_names: tuple[str, ...]  # every candidate name, deduplicated, in order found
    too_deep: bool = False  # nesting beyond what can be walked counts as too many parts


def _raw_names(header_value: str) -> list[str]:
    """Names as written in a header's parameters, with simple decodings applied."""
    names: list[str] = []
    for match in _RAW_NAME_PARAMETER.finditer(header_value):
        value = match.group(2)
        if value.startswith('"'):
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        if match.group(1):  # RFC 2231 extended value: charset'language'percent-encoded
            value = urllib.parse.unquote(value.split("'", 2)[-1], errors="replace")
        names.extend({value, decode_words(value)})
    return names


def _parsed_names(part: email.message.Message) -> list[str]:
    names: list[str] = []
    filename = part.get_filename()
    if filename:
        names.append(str(filename))
    for header, parameter in (("content-type", "name"), ("content-disposition", "filename")):
        value = part.get_param(parameter, header=header)
        if isinstance(value, tuple):
            value = email.utils.collapse_rfc2231_value(value)
        if isinstance(value, str) and value:
            names.append(value)
    return names


def _part_names(part: email.message.Message) -> list[str]:
    names: list[str] = []
    for header in ("content-type", "content-disposition"):
        for raw in part.get_all(header, []):
            names.extend(_raw_names(str(raw)))
    # The raw scan above already has the names if the library trips on a header.
    with contextlib.suppress(Exception):
        names.extend(_parsed_names(part))
    return names


def summarize_mime(data: bytes) -> MimeSummary:
    """Count every MIME entity (the message itself included) and collect file names."""
    count = 0
    seen: dict[str, None] = {}
    try:
        message = email.message_from_bytes(data, policy=email.policy.compat32)
        for part in message.walk():
            count += 1
            for name in _part_names(part):
                seen.setdefault(name, None)
    except RecursionError:
        return MimeSummary(part_count=count, file_names=tuple(seen), too_deep=True)
    return MimeSummary(part_count=count, file_names=tuple(seen))
