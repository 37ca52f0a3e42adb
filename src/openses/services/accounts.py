"""Accounts, access keys and the per-region sending state (sandbox, quotas, pause)."""

from __future__ import annotations

import secrets
import string
from dataclasses import replace

from openses.domain.accounts import (
    DEV_MAX_24_HOUR_SEND,
    DEV_MAX_SEND_RATE,
    PRODUCTION_MAX_24_HOUR_SEND,
    PRODUCTION_MAX_SEND_RATE,
    SANDBOX_MAX_24_HOUR_SEND,
    SANDBOX_MAX_SEND_RATE,
    AccessKey,
    Account,
    SendingSettings,
)
from openses.domain.clock import Clock
from openses.domain.errors import (
    AccessKeyNotFoundError,
    AccountNotFoundError,
    AlreadyExistsError,
    InvalidParameterError,
)
from openses.services.expiring_cache import ExpiringCache
from openses.services.scope import Scope
from openses.storage.engine import Database
from openses.storage.repositories import accounts as repo

_KEY_ALPHABET = string.ascii_uppercase + string.digits
_SECRET_ALPHABET = string.ascii_letters + string.digits + "+/"
# A deleted key must stop working quickly, yet the hot path should not query
# the database on every request: a short-lived cache is the compromise.
_KEY_CACHE_SECONDS = 2.0
_SETTINGS_CACHE_SECONDS = 1.0


def _new_access_key_id() -> str:
    # AWS long-term access key ids are 20 characters starting with "AKIA".
    return "AKIA" + "".join(secrets.choice(_KEY_ALPHABET) for _ in range(16))


def _new_secret() -> str:
    return "".join(secrets.choice(_SECRET_ALPHABET) for _ in range(40))


def _new_account_id() -> str:
    return "".join(secrets.choice(string.digits) for _ in range(12))


