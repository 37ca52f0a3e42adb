"""SES v1 identity settings: custom MAIL FROM and feedback notifications."""

from __future__ import annotations

from typing import Any

from openses.api.context import Params, RequestContext, Result
from openses.domain.identities import Identity, MailFromBehavior
from openses.domain.notification_topics import NotificationType


async def set_identity_mail_from_domain(ctx: RequestContext, params: Params) -> Result:
    await ctx.services.identity_settings.set_mail_from(
        ctx.scope,
        params["Identity"],
        params.get("MailFromDomain"),
        MailFromBehavior(params.get("BehaviorOnMXFailure") or "UseDefaultValue"),
    )
    return {}


def _mail_from_attributes(identity: Identity) -> dict[str, Any]:
    # Without a custom MAIL FROM domain SES answers only the behaviour.
    attributes: dict[str, Any] = {"BehaviorOnMXFailure": identity.mail_from_behavior.value}
    if identity.mail_from_domain:
        attributes["MailFromDomain"] = identity.mail_from_domain
        if identity.mail_from_status is not None:
            attributes["MailFromDomainStatus"] = identity.mail_from_status.value
    return attributes


async def get_identity_mail_from_domain_attributes(ctx: RequestContext, params: Params) -> Result:
    # Identities that do not exist are left out of the map, as SES does.
    found = await ctx.services.identities.get_many(ctx.scope, params["Identities"])
    return {
        "MailFromDomainAttributes": {
            name: _mail_from_attributes(identity) for name, identity in found.items()
        }
    }


def _notification_attributes(identity: Identity) -> dict[str, Any]:
    attributes: dict[str, Any] = {
        "ForwardingEnabled": identity.feedback_forwarding_enabled,
        "HeadersInBounceNotificationsEnabled": identity.headers_in_bounce,
        "HeadersInComplaintNotificationsEnabled": identity.headers_in_complaint,
        "HeadersInDeliveryNotificationsEnabled": identity.headers_in_delivery,
    }
    for member, topic in (
        ("BounceTopic", identity.bounce_topic),
        ("ComplaintTopic", identity.complaint_topic),
        ("DeliveryTopic", identity.delivery_topic),
    ):
        if topic:
            attributes[member] = topic
    return attributes


async def get_identity_notification_attributes(ctx: RequestContext, params: Params) -> Result:
    # Identities may be given by name or by ARN; the map is keyed by what was asked.
    settings = ctx.services.identity_settings
    asked = {name: settings.identity_name(ctx.scope, name) for name in params["Identities"]}
    found = await ctx.services.identities.get_many(ctx.scope, [k for k in asked.values() if k])
    return {
        "NotificationAttributes": {
            name: _notification_attributes(found[key])
            for name, key in asked.items()
            if key in found
        }
    }


async def set_identity_notification_topic(ctx: RequestContext, params: Params) -> Result:
    # SNS is not implemented yet: the topic ARN is validated and stored, not published to.
    await ctx.services.identity_settings.set_notification_topic(
        ctx.scope,
        params["Identity"],
        NotificationType(params["NotificationType"]),
        params.get("SnsTopic") or None,
    )
    return {}


async def set_identity_headers_in_notifications_enabled(
    ctx: RequestContext, params: Params
) -> Result:
    await ctx.services.identity_settings.set_headers_in_notifications(
        ctx.scope,
        params["Identity"],
        NotificationType(params["NotificationType"]),
        bool(params["Enabled"]),
    )
    return {}


async def set_identity_feedback_forwarding_enabled(ctx: RequestContext, params: Params) -> Result:
    await ctx.services.identity_settings.set_feedback_forwarding(
        ctx.scope, params["Identity"], bool(params["ForwardingEnabled"]), require_topics=True
    )
    return {}
