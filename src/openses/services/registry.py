"""The set of services one running openses offers to its doors (HTTP API, SMTP, console)."""

from __future__ import annotations

from dataclasses import dataclass

from openses.domain.clock import Clock
from openses.services.accounts import AccountService
from openses.services.identities import IdentityService
from openses.services.tags import TagService
from openses.storage.engine import Database


@dataclass(frozen=True, slots=True)
class Services:
    database: Database
    clock: Clock
    accounts: AccountService
    identities: IdentityService
    tags: TagService

    @classmethod
    def build(cls, database: Database, clock: Clock, *, dev: bool) -> Services:
        return cls(
            database=database,
            clock=clock,
            accounts=AccountService(database, clock),
            identities=IdentityService(database, clock, verify_at_once=dev),
            tags=TagService(database),
        )
