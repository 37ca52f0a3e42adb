"""Plain HTTP request and response values passed between the server and the protocol layer."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class HttpRequest:
    """One HTTP request as it arrived on the wire.

    ``raw_path`` and ``query_string`` are kept percent-encoded: SigV4 signs the
    encoded form, and SES v2 identities such as ``a+b@x.com`` must be decoded
    only once, per path segment, after routing.
    """

    method: str
    raw_path: str
    query_string: str
    # Lower-case header names; repeated headers joined with "," (RFC 9110 §5.3).
    headers: Mapping[str, str]
    body: bytes
    client_ip: str = ""


@dataclass(slots=True)
class HttpResponse:
    status: int
    body: bytes
    headers: list[tuple[str, str]] = field(default_factory=list)
