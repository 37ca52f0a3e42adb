"""The inspection API for test users: what was sent, as local SES emulators show it.

``GET /_aws/ses`` answers in the shape test suites already use with local AWS
emulators (``{"messages": [{"Id", "Region", "Source", "Destination", "Subject",
"Body": {"text_part", "html_part"}, "RawData", "Timestamp"}]}``, filters ``id``
and ``email``; ``DELETE`` clears). ``/_openses/messages`` and
``/_openses/messages/{id}`` add each recipient's state and the event timeline.
Open in dev mode; outside it the request must be SigV4-signed and sees only its
own account's messages.
"""

from __future__ import annotations

import email
import email.policy
import json
import urllib.parse
from collections.abc import Awaitable, Callable
from typing import Any

from openses.domain.messages import AcceptedMessage
from openses.protocol.errors import ApiError
from openses.protocol.http import HttpRequest, HttpResponse
from openses.services.registry import Services
from openses.storage.repositories import events as events_repo
from openses.storage.repositories import messages as messages_repo

Authenticate = Callable[[HttpRequest], Awaitable[str]]


def _json(status: int, document: object) -> HttpResponse:
    return HttpResponse(
        status, json.dumps(document).encode(), [("content-type", "application/json")]
    )


def _bodies(raw: bytes) -> tuple[str, str | None, str | None]:
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    subject = str(parsed.get("Subject", ""))
    parts: dict[str, str | None] = {"plain": None, "html": None}
    for kind in parts:
        part = parsed.get_body(preferencelist=(kind,))
        if part is not None:
            parts[kind] = part.get_content()
    return subject, parts["plain"], parts["html"]


def emulator_view(message: AcceptedMessage) -> dict[str, Any]:
    subject, text, html = _bodies(message.raw)
    return {
        "Id": message.message_id,
        "Region": message.region,
        "Source": message.source,
        "Destination": {
            "ToAddresses": list(message.destination.to),
            "CcAddresses": list(message.destination.cc),
            "BccAddresses": list(message.destination.bcc),
        },
        "Subject": subject,
        "Body": {"text_part": text, "html_part": html},
        "RawData": message.raw.decode("utf-8", "replace"),
        "Timestamp": message.accepted_at.isoformat(timespec="milliseconds"),
    }


def _matches(message: AcceptedMessage, email_filter: str | None) -> bool:
    return email_filter is None or email_filter in (message.source, message.from_address)


class InspectionEndpoints:
    def __init__(self, services: Services, *, dev: bool, authenticate: Authenticate) -> None:
        self._services = services
        self._dev = dev
        self._authenticate = authenticate

    async def handle(self, request: HttpRequest) -> HttpResponse:
        try:
            account_id = None if self._dev else await self._authenticate(request)
        except ApiError as error:
            return _json(error.status, {"__type": error.code, "message": error.message})
        query = {k: v[-1] for k, v in urllib.parse.parse_qs(request.query_string).items()}
        path = request.raw_path.rstrip("/")
        if path == "/_aws/ses":
            return await self._emulator(request.method, query, account_id)
        if path == "/_openses/messages" and request.method == "GET":
            return await self._list(account_id)
        prefix = "/_openses/messages/"
        if request.raw_path.startswith(prefix) and request.method == "GET":
            return await self._detail(urllib.parse.unquote(path[len(prefix) :]), account_id)
        return _json(404, {"message": f"No inspection endpoint at {request.raw_path}."})

    async def _messages(
        self, account_id: str | None, message_id: str | None = None
    ) -> list[AcceptedMessage]:
        async with self._services.database.read() as conn:
            return await messages_repo.list_messages(
                conn, account_id=account_id, message_id=message_id, limit=10_000
            )

    async def _emulator(
        self, method: str, query: dict[str, str], account_id: str | None
    ) -> HttpResponse:
        if method == "DELETE":
            async with self._services.database.transaction() as conn:
                if "id" in query:
                    await messages_repo.delete_message(conn, query["id"], account_id=account_id)
                else:
                    await messages_repo.delete_messages(conn, account_id=account_id)
            return HttpResponse(204, b"")
        if method != "GET":
            return _json(405, {"message": "Use GET or DELETE."})
        found = await self._messages(account_id, query.get("id"))
        views = [emulator_view(m) for m in found if _matches(m, query.get("email"))]
        return _json(200, {"messages": views})

    async def _list(self, account_id: str | None) -> HttpResponse:
        found = await self._messages(account_id)
        return _json(
            200,
            {
                "messages": [
                    {
                        "messageId": m.message_id,
                        "accountId": m.account_id,
                        "region": m.region,
                        "source": m.source,
                        "destination": list(m.recipients),
                        "subject": m.common_headers.get("subject"),
                        "acceptedAt": m.accepted_at.isoformat(timespec="milliseconds"),
                    }
                    for m in found
                ]
            },
        )

    async def _detail(self, message_id: str, account_id: str | None) -> HttpResponse:
        found = await self._messages(account_id, message_id)
        if not found:
            return _json(404, {"message": f"No message {message_id}."})
        message = found[0]
        async with self._services.database.read() as conn:
            recipients = await messages_repo.recipient_states(conn, message_id)
            timeline = await events_repo.events_for_message(conn, message_id)
        document = emulator_view(message)
        document["Recipients"] = recipients
        document["Events"] = [event.payload for event in timeline]
        return _json(200, document)
