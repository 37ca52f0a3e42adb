"""Delivery through a smarthost: TLS modes and AUTH, against aiosmtpd sinks on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from openses.mail.smtp_session import TlsMode
from openses.mail.transports import (
    Deliverer,
    DeliveryReport,
    DeliveryStatus,
    RelaySettings,
    RelayTransport,
)
from tests.fixtures.smtp_sink import SmtpSink
from tests.mail.transport_helpers import HELO, QUICK, SteppingClock, deliver_one, envelope, run

CREDENTIALS = {"smtp-user": "s3cret"}


@pytest.fixture
def tls_sink() -> Iterator[SmtpSink]:
    with SmtpSink(starttls=True, credentials=CREDENTIALS) as sink:
        yield sink


def relay(sink: SmtpSink, tmp_path: Path, **settings: Any) -> RelayTransport:
    """A relay to ``sink`` that trusts the sink's self-signed certificate."""
    ca_file = tmp_path / "sink-ca.pem"
    ca_file.write_bytes(sink.certificate_pem)
    options: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": sink.port,
        "helo_hostname": HELO,
        "tls": TlsMode.STARTTLS,
        "username": "smtp-user",
        "password": "s3cret",
        "ca_file": str(ca_file),
        "timeouts": QUICK,
    }
    options.update(settings)
    return RelayTransport(RelaySettings(**options), clock=SteppingClock())


def test_relays_with_auth_plain_over_verified_starttls(tls_sink: SmtpSink, tmp_path: Path) -> None:
    message = envelope("a@b.test", "c@d.test", "e@f.test")

    report = deliver_one(relay(tls_sink, tmp_path), message)

    assert {o.status for o in report.outcomes} == {DeliveryStatus.DELIVERED}
    assert report.outcome_for("c@d.test").remote_host == "127.0.0.1"
    assert report.outcome_for("c@d.test").tls is True
    received = tls_sink.messages[0]
    assert (received.tls, received.auth_login) == (True, "smtp-user")
    assert received.rcpt_tos == ("a@b.test", "c@d.test", "e@f.test")
    assert b"AUTH PLAIN " in tls_sink.transcripts[0]


def test_relays_with_auth_login_when_that_is_all_the_server_offers(tmp_path: Path) -> None:
    with SmtpSink(starttls=True, credentials=CREDENTIALS, auth_mechanisms=("LOGIN",)) as sink:
        report = deliver_one(relay(sink, tmp_path), envelope("a@b.test"))

        assert report.outcome_for("a@b.test").status is DeliveryStatus.DELIVERED
        assert b"AUTH LOGIN " in sink.transcripts[0]
        assert sink.messages[0].auth_login == "smtp-user"


def test_a_refused_login_is_transient_and_keeps_the_servers_words(
    tls_sink: SmtpSink, tmp_path: Path
) -> None:
    report = deliver_one(relay(tls_sink, tmp_path, password="wrong"), envelope("a@b.test"))

    outcome = report.outcome_for("a@b.test")
    assert outcome.status is DeliveryStatus.TRANSIENT_FAILURE
    assert outcome.smtp_response == (
        "454 4.7.0 Authentication failed: 535 5.7.8 Authentication credentials invalid"
    )
    assert tls_sink.messages == []


def test_required_starttls_that_is_not_offered_is_a_transient_failure(tmp_path: Path) -> None:
    with SmtpSink(credentials=CREDENTIALS, auth_require_tls=False) as plain:
        report = deliver_one(relay(plain, tmp_path), envelope("a@b.test"))

        outcome = report.outcome_for("a@b.test")
        assert outcome.status is DeliveryStatus.TRANSIENT_FAILURE
        assert outcome.reply.enhanced_status == "4.7.0"
        assert b"AUTH" not in plain.transcripts[0]  # no credentials in the clear
        assert plain.messages == []


def test_relays_over_implicit_tls(tmp_path: Path) -> None:
    with SmtpSink(implicit_tls=True, credentials=CREDENTIALS) as sink:
        report = deliver_one(relay(sink, tmp_path, tls=TlsMode.IMPLICIT), envelope("a@b.test"))

        assert report.outcome_for("a@b.test").status is DeliveryStatus.DELIVERED
        assert sink.messages[0].tls is True
        assert sink.transcripts[0].startswith(f"EHLO {HELO}\r\nAUTH PLAIN ".encode())


def test_an_unverifiable_certificate_fails_when_verification_is_on(
    tls_sink: SmtpSink, tmp_path: Path
) -> None:
    transport = relay(tls_sink, tmp_path, ca_file=None)

    report = deliver_one(transport, envelope("a@b.test"))

    outcome = report.outcome_for("a@b.test")
    assert outcome.status is DeliveryStatus.TRANSIENT_FAILURE
    assert outcome.smtp_response == "421 4.4.1 Failed to establish connection"
    assert tls_sink.messages == []


def test_relays_in_plaintext_when_told_to(tmp_path: Path) -> None:
    with SmtpSink(starttls=True) as sink:
        transport = relay(sink, tmp_path, tls=TlsMode.NONE, username=None, password=None)

        report = deliver_one(transport, envelope("a@b.test"))

        assert report.outcome_for("a@b.test").tls is False
        assert b"STARTTLS" not in sink.transcripts[0]
        assert sink.messages[0].tls is False


def test_a_relay_that_cannot_be_reached_is_a_transient_failure(tmp_path: Path) -> None:
    with SmtpSink() as sink:
        port = sink.port
    transport = RelayTransport(
        RelaySettings(host="127.0.0.1", port=port, helo_hostname=HELO, tls=TlsMode.NONE)
    )

    report = deliver_one(transport, envelope("a@b.test"))

    outcome = report.outcome_for("a@b.test")
    assert (outcome.status, outcome.remote_host) == (DeliveryStatus.TRANSIENT_FAILURE, "127.0.0.1")


def test_the_relay_connection_is_reused_for_the_next_message(
    tls_sink: SmtpSink, tmp_path: Path
) -> None:
    async def three(deliverer: Deliverer) -> list[DeliveryReport]:
        return [await deliverer.deliver(envelope(f"u{i}@x{i}.test")) for i in range(3)]

    reports = run(relay(tls_sink, tmp_path), three)

    assert all(r.outcomes[0].status is DeliveryStatus.DELIVERED for r in reports)
    assert tls_sink.connection_count == 1
    assert tls_sink.transcripts[0].count(b"AUTH PLAIN") == 1
