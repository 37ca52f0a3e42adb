"""MX delivery, the connection itself: TLS, timeouts, reuse, limits, SMTP extensions."""

from __future__ import annotations

import asyncio
import ssl
import time

from openses.mail.smtp_session import SmtpTimeouts
from openses.mail.transports import Deliverer, DeliveryReport, DeliveryStatus
from tests.fixtures.dns_server import DnsServer
from tests.fixtures.smtp_sink import SinkScript, SmtpSink, self_signed_server_context
from tests.mail.transport_helpers import (
    HELO,
    SinkFactory,
    deliver_one,
    dns_server,
    envelope,
    mx_transport,
    point_mx,
    run,
    sinks,
    statuses,
)

__all__ = ["dns_server", "sinks"]  # fixtures, used by name

DELIVERED = DeliveryStatus.DELIVERED
TRANSIENT = DeliveryStatus.TRANSIENT_FAILURE
PERMANENT = DeliveryStatus.PERMANENT_FAILURE


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
