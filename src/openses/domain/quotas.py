"""Send quotas as pure arithmetic: a token bucket for the rate, a count for the day.

Developer Guide, "Managing your sending quotas": the maximum send rate is in
recipients per second and may be exceeded in short bursts; the daily quota is
recipients in a rolling 24 hours. The bucket holds one second of sending; a send
goes through while the bucket is not in debt and may take it into debt (SES lets
a 50-recipient message through at 1/s and then refuses sends until it is repaid).
"""

from __future__ import annotations

from dataclasses import dataclass

from openses.domain.errors import DailyQuotaExceededError, MaximumSendRateExceededError


@dataclass(slots=True)
class Allowance:
    """One account's sending allowance in one region, while a batch is decided."""

    tokens: float
    sent_last_24_hours: int
    max_send_rate: float
    max_24_hour_send: float

    @classmethod
    def refilled(
        cls,
        tokens: float,
        elapsed_seconds: float,
        sent_last_24_hours: int,
        *,
        max_send_rate: float,
        max_24_hour_send: float,
    ) -> Allowance:
        capacity = max(1.0, max_send_rate)
        refill = max(0.0, elapsed_seconds) * max_send_rate
        return cls(
            min(capacity, tokens + refill), sent_last_24_hours, max_send_rate, max_24_hour_send
        )

    def take(self, recipients: int, *, count_against_daily_quota: bool) -> None:
        """Take ``recipients`` or raise the throttling error SES answers; nothing is taken then."""
        if self.tokens < 1.0:
            raise MaximumSendRateExceededError
        if count_against_daily_quota:
            if self.sent_last_24_hours + recipients > self.max_24_hour_send:
                raise DailyQuotaExceededError
            self.sent_last_24_hours += recipients
        self.tokens -= recipients
