"""The MIME message TestRenderTemplate answers: a rendered template as SES would mail it.

SES documents the result only as "the complete MIME message rendered by applying
the data" (API reference, TestRenderTemplate). openses writes what its
formatted sends write, without envelope headers the call has no values for:
``Date``, ``Subject``, ``MIME-Version`` and the body, ``multipart/alternative``
(text, then HTML) when both parts exist, in UTF-8 with the transfer encoding
JavaMail would choose [INF].
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable

from openses.mail.compose_mime import (
    CRLF,
    Entity,
    fold,
    leaf,
    multipart,
    text_body,
    unstructured_atoms,
)
from openses.mail.inspect import format_date

_CHARSET = "UTF-8"


def _random_boundary() -> str:
    return f"=_{uuid.uuid4().hex}"


def _text_entity(text: str, subtype: str) -> Entity:
    content_type = f"Content-Type: text/{subtype}; charset={_CHARSET}".encode("ascii") + CRLF
    return leaf(content_type, text_body(text, "utf-8"))


def render_preview_message(
    subject: str,
    text: str | None,
    html: str | None,
    *,
    date: dt.datetime,
    new_boundary: Callable[[], str] = _random_boundary,
) -> str:
    """The rendered parts as one RFC 5322 message (CRLF line endings, 7-bit)."""
    parts = [
        _text_entity(body, subtype)
        for body, subtype in ((text, "plain"), (html, "html"))
        if body is not None
    ]
    if not parts:
        parts = [_text_entity("", "plain")]
    root = parts[0] if len(parts) == 1 else multipart("alternative", parts, new_boundary)
    head = (
        f"Date: {format_date(date)}".encode("ascii")
        + CRLF
        + fold("Subject", unstructured_atoms(subject, _CHARSET, header="Subject"))
        + b"MIME-Version: 1.0"
        + CRLF
        + root.headers
    )
    body = root.body if not root.body or root.body.endswith(CRLF) else root.body + CRLF
    return (head + CRLF + body).decode("ascii")
