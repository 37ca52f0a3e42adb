"""GetSendStatistics data points: what counts, in which 15-minute period, for how long."""

from __future__ import annotations

import datetime as dt

import botocore.session
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openses.domain.feedback import ComplaintSubType
from openses.domain.messages import BounceSubType, BounceType, EventType
from openses.domain.statistics import (
    PERIOD,
    SendDataPoint,
    StatisticsRecord,
    counts_as_bounce,
    period_start,
    send_data_points,
)

NOW = dt.datetime(2024, 5, 20, 12, 7, 30, tzinfo=dt.UTC)
THIS_PERIOD = dt.datetime(2024, 5, 20, 12, 0, tzinfo=dt.UTC)


def send(at: dt.datetime, recipients: int = 1, *, simulator: bool = False) -> StatisticsRecord:
    return StatisticsRecord(EventType.SEND, at, recipients, to_simulator=simulator)


def bounce(
    at: dt.datetime,
    bounce_type: BounceType = BounceType.PERMANENT,
    sub_type: BounceSubType = BounceSubType.GENERAL,
    *,
    recipients: int = 1,
    simulator: bool = False,
) -> StatisticsRecord:
    return StatisticsRecord(
        EventType.BOUNCE,
        at,
        recipients,
        bounce_type=bounce_type,
        bounce_sub_type=sub_type,
        to_simulator=simulator,
    )


def test_each_recipient_of_a_send_is_one_delivery_attempt() -> None:
    points = send_data_points([send(NOW, 3), send(NOW - dt.timedelta(minutes=1), 2)], now=NOW)
    assert points == [SendDataPoint(THIS_PERIOD, delivery_attempts=5)]


def test_data_points_start_on_quarter_hours_and_only_busy_periods_appear() -> None:
    records = [
        send(dt.datetime(2024, 5, 20, 10, 14, 59, tzinfo=dt.UTC)),
        send(dt.datetime(2024, 5, 20, 10, 15, tzinfo=dt.UTC)),
        send(dt.datetime(2024, 5, 20, 11, 59, 59, tzinfo=dt.UTC)),
    ]
    points = send_data_points(reversed(records), now=NOW)
    assert [p.timestamp for p in points] == [
        dt.datetime(2024, 5, 20, 10, 0, tzinfo=dt.UTC),
        dt.datetime(2024, 5, 20, 10, 15, tzinfo=dt.UTC),
        dt.datetime(2024, 5, 20, 11, 45, tzinfo=dt.UTC),
    ]
    assert all(p.delivery_attempts == 1 for p in points)


@pytest.mark.parametrize(
    ("bounce_type", "sub_type", "counted"),
    [
        (BounceType.PERMANENT, BounceSubType.GENERAL, True),
        (BounceType.PERMANENT, BounceSubType.NO_EMAIL, True),
        (BounceType.PERMANENT, BounceSubType.SUPPRESSED, True),  # global list: a hard bounce
        (BounceType.PERMANENT, BounceSubType.ON_ACCOUNT_SUPPRESSION_LIST, False),
        (BounceType.TRANSIENT, BounceSubType.GENERAL, False),  # includes OOTO auto-replies
        (BounceType.TRANSIENT, BounceSubType.MAILBOX_FULL, False),
        (BounceType.UNDETERMINED, BounceSubType.UNDETERMINED, False),
    ],
)
def test_only_hard_bounces_count(
    bounce_type: BounceType, sub_type: BounceSubType, counted: bool
) -> None:
    record = bounce(NOW, bounce_type, sub_type, recipients=2)
    assert counts_as_bounce(record) is counted
    points = send_data_points([send(NOW, 2), record], now=NOW)
    assert points[0].bounces == (2 if counted else 0)


def test_mailbox_simulator_bounces_and_complaints_do_not_count_but_its_sends_do() -> None:
    records = [
        send(NOW, simulator=True),
        bounce(NOW, simulator=True),
        StatisticsRecord(EventType.COMPLAINT, NOW, to_simulator=True),
    ]
    assert send_data_points(records, now=NOW) == [SendDataPoint(THIS_PERIOD, delivery_attempts=1)]


