"""Opening an SMTP client connection, up to the point where MAIL can be sent.

``open_session`` connects (its own TCP socket, so connecting and the greeting
have separate timeouts), reads the greeting, says EHLO (HELO if EHLO is not
understood, RFC 5321 §3.2), upgrades with STARTTLS as the ``TlsMode`` asks and
authenticates if given credentials. Anything that goes wrong becomes a
``SessionOpenError`` carrying the reply to report and whether other hosts are
still worth trying (4xx and connection trouble: yes; 5xx: no).
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from dataclasses import replace

import aiosmtplib

from openses.mail import replies
from openses.mail.replies import SmtpReply
from openses.mail.smtp_session import SessionOptions, SmtpSession, TlsMode


class SessionOpenError(Exception):
    """The connection could not be readied for mail.

    ``final``: the server refused us outright (5xx at greeting or EHLO), so other
    hosts of the same domain should not be tried (the rule for MX fallback).
    """

    def __init__(self, reply: SmtpReply, *, final: bool = False) -> None:
        super().__init__(str(reply))
        self.reply = reply
        self.final = final


class _TlsHandshakeError(Exception):
    pass


def client_tls_context(*, verify: bool, ca_file: str | None = None) -> ssl.SSLContext:
    """TLS 1.2 or newer. MX delivery does not verify (RFC 7435: opportunistic
    security, as MTAs do); a configured smarthost should."""
    if verify:
        context = ssl.create_default_context(cafile=ca_file)
    else:  # no CA store to load: create_default_context's is most of its cost
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


async def open_session(
    host: str, port: int, *, server_name: str, options: SessionOptions
) -> SmtpSession:
    """A connection to ``host:port`` ready for MAIL, or ``SessionOpenError``.

    ``host`` is what to connect to (an IP address for MX delivery), ``server_name``
    the name to report and to send as TLS SNI. If opportunistic STARTTLS fails in
    the handshake, the connection is made again in plaintext, as Postfix does.
    """
    try:
        return await _open(host, port, server_name, options)
    except _TlsHandshakeError:
        if options.tls is not TlsMode.OPPORTUNISTIC:
            raise SessionOpenError(replies.connection_failed()) from None
        return await _open(host, port, server_name, replace(options, tls=TlsMode.NONE))


async def _open(host: str, port: int, server_name: str, options: SessionOptions) -> SmtpSession:
    client = await _connect(host, port, options)
    try:
        await _hello(client, options)
        if options.tls in (TlsMode.OPPORTUNISTIC, TlsMode.STARTTLS):
            await _starttls(client, server_name, options)
        if options.username is not None:
            await _authenticate(client, options)
    except BaseException:
        client.close()
        raise
    return SmtpSession(client, server_name, options.timeouts)


async def _connect(host: str, port: int, options: SessionOptions) -> aiosmtplib.SMTP:
    timeouts = options.timeouts
    implicit = options.tls is TlsMode.IMPLICIT
    client = aiosmtplib.SMTP(
        local_hostname=options.helo_hostname,
        timeout=timeouts.command,
        start_tls=False,
        use_tls=implicit,
        tls_context=_tls_context(options) if implicit else None,
    )
    try:
        if implicit:  # aiosmtplib does TCP, TLS (SNI from hostname) and greeting
            await client.connect(hostname=host, port=port, timeout=timeouts.connect)
        else:  # our socket, so that connecting and the greeting have their own timeouts
            async with asyncio.timeout(timeouts.connect):
                sock = await _tcp_connect(host, port)
            try:
                await client.connect(sock=sock, timeout=timeouts.greeting)
            except BaseException:
                sock.close()  # aiosmtplib closes its transport, not always our socket
                raise
    except aiosmtplib.SMTPConnectResponseError as refused:
        raise _failure(refused.code, refused.message) from None
    except aiosmtplib.SMTPTimeoutError:
        raise SessionOpenError(replies.connection_timed_out()) from None
    except (aiosmtplib.SMTPException, OSError, ssl.SSLError):
        raise SessionOpenError(replies.connection_failed()) from None
    return client


async def _tcp_connect(host: str, port: int) -> socket.socket:
    """A connected non-blocking socket to the first of ``host``'s addresses that answers."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    last_error: OSError = OSError(f"no address for {host}")
    for family, kind, proto, _, address in infos:
        sock = socket.socket(family, kind, proto)
        sock.setblocking(False)
        # Commands and replies are small writes answered by small writes: Nagle would
        # only add delayed-ACK stalls (asyncio sets this too, but not for every socket).
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            await loop.sock_connect(sock, address)
        except (OSError, asyncio.CancelledError) as error:
            sock.close()
            if isinstance(error, asyncio.CancelledError):
                raise
            last_error = error
            continue
        return sock
    raise last_error


