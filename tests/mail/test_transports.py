"""MX delivery end to end: a real DNS server and aiosmtpd sinks on loopback."""

from __future__ import annotations

import pytest

from openses.mail.transports import DeliveryStatus
from tests.fixtures.dns_server import DnsServer
from tests.fixtures.smtp_sink import SinkScript
from tests.mail.transport_helpers import (
    HELO,
    T0,
    SinkFactory,
    deliver_one,
    dns_server,
    envelope,
    mx_transport,
    point_mx,
    sinks,
    statuses,
)

__all__ = ["dns_server", "sinks"]  # fixtures, used by name

DELIVERED = DeliveryStatus.DELIVERED
TRANSIENT = DeliveryStatus.TRANSIENT_FAILURE
PERMANENT = DeliveryStatus.PERMANENT_FAILURE


def test_delivers_to_the_best_mx_and_reports_what_ses_shows(
    dns_server: DnsServer, sinks: SinkFactory
) -> None:
    best = sinks(host="127.0.0.2")
    backup = sinks(host="127.0.0.3")
    point_mx(dns_server, "b.test", ("mx2.b.test", 20, "127.0.0.3"), ("mx1.b.test", 10, "127.0.0.2"))

    report = deliver_one(mx_transport(dns_server, best.port), envelope("bob@b.test"))

    outcome = report.outcome_for("bob@b.test")
    assert outcome.status is DELIVERED
    assert outcome.smtp_response == "250 2.0.0 OK: queued as 00000001"
    assert (outcome.remote_host, outcome.remote_ip) == ("mx1.b.test", "127.0.0.2")
    assert outcome.started_at == T0
    assert outcome.finished_at > outcome.started_at
    assert report.reporting_mta == HELO
    assert [m.rcpt_tos for m in best.messages] == [("bob@b.test",)]
    assert best.messages[0].helo == HELO
    assert backup.connection_count == 0


def test_moves_to_the_next_mx_when_the_first_refuses_connections(
    dns_server: DnsServer, sinks: SinkFactory
) -> None:
    backup = sinks(host="127.0.0.3")
    point_mx(dns_server, "b.test", ("down.b.test", 10, "127.0.0.9"), ("up.b.test", 20, "127.0.0.3"))

    report = deliver_one(mx_transport(dns_server, backup.port), envelope("bob@b.test"))

    assert report.outcome_for("bob@b.test").remote_host == "up.b.test"
    assert statuses(report) == {"bob@b.test": DELIVERED}
    assert len(backup.accepted_messages) == 1


def test_moves_to_the_next_mx_when_the_first_answers_421_at_connect(
    dns_server: DnsServer, sinks: SinkFactory
) -> None:
    busy = sinks(SinkScript(greeting="421 4.3.2 Service shutting down"), host="127.0.0.2")
    backup = sinks(host="127.0.0.3")
    point_mx(dns_server, "b.test", ("busy.b.test", 10, "127.0.0.2"), ("ok.b.test", 20, "127.0.0.3"))

    report = deliver_one(mx_transport(dns_server, busy.port), envelope("bob@b.test"))

    assert statuses(report) == {"bob@b.test": DELIVERED}
    assert busy.connection_count == 1
    assert busy.messages == []
    assert len(backup.accepted_messages) == 1


def test_moves_to_the_next_mx_when_the_first_refuses_ehlo_with_4xx(
    dns_server: DnsServer, sinks: SinkFactory
) -> None:
    grumpy = sinks(SinkScript(ehlo_reply="421 4.7.0 Try again later"), host="127.0.0.2")
    backup = sinks(host="127.0.0.3")
    point_mx(dns_server, "b.test", ("g.b.test", 10, "127.0.0.2"), ("ok.b.test", 20, "127.0.0.3"))

    report = deliver_one(mx_transport(dns_server, grumpy.port), envelope("bob@b.test"))

    assert statuses(report) == {"bob@b.test": DELIVERED}
    assert len(backup.accepted_messages) == 1


