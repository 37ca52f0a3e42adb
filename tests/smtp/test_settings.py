"""The SMTP settings, and the trusted networks they may open (closed by default)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from openses.config import ConfigError, load_settings
from openses.servers.smtp_auth import Principal, SmtpAuthenticator
from openses.servers.smtp_submission import SubmissionBackend


def test_defaults_listen_on_loopback_with_tls_only_and_trust_no_one() -> None:
    smtp = load_settings(environ={}).smtp
    assert smtp.listen == ("127.0.0.1", 2587)
    assert smtp.tls_listen == ("127.0.0.1", 2465)
    assert (smtp.tls_cert, smtp.tls_key) == (None, None)
    assert smtp.trusted_networks == ()
    assert smtp.idle_timeout == 10.0


def test_settings_come_from_the_environment() -> None:
    smtp = load_settings(
        environ={
            "OPENSES_SMTP_LISTEN": "",
            "OPENSES_SMTPS_LISTEN": "0.0.0.0:465",
            "OPENSES_SMTP_TLS_CERT": "/etc/ssl/smtp.pem",
            "OPENSES_SMTP_TLS_KEY": "/etc/ssl/smtp.key",
            "OPENSES_SMTP_IDLE_TIMEOUT": "2.5",
            "OPENSES_SMTP_MAX_MESSAGES_PER_CONNECTION": "7",
            "OPENSES_SMTP_TRUSTED_NETWORKS": "10.0.0.0/8, 2001:db8::/32",
            "OPENSES_SMTP_TRUSTED_ACCESS_KEY": "AKIAEXAMPLE",
        }
    ).smtp
    assert smtp.listen is None
    assert smtp.tls_listen == ("0.0.0.0", 465)
    assert smtp.tls_cert == Path("/etc/ssl/smtp.pem")
    assert smtp.idle_timeout == 2.5
    assert smtp.max_messages_per_connection == 7
    assert smtp.trusted_networks == ("10.0.0.0/8", "2001:db8::/32")


@pytest.mark.parametrize(
    ("environ", "problem"),
    [
        ({"OPENSES_SMTP_TLS_CERT": "/c.pem"}, "go together"),
        ({"OPENSES_SMTP_TRUSTED_NETWORKS": "127.0.0.1"}, "needs OPENSES_SMTP_TRUSTED_ACCESS_KEY"),
        (
            {"OPENSES_SMTP_TRUSTED_NETWORKS": "not-a-net", "OPENSES_SMTP_TRUSTED_ACCESS_KEY": "k"},
            "TRUSTED_NETWORKS",
        ),
        ({"OPENSES_SMTP_IDLE_TIMEOUT": "0"}, "more than 0"),
        ({"OPENSES_SMTP_MAX_CONNECTIONS": "none"}, "whole number"),
        ({"OPENSES_SMTP_LISTEN": "2587"}, "host:port"),
    ],
)
def test_unusable_smtp_settings_are_refused(environ: dict[str, str], problem: str) -> None:
    with pytest.raises(ConfigError, match=problem):
        load_settings(environ=environ)


def backend(*networks: str) -> SubmissionBackend:
    async def no_key(_key_id: str) -> Any:
        return None

    authenticator = SmtpAuthenticator(no_key, "us-east-1")
    return SubmissionBackend(None, authenticator, networks)  # type: ignore[arg-type]


def test_only_clients_on_trusted_networks_skip_auth_and_only_once_a_key_is_given() -> None:
    principal = Principal("123456789012", "AKIAEXAMPLE", "us-east-1")
    trusting = backend("127.0.0.0/30", "2001:db8::/64")
    assert trusting.trusted_principal("127.0.0.1") is None  # no account yet: nobody
    trusting.trust(principal)
    assert trusting.trusted_principal("127.0.0.2") == principal
    assert trusting.trusted_principal("2001:db8::5") == principal
    assert trusting.trusted_principal("127.0.0.4") is None
    assert trusting.trusted_principal("2001:db8:0:1::5") is None
    nobody = backend()
    nobody.trust(principal)
    assert nobody.trusted_principal("127.0.0.1") is None
