"""Transports that do not leave this host: capture (dev mode) and the mailbox simulator."""

from __future__ import annotations

import datetime as dt

from openses.domain.clock import Clock, SystemClock
from openses.mail.replies import SmtpReply
from openses.mail.transports import (
    Deliverer,
    DeliveryReport,
    DeliveryStatus,
    Envelope,
    RecipientOutcome,
)

SIMULATOR_DOMAIN = "simulator.amazonses.com"


def _report(
    envelope: Envelope, replies: dict[str, SmtpReply], reporting_mta: str, now: dt.datetime
) -> DeliveryReport:
    return DeliveryReport(
        outcomes=tuple(
            RecipientOutcome(
                recipient=recipient,
                status=DeliveryStatus.of(replies[recipient]),
                reply=replies[recipient],
                remote_host=None,
                remote_ip=None,
                tls=False,
                started_at=now,
                finished_at=now,
            )
            for recipient in envelope.recipients
        ),
        reporting_mta=reporting_mta,
    )


class CaptureTransport:
    """Keeps mail here: the message stays in the store, visible through the inspection API."""

    def __init__(self, reporting_mta: str, clock: Clock | None = None) -> None:
        self._reporting_mta = reporting_mta
        self._clock = clock or SystemClock()

    async def deliver(self, envelope: Envelope) -> DeliveryReport:
        reply = SmtpReply.make(250, "2.0.0", "Ok: captured by openses, not sent")
        replies = dict.fromkeys(envelope.recipients, reply)
        return _report(envelope, replies, self._reporting_mta, self._clock.now())

    async def close(self) -> None:
        return None


# What each simulator mailbox answers (Developer Guide, "Using the mailbox simulator").
# A "+label" after the local part behaves like the bare mailbox.
_SIMULATOR_REPLIES = {
    "success": SmtpReply.make(250, "2.0.0", "OK"),
    "bounce": SmtpReply.make(550, "5.1.1", "user unknown"),
    "ooto": SmtpReply.make(250, "2.0.0", "OK"),
    "complaint": SmtpReply.make(250, "2.0.0", "OK"),
    "suppressionlist": SmtpReply.make(550, "5.1.1", "Address is on the global suppression list"),
}


def simulator_mailbox(address: str) -> str:
    local = address.rpartition("@")[0]
    return local.partition("+")[0].lower()


class SimulatorRouting:
    """Sends simulator addresses to the simulator and everything else to ``inner``."""

    def __init__(self, inner: Deliverer, reporting_mta: str, clock: Clock | None = None) -> None:
        self._inner = inner
        self._reporting_mta = reporting_mta
        self._clock = clock or SystemClock()

    async def deliver(self, envelope: Envelope) -> DeliveryReport:
        domain = envelope.recipients[0].rpartition("@")[2].lower()
        if domain != SIMULATOR_DOMAIN:
            return await self._inner.deliver(envelope)
        unknown = SmtpReply.make(550, "5.1.1", "no such mailbox in the mailbox simulator")
        replies = {
            recipient: _SIMULATOR_REPLIES.get(simulator_mailbox(recipient), unknown)
            for recipient in envelope.recipients
        }
        return _report(envelope, replies, self._reporting_mta, self._clock.now())

    async def close(self) -> None:
        await self._inner.close()
