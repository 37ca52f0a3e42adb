"""The ``openses`` command: serve, manage accounts and keys, generate reference docs."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import socket
import sys
from collections.abc import Sequence

from openses import __version__
from openses.app import DEV_ACCESS_KEY_ID, DEV_SECRET_ACCESS_KEY, Application
from openses.cli.accounts import add_account_commands
from openses.cli.identities import add_identity_commands
from openses.cli.runtime import settings_from_args
from openses.config import ConfigError, Settings, settings_reference_markdown
from openses.domain.credentials import smtp_password
from openses.servers.dns_responder import DnsResponder
from openses.servers.smtp_submission import SmtpStart


def _smtp_lines(settings: Settings, smtp: SmtpStart | None) -> list[str]:
    """Where SMTP clients connect, and with what (the SMTP settings of an app)."""
    if smtp is None or smtp.server is None or not smtp.server.endpoints:
        reason = smtp.problem if smtp is not None and smtp.problem else "off"
        return [f"  SMTP endpoint: {reason}"]
    lines = [
        f"  SMTP endpoint: {endpoint.host} port {endpoint.port} ({endpoint.tls})"
        if index == 0
        else f"                 {endpoint.host} port {endpoint.port} ({endpoint.tls})"
        for index, endpoint in enumerate(smtp.server.endpoints)
    ]
    if smtp.problem:
        lines.append(f"  SMTP problem:  {smtp.problem}")
    if settings.dev and smtp.certificate is not None:
        lines.append(f"  SMTP TLS:      self-signed certificate {smtp.certificate}")
    if settings.dev:
        password = smtp_password(DEV_SECRET_ACCESS_KEY, settings.region)
        lines.append(f"  SMTP login:    user {DEV_ACCESS_KEY_ID} password {password}")
    else:
        lines.append(
            "  SMTP login:    `openses account smtp-credentials ACCESS_KEY_ID` prints them."
        )
    return lines


def _dns_lines(settings: Settings, dns: DnsResponder | None) -> list[str]:
    """Where the Easy DKIM zone is served (the operator delegates it there)."""
    if dns is None or dns.endpoint is None:
        return []
    return [
        f"  DKIM DNS:      {settings.identities.dkim_zone} on {dns.endpoint.host} "
        f"port {dns.endpoint.port} (UDP and TCP)"
    ]


def _banner(
    settings: Settings, smtp: SmtpStart | None = None, dns: DnsResponder | None = None
) -> str:
    endpoint = f"http://{settings.http_host}:{settings.http_port}"
    lines = [
        f"openses {__version__} is ready{' (dev mode)' if settings.dev else ''}",
        f"  API endpoint:  {endpoint}",
        *_smtp_lines(settings, smtp),
        *_dns_lines(settings, dns),
        f"  Region:        {settings.region}",
        f"  Database:      {settings.effective_database_url.split('@')[-1]}",
    ]
    if settings.dev:
        lines += [
            f"  Credentials:   AWS_ACCESS_KEY_ID={DEV_ACCESS_KEY_ID} "
            f"AWS_SECRET_ACCESS_KEY={DEV_SECRET_ACCESS_KEY} "
            f"(account {settings.dev_account_id})",
            "  Try:",
            f"    export AWS_ACCESS_KEY_ID={DEV_ACCESS_KEY_ID} "
            f"AWS_SECRET_ACCESS_KEY={DEV_SECRET_ACCESS_KEY} AWS_DEFAULT_REGION={settings.region}",
            f"    aws --endpoint-url {endpoint} ses verify-email-identity "
            "--email-address sender@example.com",
            f"    aws --endpoint-url {endpoint} sesv2 list-email-identities",
        ]
    else:
        lines.append(
            "  Credentials:   create an account with `openses account create NAME`; "
            "it prints its access key."
        )
    return "\n".join(lines)


class _ServeLifecycle:
    """Starts the application, then tells the user where it listens and how to log in.

    With several server processes only the first runs the SMTP listeners and
    prints the banner; every process serves HTTP and runs delivery workers and the
    identity verifier.
    """

    def __init__(self, application: Application, *, first: bool = True) -> None:
        self._application = application
        self._first = first

    async def start(self) -> None:
        await self._application.start()
        await self._application.start_delivery()
        await self._application.start_verifier()  # in every process: identities are claimed
        if self._first:
            smtp = await self._application.start_smtp()
            dns = await self._application.start_dns()
            print(_banner(self._application.settings, smtp, dns), flush=True)

    async def stop(self) -> None:
        await self._application.stop()


def _serve_process(settings: Settings, *, first: bool, sock: socket.socket | None) -> None:
    import uvicorn  # imported here: account commands should not pay for it

    application = Application(settings)
    app = application.http_app(lifecycle=_ServeLifecycle(application, first=first))
    config = uvicorn.Config(
        app,
        host=settings.http_host,
        port=settings.http_port,
        lifespan="on",
        access_log=False,
        log_level=settings.log_level,
        http="httptools",
        loop="uvloop" if sys.platform != "win32" else "asyncio",
        server_header=False,
        date_header=True,
    )
    uvicorn.Server(config).run(sockets=[sock] if sock is not None else None)


def _serve(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    if settings.http_processes <= 1:
        _serve_process(settings, first=True, sock=None)
        return 0
    return _serve_processes(settings)


def _serve_processes(settings: Settings) -> int:
    """Fork one server process per ``OPENSES_HTTP_PROCESSES`` on one listening socket."""
    # Migrate and seed once, before any child exists, so they never race for it.
    asyncio.run(_prepare(settings))
    family = socket.AF_INET6 if ":" in settings.http_host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((settings.http_host, settings.http_port))
    sock.listen(2048)
    sock.set_inheritable(True)
    children: list[int] = []
    for index in range(settings.http_processes):
        pid = os.fork()
        if pid == 0:  # the child: serve until told to stop, then leave without cleanup
            code = 0
            try:
                _serve_process(settings, first=index == 0, sock=sock)
            except BaseException:
                code = 1
            os._exit(code)
        children.append(pid)
    sock.close()

    def forward(signum: int, _frame: object) -> None:
        for child in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child, signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    worst = 0
    for child in children:
        _pid, status = os.waitpid(child, 0)
        worst = max(worst, os.waitstatus_to_exitcode(status))
    return worst


async def _prepare(settings: Settings) -> None:
    application = Application(settings)
    try:
        await application.start()
    finally:
        await application.stop()


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="openses", description=__doc__)
    parser.add_argument("--version", action="version", version=f"openses {__version__}")
    parser.add_argument("--config", metavar="FILE", help="TOML settings file")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the API server")
    serve.add_argument("--dev", action="store_true", help="dev mode (see docs/configuration.md)")
    serve.add_argument("--listen", metavar="HOST:PORT", help="overrides OPENSES_HTTP_LISTEN")
    serve.add_argument(
        "--processes", type=int, metavar="N", help="overrides OPENSES_HTTP_PROCESSES"
    )
    serve.set_defaults(func=_serve)

    add_account_commands(commands)
    add_identity_commands(commands)

    config_doc = commands.add_parser("config-doc", help="print docs/configuration.md")
    config_doc.set_defaults(func=lambda _args: print(settings_reference_markdown(), end="") or 0)

    coverage = commands.add_parser("api-coverage", help="print docs/api-coverage.md")
    coverage.set_defaults(func=_api_coverage)
    return parser


def _api_coverage(_args: argparse.Namespace) -> int:
    from openses.api.coverage import coverage_markdown

    print(coverage_markdown(), end="")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = _build_parser()
    args = parser.parse_args(argv)
    try:
        result: int = args.func(args)
    except ConfigError as exc:
        print(f"openses: configuration error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return result


if __name__ == "__main__":
    sys.exit(main())
