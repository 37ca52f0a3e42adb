"""What every operation adapter receives besides its parameters."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from openses.services.registry import Services
from openses.services.scope import Scope


@dataclass(frozen=True, slots=True)
class RequestContext:
    scope: Scope
    request_id: str
    access_key_id: str
    services: Services
    source_ip: str = ""


Params = Mapping[str, Any]
Result = dict[str, Any]
Handler = Callable[[RequestContext, Params], Awaitable[Result]]