def test_complaints_count_unless_they_only_report_a_suppressed_send() -> None:
    records = [
        StatisticsRecord(EventType.COMPLAINT, NOW, 2),
        StatisticsRecord(
            EventType.COMPLAINT,
            NOW,
            complaint_sub_type=ComplaintSubType.ON_ACCOUNT_SUPPRESSION_LIST,
        ),
    ]
    assert send_data_points(records, now=NOW) == [SendDataPoint(THIS_PERIOD, complaints=2)]


def test_rejects_are_counted_and_other_events_are_not() -> None:
    records = [
        StatisticsRecord(EventType.REJECT, NOW),
        StatisticsRecord(EventType.DELIVERY, NOW, 4),
        StatisticsRecord(EventType.DELIVERY_DELAY, NOW),
        StatisticsRecord(EventType.OPEN, NOW),
        StatisticsRecord(EventType.RENDERING_FAILURE, NOW),
    ]
    assert send_data_points(records, now=NOW) == [SendDataPoint(THIS_PERIOD, rejects=1)]


def test_the_window_is_the_current_period_and_the_1343_before_it() -> None:
    oldest_kept = THIS_PERIOD - dt.timedelta(days=14) + PERIOD
    records = [
        send(oldest_kept),
        send(oldest_kept - dt.timedelta(microseconds=1)),  # 14 days and one period old
        send(NOW + dt.timedelta(seconds=1)),  # not yet happened
    ]
    points = send_data_points(records, now=NOW)
    assert points == [SendDataPoint(oldest_kept, delivery_attempts=1)]


def test_an_account_grid_can_start_off_the_quarter_hour() -> None:
    # The API reference's sample response has periods starting at :08, :23, :38, :53.
    origin = dt.datetime(2011, 8, 3, 19, 23, tzinfo=dt.UTC)
    moment = dt.datetime(2011, 8, 18, 22, 10, tzinfo=dt.UTC)
    assert period_start(moment, grid_origin=origin) == dt.datetime(
        2011, 8, 18, 22, 8, tzinfo=dt.UTC
    )
    points = send_data_points([send(moment)], now=moment, grid_origin=origin)
    assert points[0].timestamp.minute == 8


def test_periods_are_reported_in_utc_whatever_zone_the_records_use() -> None:
    tokyo = dt.timezone(dt.timedelta(hours=9))
    points = send_data_points([send(NOW.astimezone(tokyo))], now=NOW)
    assert points[0].timestamp == THIS_PERIOD
    assert points[0].timestamp.utcoffset() == dt.timedelta(0)


def test_naive_timestamps_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        send_data_points([send(dt.datetime(2024, 5, 20, 12, 0))], now=NOW)


def test_a_data_point_has_the_members_of_botocores_send_data_point() -> None:
    model = botocore.session.get_session().get_service_model("ses")
    members = set(model.shape_for("SendDataPoint").members)
    assert set(SendDataPoint(THIS_PERIOD).as_shape()) == members


_moments = st.datetimes(
    min_value=dt.datetime(2024, 5, 1), max_value=dt.datetime(2024, 5, 21), timezones=st.just(dt.UTC)
)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(_moments, st.integers(1, 50)), max_size=30))
def test_every_send_in_the_window_is_counted_once(sends: list[tuple[dt.datetime, int]]) -> None:
    points = send_data_points([send(at, n) for at, n in sends], now=NOW)
    oldest = THIS_PERIOD - dt.timedelta(days=14) + PERIOD
    expected = sum(n for at, n in sends if oldest <= at <= NOW)
    assert sum(p.delivery_attempts for p in points) == expected
    assert [p.timestamp for p in points] == sorted({p.timestamp for p in points})
    assert all(p.timestamp.minute % 15 == 0 and p.timestamp.second == 0 for p in points)
