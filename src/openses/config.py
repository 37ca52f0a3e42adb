"""Typed settings, read from environment variables and an optional TOML file.

Every setting has a default that works on a fresh machine (SQLite in the data
dir, loopback listeners). ``docs/configuration.md`` is generated from
``SETTINGS`` below, so the table and the code cannot drift apart.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any


class ConfigError(ValueError):
    """A setting has a value that cannot be used."""


@dataclass(frozen=True, slots=True)
class Setting:
    env: str
    key: str  # the key in the TOML file and the Settings field name
    default: str
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "OPENSES_DATA_DIR",
        "data_dir",
        "./openses-data",
        "Directory for the embedded SQLite database and other local state.",
    ),
    Setting(
        "OPENSES_DATABASE_URL",
        "database_url",
        "",
        "SQLAlchemy async URL. Empty: SQLite at `<data_dir>/openses.db`. "
        "Scale-out: `postgresql+asyncpg://user@host:5432/db`.",
    ),
    Setting(
        "OPENSES_HTTP_LISTEN",
        "http_listen",
        "127.0.0.1:4566",
        "host:port of the HTTP API (SES v1 query, SES v2 REST).",
    ),
    Setting(
        "OPENSES_REGION",
        "region",
        "us-east-1",
        "Default region: used by the CLI and where a request carries no region.",
    ),
    Setting(
        "OPENSES_DEV",
        "dev",
        "false",
        "Dev mode (also `openses serve --dev`): default account with key `test`/`test`, "
        "out of the sandbox, identities verified at once, `POST /_openses/reset`.",
    ),
    Setting(
        "OPENSES_DEV_ACCOUNT_ID",
        "dev_account_id",
        "000000000000",
        "Account id of the dev-mode default account.",
    ),
    Setting(
        "OPENSES_MAX_BODY_BYTES",
        "max_body_bytes",
        str(60 * 1024 * 1024),
        "Largest HTTP request body accepted; larger bodies are answered 413. "
        "SES v2 takes 40 MB messages, base64 inside JSON makes them larger.",
    ),
    Setting("OPENSES_LOG_LEVEL", "log_level", "info", "Log level: debug, info, warning, error."),
    Setting(
        "OPENSES_DELIVERY", "delivery", "",
        "How accepted mail leaves: `mx` (look up the recipients' MX hosts), `relay` (one "
        "smarthost, `OPENSES_RELAY`) or `capture` (kept for the inspection API, nothing "
        "sent). Empty: `capture` in dev mode, `mx` otherwise.",
    ),
    Setting("OPENSES_MX_PORT", "mx_port", "25",
            "TCP port of remote MX hosts (tests use a high loopback port)."),
    Setting("OPENSES_DNS_SERVERS", "dns_servers", "",
            "Resolvers for MX lookups as `host:port` separated by commas; empty: the system's."),
    Setting("OPENSES_RELAY", "relay", "", "Smarthost `host:port` for `OPENSES_DELIVERY=relay`."),
    Setting("OPENSES_RELAY_TLS", "relay_tls", "starttls",
            "TLS to the smarthost: `none`, `opportunistic`, `starttls` or `implicit`."),
    Setting("OPENSES_RELAY_USERNAME", "relay_username", "",
            "SMTP AUTH user name for the smarthost (empty: no AUTH)."),
    Setting("OPENSES_RELAY_PASSWORD", "relay_password", "",
            "SMTP AUTH password for the smarthost."),
    Setting("OPENSES_HOSTNAME", "hostname", "",
            "Name this server gives in EHLO and as reportingMTA; empty: the host name."),
    Setting("OPENSES_MESSAGE_ID_DOMAIN", "message_id_domain", "email.amazonses.com",
            "Domain of the Message-ID header set on outgoing mail, as SES sets "
            "`<id@email.amazonses.com>`."),
    Setting("OPENSES_MAX_MESSAGE_AGE_MINUTES", "max_message_age_minutes", "840",
            "How long soft-bounced mail is retried before it bounces (SES: about 14 hours)."),
    Setting("OPENSES_HTTP_PROCESSES", "http_processes", "1",
            "Server processes sharing the HTTP port (one per core uses every core; each "
            "also runs its delivery workers; SMTP runs in the first)."),
    Setting("OPENSES_WORKERS", "workers", "1",
            "Delivery workers in this process (0: accept only, another process delivers)."),
    # SMTP submission (SES's SMTP interface). TLS is mandatory, as on SES.
    Setting("OPENSES_SMTP_LISTEN", "smtp_listen", "127.0.0.1:2587",
            "host:port of the SMTP listener with STARTTLS (SES: 25, 587, 2587); empty: none."),
    Setting("OPENSES_SMTPS_LISTEN", "smtps_listen", "127.0.0.1:2465",
            "host:port of the SMTP listener with implicit TLS (SES: 465, 2465); empty: none."),
    Setting("OPENSES_SMTP_TLS_CERT", "smtp_tls_cert", "",
            "PEM certificate chain for SMTP TLS. Empty: in dev mode a self-signed one is made "
            "in `<data_dir>/smtp-tls/`; otherwise the SMTP listeners stay off."),
    Setting("OPENSES_SMTP_TLS_KEY", "smtp_tls_key", "",
            "PEM private key of `OPENSES_SMTP_TLS_CERT`."),
    Setting("OPENSES_SMTP_MAX_CONNECTIONS", "smtp_max_connections", "1000",
            "Concurrent SMTP connections; more are answered `421 Too many concurrent SMTP "
            "connections`."),
    Setting("OPENSES_SMTP_MAX_CONNECTIONS_PER_CLIENT", "smtp_max_connections_per_client", "50",
            "Concurrent SMTP connections from one client address (IPv6: one /64)."),
    Setting("OPENSES_SMTP_IDLE_TIMEOUT", "smtp_idle_timeout", "10",
            "Seconds an SMTP client may take to send a complete command, or go silent during "
            "DATA, before `451 4.4.2 Timeout waiting for data from client` (SES: about 10)."),
    Setting("OPENSES_SMTP_DATA_TIMEOUT", "smtp_data_timeout", "300",
            "Seconds one message's DATA may take in all, however steadily it trickles in."),
    Setting("OPENSES_SMTP_MAX_MESSAGES_PER_CONNECTION", "smtp_max_messages_per_connection",
            "1000", "Messages one SMTP connection may send; then it is closed with a 421 "
            "and the client reconnects, as with SES."),
    Setting("OPENSES_SMTP_TRUSTED_NETWORKS", "smtp_trusted_networks", "",
            "Client networks (CIDR, comma-separated) that may submit without TLS and AUTH, "
            "as the account of `OPENSES_SMTP_TRUSTED_ACCESS_KEY`, for applications that "
            "cannot authenticate and for benchmarks. Empty (the default): every client must "
            "use TLS and AUTH, as on SES."),
    Setting("OPENSES_SMTP_TRUSTED_ACCESS_KEY", "smtp_trusted_access_key", "",
            "Access key id whose account sends what `OPENSES_SMTP_TRUSTED_NETWORKS` submit."),
    # Identities: DNS verification, Easy DKIM's DNS zone, verification links, MAIL FROM.
    Setting("OPENSES_DKIM_DOMAIN", "dkim_domain", "",
            "Domain whose `dkim.` zone openses serves Easy DKIM keys in: customers publish "
            "CNAMEs `<token>._domainkey.<their domain>` -> `<token>.dkim.<this>` (SES: "
            "amazonses.com). Empty: `OPENSES_HOSTNAME`."),
    Setting("OPENSES_DNS_LISTEN", "dns_listen", "",
            "host:port of the authoritative DNS responder (UDP and TCP) for the `dkim.` zone "
            "of `OPENSES_DKIM_DOMAIN`; delegate that zone here. Empty: no responder."),
    Setting("OPENSES_PUBLIC_URL", "public_url", "",
            "Base URL under which people's browsers reach this server; e-mail verification "
            "links point here. Empty: `http://<OPENSES_HTTP_LISTEN>`."),
    Setting("OPENSES_MAIL_FROM_MX", "mail_from_mx", "",
            "Host a custom MAIL FROM domain's MX record must name (SES: "
            "`feedback-smtp.<region>.amazonses.com`). Empty: `OPENSES_HOSTNAME`."),
    Setting("OPENSES_VERIFY_INTERVAL", "verify_interval", "60",
            "Seconds between the identity verifier's passes over identities due for a DNS "
            "check (new identities are checked within one pass)."),
)  # fmt: skip

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    """The SMTP submission listeners and their limits (``OPENSES_SMTP_*``)."""

    listen: tuple[str, int] | None = ("127.0.0.1", 2587)
    tls_listen: tuple[str, int] | None = ("127.0.0.1", 2465)
    tls_cert: Path | None = None
    tls_key: Path | None = None
    max_connections: int = 1000
    max_connections_per_client: int = 50
    idle_timeout: float = 10.0
    data_timeout: float = 300.0
    max_messages_per_connection: int = 1000
    trusted_networks: tuple[str, ...] = ()
    trusted_access_key: str = ""


@dataclass(frozen=True, slots=True)
class IdentitySettings:
    """DNS verification, the Easy DKIM zone, verification links and MAIL FROM checks."""

    dkim_domain: str = "localhost"
    dns_listen: tuple[str, int] | None = None
    public_url: str = "http://127.0.0.1:4566"
    mail_from_mx: str = "localhost"
    verify_interval: float = 60.0

    @property
    def dkim_zone(self) -> str:
        """The zone the DNS responder is authoritative for: ``dkim.<dkim_domain>``."""
        return f"dkim.{self.dkim_domain}"


@dataclass(frozen=True, slots=True)
class Settings:
    data_dir: Path
    database_url: str
    http_host: str
    http_port: int
    region: str
    dev: bool
    dev_account_id: str
    max_body_bytes: int
    log_level: str
    delivery: str
    mx_port: int
    dns_servers: tuple[tuple[str, int], ...]
    relay: tuple[str, int] | None
    relay_tls: str
    relay_username: str
    relay_password: str
    hostname: str
    message_id_domain: str
    max_message_age_minutes: int
    workers: int
    http_processes: int
    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    identities: IdentitySettings = field(default_factory=IdentitySettings)

    @property
    def delivery_mode(self) -> str:
        """``OPENSES_DELIVERY``, or its default: ``capture`` in dev mode, ``mx`` otherwise."""
        return self.delivery or ("capture" if self.dev else "mx")

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'openses.db').resolve()}"

    def with_overrides(self, **changes: Any) -> Settings:
        return replace(self, **changes)


def _parse_bool(name: str, value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ConfigError(f"{name} must be true or false, not {value!r}")


def _parse_listen(name: str, value: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ConfigError(f"{name} must be host:port, not {value!r}")
    return host.strip("[]") or "127.0.0.1", int(port)


def _raw_values(environ: Mapping[str, str], toml_path: Path | None) -> dict[str, str]:
    values = {s.key: s.default for s in SETTINGS}
    if toml_path is not None:
        try:
            document = tomllib.loads(toml_path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"cannot read {toml_path}: {exc}") from exc
        known = {s.key for s in SETTINGS}
        for key, value in document.items():
            if key not in known:
                raise ConfigError(f"unknown setting {key!r} in {toml_path}")
            values[key] = str(value).lower() if isinstance(value, bool) else str(value)
    for setting in SETTINGS:  # the environment wins over the file
        if setting.env in environ:
            values[setting.key] = environ[setting.env]
    return values


def _whole_number(values: dict[str, str], key: str, *, minimum: int = 0) -> int:
    env = next(s.env for s in SETTINGS if s.key == key)
    try:
        number = int(values[key])
    except ValueError as exc:
        raise ConfigError(f"{env} must be a whole number") from exc
    if number < minimum:
        raise ConfigError(f"{env} must be at least {minimum}")
    return number


def _seconds(values: dict[str, str], key: str) -> float:
    env = next(s.env for s in SETTINGS if s.key == key)
    try:
        seconds = float(values[key])
    except ValueError as exc:
        raise ConfigError(f"{env} must be a number of seconds") from exc
    if not seconds > 0:
        raise ConfigError(f"{env} must be more than 0")
    return seconds


def _networks(value: str) -> tuple[str, ...]:
    networks = []
    for item in (part.strip() for part in value.split(",")):
        if not item:
            continue
        try:
            networks.append(str(ipaddress.ip_network(item, strict=False)))
        except ValueError as exc:
            raise ConfigError(f"OPENSES_SMTP_TRUSTED_NETWORKS: {exc}") from exc
    return tuple(networks)


def _smtp_settings(values: dict[str, str]) -> SmtpSettings:
    listen, tls_listen = values["smtp_listen"].strip(), values["smtps_listen"].strip()
    cert, key = values["smtp_tls_cert"].strip(), values["smtp_tls_key"].strip()
    if bool(cert) != bool(key):
        raise ConfigError("OPENSES_SMTP_TLS_CERT and OPENSES_SMTP_TLS_KEY go together")
    networks = _networks(values["smtp_trusted_networks"])
    trusted_key = values["smtp_trusted_access_key"].strip()
    if networks and not trusted_key:
        raise ConfigError("OPENSES_SMTP_TRUSTED_NETWORKS needs OPENSES_SMTP_TRUSTED_ACCESS_KEY")
    return SmtpSettings(
        listen=_parse_listen("OPENSES_SMTP_LISTEN", listen) if listen else None,
        tls_listen=_parse_listen("OPENSES_SMTPS_LISTEN", tls_listen) if tls_listen else None,
        tls_cert=Path(cert) if cert else None,
        tls_key=Path(key) if key else None,
        max_connections=_whole_number(values, "smtp_max_connections", minimum=1),
        max_connections_per_client=_whole_number(
            values, "smtp_max_connections_per_client", minimum=1
        ),
        idle_timeout=_seconds(values, "smtp_idle_timeout"),
        data_timeout=_seconds(values, "smtp_data_timeout"),
        max_messages_per_connection=_whole_number(
            values, "smtp_max_messages_per_connection", minimum=1
        ),
        trusted_networks=networks,
        trusted_access_key=trusted_key,
    )


def _identity_settings(values: dict[str, str], hostname: str) -> IdentitySettings:
    dns_listen = values["dns_listen"].strip()
    host, port = _parse_listen("OPENSES_HTTP_LISTEN", values["http_listen"])
    public_url = values["public_url"].strip().rstrip("/") or f"http://{host}:{port}"
    if not public_url.startswith(("http://", "https://")):
        raise ConfigError("OPENSES_PUBLIC_URL must start with http:// or https://")
    return IdentitySettings(
        dkim_domain=(values["dkim_domain"].strip() or hostname).lower().rstrip("."),
        dns_listen=_parse_listen("OPENSES_DNS_LISTEN", dns_listen) if dns_listen else None,
        public_url=public_url,
        mail_from_mx=(values["mail_from_mx"].strip() or hostname).lower().rstrip("."),
        verify_interval=_seconds(values, "verify_interval"),
    )


def load_settings(
    environ: Mapping[str, str] | None = None, toml_path: Path | None = None
) -> Settings:
    """Settings from the defaults, then the TOML file, then the environment."""
    values = _raw_values(os.environ if environ is None else environ, toml_path)
    host, port = _parse_listen("OPENSES_HTTP_LISTEN", values["http_listen"])
    numbers = {}
    for key in (
        "max_body_bytes",
        "mx_port",
        "max_message_age_minutes",
        "workers",
        "http_processes",
    ):
        try:
            numbers[key] = int(values[key])
        except ValueError as exc:
            env = next(s.env for s in SETTINGS if s.key == key)
            raise ConfigError(f"{env} must be a whole number") from exc
    dev = _parse_bool("OPENSES_DEV", values["dev"])
    delivery = values["delivery"].strip().lower()
    if delivery not in ("", "mx", "relay", "capture"):
        raise ConfigError("OPENSES_DELIVERY must be mx, relay or capture")
    relay = _parse_listen("OPENSES_RELAY", values["relay"]) if values["relay"] else None
    if delivery == "relay" and relay is None:
        raise ConfigError("OPENSES_DELIVERY=relay needs OPENSES_RELAY=host:port")
    if values["relay_tls"] not in ("none", "opportunistic", "starttls", "implicit"):
        raise ConfigError("OPENSES_RELAY_TLS must be none, opportunistic, starttls or implicit")
    dns_servers = tuple(
        _parse_listen("OPENSES_DNS_SERVERS", item.strip())
        for item in values["dns_servers"].split(",")
        if item.strip()
    )
    hostname = values["hostname"] or socket.getfqdn()
    dev_account = values["dev_account_id"]
    if not (dev_account.isdigit() and len(dev_account) == 12):
        raise ConfigError("OPENSES_DEV_ACCOUNT_ID must be 12 digits")
    return Settings(
        data_dir=Path(values["data_dir"]),
        database_url=values["database_url"],
        http_host=host,
        http_port=port,
        region=values["region"],
        dev=dev,
        dev_account_id=dev_account,
        max_body_bytes=numbers["max_body_bytes"],
        log_level=values["log_level"].lower(),
        delivery=delivery,
        mx_port=numbers["mx_port"],
        dns_servers=dns_servers,
        relay=relay,
        relay_tls=values["relay_tls"],
        relay_username=values["relay_username"],
        relay_password=values["relay_password"],
        hostname=hostname,
        message_id_domain=values["message_id_domain"],
        max_message_age_minutes=numbers["max_message_age_minutes"],
        workers=numbers["workers"],
        http_processes=max(1, numbers["http_processes"]),
        smtp=_smtp_settings(values),
        identities=_identity_settings(values, hostname),
    )


def settings_reference_markdown() -> str:
    """The body of ``docs/configuration.md``."""
    lines = [
        "# Configuration",
        "",
        "<!-- Generated from src/openses/config.py by `openses config-doc`; do not edit. -->",
        "",
        "Settings come from defaults, then a TOML file given with `--config FILE` (keys as in",
        "the *TOML key* column), then environment variables, which win.",
        "",
        "| Environment variable | TOML key | Default | Meaning |",
        "|---|---|---|---|",
    ]
    for s in SETTINGS:
        default = f"`{s.default}`" if s.default else "(empty)"
        lines.append(f"| `{s.env}` | `{s.key}` | {default} | {s.help} |")
    return "\n".join(lines) + "\n"
