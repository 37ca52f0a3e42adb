"""The mailbox simulator: each address's outcome, its JSON, and the mail it answers with."""

from __future__ import annotations

import datetime as dt
import email
import itertools
import uuid
from collections.abc import Callable
from email import policy
from email.message import Message

import pytest
from flufl.bounce import all_failures

from openses.domain import event_formats as ef
from openses.domain.messages import AcceptedMessage, BounceSubType, BounceType, Destination
from openses.mail.dsn import FeedbackMailKind
from openses.mail.message_ids import format_message_id
from openses.mail.simulator import (
    SUPPRESSED_DIAGNOSTIC,
    SimulationResult,
    SimulatorConfig,
    SimulatorScenario,
    simulate,
    simulate_recipient,
    simulator_scenario,
)
from tests.unit import guide_event_examples as guide

ACCEPTED = dt.datetime(2022, 4, 1, 21, 24, 49, 422000, tzinfo=dt.UTC)
NOW = dt.datetime(2022, 4, 1, 21, 24, 50, tzinfo=dt.UTC)
RAW = (
    b"From: sender@example.com\r\n"
    b"To: bounce@simulator.amazonses.com\r\n"
    b"Subject: Subject Test\r\n"
    b"Message-ID: <0100017fe7043e8e-fc9c357d@email.amazonses.com>\r\n"
    b"MIME-Version: 1.0\r\n"
    b"Content-Type: text/plain; charset=UTF-8\r\n"
    b"\r\nHello simulator\r\n"
)


def message_to(*recipients: str) -> AcceptedMessage:
    return AcceptedMessage(
        message_id="0100017fe7043e8e-fc9c357d-a9a4-49bc-a4b4-fa984009d568-000000",
        account_id="123456789012",
        region="us-east-1",
        source="sender@example.com",
        feedback_address="bounces@example.com",
        from_address="sender@example.com",
        destination=Destination(to=recipients),
        raw=RAW,
        headers=(("From", "sender@example.com"),),
        common_headers={"from": ["sender@example.com"]},
        accepted_at=ACCEPTED,
        source_arn="arn:aws:ses:us-east-1:123456789012:identity/example.com",
        sending_account_id="123456789012",
        source_ip="192.0.2.1",
        to_simulator=True,
    )


def id_source() -> Callable[[], str]:
    counter = itertools.count(1)
    return lambda: format_message_id(NOW, uuid.UUID(int=next(counter)))


def run(*recipients: str, config: SimulatorConfig | None = None) -> SimulationResult:
    return simulate(
        message_to(*recipients),
        now=NOW,
        new_message_id=id_source(),
        config=config or SimulatorConfig(),
    )


def parsed(data: bytes) -> Message:
    return email.message_from_bytes(data, policy=policy.default)


# --- which address does what --------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "scenario"),
    [
        ("success@simulator.amazonses.com", SimulatorScenario.SUCCESS),
        ("bounce@simulator.amazonses.com", SimulatorScenario.BOUNCE),
        ("ooto@simulator.amazonses.com", SimulatorScenario.OOTO),
        ("complaint@simulator.amazonses.com", SimulatorScenario.COMPLAINT),
        ("suppressionlist@simulator.amazonses.com", SimulatorScenario.SUPPRESSION_LIST),
        ("bounce+label1@simulator.amazonses.com", SimulatorScenario.BOUNCE),
        ("Complaint+Campaign-7@Simulator.AmazonSES.com", SimulatorScenario.COMPLAINT),
        ("<success@simulator.amazonses.com>", SimulatorScenario.SUCCESS),
        ("nobody@simulator.amazonses.com", SimulatorScenario.BOUNCE),
        ("success@example.com", None),
        ("success@simulator.amazonses.com.example.com", None),
        ("simulator.amazonses.com", None),
    ],
)
def test_addresses_select_their_scenario(address: str, scenario: SimulatorScenario | None) -> None:
    assert simulator_scenario(address) is scenario