class AccountService:
    def __init__(self, database: Database, clock: Clock) -> None:
        self._db = database
        self._clock = clock
        self._key_cache: ExpiringCache[str, AccessKey | None] = ExpiringCache(_KEY_CACHE_SECONDS)
        self._settings_cache: ExpiringCache[Scope, SendingSettings] = ExpiringCache(
            _SETTINGS_CACHE_SECONDS
        )

    async def create_account(
        self,
        name: str,
        *,
        account_id: str | None = None,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        sandbox: bool = True,
    ) -> tuple[Account, AccessKey]:
        """A new account with one access key; new accounts start in the sandbox, as in SES."""
        if not name.strip():
            raise InvalidParameterError("The account name must not be empty.")
        now = self._clock.now()
        account = Account(account_id or _new_account_id(), name, now)
        key = AccessKey(
            access_key_id or _new_access_key_id(),
            account.account_id,
            secret_access_key or _new_secret(),
            now,
        )
        defaults = SendingSettings() if sandbox else _production(SendingSettings())
        async with self._db.transaction() as conn:
            if await repo.find_account_by_name(conn, name) is not None:
                raise AlreadyExistsError(f"An account named {name} already exists.")
            await repo.insert_account(conn, account, defaults)
            await repo.insert_access_key(conn, key)
        return account, key

    async def get_account(self, account_id: str) -> Account:
        async with self._db.read() as conn:
            account = await repo.get_account(conn, account_id)
        if account is None:
            raise AccountNotFoundError(f"Account {account_id} does not exist.")
        return account

    async def find_account_by_name(self, name: str) -> Account | None:
        async with self._db.read() as conn:
            return await repo.find_account_by_name(conn, name)

    async def list_accounts(self) -> list[Account]:
        async with self._db.read() as conn:
            return await repo.list_accounts(conn)

    async def list_access_keys(self, account_id: str) -> list[AccessKey]:
        await self.get_account(account_id)
        async with self._db.read() as conn:
            return await repo.list_access_keys(conn, account_id)

    async def create_access_key(self, account_id: str) -> AccessKey:
        await self.get_account(account_id)
        key = AccessKey(_new_access_key_id(), account_id, _new_secret(), self._clock.now())
        async with self._db.transaction() as conn:
            await repo.insert_access_key(conn, key)
        return key

    async def delete_access_key(self, access_key_id: str) -> None:
        async with self._db.transaction() as conn:
            deleted = await repo.delete_access_key(conn, access_key_id)
        self._key_cache.pop(access_key_id)
        if not deleted:
            raise AccessKeyNotFoundError(f"Access key {access_key_id} does not exist.")

    async def find_access_key(self, access_key_id: str) -> AccessKey | None:
        """The key with this id, or None; cached for a moment (this runs on every request)."""

        async def load() -> AccessKey | None:
            async with self._db.read() as conn:
                return await repo.get_access_key(conn, access_key_id)

        return await self._key_cache.get_or_load(access_key_id, load)

    async def sending_settings(self, scope: Scope) -> SendingSettings:
        """The settings in force; cached for a second (every send reads them).

        Changes made through this process take effect at once; changes made by
        another process sharing the database, within a second.
        """

        async def load() -> SendingSettings:
            async with self._db.read() as conn:
                settings = await repo.get_region_settings(conn, scope.account_id, scope.region)
            if settings is None:
                raise AccountNotFoundError(f"Account {scope.account_id} does not exist.")
            return settings

        return await self._settings_cache.get_or_load(scope, load)

    async def set_sending_enabled(self, scope: Scope, enabled: bool) -> None:
        async with self._db.transaction() as conn:
            current = await repo.get_region_settings(conn, scope.account_id, scope.region)
            if current is None:
                raise AccountNotFoundError(f"Account {scope.account_id} does not exist.")
            await repo.put_region_settings(
                conn, scope.account_id, scope.region, replace(current, sending_enabled=enabled)
            )
        self._settings_cache.clear()

    async def update_account(
        self,
        account_id: str,
        *,
        region: str | None = None,
        sandbox: bool | None = None,
        max_send_rate: float | None = None,
        max_24_hour_send: float | None = None,
        sending_enabled: bool | None = None,
    ) -> dict[str, SendingSettings]:
        """Change the sending state in ``region``, or everywhere (defaults and every region).

        Returns the settings now in force, by region (``"*"`` for the defaults).
        """
        for value, what in ((max_send_rate, "max send rate"), (max_24_hour_send, "daily quota")):
            if value is not None and value < 0:
                raise InvalidParameterError(f"The {what} must not be negative.")

        def change(current: SendingSettings) -> SendingSettings:
            updated = current
            if sandbox is not None and sandbox != current.sandbox:
                updated = _production(updated) if not sandbox else _sandboxed(updated)
            if max_send_rate is not None:
                updated = replace(updated, max_send_rate=max_send_rate)
            if max_24_hour_send is not None:
                updated = replace(updated, max_24_hour_send=max_24_hour_send)
            if sending_enabled is not None:
                updated = replace(updated, sending_enabled=sending_enabled)
            return updated

        result: dict[str, SendingSettings] = {}
        async with self._db.transaction() as conn:
            defaults = await repo.get_default_settings(conn, account_id)
            if defaults is None:
                raise AccountNotFoundError(f"Account {account_id} does not exist.")
            regions = [region] if region else await repo.list_region_names(conn, account_id)
            if region is None:
                result["*"] = change(defaults)
                await repo.put_default_settings(conn, account_id, result["*"])
            for name in regions:
                current = await repo.get_region_settings(conn, account_id, name)
                assert current is not None  # the account exists, so defaults at least
                result[name] = change(current)
                await repo.put_region_settings(conn, account_id, name, result[name])
        self._settings_cache.clear()
        return result

    async def ensure_dev_account(self, account_id: str) -> Account:
        """The dev-mode default account: key ``test``/``test``, out of the sandbox."""
        async with self._db.read() as conn:
            existing = await repo.get_account(conn, account_id)
            key = await repo.get_access_key(conn, "test")
        if existing is not None and key is not None:
            return existing
        if existing is None:
            account, _ = await self.create_account(
                "dev",
                account_id=account_id,
                access_key_id="test",
                secret_access_key="test",  # noqa: S106 - dev mode's public credential
                sandbox=False,
            )
            await self.update_account(
                account_id, max_send_rate=DEV_MAX_SEND_RATE, max_24_hour_send=DEV_MAX_24_HOUR_SEND
            )
            return account
        async with self._db.transaction() as conn:
            await repo.insert_access_key(
                conn, AccessKey("test", account_id, "test", self._clock.now())
            )
        return existing

    def forget_cached_keys(self) -> None:
        self._key_cache.clear()
        self._settings_cache.clear()


def _production(settings: SendingSettings) -> SendingSettings:
    return replace(
        settings,
        sandbox=False,
        max_24_hour_send=max(settings.max_24_hour_send, PRODUCTION_MAX_24_HOUR_SEND),
        max_send_rate=max(settings.max_send_rate, PRODUCTION_MAX_SEND_RATE),
    )


def _sandboxed(settings: SendingSettings) -> SendingSettings:
    return replace(
        settings,
        sandbox=True,
        max_24_hour_send=SANDBOX_MAX_24_HOUR_SEND,
        max_send_rate=SANDBOX_MAX_SEND_RATE,
    )
