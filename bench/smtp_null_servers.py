"""The SMTP protocol layer alone: openses's core or aiosmtpd, answering 250 and keeping nothing.

What ``bench/smtp_accept.py`` runs to measure what the protocol costs per message,
apart from accepting it (``docs/adr/0004-smtp-protocol-core.md``). Both on uvloop,
both plaintext and without AUTH (openses's through a trusted network), both answer
every DATA with ``250 Ok``; stopped by SIGTERM.

    .venv/bin/python bench/smtp_null_servers.py {openses,aiosmtpd} PORT
"""

from __future__ import annotations

import asyncio
import signal
import sys
from typing import Any

import uvloop

from openses.servers.smtp_auth import Principal
from openses.servers.smtp_commands import SubmissionSession
from openses.servers.smtp_connection import (
    ConnectionRegistry,
    Envelope,
    ListenerContext,
    SessionLimits,
)

PRINCIPAL = Principal("000000000000", "test", "us-east-1")


class NullBackend:
    async def authenticate(self, username: str | None, password: bytes | None, ip: str) -> None:
        return None

    def trusted_principal(self, client_ip: str) -> Principal:
        return PRINCIPAL

    async def submit(self, principal: Principal, envelope: Envelope, client_ip: str) -> str:
        return "250 Ok null"


def openses_factory() -> Any:
    limits = SessionLimits(max_message_bytes=40 * 1024 * 1024, max_messages=10**9)
    registry = ConnectionRegistry(10_000, 10_000)
    context = ListenerContext("null.bench", NullBackend(), limits, registry, None)
    return lambda: SubmissionSession(context, implicit_tls=False)


class NullHandler:
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        return "250 Ok null"


def aiosmtpd_factory() -> Any:
    from aiosmtpd.smtp import SMTP

    return lambda: SMTP(NullHandler(), hostname="null.bench", data_size_limit=40 * 1024 * 1024)


async def serve(kind: str, port: int) -> None:
    loop = asyncio.get_running_loop()
    factory = openses_factory() if kind == "openses" else aiosmtpd_factory()
    server = await loop.create_server(factory, "127.0.0.1", port, backlog=1024)
    stopped = loop.create_future()
    loop.add_signal_handler(signal.SIGTERM, stopped.set_result, None)
    await stopped
    server.close()


if __name__ == "__main__":
    uvloop.run(serve(sys.argv[1], int(sys.argv[2])))