def test_a_5xx_greeting_is_final_and_no_other_mx_is_tried(
    dns_server: DnsServer, sinks: SinkFactory
) -> None:
    closed = sinks(SinkScript(greeting="554 5.7.1 No SMTP service here"), host="127.0.0.2")
    backup = sinks(host="127.0.0.3")
    point_mx(dns_server, "b.test", ("no.b.test", 10, "127.0.0.2"), ("ok.b.test", 20, "127.0.0.3"))

    report = deliver_one(mx_transport(dns_server, closed.port), envelope("bob@b.test"))

    outcome = report.outcome_for("bob@b.test")
    assert outcome.status is PERMANENT
    assert outcome.smtp_response == "554 5.7.1 No SMTP service here"
    assert backup.connection_count == 0


def test_when_every_mx_is_down_the_failure_is_transient(
    dns_server: DnsServer, sinks: SinkFactory
) -> None:
    unrelated = sinks(host="127.0.0.2")  # only to have a port nobody listens on elsewhere
    point_mx(dns_server, "b.test", ("a.b.test", 10, "127.0.0.8"), ("c.b.test", 20, "127.0.0.9"))

    report = deliver_one(mx_transport(dns_server, unrelated.port), envelope("bob@b.test"))

    outcome = report.outcome_for("bob@b.test")
    assert outcome.status is TRANSIENT
    assert outcome.smtp_response == "421 4.4.1 Failed to establish connection"
    assert (outcome.remote_host, outcome.remote_ip) == ("c.b.test", "127.0.0.9")


def test_a_null_mx_domain_bounces_permanently_without_connecting(
    dns_server: DnsServer, sinks: SinkFactory
) -> None:
    sink = sinks(host="127.0.0.2")
    dns_server.add_mx("b.test", ".", 0)

    report = deliver_one(mx_transport(dns_server, sink.port), envelope("bob@b.test"))

    outcome = report.outcome_for("bob@b.test")
    assert outcome.status is PERMANENT
    assert outcome.reply.enhanced_status == "5.1.10"
    assert (outcome.remote_host, outcome.remote_ip) == (None, None)
    assert sink.connection_count == 0


def test_a_domain_without_mx_gets_mail_at_its_own_address(
    dns_server: DnsServer, sinks: SinkFactory
) -> None:
    sink = sinks(host="127.0.0.2")
    dns_server.add_host("b.test", "127.0.0.2")

    report = deliver_one(mx_transport(dns_server, sink.port), envelope("bob@b.test"))

    assert report.outcome_for("bob@b.test").remote_host == "b.test"
    assert len(sink.accepted_messages) == 1


def test_a_domain_that_does_not_exist_bounces_as_ses_says(
    dns_server: DnsServer, sinks: SinkFactory
) -> None:
    sink = sinks(host="127.0.0.2")

    report = deliver_one(mx_transport(dns_server, sink.port), envelope("bob@nowhere.test"))

    outcome = report.outcome_for("bob@nowhere.test")
    assert (outcome.status, outcome.smtp_response) == (PERMANENT, "550 5.4.4 Invalid domain")


def test_servfail_is_transient(dns_server: DnsServer, sinks: SinkFactory) -> None:
    sink = sinks(host="127.0.0.2")
    point_mx(dns_server, "b.test", ("mx.b.test", 10, "127.0.0.2"))
    dns_server.fail("b.test", "SERVFAIL", rdtype="MX")

    report = deliver_one(mx_transport(dns_server, sink.port), envelope("bob@b.test"))

    outcome = report.outcome_for("bob@b.test")
    assert outcome.status is TRANSIENT
    assert outcome.smtp_response == "421 4.4.0 Unable to lookup DNS for b.test"
    assert sink.connection_count == 0


