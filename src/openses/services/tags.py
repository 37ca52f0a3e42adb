"""Tags on SES resources, addressed by ARN (SES v2 TagResource and friends)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from openses.domain.arns import identity_arn, parse_arn
from openses.domain.errors import InvalidParameterError, ResourceNotFoundError
from openses.domain.identities import lookup_key
from openses.domain.tags import merge_tags, validate_tags
from openses.services.scope import Scope
from openses.storage.engine import Database
from openses.storage.repositories import identities as identities_repo
from openses.storage.repositories import tags as repo

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection


class TagService:
    def __init__(self, database: Database) -> None:
        self._db = database

    def _resolve(self, scope: Scope, arn: str) -> tuple[str, str]:
        """The canonical ARN and the identity name it names; only identities are taggable yet."""
        parsed = parse_arn(arn)
        if parsed is None or parsed.service != "ses":
            raise InvalidParameterError(f"Invalid resource ARN {arn}.")
        if parsed.region != scope.region or parsed.account_id != scope.account_id:
            raise ResourceNotFoundError(f"Resource {arn} does not exist.")
        if parsed.resource_type != "identity":
            raise ResourceNotFoundError(f"Resource {arn} does not exist.")
        name = lookup_key(parsed.resource_name)
        return str(identity_arn(scope.region, scope.account_id, name)), name

    async def _require_resource(
        self, conn: AsyncConnection, scope: Scope, name: str, arn: str
    ) -> None:
        identity = await identities_repo.get_identity(conn, scope.account_id, scope.region, name)
        if identity is None:
            raise ResourceNotFoundError(f"Resource {arn} does not exist.")

    async def tag(self, scope: Scope, arn: str, tags: Sequence[tuple[str, str]]) -> None:
        validate_tags(tags)
        canonical, name = self._resolve(scope, arn)
        async with self._db.transaction() as conn:
            await self._require_resource(conn, scope, name, arn)
            existing = await repo.get_tags(conn, scope.account_id, scope.region, canonical)
            merged = merge_tags(existing, tags)
            await repo.replace_tags(conn, scope.account_id, scope.region, canonical, merged)

    async def untag(self, scope: Scope, arn: str, keys: Sequence[str]) -> None:
        canonical, name = self._resolve(scope, arn)
        async with self._db.transaction() as conn:
            await self._require_resource(conn, scope, name, arn)
            existing = await repo.get_tags(conn, scope.account_id, scope.region, canonical)
            removed = set(keys)
            kept = tuple((k, v) for k, v in existing if k not in removed)
            await repo.replace_tags(conn, scope.account_id, scope.region, canonical, kept)

    async def list(self, scope: Scope, arn: str) -> tuple[tuple[str, str], ...]:
        canonical, name = self._resolve(scope, arn)
        async with self._db.read() as conn:
            await self._require_resource(conn, scope, name, arn)
            return await repo.get_tags(conn, scope.account_id, scope.region, canonical)