def test_a_self_hosted_simulator_answers_on_its_own_domain() -> None:
    config = SimulatorConfig(domain="simulator.openses.test")
    assert simulator_scenario("ooto@simulator.openses.test", domain=config.domain) is (
        SimulatorScenario.OOTO
    )
    assert simulate_recipient("ooto@simulator.amazonses.com", config) is None
    outcome = simulate_recipient("success+x@simulator.openses.test", config)
    assert outcome is not None
    assert outcome.delivered


def test_success_is_delivered_with_the_simulators_reply_and_nothing_else() -> None:
    result = run("success@simulator.amazonses.com")
    (outcome,) = result.outcomes
    assert outcome.delivered
    assert outcome.smtp_response == "250 2.6.0 Message received"
    assert (outcome.bounce, outcome.complaint, outcome.auto_reply) == (None, None, False)
    assert result.feedback_mail == ()
    delivery = result.delivery(timestamp=NOW)
    assert delivery is not None
    assert delivery.recipients == ("success@simulator.amazonses.com",)
    assert delivery.smtp_response == "250 2.6.0 Message received"
    assert delivery.reporting_mta == "a8-70.smtp-out.amazonses.com"


def test_bounce_is_a_hard_user_unknown_with_a_dsn() -> None:
    result = run("bounce@simulator.amazonses.com")
    (outcome,) = result.outcomes
    assert not outcome.delivered
    bounce = outcome.bounce
    assert bounce is not None
    assert (bounce.bounce_type, bounce.sub_type) == (BounceType.PERMANENT, BounceSubType.GENERAL)
    assert (bounce.action, bounce.status) == ("failed", "5.1.1")
    assert bounce.diagnostic_code == "smtp; 550 5.1.1 user unknown"
    assert bounce.reporting_mta == "dns; a8-70.smtp-out.amazonses.com"
    (mail,) = result.feedback_mail
    assert mail.kind is FeedbackMailKind.BOUNCE_DSN
    assert (mail.envelope_sender, mail.envelope_recipient) == ("", "bounces@example.com")
    assert result.delivery(timestamp=NOW) is None


def test_suppressionlist_is_a_global_suppression_bounce_reported_by_ses_itself() -> None:
    (outcome,) = run("suppressionlist@simulator.amazonses.com").outcomes
    bounce = outcome.bounce
    assert bounce is not None
    assert not outcome.delivered
    assert (bounce.bounce_type, bounce.sub_type) == (BounceType.PERMANENT, BounceSubType.SUPPRESSED)
    assert (bounce.action, bounce.status) == ("failed", "5.1.1")
    assert bounce.diagnostic_code == SUPPRESSED_DIAGNOSTIC
    assert bounce.reporting_mta == "dns; amazonses.com"
    assert bounce.remote_mta_ip is None


def test_ooto_is_delivered_then_answered_and_reported_as_a_soft_bounce() -> None:
    result = run("ooto@simulator.amazonses.com")
    (outcome,) = result.outcomes
    assert outcome.delivered
    assert outcome.auto_reply
    bounce = outcome.bounce
    assert bounce is not None
    assert (bounce.bounce_type, bounce.sub_type) == (BounceType.TRANSIENT, BounceSubType.GENERAL)
    (report,) = result.bounce_reports(timestamp=NOW, new_feedback_id=id_source())
    assert ef.bounce_object(report)["bouncedRecipients"] == [
        {"emailAddress": "ooto@simulator.amazonses.com"}
    ]
    (mail,) = result.feedback_mail
    assert mail.kind is FeedbackMailKind.AUTO_REPLY
    reply = parsed(mail.as_bytes())
    assert reply["From"] == "no-reply@amazonses.com"
    assert reply["To"] == "bounces@example.com"
    assert reply["Auto-Submitted"] == "auto-replied"
    assert reply["In-Reply-To"] == "<0100017fe7043e8e-fc9c357d@email.amazonses.com>"


