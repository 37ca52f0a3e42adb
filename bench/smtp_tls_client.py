"""An SMTP load generator that does what ``smtp-source`` cannot: STARTTLS and AUTH.

``sessions`` connections, each EHLO, STARTTLS, EHLO, AUTH PLAIN, then MAIL / RCPT /
DATA for its share of the messages, one command at a time and waiting for each reply,
as ``smtp-source -d`` does (no pipelining). asyncio on uvloop; its own CPU is
reported so the figure can be read net of it.
"""

from __future__ import annotations

import asyncio
import base64
import resource
import ssl
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class TlsLoad:
    port: int
    cafile: str
    username: str
    password: str
    sender: str
    recipient: str
    message: bytes  # CRLF lines, not yet dot-stuffed
    messages: int
    sessions: int


@dataclass
class TlsLoadResult:
    seconds: float
    accepted: int
    refused: int
    client_cpu_seconds: float


def stuffed(message: bytes) -> bytes:
    lines = message.split(b"\r\n")
    return b"\r\n".join(b"." + line if line.startswith(b".") else line for line in lines)


async def _reply(reader: asyncio.StreamReader) -> bytes:
    while True:
        line = await reader.readline()
        if not line:
            raise ConnectionError("the server closed the connection")
        if line[3:4] != b"-":
            return line


async def _command(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, line: bytes, expect: bytes
) -> bytes:
    writer.write(line + b"\r\n")
    reply = await _reply(reader)
    if not reply.startswith(expect):
        raise RuntimeError(f"{line[:30]!r} answered {reply!r}")
    return reply


async def _session(load: TlsLoad, count: int, context: ssl.SSLContext) -> tuple[int, int]:
    reader, writer = await asyncio.open_connection("127.0.0.1", load.port, limit=1 << 20)
    await _reply(reader)
    await _command(reader, writer, b"EHLO bench.test", b"250")
    await _command(reader, writer, b"STARTTLS", b"220")
    await writer.start_tls(context, server_hostname="localhost")
    await _command(reader, writer, b"EHLO bench.test", b"250")
    credentials = base64.b64encode(f"\0{load.username}\0{load.password}".encode())
    await _command(reader, writer, b"AUTH PLAIN " + credentials, b"235")
    data = stuffed(load.message) + b".\r\n"
    accepted = refused = 0
    for _ in range(count):
        await _command(reader, writer, f"MAIL FROM:<{load.sender}>".encode(), b"250")
        await _command(reader, writer, f"RCPT TO:<{load.recipient}>".encode(), b"250")
        await _command(reader, writer, b"DATA", b"354")
        writer.write(data)
        if (await _reply(reader)).startswith(b"250"):
            accepted += 1
        else:
            refused += 1
    await _command(reader, writer, b"QUIT", b"221")
    writer.close()
    return accepted, refused


async def _run(load: TlsLoad) -> tuple[float, int, int]:
    context = ssl.create_default_context(cafile=load.cafile)
    shares = [load.messages // load.sessions] * load.sessions
    for index in range(load.messages % load.sessions):
        shares[index] += 1
    started = time.perf_counter()
    results = await asyncio.gather(*(_session(load, share, context) for share in shares))
    seconds = time.perf_counter() - started
    return seconds, sum(a for a, _ in results), sum(r for _, r in results)


def run_tls_load(load: TlsLoad) -> TlsLoadResult:
    import uvloop

    before = resource.getrusage(resource.RUSAGE_SELF)
    seconds, accepted, refused = uvloop.run(_run(load))
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return TlsLoadResult(seconds, accepted, refused, cpu)
