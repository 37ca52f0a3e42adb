"""SES v1 Easy DKIM: GetIdentityDkimAttributes, VerifyDomainDkim, SetIdentityDkimEnabled."""

from __future__ import annotations

from openses.api.context import Params, RequestContext, Result
from openses.services.dkim_identities import DkimView


def _attributes(view: DkimView) -> Result:
    attributes: Result = {
        "DkimEnabled": view.enabled,
        "DkimVerificationStatus": view.status.value,
    }
    if view.tokens:
        attributes["DkimTokens"] = list(view.tokens)
    return attributes


async def get_identity_dkim_attributes(ctx: RequestContext, params: Params) -> Result:
    # Identities that do not exist are left out of the map, as for verification attributes.
    views = await ctx.services.dkim_identities.dkim_views(ctx.scope, list(params["Identities"]))
    return {"DkimAttributes": {name: _attributes(view) for name, view in views.items()}}


async def verify_domain_dkim(ctx: RequestContext, params: Params) -> Result:
    identity = await ctx.services.dkim_identities.verify_domain_dkim(ctx.scope, params["Domain"])
    return {"DkimTokens": list(identity.dkim_tokens)}


async def set_identity_dkim_enabled(ctx: RequestContext, params: Params) -> Result:
    await ctx.services.dkim_identities.set_dkim_enabled(
        ctx.scope, params["Identity"], bool(params["DkimEnabled"]), require_verified=True
    )
    return {}