def test_complaint_is_delivered_then_reported_in_arf() -> None:
    result = run("complaint@simulator.amazonses.com")
    (outcome,) = result.outcomes
    assert outcome.delivered
    assert outcome.complaint is not None
    (mail,) = result.feedback_mail
    assert mail.kind is FeedbackMailKind.COMPLAINT_REPORT
    report = parsed(mail.as_bytes())
    assert report["From"] == "complaints@email-abuse.amazonses.com"
    assert report.get_param("report-type") == "feedback-report"
    payload = report.get_payload()
    assert isinstance(payload, list)
    feedback_part = payload[1]
    assert isinstance(feedback_part, Message)
    blocks = feedback_part.get_payload()
    assert isinstance(blocks, list)
    fields = blocks[0]
    assert isinstance(fields, Message)
    assert fields["Feedback-Type"] == "abuse"
    assert fields["User-Agent"] == "Amazon SES Mailbox Simulator"
    assert fields["Original-Rcpt-To"] == "<complaint@simulator.amazonses.com>"
    assert fields["Original-Mail-From"] == "<bounces@example.com>"


def test_several_bounces_of_one_request_come_back_as_one_dsn() -> None:
    result = run(
        "bounce+a@simulator.amazonses.com",
        "someone@example.com",  # not the simulator's: left to real delivery
        "bounce+b@simulator.amazonses.com",
        "suppressionlist@simulator.amazonses.com",
    )
    assert len(result.outcomes) == 3
    (dsn,) = result.feedback_mail
    temporary, permanent = all_failures(email.message_from_bytes(dsn.as_bytes()))
    assert temporary == frozenset()
    assert permanent == {
        b"bounce+a@simulator.amazonses.com",
        b"bounce+b@simulator.amazonses.com",
        b"suppressionlist@simulator.amazonses.com",
    }
    reports = result.bounce_reports(timestamp=NOW, new_feedback_id=id_source())
    assert [(r.bounce_sub_type, len(r.recipients)) for r in reports] == [
        (BounceSubType.GENERAL, 2),
        (BounceSubType.SUPPRESSED, 1),
    ]
    assert reports[0].feedback_id != reports[1].feedback_id


def test_every_generated_mail_gets_a_fresh_ses_message_id() -> None:
    result = run("bounce@simulator.amazonses.com", "ooto@simulator.amazonses.com")
    ids = [parsed(mail.as_bytes())["Message-ID"] for mail in result.feedback_mail]
    assert len(set(ids)) == 2
    assert all(i.endswith("-000000@email.amazonses.com>") for i in ids)


# --- the JSON SES published for the simulator ----------------------------------------


def test_simulated_bounce_json_equals_the_notification_ses_published() -> None:
    real = guide.SES_BOUNCE_NOTIFICATION_2022["bounce"]
    config = SimulatorConfig(
        reporting_mta="a48-30.smtp-out.amazonses.com", remote_mta_ip="3.231.136.178"
    )
    result = run("bounce@simulator.amazonses.com", config=config)
    (report,) = result.bounce_reports(
        timestamp=dt.datetime.fromisoformat(real["timestamp"]),
        new_feedback_id=lambda: real["feedbackId"],
    )
    assert ef.bounce_object(report) == real


def test_simulated_complaint_json_equals_the_event_ses_published() -> None:
    real = guide.SES_COMPLAINT_EVENT_2022["complaint"]
    result = run("complaint@simulator.amazonses.com")
    report = result.complaint_report(
        timestamp=dt.datetime.fromisoformat(real["timestamp"]), feedback_id=real["feedbackId"]
    )
    assert report is not None
    assert ef.complaint_object(report) == real


def test_a_simulated_suppression_bounce_has_the_fields_ses_reports() -> None:
    result = run("suppressionlist@simulator.amazonses.com")
    (report,) = result.bounce_reports(timestamp=NOW, new_feedback_id=lambda: "fid")
    obj = ef.bounce_object(report)
    assert obj["bounceType"] == "Permanent"
    assert obj["bounceSubType"] == "Suppressed"
    assert obj["reportingMTA"] == "dns; amazonses.com"
    assert obj["bouncedRecipients"] == [
        {
            "emailAddress": "suppressionlist@simulator.amazonses.com",
            "action": "failed",
            "status": "5.1.1",
            "diagnosticCode": SUPPRESSED_DIAGNOSTIC,
        }
    ]
    assert "remoteMtaIp" not in obj


def test_no_complaint_report_without_a_complaint() -> None:
    assert (
        run("success@simulator.amazonses.com").complaint_report(timestamp=NOW, feedback_id="f")
        is None
    )
