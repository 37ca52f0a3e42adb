"""Opaque page tokens: clients hand back what we gave them, and nothing else is accepted."""

from __future__ import annotations

import base64
import binascii

from openses.domain.errors import InvalidParameterError

_PREFIX = "p1:"


def encode_page_token(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"{_PREFIX}{last_id}".encode()).decode("ascii")


def decode_page_token(token: str) -> int:
    try:
        decoded = base64.urlsafe_b64decode(token.encode("ascii")).decode("ascii")
    except (binascii.Error, UnicodeError, ValueError) as exc:
        raise InvalidParameterError("Invalid NextToken.") from exc
    if not decoded.startswith(_PREFIX) or not decoded[len(_PREFIX) :].isdigit():
        raise InvalidParameterError("Invalid NextToken.")
    return int(decoded[len(_PREFIX) :])
