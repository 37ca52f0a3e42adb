"""Who is asking, and where: every service call is explicit about account and region."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Scope:
    account_id: str
    region: str
