"""SES-style message ids.

SES ids look like ``0100018c4a1f7e2b-3f2a9c1d-6e5b-4c8a-9d7e-1a2b3c4d5e6f-000000``:
16 hex digits (a 4-digit prefix, then the acceptance time in milliseconds since
the epoch as 12 hex digits), a UUID, and ``-000000``. Examples in the Developer
Guide (seed G, "Monitoring"): ``0000014644fe5ef6-9a48…-000000``, the SMTP reply
``250 Ok 01010160d7de98d8-21e5…-000000``; the ``0100`` prefix is what current
accounts receive. The same shape is used for ``feedbackId`` values.

The delivered message carries ``Message-ID: <id@email.amazonses.com>`` (SES
replaces any Message-ID the sender wrote: guide "Amazon SES header fields").
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from openses.domain.clock import Clock

SES_MESSAGE_ID_DOMAIN = "email.amazonses.com"
DEFAULT_PREFIX = "0100"
_TIMESTAMP_DIGITS = 12
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)

_ID_PATTERN = re.compile(
    r"^(?P<prefix>[0-9a-f]{4})(?P<millis>[0-9a-f]{12})-"
    r"(?P<uuid>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})-000000$"
)


@dataclass(frozen=True)
class ParsedMessageId:
    prefix: str
    timestamp: dt.datetime
    unique: uuid.UUID


def format_message_id(
    timestamp: dt.datetime, unique: uuid.UUID, *, prefix: str = DEFAULT_PREFIX
) -> str:
    """The id for a message accepted at ``timestamp`` (timezone-aware)."""
    if not re.fullmatch(r"[0-9a-f]{4}", prefix):
        raise ValueError("prefix must be 4 lower-case hex digits")
    if timestamp.tzinfo is None:
        raise ValueError("timestamp must be timezone-aware")
    millis = (timestamp - _EPOCH) // dt.timedelta(milliseconds=1)
    if not 0 <= millis < 16**_TIMESTAMP_DIGITS:
        raise ValueError("timestamp out of range for an SES message id")
    return f"{prefix}{millis:012x}-{unique}-000000"


def parse_message_id(message_id: str) -> ParsedMessageId | None:
    """The parts of an SES-style id, or None when ``message_id`` is not one."""
    match = _ID_PATTERN.match(message_id)
    if match is None:
        return None
    millis = int(match["millis"], 16)
    return ParsedMessageId(
        prefix=match["prefix"],
        timestamp=_EPOCH + dt.timedelta(milliseconds=millis),
        unique=uuid.UUID(match["uuid"]),
    )


def message_id_header_value(message_id: str, domain: str = SES_MESSAGE_ID_DOMAIN) -> str:
    """The ``Message-ID`` header value SES writes: ``<id@domain>``."""
    if not domain or any(c in domain for c in "<>@ \t\r\n"):
        raise ValueError(f"not a usable Message-ID domain: {domain!r}")
    return f"<{message_id}@{domain}>"


class MessageIdFactory:
    """Makes ids from an injected clock and UUID source, so tests are deterministic."""

    def __init__(
        self,
        clock: Clock,
        uuid_source: Callable[[], uuid.UUID] = uuid.uuid4,
        *,
        prefix: str = DEFAULT_PREFIX,
    ) -> None:
        self._clock = clock
        self._uuid_source = uuid_source
        self._prefix = prefix

    def new_id(self) -> str:
        return format_message_id(self._clock.now(), self._uuid_source(), prefix=self._prefix)
