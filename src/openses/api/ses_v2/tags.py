"""SES v2 resource tagging."""

from __future__ import annotations

from openses.api.context import Params, RequestContext, Result
from openses.api.ses_v2.identities import tags_from_wire, tags_to_wire


async def tag_resource(ctx: RequestContext, params: Params) -> Result:
    await ctx.services.tags.tag(ctx.scope, params["ResourceArn"], tags_from_wire(params["Tags"]))
    return {}


async def untag_resource(ctx: RequestContext, params: Params) -> Result:
    await ctx.services.tags.untag(ctx.scope, params["ResourceArn"], list(params["TagKeys"]))
    return {}


async def list_tags_for_resource(ctx: RequestContext, params: Params) -> Result:
    tags = await ctx.services.tags.list(ctx.scope, params["ResourceArn"])
    return {"Tags": tags_to_wire(tags)}
