"""SES v2 sending authorization policies: Create/Get/Update/DeleteEmailIdentityPolicy."""

from __future__ import annotations

from openses.api.context import Params, RequestContext, Result


async def create_email_identity_policy(ctx: RequestContext, params: Params) -> Result:
    await ctx.services.sending_authorization.create_policy(
        ctx.scope, params["EmailIdentity"], params["PolicyName"], params["Policy"]
    )
    return {}


async def get_email_identity_policies(ctx: RequestContext, params: Params) -> Result:
    policies = await ctx.services.sending_authorization.get_policies(
        ctx.scope, params["EmailIdentity"], v2=True
    )
    return {"Policies": policies}


async def update_email_identity_policy(ctx: RequestContext, params: Params) -> Result:
    await ctx.services.sending_authorization.update_policy(
        ctx.scope, params["EmailIdentity"], params["PolicyName"], params["Policy"]
    )
    return {}


async def delete_email_identity_policy(ctx: RequestContext, params: Params) -> Result:
    await ctx.services.sending_authorization.delete_policy(
        ctx.scope, params["EmailIdentity"], params["PolicyName"], must_exist=True
    )
    return {}
