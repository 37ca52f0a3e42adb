"""SES v2 DKIM: the DkimAttributes every identity answer carries, and the two Put operations."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from openses.api.context import Params, RequestContext, Result
from openses.domain.identities import DkimOrigin, Identity, IdentityType, VerificationStatus
from openses.services.dkim_setup import DkimSigningRequest

_V2_STATUS = {
    VerificationStatus.PENDING: "PENDING",
    VerificationStatus.SUCCESS: "SUCCESS",
    VerificationStatus.FAILED: "FAILED",
    VerificationStatus.TEMPORARY_FAILURE: "TEMPORARY_FAILURE",
    VerificationStatus.NOT_STARTED: "NOT_STARTED",
}


def signing_request(attributes: Mapping[str, Any] | None) -> DkimSigningRequest | None:
    """v2 ``DkimSigningAttributes`` (or ``SigningAttributes``) as the service takes it."""
    if not attributes:
        return None
    return DkimSigningRequest(
        selector=attributes.get("DomainSigningSelector"),
        private_key=attributes.get("DomainSigningPrivateKey"),
        next_key_length=attributes.get("NextSigningKeyLength"),
    )


def dkim_attributes(identity: Identity) -> dict[str, Any]:
    """``DkimAttributes`` of GetEmailIdentity and CreateEmailIdentity."""
    if identity.identity_type is IdentityType.EMAIL_ADDRESS:
        # What SES answers for an address: DKIM belongs to its domain.
        return {
            "SigningEnabled": identity.dkim_enabled,
            "Status": "NOT_STARTED",
            "SigningAttributesOrigin": "AWS_SES",
            "NextSigningKeyLength": "RSA_1024_BIT",
        }
    attributes: dict[str, Any] = {
        "SigningEnabled": identity.dkim_enabled,
        "Status": _V2_STATUS[identity.dkim_status],
        "SigningAttributesOrigin": identity.dkim_origin.value,
    }
    if identity.dkim_tokens:
        attributes["Tokens"] = list(identity.dkim_tokens)
    if identity.dkim_origin is DkimOrigin.AWS_SES and identity.dkim_tokens:
        # Key lengths and generation time describe keys SES made: Easy DKIM only.
        if identity.dkim_next_key_length is not None:
            attributes["NextSigningKeyLength"] = identity.dkim_next_key_length.value
        if identity.dkim_current_key_length is not None:
            attributes["CurrentSigningKeyLength"] = identity.dkim_current_key_length.value
        if identity.dkim_key_generated_at is not None:
            attributes["LastKeyGenerationTimestamp"] = identity.dkim_key_generated_at
    return attributes


async def put_email_identity_dkim_signing_attributes(ctx: RequestContext, params: Params) -> Result:
    identity = await ctx.services.dkim_identities.put_signing_attributes(
        ctx.scope,
        params["EmailIdentity"],
        params["SigningAttributesOrigin"],
        signing_request(params.get("SigningAttributes")),
    )
    return {
        "DkimStatus": _V2_STATUS[identity.dkim_status],
        "DkimTokens": list(identity.dkim_tokens),
    }


async def put_email_identity_dkim_attributes(ctx: RequestContext, params: Params) -> Result:
    await ctx.services.dkim_identities.set_dkim_enabled(
        ctx.scope,
        params["EmailIdentity"],
        bool(params.get("SigningEnabled", False)),
        require_verified=False,
    )
    return {}
