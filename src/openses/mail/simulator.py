"""The mailbox simulator: which address does what, and the mail it answers with.

Developer Guide, "Using the mailbox simulator" (seed G, p.194-197):

* ``success@`` -- accepted by the recipient's provider; a Delivery.
* ``bounce@`` -- rejected with ``550 5.1.1`` ("Unknown User"); an RFC 3464 bounce;
  the address is *not* put on the suppression list.
* ``ooto@`` -- delivered, then an RFC 3834 automatic response goes to the
  Return-Path (or MAIL FROM). SES reports such responses as ``Transient /
  General`` bounces that do not count toward the bounce rate (guide, bounce types
  table), after the Delivery.
* ``complaint@`` -- delivered, then an RFC 5965 complaint.
* ``suppressionlist@`` -- a hard bounce "as if the recipient's address is on the
  global suppression list": ``Permanent / Suppressed``.

Addresses may carry labels (``bounce+label1@...``) so that VERP matching can be
tested; several bounces of one request are "combined into a single response".
Any other mailbox at the simulator's domain does not exist there, so it bounces
like ``bounce@`` (SES has reported ``hi@simulator.amazonses.com`` as on the
global suppression list, where only hard bounces put an address).

The JSON details are those of notifications SES really published for the
simulator: ``250 2.6.0 Message received``; ``smtp; 550 5.1.1 user unknown``
reported by ``dns; <SES's outbound host>``; the suppression text below reported
by ``dns; amazonses.com``; complaint ``userAgent`` "Amazon SES Mailbox
Simulator", ``complaintFeedbackType`` "abuse". The automatic response comes from
``no-reply@amazonses.com`` (what SES customers receive from ``ooto@``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from openses.domain.feedback import BounceReport, ComplaintFeedbackType, ComplaintReport
from openses.domain.messages import (
    AcceptedMessage,
    BouncedRecipient,
    BounceSubType,
    BounceType,
    DeliveryOutcome,
)
from openses.mail.dsn import (
    SIMULATOR_USER_AGENT,
    Addressing,
    FailedRecipient,
    FeedbackMail,
    build_auto_reply,
    build_bounce_dsn,
    build_complaint_report,
    mailer_daemon,
)
from openses.mail.message_ids import SES_MESSAGE_ID_DOMAIN, message_id_header_value

SIMULATOR_DOMAIN = "simulator.amazonses.com"
DELIVERED_REPLY = "250 2.6.0 Message received"
UNKNOWN_USER_STATUS = "5.1.1"
UNKNOWN_USER_DIAGNOSTIC = "smtp; 550 5.1.1 user unknown"
SUPPRESSED_DIAGNOSTIC = (
    "Amazon SES has suppressed sending to this address because it has a recent history of "
    "bouncing as an invalid address. For more information about how to remove an address "
    "from the suppression list, see the Amazon SES Developer Guide: "
    "http://docs.aws.amazon.com/ses/latest/DeveloperGuide/remove-from-suppressionlist.html"
)


class SimulatorScenario(StrEnum):
    """The simulator's mailboxes, named by their local part."""

    SUCCESS = "success"
    BOUNCE = "bounce"
    OOTO = "ooto"
    COMPLAINT = "complaint"
    SUPPRESSION_LIST = "suppressionlist"


def simulator_scenario(address: str, *, domain: str = SIMULATOR_DOMAIN) -> SimulatorScenario | None:
    """The scenario ``address`` selects, or None if it is not at the simulator.

    Case does not matter and a ``+label`` is ignored; an unknown mailbox at the
    simulator's domain behaves as ``bounce@``.
    """
    local, at, address_domain = address.strip().removeprefix("<").removesuffix(">").rpartition("@")
    if not at or not local or address_domain.lower() != domain.lower():
        return None
    mailbox = local.partition("+")[0].lower()
    try:
        return SimulatorScenario(mailbox)
    except ValueError:
        return SimulatorScenario.BOUNCE


