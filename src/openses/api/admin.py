"""openses's own endpoints under ``/_openses``: health in every mode, reset in dev mode only,
and the page e-mail verification links open (every mode)."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

from openses.api.email_verification import EmailVerificationEndpoint
from openses.api.inspection import InspectionEndpoints
from openses.protocol.http import HttpRequest, HttpResponse
from openses.services.email_verification import VERIFY_PATH
from openses.services.maintenance import reset_all_state
from openses.services.registry import Services

ADMIN_PREFIXES = ("/_openses/", "/_aws/ses")


def _json(status: int, document: object) -> HttpResponse:
    return HttpResponse(
        status, json.dumps(document).encode(), [("content-type", "application/json")]
    )


class AdminEndpoints:
    def __init__(
        self,
        services: Services,
        *,
        dev: bool,
        after_reset: Callable[[], Awaitable[None]],
        inspection: InspectionEndpoints,
    ) -> None:
        self._services = services
        self._dev = dev
        self._after_reset = after_reset
        self._inspection = inspection
        self._verification = EmailVerificationEndpoint(services)

    async def handle(self, request: HttpRequest) -> HttpResponse:
        path = request.raw_path
        if path == "/_openses/health" and request.method in ("GET", "HEAD"):
            return _json(200, {"status": "ok", "dev": self._dev})
        if path == VERIFY_PATH:
            return await self._verification.handle(request)
        if path == "/_openses/reset" and self._dev:
            if request.method != "POST":
                return _json(405, {"message": "Use POST to reset."})
            await reset_all_state(self._services.database, self._services.accounts)
            self._services.dkim.forget()
            self._services.identities.forget_cached()
            await self._after_reset()
            return _json(200, {"reset": True})
        if path.startswith(("/_aws/ses", "/_openses/messages")):
            return await self._inspection.handle(request)
        return _json(404, {"message": f"No openses endpoint at {path}."})
