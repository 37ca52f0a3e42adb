"""Operator actions on the whole installation."""

from __future__ import annotations

from openses.services.accounts import AccountService
from openses.storage.engine import Database
from openses.storage.repositories.maintenance import delete_all_rows


async def reset_all_state(database: Database, accounts: AccountService) -> None:
    """Dev mode's ``POST /_openses/reset``: forget everything, as a fresh start would."""
    async with database.transaction() as conn:
        await delete_all_rows(conn)
    accounts.forget_cached_keys()
