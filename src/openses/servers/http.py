"""The ASGI application: bytes in, ``HttpRequest`` to the gateway, ``HttpResponse`` out."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, Protocol

from openses.api.admin import ADMIN_PREFIXES
from openses.protocol.errors import ApiError
from openses.protocol.http import HttpRequest, HttpResponse

logger = logging.getLogger("openses.http")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class Gateway(Protocol):
    async def handle(self, request: HttpRequest) -> HttpResponse: ...

    def error_response(self, request: HttpRequest, error: ApiError) -> HttpResponse: ...


class Admin(Protocol):
    async def handle(self, request: HttpRequest) -> HttpResponse: ...


class Lifecycle(Protocol):
    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class BodyTooLargeError(Exception):
    pass


def _headers(raw: list[tuple[bytes, bytes]]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for name, value in raw:
        key = name.decode("latin-1").lower()
        text = value.decode("latin-1")
        # RFC 9110 §5.3: repeated fields combine into one, values separated by commas.
        headers[key] = f"{headers[key]},{text}" if key in headers else text
    return headers


async def _read_body(receive: Receive, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLargeError
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


class HttpApp:
    """The ASGI callable that ``uvicorn`` serves."""

    def __init__(
        self, gateway: Gateway, admin: Admin, lifecycle: Lifecycle, *, max_body_bytes: int
    ) -> None:
        self._gateway = gateway
        self._admin = admin
        self._lifecycle = lifecycle
        self._max_body = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif scope["type"] == "http":
            await self._http(scope, receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    await self._lifecycle.start()
                except Exception as exc:
                    logger.exception("start-up failed")
                    await send({"type": "lifespan.startup.failed", "message": str(exc)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self._lifecycle.stop()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw_path: bytes = scope.get("raw_path") or scope["path"].encode("utf-8")
        path, _, raw_query = raw_path.decode("latin-1").partition("?")
        headers = _headers(scope["headers"])
        request = HttpRequest(
            method=scope["method"],
            raw_path=path,
            query_string=scope.get("query_string", b"").decode("latin-1") or raw_query,
            headers=headers,
            body=b"",
            client_ip=(scope.get("client") or ("",))[0],
        )
        response = await self._respond(request, headers, receive)
        await send(
            {
                "type": "http.response.start",
                "status": response.status,
                "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in response.headers]
                + [(b"content-length", str(len(response.body)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": response.body})

    async def _respond(
        self, request: HttpRequest, headers: dict[str, str], receive: Receive
    ) -> HttpResponse:
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self._max_body:
            return self._too_large(request)
        try:
            body = await _read_body(receive, self._max_body)
        except BodyTooLargeError:
            return self._too_large(request)
        request = HttpRequest(
            request.method,
            request.raw_path,
            request.query_string,
            request.headers,
            body,
            request.client_ip,
        )
        if request.raw_path.startswith(ADMIN_PREFIXES):
            return await self._admin.handle(request)
        return await self._gateway.handle(request)

    def _too_large(self, request: HttpRequest) -> HttpResponse:
        error = ApiError(
            "RequestEntityTooLarge",
            f"Request body is larger than the limit of {self._max_body} bytes.",
            413,
        )
        response = self._gateway.error_response(request, error)
        response.headers.append(("connection", "close"))
        return response
