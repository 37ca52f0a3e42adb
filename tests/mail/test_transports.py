"""MX delivery end to end: a real DNS server and aiosmtpd sinks on loopback."""

from __future__ import annotations

import asyncio
import ssl
import time

import pytest

from openses.mail.smtp_session import SmtpTimeouts
from openses.mail.transports import Deliverer, DeliveryReport, DeliveryStatus
from tests.fixtures.dns_server import DnsServer
from tests.fixtures.smtp_sink import SinkScript, SmtpSink, self_signed_server_context
from tests.mail.transport_helpers import (
    HELO,
    T0,
    SinkFactory,
    deliver_one,
    dns_server,
    envelope,
    mx_transport,
    point_mx,
    run,
    sinks,
)

__all__ = ["dns_server", "sinks"]  # fixtures, used by name

DELIVERED = DeliveryStatus.DELIVERED
TRANSIENT = DeliveryStatus.TRANSIENT_FAILURE
PERMANENT = DeliveryStatus.PERMANENT_FAILURE


def statuses(report: DeliveryReport) -> dict[str, DeliveryStatus]:
    return {outcome.recipient: outcome.status for outcome in report.outcomes}


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


def test_starttls_is_used_when_offered(dns_server: DnsServer, sinks: SinkFactory) -> None:
    sink = sinks(host="127.0.0.2", starttls=True)
    point_mx(dns_server, "b.test", ("mx.b.test", 10, "127.0.0.2"))

    report = deliver_one(mx_transport(dns_server, sink.port), envelope("a@b.test"))

    assert report.outcome_for("a@b.test").tls is True
    assert sink.messages[0].tls is True
    assert sink.transcripts[0].startswith(f"EHLO {HELO}\r\nSTARTTLS\r\nEHLO {HELO}\r\n".encode())


def test_plaintext_is_used_when_starttls_is_not_offered(
    dns_server: DnsServer, sinks: SinkFactory
) -> None:
    sink = sinks(host="127.0.0.2")
    point_mx(dns_server, "b.test", ("mx.b.test", 10, "127.0.0.2"))

    report = deliver_one(mx_transport(dns_server, sink.port), envelope("a@b.test"))

    assert report.outcome_for("a@b.test").tls is False
    assert b"STARTTLS" not in sink.transcripts[0]


def test_a_failed_opportunistic_tls_handshake_falls_back_to_plaintext(
    dns_server: DnsServer, sinks: SinkFactory
) -> None:
    demanding = self_signed_server_context("sink.test")
    demanding.verify_mode = ssl.CERT_REQUIRED  # a client certificate, which MTAs do not send
    demanding.load_verify_locations(cadata=SmtpSink(hostname="sink.test").certificate_pem.decode())
    sink = sinks(host="127.0.0.2", starttls=True, tls_context=demanding)
    point_mx(dns_server, "b.test", ("mx.b.test", 10, "127.0.0.2"))

    report = deliver_one(mx_transport(dns_server, sink.port), envelope("a@b.test"))

    outcome = report.outcome_for("a@b.test")
    assert (outcome.status, outcome.tls) == (DELIVERED, False)
    assert sink.connection_count == 2
    assert b"STARTTLS" in sink.transcripts[0]
    assert b"STARTTLS" not in sink.transcripts[1]
    assert sink.messages[0].tls is False


def test_a_slow_server_hits_the_timeout_and_the_failure_is_transient(
    dns_server: DnsServer, sinks: SinkFactory
) -> None:
    sink = sinks(SinkScript(delays={"RCPT": 30.0}), host="127.0.0.2")
    point_mx(dns_server, "b.test", ("mx.b.test", 10, "127.0.0.2"))
    transport = mx_transport(dns_server, sink.port, timeouts=SmtpTimeouts.uniform(0.3))

    started = time.monotonic()
    report = deliver_one(transport, envelope("a@b.test"))

    outcome = report.outcome_for("a@b.test")
    assert (outcome.status, outcome.smtp_response) == (TRANSIENT, "421 4.4.2 Connection timed out")
    assert time.monotonic() - started < 5.0
    assert sink.messages == []


def test_a_timeout_waiting_for_the_data_reply_is_transient_never_delivered(
    dns_server: DnsServer, sinks: SinkFactory
) -> None:
    sink = sinks(SinkScript(delays={"DATA": 30.0}), host="127.0.0.2")
    point_mx(dns_server, "b.test", ("mx.b.test", 10, "127.0.0.2"))
    transport = mx_transport(dns_server, sink.port, timeouts=SmtpTimeouts.uniform(0.3))

    report = deliver_one(transport, envelope("a@b.test"))

    outcome = report.outcome_for("a@b.test")
    assert (outcome.status, outcome.smtp_response) == (TRANSIENT, "421 4.4.2 Connection timed out")


def test_a_slow_greeting_counts_as_a_failed_host(dns_server: DnsServer, sinks: SinkFactory) -> None:
    slow = sinks(SinkScript(delays={"greeting": 30.0}), host="127.0.0.2")
    fast = sinks(host="127.0.0.3")
    point_mx(dns_server, "b.test", ("slow.b.test", 10, "127.0.0.2"), ("ok.b.test", 20, "127.0.0.3"))
    transport = mx_transport(dns_server, slow.port, timeouts=SmtpTimeouts.uniform(0.3))

    report = deliver_one(transport, envelope("a@b.test"))

    assert report.outcome_for("a@b.test").remote_host == "ok.b.test"
    assert len(fast.accepted_messages) == 1


