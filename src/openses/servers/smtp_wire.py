"""SMTP framing and syntax on the server side: command lines, DATA, envelope paths.

Pure functions and one small collector, no I/O, so every rule is tested directly.

End of DATA is exactly ``<CRLF>.<CRLF>`` (RFC 5321 §4.1.1.4), and nothing else:
``<LF>.<LF>``, ``<CR>.<CR>``, ``<LF>.<CRLF>``, ``<CRLF>.<LF>`` and the like are message
content. This closes SMTP smuggling (SEC Consult, 2023; CVE-2023-51764/51765/51766,
aiosmtpd CVE-2024-27305) from our side: a client cannot end a message early and
have what follows read as commands, so one DATA is at most one message.

What we pass on never carries a bare CR or LF either, so a downstream server that
accepts sloppy endings cannot be smuggled through us (``decode_data``):

* a bare LF is a line ending written sloppily (Unix tools); it becomes CRLF, as
  Postfix's ``smtpd_forbid_bare_newline = normalize`` does. A ``<LF>.<LF>``
  inside a message therefore becomes a line of its own, dot-stuffed on the way out.
* a bare CR has no such excuse (RFC 5322 §2.3 forbids it, no client writes one
  by accident) and is the ``<CR>.<CR>`` smuggling ingredient: the message is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# RFC 5321 §4.5.3.1.4 allows 512 octets per command line; AUTH PLAIN with a long
# initial response and MAIL parameters need more, so we allow a margin.
MAX_COMMAND_LINE = 2048
MAX_PATH_LENGTH = 256  # RFC 5321 §4.5.3.1.3
MAX_LOCAL_PART = 64  # §4.5.3.1.1
MAX_DOMAIN = 255  # §4.5.3.1.2

_END_OF_DATA = b"\r\n.\r\n"
_ATEXT = r"A-Za-z0-9!#$%&'*+/=?^_`{|}~-"
_DOT_STRING = re.compile(rf"[{_ATEXT}]+(?:\.[{_ATEXT}]+)*")
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_DOMAIN = re.compile(rf"{_LABEL}(?:\.{_LABEL})+")
_HTTP_VERBS = frozenset({"GET", "POST", "HEAD", "PUT", "CONNECT", "OPTIONS", "DELETE"})


class PathSyntaxError(ValueError):
    """The MAIL/RCPT argument is not ``FROM:<path> params`` / ``TO:<path> params``."""


class AddressRefusedError(ValueError):
    """The path is well-formed SMTP but an address we do not accept; ``str()`` says why."""


class BareCarriageReturnError(ValueError):
    pass


def split_command(line: str) -> tuple[str, str]:
    """``"MAIL FROM:<a@b>"`` -> ``("MAIL", "FROM:<a@b>")``; the verb upper-cased."""
    verb, _space, argument = line.partition(" ")
    return verb.upper(), argument.strip(" ")


def looks_like_http(verb: str, argument: str) -> bool:
    """A browser or proxy speaking HTTP to the SMTP port (cross-protocol attacks)."""
    return verb in _HTTP_VERBS and "HTTP/" in argument


@dataclass(frozen=True, slots=True)
class MailPath:
    address: str  # "" for the null reverse-path <>
    parameters: dict[str, str]


def parse_path(argument: str, keyword: str) -> MailPath:
    """``FROM:<a@b> SIZE=10`` (keyword ``FROM``) -> the path and its ESMTP parameters.

    A space after the colon is tolerated, as most servers do; the angle brackets are not
    optional (RFC 5321 §4.1.2).
    """
    prefix = keyword + ":"
    if argument[: len(prefix)].upper() != prefix:
        raise PathSyntaxError(argument)
    rest = argument[len(prefix) :].lstrip(" ")
    if not rest.startswith("<") or ">" not in rest:
        raise PathSyntaxError(argument)
    end = rest.index(">")
    address, params_text = rest[1:end], rest[end + 1 :]
    if params_text and not params_text.startswith(" "):
        raise PathSyntaxError(argument)
    parameters: dict[str, str] = {}
    for item in params_text.split():
        name, _equals, value = item.partition("=")
        parameters[name.upper()] = value
    return MailPath(address, parameters)


def check_address(address: str) -> str:
    """The address if we accept it in the envelope; ``AddressRefusedError`` otherwise.

    Only ``dot-string@domain`` with a dotted host name: source routes (``@a:u@b``),
    quoted local parts (``"u@x"@b``), address literals (``u@[10.0.0.1]``) and
    trailing dots (``u@b.``) are refused, so none of the classic relay tricks reaches
    the identity checks or the MX lookup, which both take the part after the last
    ``@`` as the domain. ``%`` and ``!`` stay plain local-part characters
    (RFC 5321 §3.6.1 lets us ignore the %-hack): delivery never reads them.
    """
    if address.startswith("@"):
        raise AddressRefusedError("Source routes are not accepted")
    if len(address) > MAX_PATH_LENGTH - 2:
        raise AddressRefusedError("Address too long")
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain:
        raise AddressRefusedError("Address must be user@domain")
    if local.startswith('"'):
        raise AddressRefusedError("Quoted local parts are not accepted")
    if domain.startswith("["):
        raise AddressRefusedError("Address literals are not accepted")
    if len(local) > MAX_LOCAL_PART or _DOT_STRING.fullmatch(local) is None:
        raise AddressRefusedError("Invalid local part")
    if len(domain) > MAX_DOMAIN or _DOMAIN.fullmatch(domain) is None:
        raise AddressRefusedError("Invalid domain")
    return address


class DataCollector:
    """Collects the bytes after ``354`` up to ``<CRLF>.<CRLF>``, keeping at most ``limit``.

    ``feed`` returns ``None`` while the message goes on, else the bytes received
    after the end marker (pipelined commands), which belong to the command reader.
    A message over ``limit`` is still read to its end, but not kept: ``too_long``.
    """

    def __init__(self, limit: int) -> None:
        self._limit = limit
        # A CRLF in front lets an empty message (".\r\n" at once) end like any other.
        self._buffer = bytearray(b"\r\n")
        self._content: bytes | None = None
        self.too_long = False

    def feed(self, data: bytes) -> bytes | None:
        before = len(self._buffer)
        self._buffer += data
        # The marker may straddle two reads: search from just before the new bytes.
        position = self._buffer.find(_END_OF_DATA, max(0, before - len(_END_OF_DATA) + 1))
        if position < 0:
            if len(self._buffer) - 2 > self._limit:
                self.too_long = True
                del self._buffer[: -len(_END_OF_DATA)]  # keep a tail to find the marker in
            return None
        end = position + len(_END_OF_DATA)
        self.too_long = self.too_long or position > self._limit
        if not self.too_long:
            self._content = bytes(self._buffer[2 : position + 2])
        self._buffer = bytearray()
        return data[end - before :]

    @property
    def content(self) -> bytes:
        """The dot-stuffed lines received, each with its CRLF; empty if ``too_long``."""
        return self._content or b""


def decode_data(stuffed: bytes) -> bytes:
    """The message from DATA's lines: bare LF made CRLF, bare CR refused, dots unstuffed."""
    crlf = stuffed.count(b"\r\n")
    if stuffed.count(b"\r") != crlf:
        raise BareCarriageReturnError
    if stuffed.count(b"\n") != crlf:
        stuffed = stuffed.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    # RFC 5321 §4.5.2: a line's first "." is removed, whatever follows it.
    if stuffed.startswith(b"."):
        stuffed = stuffed[1:]
    return stuffed.replace(b"\r\n.", b"\r\n")
