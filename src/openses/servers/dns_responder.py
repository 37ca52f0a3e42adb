"""The authoritative DNS responder for the Easy DKIM zone: UDP and TCP on one port.

An operator delegates ``dkim.<OPENSES_DKIM_DOMAIN>`` to this server (NS records at
the parent); customers then only publish CNAMEs ``<token>._domainkey.<their domain>``
→ ``<token>.dkim.<OPENSES_DKIM_DOMAIN>``, as with SES. What is answered is in
``dns_answers``; this module only moves bytes: UDP datagrams, and TCP messages with
their two-byte length prefix (RFC 1035 §4.2.2, RFC 7766), several per connection.

Bad input never stops it: malformed packets get FORMERR or silence, slow or idle TCP
clients are cut off, and the number of queries in flight is bounded (beyond it, UDP
queries are dropped, as an overloaded server does, and resolvers retry).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from dataclasses import dataclass
from typing import cast

import dns.rcode

from openses.servers.dns_answers import DkimZone, TxtLookup, ZoneSettings, header_only_error

logger = logging.getLogger("openses.dns")

_MAX_IN_FLIGHT = 256
_TCP_IDLE_SECONDS = 10.0  # RFC 7766 §6.2.3 suggests seconds, not minutes
_MAX_TCP_CONNECTIONS = 128


@dataclass(frozen=True, slots=True)
class DnsEndpoint:
    host: str
    port: int


class _UdpProtocol(asyncio.DatagramProtocol):
    def __init__(self, responder: DnsResponder) -> None:
        self._responder = responder
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # A DatagramTransport in practice; uvloop's does not subclass asyncio's.
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str | object, ...]) -> None:
        self._responder.handle_datagram(data, addr, self)

    def error_received(self, exc: Exception) -> None:  # e.g. ICMP port unreachable
        logger.debug("DNS UDP error: %s", exc)


class DnsResponder:
    def __init__(self, settings: ZoneSettings, lookup: TxtLookup) -> None:
        self.zone = DkimZone(settings, lookup)
        self._udp: asyncio.DatagramTransport | None = None
        self._tcp: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._tcp_connections = 0
        self.endpoint: DnsEndpoint | None = None

    async def start(self, host: str, port: int) -> DnsEndpoint:
        """Listen on ``host:port`` (UDP and TCP; port 0 picks one free for both)."""
        loop = asyncio.get_running_loop()
        for _attempt in range(20):
            udp_sock = _bound_socket(host, port, socket.SOCK_DGRAM)
            bound_port = udp_sock.getsockname()[1]
            try:
                tcp_sock = _bound_socket(host, bound_port, socket.SOCK_STREAM)
            except OSError:
                udp_sock.close()
                if port:
                    raise
                continue  # the ephemeral UDP port is taken for TCP: try another one
            break
        else:
            raise OSError(f"no port free for both UDP and TCP on {host}")
        transport, _protocol = await loop.create_datagram_endpoint(
            lambda: _UdpProtocol(self), sock=udp_sock
        )
        self._udp = transport
        self._tcp = await asyncio.start_server(self._serve_tcp, sock=tcp_sock)
        self.endpoint = DnsEndpoint(host, bound_port)
        logger.info("DNS responder for %s on %s port %d", self.zone.origin, host, bound_port)
        return self.endpoint

    async def stop(self) -> None:
        if self._udp is not None:
            self._udp.close()
            self._udp = None
        if self._tcp is not None:
            self._tcp.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._tcp.wait_closed(), timeout=5)
            self._tcp = None
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()

    # -- UDP --------------------------------------------------------------------------

    def handle_datagram(
        self, data: bytes, addr: tuple[str | object, ...], protocol: _UdpProtocol
    ) -> None:
        if len(self._tasks) >= _MAX_IN_FLIGHT:
            return  # overloaded: drop, the resolver retries
        task = asyncio.get_running_loop().create_task(self._answer_datagram(data, addr, protocol))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _answer_datagram(
        self, data: bytes, addr: tuple[str | object, ...], protocol: _UdpProtocol
    ) -> None:
        reply = await self._respond(data, udp=True)
        if reply is not None and protocol.transport is not None:
            protocol.transport.sendto(reply, addr)

    async def _respond(self, data: bytes, *, udp: bool) -> bytes | None:
        try:
            return await self.zone.respond(data, udp=udp)
        except Exception:  # a lookup failure must not kill the server
            logger.exception("DNS query failed")
            return header_only_error(data, dns.rcode.SERVFAIL)

    # -- TCP --------------------------------------------------------------------------

    async def _serve_tcp(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        self._tcp_connections += 1
        try:
            if self._tcp_connections <= _MAX_TCP_CONNECTIONS:
                await self._tcp_session(reader, writer)
        except (TimeoutError, asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self._tcp_connections -= 1
            if task is not None:
                self._tasks.discard(task)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _tcp_session(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        while True:
            try:
                header = await asyncio.wait_for(reader.readexactly(2), _TCP_IDLE_SECONDS)
            except asyncio.IncompleteReadError:
                return  # the client closed between messages
            size = int.from_bytes(header, "big")
            if size == 0:
                return
            message = await asyncio.wait_for(reader.readexactly(size), _TCP_IDLE_SECONDS)
            reply = await self._respond(message, udp=False)
            if reply is None:
                return  # nothing sensible to say: close, RFC 7766 §6.2.4 lets us
            writer.write(len(reply).to_bytes(2, "big") + reply)
            await asyncio.wait_for(writer.drain(), _TCP_IDLE_SECONDS)


def _bound_socket(host: str, port: int, kind: socket.SocketKind) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, kind)
    try:
        if kind == socket.SOCK_STREAM:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        if kind == socket.SOCK_STREAM:
            sock.listen(128)
        sock.setblocking(False)
    except OSError:
        sock.close()
        raise
    return sock
