"""The SMTP submission dialogue SES's SMTP interface speaks (RFC 5321, 3207, 4954).

A session goes: greeting, EHLO, STARTTLS (unless the port is implicit TLS), EHLO
again, AUTH PLAIN or LOGIN, then any number of MAIL / RCPT (at most 50) / DATA
transactions, each answered ``250 Ok <MessageId>`` once the message is durably
queued, or with SES's refusal. Before TLS, only EHLO/HELO, STARTTLS, NOOP, RSET and
QUIT do anything: AUTH and MAIL are answered ``530 Must issue a STARTTLS command
first``, so there is no relaying and no credential in clear. Clients on
``OPENSES_SMTP_TRUSTED_NETWORKS`` (empty by default) are the one exception: they
may MAIL at once, as the configured account.

PIPELINING (RFC 2920) is not offered, as SES does not; clients that pipeline
anyway are served in order, one reply per command.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from openses.servers import smtp_replies as replies
from openses.servers.smtp_auth import Principal, decode_base64, plain_credentials
from openses.servers.smtp_connection import Envelope, ListenerContext, SmtpConnection
from openses.servers.smtp_wire import (
    AddressRefusedError,
    BareCarriageReturnError,
    DataCollector,
    PathSyntaxError,
    check_address,
    decode_data,
    looks_like_http,
    parse_path,
    split_command,
)

_MAIL_PARAMETERS = frozenset({"SIZE", "BODY", "AUTH"})
_BODY_TYPES = frozenset({"7BIT", "8BITMIME"})
_NOT_IMPLEMENTED = frozenset({"VRFY", "EXPN", "HELP", "BDAT", "ETRN", "TURN", "ATRN", "BURL"})
_UNDECODABLE = object()  # an AUTH LOGIN user name that was not base64 / UTF-8


class SubmissionSession(SmtpConnection):
    """One client's session; see the module docstring."""

    def __init__(self, context: ListenerContext, *, implicit_tls: bool) -> None:
        super().__init__(context, implicit_tls=implicit_tls)
        self._helo: str | None = None
        self._principal: Principal | None = None
        self._authenticated = False
        self._mail_from: str | None = None
        self._recipients: list[str] = []
        self._auth_step: Callable[[str], None] | None = None
        self._login_username: object = None
        self._messages = 0
        self._auth_failures = 0

    def greet(self) -> None:
        self._principal = self.context.backend.trusted_principal(self.client_ip)
        session_id = secrets.token_hex(10)
        self.reply(replies.GREETING.format(hostname=self.context.hostname, session_id=session_id))

    def tls_started(self) -> None:
        # RFC 3207 §4.2: forget everything learnt before the handshake; start at EHLO.
        self._helo = None
        self._authenticated = False
        self._principal = self.context.backend.trusted_principal(self.client_ip)
        self._reset_transaction()

    def handle_line(self, line: str) -> None:
        if self._auth_step is not None:
            step, self._auth_step = self._auth_step, None
            if line.strip() == "*":
                self.refuse(replies.AUTH_CANCELLED)
            else:
                step(line)
            return
        verb, argument = split_command(line)
        handler = self._HANDLERS.get(verb)
        if handler is not None:
            handler(self, argument)
        elif verb in _NOT_IMPLEMENTED:
            self.refuse(replies.NOT_IMPLEMENTED)
        elif looks_like_http(verb, argument):
            self.close()  # a browser tricked into talking to us: no dialogue at all
        else:
            self.refuse(replies.UNRECOGNIZED)

    # -- session commands ---------------------------------------------------------

    def _ehlo(self, argument: str) -> None:
        if not argument:
            self.refuse(replies.SYNTAX_HELO)
            return
        self._helo = argument
        self._reset_transaction()
        self.reply_lines(
            replies.ehlo_lines(
                self.context.hostname,
                max_message_bytes=self.limits.max_message_bytes,
                offer_starttls=not self.tls_active and self.context.starttls_context is not None,
                offer_auth=self.tls_active,
            )
        )

    def _helo_command(self, argument: str) -> None:
        if not argument:
            self.refuse(replies.SYNTAX_HELO)
            return
        self._helo = argument
        self._reset_transaction()
        self.reply(f"250 {self.context.hostname}")

    def _starttls(self, argument: str) -> None:
        if argument:
            self.refuse(replies.NO_PARAMETERS)
        elif self.tls_active:
            self.refuse(replies.TLS_ALREADY_ACTIVE)
        elif self.context.starttls_context is None:
            self.reply(replies.TLS_NOT_AVAILABLE)
        else:
            self.reply(replies.READY_FOR_TLS)
            self.start_tls()

    def _rset(self, argument: str) -> None:
        self._reset_transaction()
        self.reply(replies.OK)

    def _noop(self, argument: str) -> None:
        self.reply(replies.OK)

    def _quit(self, argument: str) -> None:
        self.reply(replies.BYE)
        self.close()

    # -- AUTH ---------------------------------------------------------------------------

    def _auth(self, argument: str) -> None:
        if not self.tls_active:
            self.refuse(replies.STARTTLS_FIRST)
        elif self._helo is None:
            self.refuse(replies.SEND_EHLO_FIRST)
        elif self._authenticated:
            self.refuse(replies.ALREADY_AUTHENTICATED)
        elif self._mail_from is not None:
            self.refuse(replies.BAD_SEQUENCE)
        else:
            mechanism, _space, initial = argument.partition(" ")
            self._start_auth(mechanism.upper(), initial.strip())

    def _start_auth(self, mechanism: str, initial: str) -> None:
        if mechanism == "PLAIN" and initial:
            self._auth_plain(initial)
        elif mechanism == "PLAIN":
            self._prompt(replies.AUTH_PROMPT_PLAIN, self._auth_plain)
        elif mechanism == "LOGIN" and initial:
            self._auth_login_username(initial)
        elif mechanism == "LOGIN":
            self._prompt(replies.AUTH_PROMPT_USERNAME, self._auth_login_username)
        else:
            self.refuse(replies.AUTH_MECHANISM_UNKNOWN)

    def _prompt(self, prompt: str, step: Callable[[str], None]) -> None:
        self._auth_step = step
        self.reply(prompt)

    def _auth_plain(self, response: str) -> None:
        # "=" is an empty initial response (RFC 4954 §4): undecodable, fails as such.
        credentials = plain_credentials(response)
        username, password = credentials if credentials else (None, None)
        self.run(self._verify(username, password))

    def _auth_login_username(self, response: str) -> None:
        raw = decode_base64(response)
        try:
            self._login_username = raw.decode("utf-8") if raw is not None else _UNDECODABLE
        except UnicodeDecodeError:
            self._login_username = _UNDECODABLE
        self._prompt(replies.AUTH_PROMPT_PASSWORD, self._auth_login_password)

    def _auth_login_password(self, response: str) -> None:
        username = self._login_username if isinstance(self._login_username, str) else None
        self._login_username = None
        self.run(self._verify(username, decode_base64(response)))

    async def _verify(self, username: str | None, password: bytes | None) -> None:
        backend = self.context.backend
        principal = await backend.authenticate(username, password, self.client_ip)
        if principal is not None:
            self._principal, self._authenticated = principal, True
            self.reply(replies.AUTH_SUCCEEDED)
            return
        self._auth_failures += 1
        self.reply(replies.AUTH_FAILED)
        if self._auth_failures >= self.limits.max_auth_failures:
            self.close()

    # -- the mail transaction ---------------------------------------------------------

    def _mail(self, argument: str) -> None:
        if self._helo is None:
            self.refuse(replies.SEND_EHLO_FIRST)
        elif self._principal is None:
            self.refuse(replies.AUTH_REQUIRED if self.tls_active else replies.STARTTLS_FIRST)
        elif self._mail_from is not None:
            self.refuse(replies.BAD_SEQUENCE)
        elif self._messages >= self.limits.max_messages:
            self.reply(replies.TOO_MANY_MESSAGES)
            self.close()
        else:
            self._start_transaction(argument)

    def _start_transaction(self, argument: str) -> None:
        try:
            path = parse_path(argument, "FROM")
            address = check_address(path.address) if path.address else ""
        except PathSyntaxError:
            self.refuse(replies.SYNTAX_MAIL)
            return
        except AddressRefusedError as refused:
            self.refuse(replies.INVALID_ADDRESS.format(reason=refused))
            return
        problem = self._mail_parameter_problem(path.parameters)
        if problem is not None:
            self.refuse(problem)
            return
        self._mail_from = address
        self.reply(replies.OK)

    def _mail_parameter_problem(self, parameters: dict[str, str]) -> str | None:
        if not _MAIL_PARAMETERS.issuperset(parameters):
            return replies.UNKNOWN_PARAMETER
        size = parameters.get("SIZE")
        if size is not None and not size.isdigit():
            return replies.SYNTAX_MAIL
        if size is not None and int(size) > self.limits.max_message_bytes:
            return replies.MESSAGE_TOO_LONG  # RFC 1870: refuse early, before the bytes
        body = parameters.get("BODY")
        if body is not None and body.upper() not in _BODY_TYPES:
            return replies.SYNTAX_MAIL
        return None

    def _rcpt(self, argument: str) -> None:
        if self._mail_from is None:
            self.refuse(replies.BAD_SEQUENCE)
            return
        if len(self._recipients) >= self.limits.max_recipients:
            self.reply(replies.TOO_MANY_RECIPIENTS)
            return
        try:
            path = parse_path(argument, "TO")
            address = check_address(path.address)
        except PathSyntaxError:
            self.refuse(replies.SYNTAX_RCPT)
            return
        except AddressRefusedError as refused:
            self.refuse(replies.INVALID_ADDRESS.format(reason=refused))
            return
        if path.parameters:
            self.refuse(replies.UNKNOWN_PARAMETER)
            return
        self._recipients.append(address)
        self.reply(replies.OK)

    def _data(self, argument: str) -> None:
        if argument:
            self.refuse(replies.NO_PARAMETERS)
        elif self._mail_from is None or not self._recipients:
            self.refuse(replies.BAD_SEQUENCE)
        else:
            self.reply(replies.START_DATA)
            self.start_data(DataCollector(self.limits.max_message_bytes))

    def end_data(self, collector: DataCollector) -> None:
        assert self._mail_from is not None
        assert self._principal is not None
        self._messages += 1
        mail_from, recipients = self._mail_from, tuple(self._recipients)
        self._reset_transaction()
        if collector.too_long:
            self.reply(replies.MESSAGE_TOO_LONG)
            return
        try:
            data = decode_data(collector.content)
        except BareCarriageReturnError:
            self.reply(replies.BARE_CR)
            return
        self.run(self._submit(self._principal, Envelope(mail_from, recipients, data)))

    async def _submit(self, principal: Principal, envelope: Envelope) -> None:
        self.reply(await self.context.backend.submit(principal, envelope, self.client_ip))

    def _reset_transaction(self) -> None:
        self._mail_from = None
        self._recipients = []

    _HANDLERS: dict[str, Callable[[SubmissionSession, str], None]] = {
        "EHLO": _ehlo,
        "HELO": _helo_command,
        "STARTTLS": _starttls,
        "AUTH": _auth,
        "MAIL": _mail,
        "RCPT": _rcpt,
        "DATA": _data,
        "RSET": _rset,
        "NOOP": _noop,
        "QUIT": _quit,
    }
