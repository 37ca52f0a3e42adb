"""Accounts, their per-region sending settings and access keys."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

# SES's sandbox: 200 recipients per rolling 24 hours, 1 recipient per second
# (Developer Guide, "Moving out of the Amazon SES sandbox").
SANDBOX_MAX_24_HOUR_SEND = 200.0
SANDBOX_MAX_SEND_RATE = 1.0
# What openses grants when an operator takes an account out of the sandbox
# without naming quotas: SES's usual first production quota.
PRODUCTION_MAX_24_HOUR_SEND = 50_000.0
PRODUCTION_MAX_SEND_RATE = 14.0
# Dev mode's account: out of the sandbox with room for test suites that send fast.
DEV_MAX_24_HOUR_SEND = 1_000_000.0
DEV_MAX_SEND_RATE = 1_000.0


@dataclass(frozen=True, slots=True)
class Account:
    account_id: str
    name: str
    created_at: dt.datetime


@dataclass(frozen=True, slots=True)
class SendingSettings:
    """An account's sending state in one region (SES keeps all of these per region)."""

    sandbox: bool = True
    max_24_hour_send: float = SANDBOX_MAX_24_HOUR_SEND
    max_send_rate: float = SANDBOX_MAX_SEND_RATE
    sending_enabled: bool = True


@dataclass(frozen=True, slots=True)
class AccessKey:
    access_key_id: str
    account_id: str
    secret_access_key: str
    created_at: dt.datetime


def is_account_id(value: str) -> bool:
    return len(value) == 12 and value.isdigit()
