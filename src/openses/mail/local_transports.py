"""A transport that does not leave this host: capture, dev mode's default."""

from __future__ import annotations

import datetime as dt

from openses.domain.clock import Clock, SystemClock
from openses.mail.replies import SmtpReply
from openses.mail.transports import (
    DeliveryReport,
    DeliveryStatus,
    Envelope,
    RecipientOutcome,
)


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
