"""The identity verifier's queue: claiming identities due for a DNS check, recording results.

Several processes may run the verifier over one database. ``next_check_at`` is
both the schedule and the claim: a process claims an identity by moving its
``next_check_at`` from the value it read to ``claimed_until`` in one conditional
UPDATE, so of two processes reading the same row only one changes it (SQLite
writes one transaction at a time; on PostgreSQL the second UPDATE waits for the
row lock, re-reads the row and no longer matches). A process that dies holding a
claim only delays that identity's check until ``claimed_until``.

Results are written back only if the identity is still as it was checked: same
claim, same records to look for, same statuses. A customer who changed its
setup meanwhile (new DKIM keys, another MAIL FROM domain, a restarted
verification) wins; the change scheduled its own check.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from enum import Enum
from typing import Any

from sqlalchemy import ColumnElement, and_, update
from sqlalchemy.ext.asyncio import AsyncConnection

from openses.domain.identities import Identity
from openses.storage.repositories.identities import identities_due
from openses.storage.tables import identities

# The columns a check writes; everything else belongs to the customer's requests.
_RESULT_COLUMNS = (
    "verification_status",
    "verification_started_at",
    "last_checked_at",
    "last_success_at",
    "verification_error",
    "next_check_at",
    "check_failures",
    "dkim_status",
    "dkim_verification_started_at",
    "mail_from_status",
    "mail_from_started_at",
)


def _row(identity: Identity) -> ColumnElement[bool]:
    return and_(
        identities.c.account_id == identity.account_id,
        identities.c.region == identity.region,
        identities.c.name == identity.name,
    )


async def claim_due(
    conn: AsyncConnection, now: dt.datetime, limit: int, claimed_until: dt.datetime
) -> list[Identity]:
    """Up to ``limit`` due identities, each now claimed by this caller until ``claimed_until``."""
    claimed: list[Identity] = []
    for identity in await identities_due(conn, now, limit):
        result = await conn.execute(
            update(identities)
            .where(_row(identity), identities.c.next_check_at == identity.next_check_at)
            .values(next_check_at=claimed_until)
        )
        if result.rowcount == 1:
            claimed.append(dataclasses.replace(identity, next_check_at=claimed_until))
    return claimed


def _unchanged(checked: Identity) -> ColumnElement[bool]:
    """The row still holds the claim and the setup that ``checked`` was checked against."""
    expected: dict[str, Any] = {
        "next_check_at": checked.next_check_at,
        "verification_token": checked.verification_token,
        "dkim_tokens": " ".join(checked.dkim_tokens),
        "dkim_origin": checked.dkim_origin.value,
        "mail_from_domain": checked.mail_from_domain,
        "verification_status": checked.verification_status.value,
        "dkim_status": checked.dkim_status.value,
        "mail_from_status": (
            checked.mail_from_status.value if checked.mail_from_status is not None else None
        ),
    }
    return and_(
        _row(checked),
        *(identities.c[column].is_not_distinct_from(value) for column, value in expected.items()),
    )


async def record_check(conn: AsyncConnection, checked: Identity, result: Identity) -> bool:
    """Write a check's outcome (``result``) for the identity as claimed (``checked``).

    False, and nothing written, when the identity changed or was deleted meanwhile.
    """
    values: dict[str, Any] = {}
    for column in _RESULT_COLUMNS:
        value = getattr(result, column)
        values[column] = value.value if isinstance(value, Enum) else value
    outcome = await conn.execute(update(identities).where(_unchanged(checked)).values(**values))
    return outcome.rowcount == 1


async def release_claim(conn: AsyncConnection, claimed: Identity, retry_at: dt.datetime) -> None:
    """Hand a claimed identity back to be checked at ``retry_at`` (its check went wrong)."""
    await conn.execute(
        update(identities)
        .where(_row(claimed), identities.c.next_check_at == claimed.next_check_at)
        .values(next_check_at=retry_at)
    )