@dataclass(frozen=True, slots=True)
class SimulatorConfig:
    """Names the simulator uses; the defaults are SES's own."""

    domain: str = SIMULATOR_DOMAIN
    # Our outbound MTA: Delivery reportingMTA, and "dns; <host>" of simulated bounces.
    reporting_mta: str = "a8-70.smtp-out.amazonses.com"
    # Suppressed bounces are reported by "dns; <this>"; DSNs come from MAILER-DAEMON@<this>.
    platform_domain: str = "amazonses.com"
    complaints_sender: str = "complaints@email-abuse.amazonses.com"
    auto_reply_sender: str = "no-reply@amazonses.com"
    remote_mta_ip: str | None = None  # the simulated remote MTA's address, if to be shown
    message_id_domain: str = SES_MESSAGE_ID_DOMAIN


@dataclass(frozen=True, slots=True)
class SimulatedBounce:
    bounce_type: BounceType
    sub_type: BounceSubType
    status: str | None = None
    diagnostic_code: str | None = None
    reporting_mta: str | None = None  # "dns; host", as in bounce.reportingMTA
    remote_mta_ip: str | None = None
    action: str | None = "failed"
    with_dsn: bool = True  # an RFC 3464 DSN is sent for it (not for auto-replies)

    def bounced_recipient(self, address: str) -> BouncedRecipient:
        return BouncedRecipient(address, self.action, self.status, self.diagnostic_code)


@dataclass(frozen=True, slots=True)
class SimulatedComplaint:
    feedback_type: ComplaintFeedbackType = ComplaintFeedbackType.ABUSE
    user_agent: str = SIMULATOR_USER_AGENT


@dataclass(frozen=True, slots=True)
class SimulatorOutcome:
    """What the simulator does with one recipient."""

    recipient: str
    scenario: SimulatorScenario
    delivered: bool
    smtp_response: str | None = None  # the remote's reply when delivered
    bounce: SimulatedBounce | None = None
    complaint: SimulatedComplaint | None = None
    auto_reply: bool = False


def simulate_recipient(
    address: str, config: SimulatorConfig = SimulatorConfig()
) -> SimulatorOutcome | None:
    """The outcome for ``address``, or None when it is not a simulator address."""
    scenario = simulator_scenario(address, domain=config.domain)
    if scenario is None:
        return None
    delivered = SimulatorOutcome(address, scenario, True, DELIVERED_REPLY)
    if scenario is SimulatorScenario.SUCCESS:
        return delivered
    if scenario is SimulatorScenario.COMPLAINT:
        return replace(delivered, complaint=SimulatedComplaint())
    if scenario is SimulatorScenario.OOTO:
        # An auto-reply carries no DSN, so the bounce names only the address.
        auto = SimulatedBounce(
            BounceType.TRANSIENT, BounceSubType.GENERAL, action=None, with_dsn=False
        )
        return replace(delivered, bounce=auto, auto_reply=True)
    if scenario is SimulatorScenario.SUPPRESSION_LIST:
        bounce = SimulatedBounce(
            BounceType.PERMANENT,
            BounceSubType.SUPPRESSED,
            UNKNOWN_USER_STATUS,
            SUPPRESSED_DIAGNOSTIC,
            reporting_mta=f"dns; {config.platform_domain}",
        )
        return SimulatorOutcome(address, scenario, False, bounce=bounce)
    bounce = SimulatedBounce(
        BounceType.PERMANENT,
        BounceSubType.GENERAL,
        UNKNOWN_USER_STATUS,
        UNKNOWN_USER_DIAGNOSTIC,
        reporting_mta=f"dns; {config.reporting_mta}",
        remote_mta_ip=config.remote_mta_ip,
    )
    return SimulatorOutcome(address, scenario, False, bounce=bounce)


