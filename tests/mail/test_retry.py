"""The retry schedule: exponential backoff with full jitter, floors, caps and a deadline."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openses.mail.retry import DEFAULT_RETRY_POLICY, RetryPolicy, backoff_ceiling, next_attempt

T0 = dt.datetime(2026, 1, 1, 12, 0, tzinfo=dt.UTC)
MINUTE = dt.timedelta(minutes=1)
POLICY = RetryPolicy(
    base=MINUTE,
    multiplier=2.0,
    min_interval=dt.timedelta(seconds=30),
    max_interval=dt.timedelta(hours=1),
    max_age=dt.timedelta(hours=14),
)


@pytest.mark.parametrize(
    ("attempts", "ceiling_seconds"),
    [(1, 60), (2, 120), (3, 240), (4, 480), (6, 1920), (7, 3600), (8, 3600), (500, 3600)],
)
def test_the_ceiling_doubles_per_attempt_up_to_the_max_interval(
    attempts: int, ceiling_seconds: float
) -> None:
    assert backoff_ceiling(attempts, POLICY) == ceiling_seconds


class _Fixed(random.Random):
    """An rng whose uniform() lands at a fixed fraction of the range."""

    def __init__(self, fraction: float) -> None:
        super().__init__(0)
        self.fraction = fraction

    def uniform(self, a: float, b: float) -> float:
        return a + (b - a) * self.fraction


@pytest.mark.parametrize(
    ("attempts", "now_offset", "fraction", "expected_offset"),
    [
        # full jitter: anywhere in [0, ceiling], floored at min_interval (30 s)
        (1, dt.timedelta(0), 1.0, dt.timedelta(seconds=60)),
        (1, dt.timedelta(0), 0.5, dt.timedelta(seconds=30)),
        (1, dt.timedelta(0), 0.0, dt.timedelta(seconds=30)),
        (3, dt.timedelta(minutes=5), 0.5, dt.timedelta(minutes=5, seconds=120)),
        (20, dt.timedelta(hours=2), 1.0, dt.timedelta(hours=3)),
        # near the deadline the last attempt is pulled in to it, never past it
        (20, dt.timedelta(hours=13, minutes=30), 1.0, dt.timedelta(hours=14)),
    ],
)
def test_next_attempt_follows_the_table(
    attempts: int,
    now_offset: dt.timedelta,
    fraction: float,
    expected_offset: dt.timedelta,
) -> None:
    assert next_attempt(attempts, T0, T0 + now_offset, _Fixed(fraction), POLICY) == (
        T0 + expected_offset
    )


@pytest.mark.parametrize(
    "now_offset", [dt.timedelta(hours=14), dt.timedelta(hours=14, seconds=1), dt.timedelta(days=3)]
)
def test_gives_up_once_the_message_is_max_age_old(now_offset: dt.timedelta) -> None:
    assert next_attempt(9, T0, T0 + now_offset, random.Random(1), POLICY) is None


def test_max_age_is_a_parameter() -> None:
    short = RetryPolicy(max_age=dt.timedelta(hours=1))
    assert next_attempt(2, T0, T0 + dt.timedelta(minutes=59), random.Random(1), short) is not None
    assert next_attempt(2, T0, T0 + dt.timedelta(hours=1), random.Random(1), short) is None
    assert short.max_age_minutes == 60
    assert DEFAULT_RETRY_POLICY.max_age_minutes == 840  # SES: "unable to deliver in 840 minutes"


def test_a_seeded_rng_gives_the_same_schedule_every_time() -> None:
    def schedule(seed: int) -> list[dt.datetime | None]:
        rng, now, times = random.Random(seed), T0, []
        for attempts in range(1, 12):
            when = next_attempt(attempts, T0, now, rng, POLICY)
            times.append(when)
            now = when or now
        return times

    assert schedule(42) == schedule(42)
    assert schedule(42) != schedule(43)


def test_full_jitter_spreads_a_herd_of_failures_over_the_window() -> None:
    rng = random.Random(7)
    waits = [
        (next_attempt(5, T0, T0, rng, POLICY) or T0) - T0 for _ in range(400)
    ]  # ceiling 16 min
    assert min(waits) == dt.timedelta(seconds=30)
    assert max(waits) > dt.timedelta(minutes=14)
    assert len(set(waits)) > 300


def test_rejects_naive_timestamps_and_zero_attempts() -> None:
    with pytest.raises(ValueError, match="timezone"):
        next_attempt(1, T0.replace(tzinfo=None), T0, random.Random(1))
    with pytest.raises(ValueError, match="at least one"):
        next_attempt(0, T0, T0, random.Random(1))


def test_rejects_a_policy_that_makes_no_sense() -> None:
    with pytest.raises(ValueError, match="min_interval"):
        RetryPolicy(min_interval=dt.timedelta(hours=2), max_interval=dt.timedelta(hours=1))
    with pytest.raises(ValueError, match="multiplier"):
        RetryPolicy(multiplier=0.5)


@settings(max_examples=50, deadline=None)
@given(
    attempts=st.integers(min_value=1, max_value=10_000),
    elapsed=st.integers(min_value=0, max_value=20 * 3600),
    seed=st.integers(min_value=0, max_value=2**32),
)
def test_the_next_attempt_is_always_within_bounds(attempts: int, elapsed: int, seed: int) -> None:
    now = T0 + dt.timedelta(seconds=elapsed)
    when = next_attempt(attempts, T0, now, random.Random(seed), POLICY)
    deadline = T0 + POLICY.max_age
    if now >= deadline:
        assert when is None
        return
    assert when is not None
    assert now < when <= deadline
    wait = when - now
    assert wait <= max(POLICY.max_interval, POLICY.min_interval)
    assert wait >= POLICY.min_interval or when == deadline
