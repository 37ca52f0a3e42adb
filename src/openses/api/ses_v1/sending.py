"""SES v1 sending: SendEmail and SendRawEmail."""

from __future__ import annotations

from typing import Any

from openses.api.context import Params, RequestContext, Result
from openses.domain.messages import Destination
from openses.mail.compose import Content, SimpleMessage
from openses.mail.inspect import V1_API_LIMITS
from openses.services.sending import SendRequest


def destination_of(document: dict[str, Any] | None) -> Destination | None:
    if not document:
        return None
    return Destination(
        tuple(document.get("ToAddresses") or ()),
        tuple(document.get("CcAddresses") or ()),
        tuple(document.get("BccAddresses") or ()),
    )


def content_of(document: dict[str, Any] | None) -> Content | None:
    if document is None:
        return None
    return Content(document.get("Data", ""), document.get("Charset"))


def message_tags(tags: list[dict[str, str]] | None) -> tuple[tuple[str, str], ...]:
    return tuple((tag["Name"], tag["Value"]) for tag in tags or ())


async def send_email(ctx: RequestContext, params: Params) -> Result:
    message = params["Message"]
    body = message.get("Body") or {}
    destination = destination_of(params.get("Destination")) or Destination()
    simple = SimpleMessage(
        from_address=params["Source"],
        subject=content_of(message.get("Subject")) or Content(""),
        text=content_of(body.get("Text")),
        html=content_of(body.get("Html")),
        to=destination.to,
        cc=destination.cc,
        bcc=destination.bcc,
        reply_to=tuple(params.get("ReplyToAddresses") or ()),
    )
    request = SendRequest(
        simple=simple,
        limits=V1_API_LIMITS,
        source=params["Source"],
        destination=destination,
        feedback_address=params.get("ReturnPath"),
        source_arn=params.get("SourceArn"),
        return_path_arn=params.get("ReturnPathArn"),
        configuration_set_name=params.get("ConfigurationSetName"),
        tags=message_tags(params.get("Tags")),
        source_ip=ctx.source_ip,
        caller_identity=ctx.access_key_id,
        operation="SendEmail",
    )
    return {"MessageId": await ctx.services.sending.send(ctx.scope, request)}


async def send_raw_email(ctx: RequestContext, params: Params) -> Result:
    destinations = params.get("Destinations")
    request = SendRequest(
        raw=params["RawMessage"]["Data"],
        limits=V1_API_LIMITS,
        source=params.get("Source"),
        destination=Destination(to=tuple(destinations)) if destinations else None,
        source_arn=params.get("SourceArn"),
        from_arn=params.get("FromArn"),
        return_path_arn=params.get("ReturnPathArn"),
        configuration_set_name=params.get("ConfigurationSetName"),
        tags=message_tags(params.get("Tags")),
        source_ip=ctx.source_ip,
        caller_identity=ctx.access_key_id,
        operation="SendRawEmail",
    )
    return {"MessageId": await ctx.services.sending.send(ctx.scope, request)}