async def _hello(client: aiosmtplib.SMTP, options: SessionOptions) -> None:
    """EHLO; HELO if EHLO is not understood (RFC 5321 §3.2: 500 or 502)."""
    timeout = options.timeouts.command
    try:
        await client.ehlo(hostname=options.helo_hostname, timeout=timeout)
        return
    except aiosmtplib.SMTPHeloError as refused:
        if refused.code not in (500, 502):
            raise _failure(refused.code, refused.message) from None
    except aiosmtplib.SMTPException as error:
        raise _lost(error) from None
    try:
        await client.helo(hostname=options.helo_hostname, timeout=timeout)
    except aiosmtplib.SMTPHeloError as refused:
        raise _failure(refused.code, refused.message) from None
    except aiosmtplib.SMTPException as error:
        raise _lost(error) from None


async def _starttls(client: aiosmtplib.SMTP, server_name: str, options: SessionOptions) -> None:
    if not client.supports_extension("starttls"):
        if options.tls is TlsMode.STARTTLS:
            raise SessionOpenError(SmtpReply.make(421, "4.7.0", "STARTTLS required, not offered"))
        return
    try:
        await client.starttls(
            server_hostname=server_name,
            tls_context=_tls_context(options),
            timeout=options.timeouts.command,
        )
    except aiosmtplib.SMTPResponseException as refused:  # e.g. 454 TLS not available
        if options.tls is TlsMode.STARTTLS or not client.is_connected:
            raise _failure(refused.code, refused.message, transient=True) from None
        return
    except (aiosmtplib.SMTPException, OSError, ssl.SSLError):
        raise _TlsHandshakeError from None
    try:
        await _hello(client, options)  # RFC 3207 §4.2: forget what was said before TLS
    except SessionOpenError as error:
        # With TLS 1.3 a server that rejects the handshake (say, it wants a client
        # certificate) is only heard at the first read: count that as TLS failing.
        if error.reply in (replies.connection_failed(), replies.connection_timed_out()):
            raise _TlsHandshakeError from None
        raise


async def _authenticate(client: aiosmtplib.SMTP, options: SessionOptions) -> None:
    """AUTH PLAIN, or LOGIN if only that is offered. A refusal is our configuration's
    fault, not the recipient's: reported as 454 4.7.0 (RFC 4954 §6) so mail waits."""
    assert options.username is not None
    username, password = options.username, options.password or ""
    timeout = options.timeouts.command
    try:
        if "plain" in client.server_auth_methods or "login" not in client.server_auth_methods:
            await client.auth_plain(username, password, timeout=timeout)
        else:
            await client.auth_login(username, password, timeout=timeout)
    except aiosmtplib.SMTPResponseException as refused:
        reply = SmtpReply.parse(refused.code, refused.message)
        text = f"Authentication failed: {' '.join(str(reply).splitlines())}"
        raise SessionOpenError(SmtpReply.make(454, "4.7.0", text)) from None
    except aiosmtplib.SMTPException as error:
        raise _lost(error) from None


def _tls_context(options: SessionOptions) -> ssl.SSLContext:
    return options.tls_context or client_tls_context(verify=False)


def _failure(code: int, message: str, *, transient: bool = False) -> SessionOpenError:
    """A refusal at greeting/EHLO: 4xx means try another host, 5xx means stop."""
    reply = SmtpReply.parse(code, message)
    if reply.is_permanent and not transient:
        return SessionOpenError(reply, final=True)
    if reply.is_transient:
        return SessionOpenError(reply)
    return SessionOpenError(
        replies.local_error(f"Unexpected reply: {' '.join(str(reply).split())}")
    )


def _lost(error: BaseException) -> SessionOpenError:
    if isinstance(error, aiosmtplib.SMTPTimeoutError):
        return SessionOpenError(replies.connection_timed_out())
    if isinstance(error, aiosmtplib.SMTPResponseException):
        return _failure(error.code, error.message)
    return SessionOpenError(replies.connection_failed())
