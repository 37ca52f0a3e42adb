"""When to try a soft-bounced message again: a pure function of the past.

Exponential backoff with **full jitter**: the n-th retry waits a uniformly random
time in ``[0, min(max_interval, base * multiplier ** (n - 1))]``, floored at
``min_interval``. Full jitter spreads retries of many messages that failed
together (one MX down for all of them) evenly over the window, so they do not
come back in a herd; the AWS Architecture Blog's "Exponential Backoff and
Jitter" measured it to need the least total work of the variants. Decorrelated
jitter was the other candidate, but it draws each wait from the *previous* wait,
which a queue would have to store; full jitter needs only the attempt count.

SES keeps retrying a soft bounce for about 14 hours: its expiry bounces read
``Message expired: unable to deliver in 840 minutes``. ``max_age`` is that
limit; once a message is that old, ``next_attempt`` returns ``None`` and the
message bounces as ``Transient``. The last retry is pulled in to the deadline
rather than scheduled past it, so the final attempt happens at ``max_age``.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    base: dt.timedelta = dt.timedelta(minutes=1)
    multiplier: float = 2.0
    min_interval: dt.timedelta = dt.timedelta(seconds=30)
    max_interval: dt.timedelta = dt.timedelta(hours=1)
    max_age: dt.timedelta = dt.timedelta(hours=14)

    def __post_init__(self) -> None:
        if self.multiplier < 1:
            raise ValueError("multiplier must be at least 1")
        if not dt.timedelta(0) <= self.min_interval <= self.max_interval:
            raise ValueError("need 0 <= min_interval <= max_interval")
        if self.base <= dt.timedelta(0) or self.max_age <= dt.timedelta(0):
            raise ValueError("base and max_age must be positive")

    @property
    def max_age_minutes(self) -> int:
        """For the expiry reply's "unable to deliver in N minutes"."""
        return int(self.max_age.total_seconds() // 60)


DEFAULT_RETRY_POLICY = RetryPolicy()


def backoff_ceiling(attempts_so_far: int, policy: RetryPolicy = DEFAULT_RETRY_POLICY) -> float:
    """The upper bound, in seconds, of the wait after ``attempts_so_far`` attempts."""
    cap = policy.max_interval.total_seconds()
    exponent = attempts_so_far - 1
    # Stop multiplying once past the cap: floats overflow long before ints would.
    ceiling = policy.base.total_seconds()
    for _ in range(exponent):
        if ceiling >= cap:
            break
        ceiling *= policy.multiplier
    return min(ceiling, cap)


def next_attempt(
    attempts_so_far: int,
    first_attempt_at: dt.datetime,
    now: dt.datetime,
    rng: random.Random,
    policy: RetryPolicy = DEFAULT_RETRY_POLICY,
) -> dt.datetime | None:
    """When to try again after ``attempts_so_far`` failed attempts, or ``None`` to give up.

    ``first_attempt_at`` and ``now`` are timezone-aware; ``rng`` is the only
    source of randomness, so a seeded ``random.Random`` makes the result exact.
    """
    if attempts_so_far < 1:
        raise ValueError("next_attempt is asked after at least one attempt")
    if first_attempt_at.tzinfo is None or now.tzinfo is None:
        raise ValueError("timestamps must be timezone-aware")
    deadline = first_attempt_at + policy.max_age
    if now >= deadline:
        return None
    wait = rng.uniform(0.0, backoff_ceiling(attempts_so_far, policy))
    wait = max(wait, policy.min_interval.total_seconds())
    return min(now + dt.timedelta(seconds=wait), deadline)
