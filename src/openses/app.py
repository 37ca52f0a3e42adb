"""The one place that wires settings, storage, services and servers together."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from openses.api.admin import AdminEndpoints
from openses.api.gateway import ApiGateway
from openses.config import Settings
from openses.domain.clock import Clock, SystemClock
from openses.servers.http import HttpApp, Lifecycle
from openses.services.registry import Services
from openses.storage.engine import Database, create_engine
from openses.storage.migrate import migrate

logger = logging.getLogger("openses")

DEV_ACCESS_KEY_ID = "test"
DEV_SECRET_ACCESS_KEY = "test"  # noqa: S105 - dev mode's documented, public credential


@dataclass
class Application:
    settings: Settings
    clock: Clock = field(default_factory=SystemClock)
    database: Database = field(init=False)
    services: Services = field(init=False)

    def __post_init__(self) -> None:
        self.database = Database(create_engine(self.settings.effective_database_url))
        self.services = Services.build(self.database, self.clock, dev=self.settings.dev)

    async def start(self) -> None:
        """Migrate the database and, in dev mode, make sure the default account exists."""
        await migrate(self.database)
        await self._seed()

    async def _seed(self) -> None:
        if self.settings.dev:
            await self.services.accounts.ensure_dev_account(self.settings.dev_account_id)

    async def stop(self) -> None:
        await self.database.dispose()

    def http_app(self, lifecycle: Lifecycle | None = None) -> HttpApp:
        """The ASGI app; ``lifecycle`` (default: this application) runs at start and stop."""
        admin = AdminEndpoints(self.services, dev=self.settings.dev, after_reset=self._seed)
        return HttpApp(
            ApiGateway(self.services),
            admin,
            lifecycle or self,
            max_body_bytes=self.settings.max_body_bytes,
        )
