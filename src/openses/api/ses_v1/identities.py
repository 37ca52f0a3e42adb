"""SES v1 identity operations."""

from __future__ import annotations

from openses.api.context import Params, RequestContext, Result
from openses.domain.identities import Identity, IdentityType, VerificationStatus
from openses.services.identities import ensure_page_size

# v1 ListIdentities: "MaxItems ... Possible values are 1-1000 inclusive."
_MAX_ITEMS = 1000
_V1_TYPES = {"EmailAddress": IdentityType.EMAIL_ADDRESS, "Domain": IdentityType.DOMAIN}


async def verify_email_identity(ctx: RequestContext, params: Params) -> Result:
    # Outside dev mode a pending address is mailed a verification link (again on every call).
    await ctx.services.email_verification.verify_email_identity(ctx.scope, params["EmailAddress"])
    return {}


# The deprecated VerifyEmailAddress does what VerifyEmailIdentity does.
verify_email_address = verify_email_identity


async def verify_domain_identity(ctx: RequestContext, params: Params) -> Result:
    identity = await ctx.services.identities.verify_domain(ctx.scope, params["Domain"])
    return {"VerificationToken": identity.verification_token}


async def list_identities(ctx: RequestContext, params: Params) -> Result:
    page = await ctx.services.identities.list(
        ctx.scope,
        page_size=ensure_page_size(params.get("MaxItems"), default=_MAX_ITEMS, maximum=_MAX_ITEMS),
        next_token=params.get("NextToken"),
        identity_type=_V1_TYPES.get(params.get("IdentityType", "")),
    )
    result: Result = {"Identities": [identity.name for identity in page.identities]}
    if page.next_token:
        result["NextToken"] = page.next_token
    return result


async def list_verified_email_addresses(ctx: RequestContext, params: Params) -> Result:
    addresses: list[str] = []
    token: str | None = None
    while True:
        page = await ctx.services.identities.list(
            ctx.scope,
            page_size=_MAX_ITEMS,
            next_token=token,
            identity_type=IdentityType.EMAIL_ADDRESS,
            verification_status=VerificationStatus.SUCCESS,
        )
        addresses.extend(identity.name for identity in page.identities)
        token = page.next_token
        if token is None:
            return {"VerifiedEmailAddresses": addresses}


async def delete_identity(ctx: RequestContext, params: Params) -> Result:
    await ctx.services.identities.delete(ctx.scope, params["Identity"], must_exist=False)
    return {}


async def delete_verified_email_address(ctx: RequestContext, params: Params) -> Result:
    await ctx.services.identities.delete(ctx.scope, params["EmailAddress"], must_exist=False)
    return {}


def _verification_attributes(identity: Identity) -> dict[str, str]:
    attributes = {"VerificationStatus": identity.verification_status.value}
    if identity.verification_token:
        attributes["VerificationToken"] = identity.verification_token
    return attributes


async def get_identity_verification_attributes(ctx: RequestContext, params: Params) -> Result:
    # Identities that do not exist are left out of the map, as SES does.
    found = await ctx.services.identities.get_many(ctx.scope, params["Identities"])
    return {
        "VerificationAttributes": {
            name: _verification_attributes(identity) for name, identity in found.items()
        }
    }
