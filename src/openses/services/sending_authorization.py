"""Sending authorization: identity policies (stored, validated) and their enforcement.

The policy operations (v1 ``PutIdentityPolicy``/``GetIdentityPolicies``/
``ListIdentityPolicies``/``DeleteIdentityPolicy``, v2 ``Create``/``Get``/``Update``/
``DeleteEmailIdentityPolicy``) are the identity owner's: the identity is named by
name or by its ARN, and must be one of the caller's own.

Enforcement (``vouched_senders``) runs on every send that names an identity ARN. For
each sender address the ARN covers (``services/delegation``):

- an ARN of the caller's own account needs no policy: the usual identity check
  decides, as for any other address;
- an ARN of another account in this region vouches for the address when that account
  owns the identity, has verified it, and one of its policies allows the caller the
  send's action under every condition, with no ``Deny`` matching. Only the policies of
  the identity the ARN names count (so an address identity's policies "take
  precedence" over its domain's only when the delegate names the address's ARN, as
  awsdocs/amazon-ses-developer-guide#13 explains);
- a policy that does not allow the send refuses the whole call with IAM's
  ``AccessDenied`` text; an ARN that does not name a verified identity covering the
  address vouches for nothing, so the address then fails the usual check
  ("Email address is not verified").

The message is the delegate's: its quotas, its events (``mail.sendingAccountId``), with
the owner's identity ARN as ``mail.sourceArn``.
"""

from __future__ import annotations

from collections.abc import Sequence

from openses.domain.arns import Arn, identity_arn, parse_arn
from openses.domain.clock import Clock
from openses.domain.errors import (
    AlreadyExistsError,
    IdentityNotFoundError,
    InvalidParameterError,
    InvalidPolicyError,
    LimitExceededError,
    ResourceNotFoundError,
    SendingNotAuthorizedError,
)
from openses.domain.identities import Identity, identity_candidates, lookup_key
from openses.domain.policies import (
    MAX_POLICIES_PER_IDENTITY,
    AuthorizationRequest,
    Decision,
    IdentityPolicy,
    check_policy_name,
    evaluate,
    parse_policy,
    request_context,
)
from openses.services.delegation import SenderFacts
from openses.services.message_assembly import AssembledMessage
from openses.services.scope import Scope
from openses.storage.engine import Database
from openses.storage.repositories import identities as identities_repo
from openses.storage.repositories import identity_policies as repo