def test_one_connection_carries_many_messages_with_rset_between_them(
    dns_server: DnsServer, sinks: SinkFactory
) -> None:
    sink = sinks(host="127.0.0.2", starttls=True)
    point_mx(dns_server, "b.test", ("mx.b.test", 10, "127.0.0.2"))

    async def five(deliverer: Deliverer) -> list[DeliveryReport]:
        return [await deliverer.deliver(envelope(f"user{i}@b.test")) for i in range(5)]

    reports = run(mx_transport(dns_server, sink.port), five)

    assert all(set(statuses(r).values()) == {DELIVERED} for r in reports)
    assert sink.connection_count == 1
    assert sink.transcripts[0].count(b"\r\nRSET\r\n") == 4
    assert sink.transcripts[0].count(b"STARTTLS") == 1
    assert [m.rcpt_tos for m in sink.messages] == [(f"user{i}@b.test",) for i in range(5)]


def test_a_kept_connection_the_server_dropped_is_replaced_transparently(
    dns_server: DnsServer, sinks: SinkFactory
) -> None:
    sink = sinks(host="127.0.0.2")
    point_mx(dns_server, "b.test", ("mx.b.test", 10, "127.0.0.2"))

    async def two(deliverer: Deliverer) -> list[DeliveryReport]:
        first = await deliverer.deliver(envelope("a@b.test"))
        await asyncio.to_thread(sink.drop_connections)
        return [first, await deliverer.deliver(envelope("c@b.test"))]

    reports = run(mx_transport(dns_server, sink.port), two)

    assert [statuses(r) for r in reports] == [{"a@b.test": DELIVERED}, {"c@b.test": DELIVERED}]
    assert sink.connection_count == 2


def test_connections_are_not_kept_past_the_message_limit(
    dns_server: DnsServer, sinks: SinkFactory
) -> None:
    sink = sinks(host="127.0.0.2")
    point_mx(dns_server, "b.test", ("mx.b.test", 10, "127.0.0.2"))

    async def four(deliverer: Deliverer) -> None:
        for i in range(4):
            await deliverer.deliver(envelope(f"u{i}@b.test"))

    run(mx_transport(dns_server, sink.port, max_messages_per_connection=2), four)

    assert sink.connection_count == 2
    assert len(sink.accepted_messages) == 4


def test_deliveries_to_one_domain_respect_the_concurrency_limit(
    dns_server: DnsServer, sinks: SinkFactory
) -> None:
    sink = sinks(SinkScript(delays={"DATA": 0.2}), host="127.0.0.2")
    point_mx(dns_server, "b.test", ("mx.b.test", 10, "127.0.0.2"))

    async def burst(deliverer: Deliverer) -> list[DeliveryReport]:
        messages = [envelope(f"u{i}@b.test") for i in range(6)]
        return await asyncio.gather(*(deliverer.deliver(m) for m in messages))

    reports = run(mx_transport(dns_server, sink.port, max_connections_per_domain=2), burst)

    assert all(set(statuses(r).values()) == {DELIVERED} for r in reports)
    assert sink.max_concurrent_connections == 2
    assert sink.connection_count == 2


def test_bounces_go_out_with_the_null_sender(dns_server: DnsServer, sinks: SinkFactory) -> None:
    sink = sinks(host="127.0.0.2")
    point_mx(dns_server, "b.test", ("mx.b.test", 10, "127.0.0.2"))

    report = deliver_one(mx_transport(dns_server, sink.port), envelope("a@b.test", sender=""))

    assert statuses(report) == {"a@b.test": DELIVERED}
    assert sink.messages[0].mail_from == ""
    assert b"MAIL FROM:<>" in sink.transcripts[0]


def test_a_message_over_the_servers_size_limit_is_refused_before_data(
    dns_server: DnsServer, sinks: SinkFactory
) -> None:
    sink = sinks(host="127.0.0.2", size_limit=1000)
    point_mx(dns_server, "b.test", ("mx.b.test", 10, "127.0.0.2"))
    big = b"Subject: big\r\n\r\n" + b"x" * 70 + b"\r\n" * 0 + (b"y" * 70 + b"\r\n") * 20

    report = deliver_one(mx_transport(dns_server, sink.port), envelope("a@b.test", message=big))

    outcome = report.outcome_for("a@b.test")
    assert outcome.status is PERMANENT
    assert outcome.reply.enhanced_status == "5.3.4"
    assert b"MAIL FROM" not in sink.transcripts[0]


def test_the_message_size_is_declared_in_mail_from(
    dns_server: DnsServer, sinks: SinkFactory
) -> None:
    sink = sinks(host="127.0.0.2")
    point_mx(dns_server, "b.test", ("mx.b.test", 10, "127.0.0.2"))
    message = b"Subject: hi\n\nbody\n"  # 18 bytes with LF, 21 once CRLF

    deliver_one(mx_transport(dns_server, sink.port), envelope("a@b.test", message=message))

    assert sink.messages[0].mail_options == ("SIZE=21",)


def test_an_internationalized_address_uses_smtputf8(
    dns_server: DnsServer, sinks: SinkFactory
) -> None:
    sink = sinks(host="127.0.0.2")
    point_mx(dns_server, "b.test", ("mx.b.test", 10, "127.0.0.2"))

    report = deliver_one(mx_transport(dns_server, sink.port), envelope("jürgen@b.test"))

    assert statuses(report) == {"jürgen@b.test": DELIVERED}
    assert "SMTPUTF8" in sink.messages[0].mail_options
    assert sink.messages[0].rcpt_tos == ("jürgen@b.test",)


def test_recipients_of_different_domains_are_refused(dns_server: DnsServer) -> None:
    transport = mx_transport(dns_server, 25)
    with pytest.raises(ValueError, match="one domain"):
        deliver_one(transport, envelope("a@b.test", "c@d.test"))
