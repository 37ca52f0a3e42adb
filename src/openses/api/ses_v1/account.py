"""SES v1 account-level operations: quota and the sending switch."""

from __future__ import annotations

from openses.api.context import Params, RequestContext, Result


async def get_send_quota(ctx: RequestContext, params: Params) -> Result:
    settings = await ctx.services.accounts.sending_settings(ctx.scope)
    return {
        "Max24HourSend": settings.max_24_hour_send,
        "MaxSendRate": settings.max_send_rate,
        "SentLast24Hours": await ctx.services.sending.sent_last_24_hours(ctx.scope),
    }


async def get_account_sending_enabled(ctx: RequestContext, params: Params) -> Result:
    settings = await ctx.services.accounts.sending_settings(ctx.scope)
    return {"Enabled": settings.sending_enabled}


async def update_account_sending_enabled(ctx: RequestContext, params: Params) -> Result:
    # The member is optional in the model; like the SDKs' boolean default, absent means false.
    await ctx.services.accounts.set_sending_enabled(ctx.scope, bool(params.get("Enabled", False)))
    return {}


async def get_send_statistics(ctx: RequestContext, params: Params) -> Result:
    points = await ctx.services.statistics.send_data_points(ctx.scope)
    return {"SendDataPoints": [point.as_shape() for point in points]}