class SendingAuthorizationService:
    def __init__(self, database: Database, clock: Clock) -> None:
        self._db = database
        self._clock = clock

    # --- the owner's policy operations ------------------------------------------------

    def _own_name(self, scope: Scope, identity: str) -> str:
        """The identity's name, given by name or by an ARN of the caller's own."""
        if not identity.startswith("arn:"):
            return lookup_key(identity)
        arn = parse_arn(identity)
        if (
            arn is None
            or (arn.service, arn.resource_type) != ("ses", "identity")
            or (arn.account_id, arn.region) != (scope.account_id, scope.region)
        ):
            raise IdentityNotFoundError(f"Identity {identity} does not exist.")  # [INF]
        return lookup_key(arn.resource_name)

    async def _identity(self, scope: Scope, identity: str, *, v2: bool) -> Identity:
        name = self._own_name(scope, identity)
        async with self._db.read() as conn:
            found = await identities_repo.get_identity(conn, scope.account_id, scope.region, name)
        if found is None:
            # v2's words are GetEmailIdentity's; v1 declares no error for this [INF].
            text = "Email identity" if v2 else "Identity"
            raise IdentityNotFoundError(f"{text} {identity} does not exist.")
        return found

    def _validated(self, scope: Scope, identity: Identity, name: str, policy: str) -> None:
        check_policy_name(name)
        parse_policy(policy, str(identity_arn(scope.region, scope.account_id, identity.name)))

    async def put_policy(self, scope: Scope, identity: str, name: str, policy: str) -> None:
        """v1 PutIdentityPolicy: creates the policy or replaces the one of that name."""
        await self._write(scope, identity, name, policy, create=True, replace=True, v2=False)

    async def create_policy(self, scope: Scope, identity: str, name: str, policy: str) -> None:
        """v2 CreateEmailIdentityPolicy: ``AlreadyExistsException`` for a name in use."""
        await self._write(scope, identity, name, policy, create=True, replace=False, v2=True)

    async def update_policy(self, scope: Scope, identity: str, name: str, policy: str) -> None:
        """v2 UpdateEmailIdentityPolicy: ``NotFoundException`` for an unknown name."""
        await self._write(scope, identity, name, policy, create=False, replace=True, v2=True)

    async def _write(
        self,
        scope: Scope,
        identity: str,
        name: str,
        policy: str,
        *,
        create: bool,
        replace: bool,
        v2: bool,
    ) -> None:
        found = await self._identity(scope, identity, v2=v2)
        self._validated(scope, found, name, policy)
        now = self._clock.now()
        key = (scope.account_id, scope.region, found.name)
        async with self._db.transaction() as conn:
            existing = await repo.get_policies(conn, *key, [name])
            if existing:
                if not replace:
                    raise AlreadyExistsError(  # [INF]
                        f"Policy {name} already exists for identity {identity}."
                    )
                await repo.update_policy(conn, *key, name, policy, now)
                return
            if not create:
                raise ResourceNotFoundError(  # [INF]
                    f"Policy {name} does not exist for identity {identity}."
                )
            if await repo.count_policies(conn, *key) >= MAX_POLICIES_PER_IDENTITY:
                raise LimitExceededError(  # [INF] the guide's limit
                    f"An identity can have at most {MAX_POLICIES_PER_IDENTITY} policies."
                )
            await repo.insert_policy(conn, *key, name, policy, now)

    async def get_policies(
        self, scope: Scope, identity: str, names: Sequence[str] | None = None, *, v2: bool
    ) -> dict[str, str]:
        """The identity's policies by name; with ``names``, those of them that exist."""
        if names is not None and len(names) > 20:
            raise InvalidParameterError(  # [INF] the API reference's limit
                "You can retrieve a maximum of 20 policies at a time."
            )
        found = await self._identity(scope, identity, v2=v2)
        async with self._db.read() as conn:
            return await repo.get_policies(conn, scope.account_id, scope.region, found.name, names)

    async def list_policy_names(self, scope: Scope, identity: str) -> list[str]:
        found = await self._identity(scope, identity, v2=False)
        async with self._db.read() as conn:
            return await repo.list_names(conn, scope.account_id, scope.region, found.name)

    async def delete_policy(
        self, scope: Scope, identity: str, name: str, *, must_exist: bool
    ) -> None:
        """v1 DeleteIdentityPolicy succeeds for an unknown name; v2's answers NotFound."""
        found = await self._identity(scope, identity, v2=must_exist)
        async with self._db.transaction() as conn:
            deleted = await repo.delete_policy(
                conn, scope.account_id, scope.region, found.name, name
            )
        if must_exist and not deleted:
            raise ResourceNotFoundError(  # [INF]
                f"Policy {name} does not exist for identity {identity}."
            )

    # --- enforcement -------------------------------------------------------------------

    async def vouched_senders(self, scope: Scope, messages: Sequence[AssembledMessage]) -> set[str]:
        """The sender addresses another account's identity ARN lets the caller use.

        Raises ``SendingNotAuthorizedError`` when an ARN names a verified identity of
        another account whose policies do not allow this send.
        """
        vouched: set[str] = set()
        policies: dict[Arn, tuple[Identity | None, list[IdentityPolicy]]] = {}
        for message in messages:
            facts = message.sender_facts
            if facts is None or not facts.arns:
                continue
            for address, role in facts.claims:
                arn_text = facts.arns.for_role(role)
                arn = _foreign_identity_arn(scope, arn_text, address)
                if arn is None or arn_text is None:
                    continue
                if arn not in policies:
                    policies[arn] = await self._owner_policies(arn)
                owner_identity, owner_policies = policies[arn]
                if owner_identity is None or not owner_identity.is_verified:
                    continue
                request = self._request(scope, facts)
                if evaluate(owner_policies, request) is not Decision.ALLOW:
                    raise SendingNotAuthorizedError(request.principal_arn, facts.action, arn_text)
                vouched.add(address)
        return vouched

    def _request(self, scope: Scope, facts: SenderFacts) -> AuthorizationRequest:
        context = request_context(
            account_id=scope.account_id,
            now=self._clock.now(),
            from_address=facts.from_address,
            from_display_name=facts.from_display_name,
            recipients=facts.recipients,
            feedback_address=facts.feedback_address,
            source_ip=facts.source_ip,
        )
        return AuthorizationRequest(scope.account_id, facts.action, context)

    async def _owner_policies(self, arn: Arn) -> tuple[Identity | None, list[IdentityPolicy]]:
        async with self._db.read() as conn:
            identity = await identities_repo.get_identity(
                conn, arn.account_id, arn.region, lookup_key(arn.resource_name)
            )
            if identity is None:
                return None, []
            texts = await repo.get_policies(conn, arn.account_id, arn.region, identity.name)
        canonical = str(identity_arn(arn.region, arn.account_id, identity.name))
        parsed = (_stored_policy(text, canonical) for text in texts.values())
        return identity, [policy for policy in parsed if policy is not None]


def _foreign_identity_arn(scope: Scope, arn_text: str | None, address: str) -> Arn | None:
    """The ARN when it names another account's identity, in this region, covering ``address``.

    SES answers an ARN that is not an identity ARN at all with an error [INF wording].
    """
    if not arn_text:
        return None
    arn = parse_arn(arn_text)
    if arn is None or (arn.service, arn.resource_type) != ("ses", "identity"):
        raise InvalidParameterError(f"Invalid identity ARN: {arn_text}")
    if arn.account_id == scope.account_id or arn.region != scope.region:
        return None
    if lookup_key(arn.resource_name) not in identity_candidates(address):
        return None
    return arn


def _stored_policy(text: str, identity_arn_text: str) -> IdentityPolicy | None:
    """A stored policy, parsed. It was valid when stored; one that no longer parses
    (rules tightened since) grants nothing rather than failing every send."""
    try:
        return parse_policy(text, identity_arn_text)
    except InvalidPolicyError:
        return None
