"""SES v2 account operations."""

from __future__ import annotations

from openses.api.context import Params, RequestContext, Result


async def get_account(ctx: RequestContext, params: Params) -> Result:
    settings = await ctx.services.accounts.sending_settings(ctx.scope)
    return {
        "DedicatedIpAutoWarmupEnabled": False,
        "EnforcementStatus": "HEALTHY",
        "ProductionAccessEnabled": not settings.sandbox,
        "SendQuota": {
            "Max24HourSend": settings.max_24_hour_send,
            "MaxSendRate": settings.max_send_rate,
            "SentLast24Hours": await ctx.services.sending.sent_last_24_hours(ctx.scope),
        },
        "SendingEnabled": settings.sending_enabled,
    }
