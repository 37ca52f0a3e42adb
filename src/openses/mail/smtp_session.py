"""One SMTP client connection, once open: mail transactions, RSET, QUIT.

``SmtpSession.send`` runs one MAIL/RCPT/DATA transaction (RFC 5321 §3.3) and
answers one final reply per recipient: the RCPT refusal for refused ones, the
DATA reply for accepted ones, or a made-up 4xx if the connection died or timed
out first. A session whose transaction ended normally, even in refusals, can
carry the next message after ``reset`` (RSET, §4.1.1.5).

What goes on the wire in DATA is always CRLF-terminated lines, dot-stuffed
(RFC 5321 §2.3.8, §4.5.2): ``normalize_line_endings`` turns every bare LF and
bare CR into CRLF here, and aiosmtplib normalizes again and doubles each
leading dot (``SMTPProtocol.execute_data_command``); tests check the bytes a
server received.

Timeouts follow RFC 5321 §4.5.3.2 (``SmtpTimeouts``). aiosmtplib gives the DATA
command and the final reply one timeout, so ``data`` covers both: the RFC's
10-minute "DATA termination" figure, longer than its 2-minute initiation one.
"""

from __future__ import annotations

import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import aiosmtplib

from openses.mail import replies
from openses.mail.replies import SmtpReply


class TlsMode(StrEnum):
    NONE = "none"  # never encrypt
    OPPORTUNISTIC = "opportunistic"  # STARTTLS if offered; plaintext if not or if it fails
    STARTTLS = "starttls"  # STARTTLS or no delivery (RFC 3207)
    IMPLICIT = "implicit"  # TLS from the first byte, port 465 (RFC 8314)


@dataclass(frozen=True, slots=True)
class SmtpTimeouts:
    """Seconds to wait for each reply. Defaults are RFC 5321 §4.5.3.2's minimums."""

    connect: float = 30.0  # TCP (and implicit TLS) set-up; the RFC names no figure
    greeting: float = 300.0  # "Initial 220 Message: 5 Minutes"
    command: float = 300.0  # EHLO, STARTTLS, AUTH, RSET, QUIT
    mail: float = 300.0  # "MAIL Command: 5 Minutes"
    rcpt: float = 300.0  # "RCPT Command: 5 Minutes"
    data: float = 600.0  # "DATA Termination: 10 Minutes" (covers initiation's 2)

    @classmethod
    def uniform(cls, seconds: float) -> SmtpTimeouts:
        """Every timeout the same: what tests use to make slow servers quick to catch."""
        return cls(seconds, seconds, seconds, seconds, seconds, seconds)


DEFAULT_TIMEOUTS = SmtpTimeouts()


@dataclass(frozen=True, slots=True)
class SessionOptions:
    helo_hostname: str
    tls: TlsMode = TlsMode.OPPORTUNISTIC
    tls_context: ssl.SSLContext | None = None  # None: built by client_tls_context()
    username: str | None = None
    password: str | None = None
    timeouts: SmtpTimeouts = DEFAULT_TIMEOUTS


def normalize_line_endings(message: bytes) -> bytes:
    """Every line ending as CRLF (RFC 5321 §2.3.8), ending with one; bytes otherwise kept."""
    lines = message.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n")
    if lines[-1] == b"":
        lines.pop()
    return b"".join(line + b"\r\n" for line in lines)


class _AbortError(Exception):
    """The transaction cannot go on; ``reply`` is for every recipient still undecided."""

    def __init__(self, reply: SmtpReply) -> None:
        super().__init__(str(reply))
        self.reply = reply


@dataclass(frozen=True, slots=True)
class _MailParameters:
    options: tuple[str, ...]
    encoding: str