@dataclass(frozen=True, slots=True)
class SimulationResult:
    """Every simulator recipient's outcome and the mail the simulator answers with.

    ``feedback_mail``: one DSN for all bounced recipients (SES combines them),
    one complaint report per complaining recipient, one auto-reply per ``ooto``
    recipient. See ``FeedbackMailKind`` for which of them depend on forwarding.
    """

    outcomes: tuple[SimulatorOutcome, ...]
    feedback_mail: tuple[FeedbackMail, ...]
    reporting_mta: str  # delivery.reportingMTA
    remote_mta_ip: str | None = None  # delivery.remoteMtaIp

    def delivery(self, *, timestamp: dt.datetime) -> DeliveryOutcome | None:
        """The delivery of every recipient the simulated provider accepted."""
        accepted = tuple(o.recipient for o in self.outcomes if o.delivered)
        if not accepted:
            return None
        return DeliveryOutcome(
            accepted, timestamp, DELIVERED_REPLY, self.reporting_mta, self.remote_mta_ip or ""
        )

    def bounce_reports(
        self, *, timestamp: dt.datetime, new_feedback_id: Callable[[], str]
    ) -> tuple[BounceReport, ...]:
        """One report per kind of bounce, in the order the recipients came."""
        groups: dict[SimulatedBounce, list[BouncedRecipient]] = {}
        for outcome in self.outcomes:
            if outcome.bounce is not None:
                recipient = outcome.bounce.bounced_recipient(outcome.recipient)
                groups.setdefault(outcome.bounce, []).append(recipient)
        return tuple(
            BounceReport(
                kind.bounce_type,
                kind.sub_type,
                tuple(recipients),
                timestamp,
                new_feedback_id(),
                reporting_mta=kind.reporting_mta,
                remote_mta_ip=kind.remote_mta_ip,
            )
            for kind, recipients in groups.items()
        )

    def complaint_report(
        self, *, timestamp: dt.datetime, feedback_id: str
    ) -> ComplaintReport | None:
        complained = [o for o in self.outcomes if o.complaint is not None]
        if not complained:
            return None
        kind = complained[0].complaint
        assert kind is not None
        return ComplaintReport(
            tuple(o.recipient for o in complained),
            timestamp,
            feedback_id,
            user_agent=kind.user_agent,
            feedback_type=kind.feedback_type,
            arrival_date=timestamp,
        )


def simulate(
    message: AcceptedMessage,
    *,
    now: dt.datetime,
    new_message_id: Callable[[], str],
    config: SimulatorConfig = SimulatorConfig(),
    recipients: Sequence[str] | None = None,
) -> SimulationResult:
    """Simulate the simulator recipients among ``recipients`` (default: all of the
    message's). ``new_message_id`` returns a fresh SES message id for each mail
    the simulator sends; every such mail goes to ``message.feedback_address``.
    """
    candidates = message.recipients if recipients is None else tuple(recipients)
    found = (simulate_recipient(address, config) for address in candidates)
    outcomes = tuple(outcome for outcome in found if outcome is not None)

    def addressing(sender: str) -> Addressing:
        header_id = message_id_header_value(new_message_id(), config.message_id_domain)
        return Addressing(sender, message.feedback_address, now, header_id)

    mail: list[FeedbackMail] = []
    bounced = [o for o in outcomes if o.bounce is not None and o.bounce.with_dsn]
    if bounced:
        daemon = addressing(mailer_daemon(config.platform_domain))
        mail.append(_combined_dsn(message, bounced, daemon, config.reporting_mta))
    for outcome in outcomes:
        if outcome.complaint is not None:
            complaints = addressing(config.complaints_sender)
            mail.append(_complaint_report(message, outcome, complaints))
        if outcome.auto_reply:
            responder = addressing(config.auto_reply_sender or outcome.recipient)
            mail.append(build_auto_reply(message.raw, addressing=responder))
    return SimulationResult(outcomes, tuple(mail), config.reporting_mta, config.remote_mta_ip)


def _combined_dsn(
    message: AcceptedMessage,
    bounced: Sequence[SimulatorOutcome],
    addressing: Addressing,
    reporting_mta: str,
) -> FeedbackMail:
    recipients = []
    for outcome in bounced:
        bounce = outcome.bounce
        assert bounce is not None
        remote = bounce.remote_mta_ip if bounce.sub_type is BounceSubType.GENERAL else None
        recipients.append(
            FailedRecipient(
                outcome.recipient,
                bounce.status or "5.0.0",
                bounce.diagnostic_code,
                remote_mta=remote,
                last_attempt=addressing.date,
            )
        )
    return build_bounce_dsn(
        message.raw,
        recipients,
        addressing=addressing,
        reporting_mta=reporting_mta,
        arrival_date=message.accepted_at,
    )


def _complaint_report(
    message: AcceptedMessage, outcome: SimulatorOutcome, addressing: Addressing
) -> FeedbackMail:
    complaint = outcome.complaint
    assert complaint is not None
    return build_complaint_report(
        message.raw,
        addressing=addressing,
        original_mail_from=message.feedback_address,
        original_rcpt_to=outcome.recipient,
        arrival_date=message.accepted_at,
        user_agent=complaint.user_agent,
        feedback_type=complaint.feedback_type,
    )
