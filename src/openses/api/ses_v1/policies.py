"""SES v1 sending authorization policies: Put/Get/List/DeleteIdentityPolicy."""

from __future__ import annotations

from openses.api.context import Params, RequestContext, Result


async def put_identity_policy(ctx: RequestContext, params: Params) -> Result:
    await ctx.services.sending_authorization.put_policy(
        ctx.scope, params["Identity"], params["PolicyName"], params["Policy"]
    )
    return {}


async def get_identity_policies(ctx: RequestContext, params: Params) -> Result:
    policies = await ctx.services.sending_authorization.get_policies(
        ctx.scope, params["Identity"], params["PolicyNames"], v2=False
    )
    return {"Policies": policies}


async def list_identity_policies(ctx: RequestContext, params: Params) -> Result:
    names = await ctx.services.sending_authorization.list_policy_names(
        ctx.scope, params["Identity"]
    )
    return {"PolicyNames": names}


async def delete_identity_policy(ctx: RequestContext, params: Params) -> Result:
    # v1 deletes idempotently: an unknown policy name is not an error.
    await ctx.services.sending_authorization.delete_policy(
        ctx.scope, params["Identity"], params["PolicyName"], must_exist=False
    )
    return {}