class SmtpSession:
    """An open, greeted (and maybe encrypted and authenticated) SMTP connection."""

    def __init__(self, client: aiosmtplib.SMTP, server_name: str, timeouts: SmtpTimeouts) -> None:
        self._client = client
        self._timeouts = timeouts
        self._broken = False
        self.server_name = server_name
        peer = client.get_transport_info("peername")
        self.remote_ip: str = str(peer[0]) if peer else ""
        self.tls: bool = client.get_transport_info("sslcontext") is not None
        self.transactions = 0

    @property
    def usable(self) -> bool:
        """Still connected and in step with the server."""
        return not self._broken and self._client.is_connected

    async def reset(self) -> bool:
        """RSET before reusing the connection; ``False`` (and closed) if it is dead."""
        try:
            await self._client.rset(timeout=self._timeouts.command)
        except (aiosmtplib.SMTPException, OSError):
            self.close()
            return False
        return True

    async def quit(self) -> None:
        """QUIT politely, then close whatever the server said."""
        try:
            if self.usable:
                await self._client.quit(timeout=self._timeouts.command)
        except (aiosmtplib.SMTPException, OSError):
            pass
        finally:
            self.close()

    def close(self) -> None:
        self._broken = True
        self._client.close()

    async def send(
        self, mail_from: str, recipients: Sequence[str], message: bytes
    ) -> dict[str, SmtpReply]:
        """One transaction; the final reply for each of ``recipients`` (deduplicated)."""
        self.transactions += 1
        wanted = list(dict.fromkeys(recipients))
        payload = normalize_line_endings(message)
        final: dict[str, SmtpReply] = {}
        accepted: list[str] = []
        try:
            parameters = self._mail_parameters(mail_from, wanted, payload, final)
            if parameters is not None:
                await self._mail(mail_from, parameters)
                accepted = await self._recipients(wanted, parameters, final)
            if accepted:
                reply = await self._data(payload)
                final.update(dict.fromkeys(accepted, reply))
        except _AbortError as aborted:
            for recipient in wanted:
                final.setdefault(recipient, aborted.reply)
        return {recipient: final[recipient] for recipient in wanted}

    def _mail_parameters(
        self, mail_from: str, wanted: list[str], payload: bytes, final: dict[str, SmtpReply]
    ) -> _MailParameters | None:
        """MAIL FROM parameters (RFC 1870 SIZE, RFC 6152 8BITMIME, RFC 6531 SMTPUTF8),
        or ``None`` having refused everyone locally when the server cannot take it."""
        options: list[str] = []
        size_limit = _size_limit(self._client)
        if size_limit is not None:
            if size_limit and len(payload) > size_limit:
                raise _AbortError(
                    SmtpReply.make(552, "5.3.4", "Message size exceeds fixed maximum message size")
                )
            options.append(f"SIZE={len(payload)}")
        if not payload.isascii() and self._client.supports_extension("8bitmime"):
            options.append("BODY=8BITMIME")
        if mail_from.isascii() and all(recipient.isascii() for recipient in wanted):
            return _MailParameters(tuple(options), "ascii")
        if self._client.supports_extension("smtputf8"):
            return _MailParameters((*options, "SMTPUTF8"), "utf-8")
        if not mail_from.isascii():
            raise _AbortError(_not_ascii("sender"))
        final.update({r: _not_ascii("recipient") for r in wanted if not r.isascii()})
        return _MailParameters(tuple(options), "ascii")

    async def _mail(self, mail_from: str, parameters: _MailParameters) -> None:
        try:
            await self._client.mail(
                mail_from,
                options=parameters.options,
                encoding=parameters.encoding,
                timeout=self._timeouts.mail,
            )
        except aiosmtplib.SMTPResponseException as refused:
            raise _AbortError(self._server_reply(refused)) from None
        except ValueError:  # aiosmtplib refuses addresses that could inject commands
            raise _AbortError(SmtpReply.make(553, "5.1.7", "Bad sender address syntax")) from None
        except (aiosmtplib.SMTPException, OSError) as error:
            raise self._aborted(error, "MAIL") from None

    async def _recipients(
        self, wanted: list[str], parameters: _MailParameters, final: dict[str, SmtpReply]
    ) -> list[str]:
        """RCPT for each recipient not refused yet; the ones the server accepted."""
        accepted: list[str] = []
        for recipient in (r for r in wanted if r not in final):
            try:
                await self._client.rcpt(
                    recipient, encoding=parameters.encoding, timeout=self._timeouts.rcpt
                )
            except aiosmtplib.SMTPResponseException as refused:
                reply = self._server_reply(refused)
                if (
                    reply.code == 421 or not self.usable
                ):  # §3.8: the server is closing; so is everything
                    raise _AbortError(reply) from None
                final[recipient] = reply
                continue
            except ValueError:
                final[recipient] = SmtpReply.make(501, "5.1.3", "Bad recipient address syntax")
                continue
            except (aiosmtplib.SMTPException, OSError) as error:
                raise self._aborted(error, "RCPT") from None
            accepted.append(recipient)
        return accepted

    async def _data(self, payload: bytes) -> SmtpReply:
        try:
            response = await self._client.data(payload, timeout=self._timeouts.data)
        except aiosmtplib.SMTPResponseException as refused:
            return self._server_reply(refused)
        except (aiosmtplib.SMTPException, OSError) as error:
            # After DATA the server may have the message and we cannot know (RFC 1047):
            # never "delivered", always retried.
            raise self._aborted(error, "DATA") from None
        return SmtpReply.parse(response.code, response.message)

    def _server_reply(self, refused: aiosmtplib.SMTPResponseException) -> SmtpReply:
        """The server's refusal; a reply that is no SMTP reply (aiosmtplib's code -1
        for a malformed line) leaves the connection out of step, so it is closed."""
        if 400 <= refused.code < 600:
            return SmtpReply.parse(refused.code, refused.message)
        self.close()
        return replies.local_error(f"Malformed reply from the server: {refused.message}")

    def _aborted(self, error: BaseException, stage: str) -> _AbortError:
        self.close()
        if isinstance(error, aiosmtplib.SMTPTimeoutError):
            return _AbortError(replies.connection_timed_out())
        return _AbortError(replies.connection_lost(stage))


def _size_limit(client: aiosmtplib.SMTP) -> int | None:
    """The server's RFC 1870 SIZE: ``None`` if not advertised, 0 for "no fixed limit"."""
    if not client.supports_extension("size"):
        return None
    value = client.esmtp_extensions.get("size", "").strip()
    return int(value) if value.isdigit() else 0


def _not_ascii(who: str) -> SmtpReply:
    """RFC 6531 §3.7.5's reply for an address the server cannot take without SMTPUTF8."""
    return SmtpReply.make(553, "5.6.7", f"Non-ASCII {who} address not supported by the server")
