"""GetSendStatistics: 15-minute data points over the last two weeks.

What SES counts (Developer Guide, seed G, "Monitoring your usage statistics using
the Amazon SES API"; the API reference's ``SendDataPoint``):

* ``DeliveryAttempts`` -- "The number of delivery attempts (corresponds to the
  number of emails you have sent)"; the API reference: "Number of emails that
  have been sent". SES counts sent mail per recipient, not per request ("Sending
  quotas are based on recipients rather than on messages. For example, an email
  that has 10 recipients counts as 10 against your quota", "Managing your
  Amazon SES sending limits"), so a Send record counts once per recipient.
  Suppressed sends still count: "If account-level or global suppression is
  being used, [SES] will still count it as a send, but delivery is suppressed"
  ("Monitoring your sending activity"). Mailbox-simulator sends are sends, billed as any other
  ("Using the mailbox simulator").
* ``Bounces`` -- "The number of hard bounces": "only hard bounces count toward your
  bounce rate and the bounce metric that you retrieve using the Amazon SES
  console or the GetSendStatistics API" ("Understanding email deliverability").
  So only ``Permanent`` bounces, and not ``OnAccountSuppressionList`` ones: "SES
  doesn't count the messages that you send to addresses on the account-level
  suppression list toward the bounce rate" ("Account-level suppression list
  considerations"); global-list (``Suppressed``) bounces do count ("Like any hard
  bounce, suppression list bounces count towards ... your bounce rate"). Nor
  bounces from the mailbox simulator: "Emails to the mailbox simulator do not
  count toward your bounce and complaint metrics" ("Understanding email
  deliverability"). Bounces to verified domains do count here; only the
  *bounce rate* leaves them out (bounce FAQ, Q3 and Q6).
* ``Complaints`` -- complaints SES receives through feedback loops ("complaints
  through feedback loops FAQ", Q2), not those from the simulator nor
  ``complaintSubType: OnAccountSuppressionList`` ones (a suppressed send, not a
  person complaining) [inferred].
* ``Rejects`` -- "The number of rejected send attempts" (a virus was found).

Only 15-minute periods with some activity are returned (the API reference's
example lists scattered periods), oldest first. SES's period boundaries are a
fixed grid with an offset of the account's own (the reference's examples have
periods starting at :08, :23, :38 and :53), hence ``grid_origin``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from openses.domain.feedback import ComplaintSubType
from openses.domain.messages import BounceSubType, BounceType, EventType

PERIOD = dt.timedelta(minutes=15)
WINDOW = dt.timedelta(days=14)
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True, slots=True)
class StatisticsRecord:
    """One event as the statistics see it.

    ``recipients`` is how many recipients the event covers: the destination count
    of a Send or Reject, the bounced or complained recipients of a Bounce or
    Complaint.
    """

    event_type: EventType
    timestamp: dt.datetime
    recipients: int = 1
    bounce_type: BounceType | None = None
    bounce_sub_type: BounceSubType | None = None
    complaint_sub_type: ComplaintSubType | None = None
    to_simulator: bool = False


@dataclass(frozen=True, slots=True)
class SendDataPoint:
    """One element of ``SendDataPoints``."""

    timestamp: dt.datetime  # the start of the 15-minute period
    delivery_attempts: int = 0
    bounces: int = 0
    complaints: int = 0
    rejects: int = 0

    def as_shape(self) -> dict[str, object]:
        """The members of botocore's ``SendDataPoint`` shape."""
        return {
            "Timestamp": self.timestamp,
            "DeliveryAttempts": self.delivery_attempts,
            "Bounces": self.bounces,
            "Complaints": self.complaints,
            "Rejects": self.rejects,
        }


def counts_as_bounce(record: StatisticsRecord) -> bool:
    """Whether a Bounce record adds to ``Bounces`` (see the module docstring)."""
    return (
        record.event_type is EventType.BOUNCE
        and record.bounce_type is BounceType.PERMANENT
        and record.bounce_sub_type is not BounceSubType.ON_ACCOUNT_SUPPRESSION_LIST
        and not record.to_simulator
    )


def counts_as_complaint(record: StatisticsRecord) -> bool:
    return (
        record.event_type is EventType.COMPLAINT
        and record.complaint_sub_type is None
        and not record.to_simulator
    )


def period_start(moment: dt.datetime, *, grid_origin: dt.datetime = EPOCH) -> dt.datetime:
    """The start of the 15-minute period holding ``moment``, in UTC."""
    _require_aware(moment)
    _require_aware(grid_origin)
    periods = (moment - grid_origin) // PERIOD
    return (grid_origin + periods * PERIOD).astimezone(dt.UTC)


def send_data_points(
    records: Iterable[StatisticsRecord],
    *,
    now: dt.datetime,
    grid_origin: dt.datetime = EPOCH,
) -> list[SendDataPoint]:
    """The data points for the two weeks up to ``now``: the period holding ``now`` and
    the 1,343 before it. Records after ``now`` are not counted yet.
    """
    current = period_start(now, grid_origin=grid_origin)
    oldest = current - WINDOW + PERIOD
    totals: dict[dt.datetime, list[int]] = {}
    for record in records:
        _require_aware(record.timestamp)
        if record.timestamp > now:
            continue
        start = period_start(record.timestamp, grid_origin=grid_origin)
        if start < oldest:
            continue
        increments = _increments(record)
        if any(increments):
            counts = totals.setdefault(start, [0, 0, 0, 0])
            for index, amount in enumerate(increments):
                counts[index] += amount
    return [SendDataPoint(start, *counts) for start, counts in sorted(totals.items())]


def _increments(record: StatisticsRecord) -> tuple[int, int, int, int]:
    """(delivery attempts, bounces, complaints, rejects) this record adds."""
    amount = max(0, record.recipients)
    return (
        amount if record.event_type is EventType.SEND else 0,
        amount if counts_as_bounce(record) else 0,
        amount if counts_as_complaint(record) else 0,
        amount if record.event_type is EventType.REJECT else 0,
    )


def _require_aware(moment: dt.datetime) -> None:
    if moment.tzinfo is None:
        raise ValueError("statistics need timezone-aware timestamps")
