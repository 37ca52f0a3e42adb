from __future__ import annotations

import pytest

from openses.domain.errors import DailyQuotaExceededError, MaximumSendRateExceededError
from openses.domain.quotas import Allowance


def test_a_burst_goes_into_debt_and_the_next_send_waits_for_it() -> None:
    allowance = Allowance.refilled(1.0, 0.0, 0, max_send_rate=1.0, max_24_hour_send=200)
    allowance.take(10, count_against_daily_quota=True)
    with pytest.raises(MaximumSendRateExceededError):
        allowance.take(1, count_against_daily_quota=True)
    later = Allowance.refilled(
        allowance.tokens, 9.5, allowance.sent_last_24_hours, max_send_rate=1.0,
        max_24_hour_send=200,
    )  # fmt: skip
    with pytest.raises(MaximumSendRateExceededError):
        later.take(1, count_against_daily_quota=True)
    much_later = Allowance.refilled(
        allowance.tokens, 10.0, 10, max_send_rate=1.0, max_24_hour_send=200
    )
    much_later.take(1, count_against_daily_quota=True)


def test_the_bucket_holds_one_second_of_sending() -> None:
    allowance = Allowance.refilled(0.0, 3600.0, 0, max_send_rate=14.0, max_24_hour_send=1e6)
    assert allowance.tokens == 14.0


def test_daily_quota_counts_recipients_and_refuses_without_taking() -> None:
    allowance = Allowance.refilled(100.0, 0.0, 198, max_send_rate=100.0, max_24_hour_send=200)
    with pytest.raises(DailyQuotaExceededError):
        allowance.take(3, count_against_daily_quota=True)
    assert (allowance.tokens, allowance.sent_last_24_hours) == (100.0, 198)
    allowance.take(2, count_against_daily_quota=True)
    assert allowance.sent_last_24_hours == 200


def test_simulator_sends_use_the_rate_but_not_the_day() -> None:
    allowance = Allowance.refilled(5.0, 0.0, 200, max_send_rate=5.0, max_24_hour_send=200)
    allowance.take(1, count_against_daily_quota=False)
    assert (allowance.tokens, allowance.sent_last_24_hours) == (4.0, 200)
