"""SES v1 sending with stored templates: SendTemplatedEmail and SendBulkTemplatedEmail."""

from __future__ import annotations

from typing import Any

from openses.api.context import Params, RequestContext, Result
from openses.api.ses_v1.sending import destination_of, message_tags
from openses.domain import errors as domain
from openses.domain.messages import Destination
from openses.mail.compose import Content, SimpleMessage
from openses.mail.inspect import V1_API_LIMITS
from openses.services.send_requests import (
    BulkDestination,
    BulkEntryResult,
    BulkSendRequest,
    SendRequest,
    TemplateToRender,
)
from openses.services.templated_sending import parse_send_data, stored_template

# BulkEmailStatus (botocore ``ses``) for an error that stopped one destination; the
# first matching class wins.
_STATUSES: tuple[tuple[type[domain.DomainError], str], ...] = (
    (domain.MessageRejectedError, "MessageRejected"),
    (domain.MailFromDomainNotVerifiedError, "MailFromDomainNotVerified"),
    (domain.InvalidParameterError, "InvalidParameterValue"),
)


def _envelope(params: Params, destination: Destination) -> SimpleMessage:
    """The Simple message around the rendered parts: the template gives subject and bodies."""
    return SimpleMessage(
        from_address=params["Source"],
        subject=Content(""),
        to=destination.to,
        cc=destination.cc,
        bcc=destination.bcc,
        reply_to=tuple(params.get("ReplyToAddresses") or ()),
    )


async def _template(ctx: RequestContext, params: Params, data: dict[str, Any]) -> TemplateToRender:
    template = await stored_template(
        ctx.services.templates, ctx.scope, name=params["Template"], arn=params.get("TemplateArn")
    )
    return TemplateToRender(template.content, data, template.name)


def _request(ctx: RequestContext, params: Params, **fields: Any) -> SendRequest:
    return SendRequest(
        limits=V1_API_LIMITS,
        source=params["Source"],
        feedback_address=params.get("ReturnPath"),
        source_arn=params.get("SourceArn"),
        return_path_arn=params.get("ReturnPathArn"),
        configuration_set_name=params.get("ConfigurationSetName"),
        source_ip=ctx.source_ip,
        caller_identity=ctx.access_key_id,
        **fields,
    )


async def send_templated_email(ctx: RequestContext, params: Params) -> Result:
    template = await _template(ctx, params, parse_send_data(params["TemplateData"]))
    destination = destination_of(params["Destination"]) or Destination()
    request = _request(
        ctx,
        params,
        simple=_envelope(params, destination),
        destination=destination,
        template=template,
        tags=message_tags(params.get("Tags")),
        operation="SendTemplatedEmail",
    )
    return {"MessageId": await ctx.services.sending.send(ctx.scope, request)}


async def send_bulk_templated_email(ctx: RequestContext, params: Params) -> Result:
    template = await _template(ctx, params, parse_send_data(params["DefaultTemplateData"]))
    base = _request(
        ctx,
        params,
        simple=_envelope(params, Destination()),
        template=template,
        tags=message_tags(params.get("DefaultTags")),
        operation="SendBulkTemplatedEmail",
    )
    destinations = tuple(
        BulkDestination(
            destination=destination_of(entry["Destination"]) or Destination(),
            replacement_data=entry.get("ReplacementTemplateData"),
            replacement_tags=message_tags(entry.get("ReplacementTags")),
        )
        for entry in params["Destinations"]
    )
    results = await ctx.services.sending.send_bulk(ctx.scope, BulkSendRequest(base, destinations))
    return {"Status": [_status(result) for result in results]}


def _status(result: BulkEntryResult) -> dict[str, str]:
    if result.error is None:
        assert result.message_id is not None
        return {"Status": "Success", "MessageId": result.message_id}
    status = next((s for cls, s in _STATUSES if isinstance(result.error, cls)), "Failed")
    return {"Status": status, "Error": result.error.message}