def test_each_recipient_gets_its_own_rcpt_verdict_and_only_accepted_ones_get_mail(
    dns_server: DnsServer, sinks: SinkFactory
) -> None:
    script = SinkScript(
        rcpt_replies={
            "full@b.test": "452 4.2.2 Mailbox full",
            "gone@b.test": "550 5.1.1 <gone@b.test>: Recipient address rejected: User unknown",
        }
    )
    sink = sinks(script, host="127.0.0.2")
    point_mx(dns_server, "b.test", ("mx.b.test", 10, "127.0.0.2"))
    message = envelope("ok@b.test", "full@b.test", "gone@b.test", "also-ok@b.test")

    report = deliver_one(mx_transport(dns_server, sink.port), message)

    assert statuses(report) == {
        "ok@b.test": DELIVERED,
        "full@b.test": TRANSIENT,
        "gone@b.test": PERMANENT,
        "also-ok@b.test": DELIVERED,
    }
    assert report.outcome_for("gone@b.test").reply.enhanced_status == "5.1.1"
    assert report.outcome_for("ok@b.test").smtp_response.startswith("250 2.0.0")
    assert [m.rcpt_tos for m in sink.messages] == [("ok@b.test", "also-ok@b.test")]


def test_a_refused_data_applies_to_every_accepted_recipient(
    dns_server: DnsServer, sinks: SinkFactory
) -> None:
    script = SinkScript(
        rcpt_replies={"gone@b.test": "550 5.1.1 User unknown"},
        data_reply="554 5.7.1 Message rejected: spam content",
    )
    sink = sinks(script, host="127.0.0.2")
    point_mx(dns_server, "b.test", ("mx.b.test", 10, "127.0.0.2"))

    report = deliver_one(
        mx_transport(dns_server, sink.port), envelope("a@b.test", "c@b.test", "gone@b.test")
    )

    assert statuses(report) == {
        "a@b.test": PERMANENT,
        "c@b.test": PERMANENT,
        "gone@b.test": PERMANENT,
    }
    assert (
        report.outcome_for("a@b.test").smtp_response == "554 5.7.1 Message rejected: spam content"
    )
    assert report.outcome_for("gone@b.test").smtp_response == "550 5.1.1 User unknown"


def test_a_4xx_after_data_is_transient_for_every_accepted_recipient(
    dns_server: DnsServer, sinks: SinkFactory
) -> None:
    sink = sinks(SinkScript(data_reply="451 4.3.0 Try again later"), host="127.0.0.2")
    point_mx(dns_server, "b.test", ("mx.b.test", 10, "127.0.0.2"))

    report = deliver_one(mx_transport(dns_server, sink.port), envelope("a@b.test", "c@b.test"))

    assert statuses(report) == {"a@b.test": TRANSIENT, "c@b.test": TRANSIENT}


def test_a_connection_dropped_after_data_is_transient_never_delivered(
    dns_server: DnsServer, sinks: SinkFactory
) -> None:
    sink = sinks(SinkScript(drop_after_data=True), host="127.0.0.2")
    point_mx(dns_server, "b.test", ("mx.b.test", 10, "127.0.0.2"))

    report = deliver_one(mx_transport(dns_server, sink.port), envelope("a@b.test"))

    outcome = report.outcome_for("a@b.test")
    assert outcome.status is TRANSIENT
    assert outcome.smtp_response == "421 4.4.2 Connection lost during DATA"
    assert len(sink.messages) == 1  # the server had the whole message...
    assert sink.messages[0].reply is None  # ...but never said it took it


def test_bounces_go_out_with_the_null_sender(dns_server: DnsServer, sinks: SinkFactory) -> None:
    sink = sinks(host="127.0.0.2")
    point_mx(dns_server, "b.test", ("mx.b.test", 10, "127.0.0.2"))

    report = deliver_one(mx_transport(dns_server, sink.port), envelope("a@b.test", sender=""))

    assert statuses(report) == {"a@b.test": DELIVERED}
    assert sink.messages[0].mail_from == ""
    assert b"MAIL FROM:<>" in sink.transcripts[0]


def test_recipients_of_different_domains_are_refused(dns_server: DnsServer) -> None:
    transport = mx_transport(dns_server, 25)
    with pytest.raises(ValueError, match="one domain"):
        deliver_one(transport, envelope("a@b.test", "c@d.test"))
