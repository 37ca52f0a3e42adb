"""SES v2 e-mail identity operations."""

from __future__ import annotations

from typing import Any

from openses.api.context import Params, RequestContext, Result
from openses.api.ses_v2.dkim import dkim_attributes, signing_request
from openses.api.ses_v2.identity_settings import mail_from_attributes
from openses.domain.errors import InvalidParameterError, ResourceNotFoundError
from openses.domain.identities import Identity, IdentityType, VerificationStatus
from openses.services.identities import ensure_page_size

# v2 ListEmailIdentities PageSize: "at least 0, and can be no more than 1000".
_MAX_PAGE_SIZE = 1000
_DEFAULT_PAGE_SIZE = 100

V2_STATUS = {
    VerificationStatus.PENDING: "PENDING",
    VerificationStatus.SUCCESS: "SUCCESS",
    VerificationStatus.FAILED: "FAILED",
    VerificationStatus.TEMPORARY_FAILURE: "TEMPORARY_FAILURE",
    VerificationStatus.NOT_STARTED: "NOT_STARTED",
}
_STATUS_BY_V2_NAME = {name: status for status, name in V2_STATUS.items()}


def tags_to_wire(tags: tuple[tuple[str, str], ...]) -> list[dict[str, str]]:
    return [{"Key": key, "Value": value} for key, value in tags]


def tags_from_wire(tags: list[dict[str, Any]] | None) -> list[tuple[str, str]]:
    return [(tag["Key"], tag.get("Value", "")) for tag in tags or ()]


def _dkim_attributes(identity: Identity) -> dict[str, Any]:
    return dkim_attributes(identity)


async def create_email_identity(ctx: RequestContext, params: Params) -> Result:
    configuration_set = params.get("ConfigurationSetName")
    if configuration_set:
        # No configuration set can exist before configuration sets are implemented.
        raise ResourceNotFoundError(f"Configuration set {configuration_set} does not exist.")
    identity = await ctx.services.identities.create_email_identity(
        ctx.scope,
        params["EmailIdentity"],
        tags=tags_from_wire(params.get("Tags")),
        dkim=signing_request(params.get("DkimSigningAttributes")),
    )
    result: Result = {
        "IdentityType": identity.identity_type.value,
        "VerifiedForSendingStatus": identity.is_verified,
    }
    if identity.identity_type is IdentityType.DOMAIN:
        result["DkimAttributes"] = _dkim_attributes(identity)
    # A pending address is mailed its verification link (not in dev mode: verified at once).
    await ctx.services.email_verification.identity_created(ctx.scope, identity)
    return result


async def get_email_identity(ctx: RequestContext, params: Params) -> Result:
    identity = await ctx.services.identities.get(ctx.scope, params["EmailIdentity"])
    tags = await ctx.services.identities.tags_of(ctx.scope, identity.name)
    result: Result = {
        "IdentityType": identity.identity_type.value,
        "FeedbackForwardingStatus": identity.feedback_forwarding_enabled,
        "VerifiedForSendingStatus": identity.is_verified,
        "DkimAttributes": _dkim_attributes(identity),
        "MailFromAttributes": mail_from_attributes(identity),
        "Policies": await ctx.services.sending_authorization.get_policies(
            ctx.scope, identity.name, v2=True
        ),
        "Tags": tags_to_wire(tags),
        "VerificationStatus": V2_STATUS[identity.verification_status],
        "VerificationInfo": _verification_info(identity),
    }
    if identity.configuration_set_name:
        result["ConfigurationSetName"] = identity.configuration_set_name
    return result


def _verification_info(identity: Identity) -> dict[str, Any]:
    """What the identity verifier last saw of the identity's records (empty before a check)."""
    info: dict[str, Any] = {}
    if identity.last_checked_at is not None:
        info["LastCheckedTimestamp"] = identity.last_checked_at
    if identity.last_success_at is not None:
        info["LastSuccessTimestamp"] = identity.last_success_at
    if identity.verification_error is not None:
        info["ErrorType"] = identity.verification_error
    return info


def _list_filter(filters: dict[str, str]) -> dict[str, Any]:
    arguments: dict[str, Any] = {}
    if "IDENTITY_TYPE" in filters:
        try:
            arguments["identity_type"] = IdentityType(filters["IDENTITY_TYPE"])
        except ValueError as exc:
            raise InvalidParameterError(
                f"Invalid identity type {filters['IDENTITY_TYPE']}."
            ) from exc
    if "VERIFICATION_STATUS" in filters:
        status = _STATUS_BY_V2_NAME.get(filters["VERIFICATION_STATUS"])
        if status is None:
            raise InvalidParameterError(
                f"Invalid verification status {filters['VERIFICATION_STATUS']}."
            )
        arguments["verification_status"] = status
    if "IDENTITY_NAME_CONTAINS" in filters:
        arguments["name_contains"] = filters["IDENTITY_NAME_CONTAINS"]
    return arguments


async def list_email_identities(ctx: RequestContext, params: Params) -> Result:
    page_size = params.get("PageSize") or None  # 0 is allowed by the model: the default
    page = await ctx.services.identities.list(
        ctx.scope,
        page_size=ensure_page_size(page_size, default=_DEFAULT_PAGE_SIZE, maximum=_MAX_PAGE_SIZE),
        next_token=params.get("NextToken"),
        **_list_filter(params.get("Filter") or {}),
    )
    result: Result = {
        "EmailIdentities": [
            {
                "IdentityType": identity.identity_type.value,
                "IdentityName": identity.name,
                "SendingEnabled": identity.is_verified,
                "VerificationStatus": V2_STATUS[identity.verification_status],
            }
            for identity in page.identities
        ]
    }
    if page.next_token:
        result["NextToken"] = page.next_token
    return result


async def delete_email_identity(ctx: RequestContext, params: Params) -> Result:
    await ctx.services.identities.delete(ctx.scope, params["EmailIdentity"], must_exist=True)
    return {}
