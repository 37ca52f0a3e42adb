"""SES v2 SendEmail: Simple, Raw and Template content."""

from __future__ import annotations

from typing import Any

from openses.api.context import Params, RequestContext, Result
from openses.api.ses_v1.sending import content_of, destination_of, message_tags
from openses.api.ses_v2.templated_sending import (
    attachment_of,
    headers_of,
    templated_send_request,
)
from openses.domain.errors import InvalidParameterError
from openses.domain.messages import Destination
from openses.mail.compose import Content, SimpleMessage
from openses.mail.inspect import V2_API_LIMITS
from openses.services.sending import SendRequest


def _simple(params: Params, simple: dict[str, Any], destination: Destination) -> SimpleMessage:
    body = simple.get("Body") or {}
    return SimpleMessage(
        from_address=params.get("FromEmailAddress") or "",
        subject=content_of(simple.get("Subject")) or Content(""),
        text=content_of(body.get("Text")),
        html=content_of(body.get("Html")),
        to=destination.to,
        cc=destination.cc,
        bcc=destination.bcc,
        reply_to=tuple(params.get("ReplyToAddresses") or ()),
        headers=headers_of(simple.get("Headers")),
        attachments=tuple(attachment_of(a) for a in simple.get("Attachments") or ()),
    )


async def send_email(ctx: RequestContext, params: Params) -> Result:
    content = params["Content"]
    destination = destination_of(params.get("Destination"))
    common: dict[str, Any] = {
        "limits": V2_API_LIMITS,
        "source": params.get("FromEmailAddress"),
        "feedback_address": params.get("FeedbackForwardingEmailAddress"),
        "source_arn": params.get("FromEmailAddressIdentityArn"),
        "return_path_arn": params.get("FeedbackForwardingEmailAddressIdentityArn"),
        "configuration_set_name": params.get("ConfigurationSetName"),
        "tags": message_tags(params.get("EmailTags")),
        "source_ip": ctx.source_ip,
        "caller_identity": ctx.access_key_id,
        "operation": "SendEmail",
    }
    if content.get("Simple") is not None:
        destination = destination or Destination()
        request = SendRequest(
            simple=_simple(params, content["Simple"], destination),
            destination=destination,
            **common,
        )
    elif content.get("Raw") is not None:
        request = SendRequest(raw=content["Raw"]["Data"], destination=destination, **common)
    elif content.get("Template") is not None:
        request = await templated_send_request(ctx, params, content["Template"], common)
    else:
        raise InvalidParameterError("The content must be Simple, Raw or Template.")
    return {"MessageId": await ctx.services.sending.send(ctx.scope, request)}
