"""SES v2 identity settings: custom MAIL FROM, feedback forwarding, default configuration set."""

from __future__ import annotations

from typing import Any

from openses.api.context import Params, RequestContext, Result
from openses.domain.errors import IdentityNotFoundError, ResourceNotFoundError
from openses.domain.identities import Identity, MailFromBehavior, VerificationStatus

BEHAVIOR_TO_V2 = {
    MailFromBehavior.USE_DEFAULT_VALUE: "USE_DEFAULT_VALUE",
    MailFromBehavior.REJECT_MESSAGE: "REJECT_MESSAGE",
}
_BEHAVIOR_FROM_V2 = {name: behavior for behavior, name in BEHAVIOR_TO_V2.items()}
_STATUS_TO_V2 = {
    VerificationStatus.PENDING: "PENDING",
    VerificationStatus.SUCCESS: "SUCCESS",
    VerificationStatus.FAILED: "FAILED",
    VerificationStatus.TEMPORARY_FAILURE: "TEMPORARY_FAILURE",
}


def mail_from_attributes(identity: Identity) -> dict[str, Any]:
    """GetEmailIdentity's ``MailFromAttributes``: only the behaviour without a MAIL FROM domain."""
    attributes: dict[str, Any] = {
        "BehaviorOnMxFailure": BEHAVIOR_TO_V2[identity.mail_from_behavior]
    }
    if identity.mail_from_domain:
        attributes["MailFromDomain"] = identity.mail_from_domain
        # NotStarted has no v2 name for MAIL FROM: the domain is still awaited.
        status = identity.mail_from_status or VerificationStatus.PENDING
        attributes["MailFromDomainStatus"] = _STATUS_TO_V2.get(status, "PENDING")
    return attributes


async def _existing(ctx: RequestContext, name: str) -> str:
    """The identity's stored name; v2 answers NotFoundException for an unknown identity."""
    identity = await ctx.services.identities.find(ctx.scope, name)
    if identity is None:
        raise IdentityNotFoundError(f"Email identity {name} does not exist.")
    return identity.name


async def put_email_identity_mail_from_attributes(ctx: RequestContext, params: Params) -> Result:
    name = await _existing(ctx, params["EmailIdentity"])
    await ctx.services.identity_settings.set_mail_from(
        ctx.scope,
        name,
        params.get("MailFromDomain"),
        _BEHAVIOR_FROM_V2[params.get("BehaviorOnMxFailure") or "USE_DEFAULT_VALUE"],
    )
    return {}


async def put_email_identity_feedback_attributes(ctx: RequestContext, params: Params) -> Result:
    name = await _existing(ctx, params["EmailIdentity"])
    # The member is optional and a missing boolean is false, as the service reads it.
    await ctx.services.identity_settings.set_feedback_forwarding(
        ctx.scope, name, bool(params.get("EmailForwardingEnabled")), require_topics=False
    )
    return {}


async def put_email_identity_configuration_set_attributes(
    ctx: RequestContext, params: Params
) -> Result:
    name = await _existing(ctx, params["EmailIdentity"])
    configuration_set = params.get("ConfigurationSetName")
    if configuration_set:
        # No configuration set can exist before configuration sets are implemented
        # (the same answer as CreateEmailIdentity's ConfigurationSetName).
        raise ResourceNotFoundError(f"Configuration set {configuration_set} does not exist.")
    await ctx.services.identity_settings.set_configuration_set(ctx.scope, name, None)
    return {}
