"""SES v2 sending with templates: SendEmail with ``Template`` content, and SendBulkEmail.

``Template`` names a stored template (``TemplateName`` or ``TemplateArn``) or carries
its content inline (``TemplateContent``, simple substitutions only), plus
``TemplateData``, ``Headers`` and ``Attachments`` for every message it makes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from openses.api.context import Params, RequestContext, Result
from openses.api.ses_v1.sending import destination_of, message_tags
from openses.domain import errors as domain
from openses.domain.messages import Destination
from openses.domain.templates import TemplateContent
from openses.mail.compose import Attachment, Content, SimpleMessage
from openses.mail.inspect import V2_API_LIMITS
from openses.services.send_requests import (
    BulkDestination,
    BulkEntryResult,
    BulkSendRequest,
    SendRequest,
    TemplateToRender,
)
from openses.services.templated_sending import (
    V2_INVALID_TEMPLATE_DATA,
    TemplateDataError,
    check_inline_template,
    parse_send_data,
    stored_template,
)

# BulkEmailStatus (botocore ``sesv2``) for an error that stopped one entry; the first
# matching class wins.
_STATUSES: tuple[tuple[type[domain.DomainError], str], ...] = (
    (domain.MessageRejectedError, "MESSAGE_REJECTED"),
    (domain.MailFromDomainNotVerifiedError, "MAIL_FROM_DOMAIN_NOT_VERIFIED"),
    (domain.InvalidParameterError, "INVALID_PARAMETER"),
)


def attachment_of(document: dict[str, Any]) -> Attachment:
    return Attachment(
        raw_content=document["RawContent"],
        file_name=document["FileName"],
        content_type=document.get("ContentType"),
        content_disposition=document.get("ContentDisposition"),
        content_id=document.get("ContentId"),
        content_description=document.get("ContentDescription"),
        content_transfer_encoding=document.get("ContentTransferEncoding"),
    )


def headers_of(documents: list[dict[str, str]] | None) -> tuple[tuple[str, str], ...]:
    return tuple((header["Name"], header["Value"]) for header in documents or ())


@contextmanager
def _v2_data_errors() -> Iterator[None]:
    """v2 words a TemplateData that is not a JSON object its own way."""
    try:
        yield
    except TemplateDataError:
        raise domain.InvalidParameterError(V2_INVALID_TEMPLATE_DATA) from None


async def template_to_render(ctx: RequestContext, wire: dict[str, Any]) -> TemplateToRender:
    """The template of a v2 ``Template`` object, with its ``TemplateData``."""
    with _v2_data_errors():
        data = parse_send_data(wire.get("TemplateData"))
    inline = wire.get("TemplateContent")
    if inline is None:
        template = await stored_template(
            ctx.services.templates,
            ctx.scope,
            name=wire.get("TemplateName"),
            arn=wire.get("TemplateArn"),
        )
        return TemplateToRender(template.content, data, template.name)
    if wire.get("TemplateName") or wire.get("TemplateArn"):
        raise domain.InvalidParameterError(
            "Specify either a template name or ARN, or the template content, not both."
        )
    content = TemplateContent(inline.get("Subject"), inline.get("Text"), inline.get("Html"))
    check_inline_template(content)
    return TemplateToRender(content, data, "")


def _envelope(params: Params, wire: dict[str, Any], destination: Destination) -> SimpleMessage:
    """The Simple message around the rendered parts, with the template's headers and files."""
    return SimpleMessage(
        from_address=params.get("FromEmailAddress") or "",
        subject=Content(""),
        to=destination.to,
        cc=destination.cc,
        bcc=destination.bcc,
        reply_to=tuple(params.get("ReplyToAddresses") or ()),
        headers=headers_of(wire.get("Headers")),
        attachments=tuple(attachment_of(a) for a in wire.get("Attachments") or ()),
    )


async def templated_send_request(
    ctx: RequestContext, params: Params, wire: dict[str, Any], common: dict[str, Any]
) -> SendRequest:
    """SendEmail with ``Content.Template``: ``common`` holds the fields every content shares."""
    destination = destination_of(params.get("Destination")) or Destination()
    return SendRequest(
        simple=_envelope(params, wire, destination),
        destination=destination,
        template=await template_to_render(ctx, wire),
        **common,
    )


async def send_bulk_email(ctx: RequestContext, params: Params) -> Result:
    wire = params["DefaultContent"].get("Template")
    if wire is None:
        raise domain.InvalidParameterError("DefaultContent must contain a Template.")
    base = SendRequest(
        simple=_envelope(params, wire, Destination()),
        template=await template_to_render(ctx, wire),
        limits=V2_API_LIMITS,
        source=params.get("FromEmailAddress"),
        feedback_address=params.get("FeedbackForwardingEmailAddress"),
        source_arn=params.get("FromEmailAddressIdentityArn"),
        return_path_arn=params.get("FeedbackForwardingEmailAddressIdentityArn"),
        configuration_set_name=params.get("ConfigurationSetName"),
        tags=message_tags(params.get("DefaultEmailTags")),
        source_ip=ctx.source_ip,
        caller_identity=ctx.access_key_id,
        operation="SendBulkEmail",
    )
    entries = tuple(_entry(entry) for entry in params["BulkEmailEntries"])
    results = await ctx.services.sending.send_bulk(ctx.scope, BulkSendRequest(base, entries))
    return {"BulkEmailEntryResults": [_result(result) for result in results]}


def _entry(entry: dict[str, Any]) -> BulkDestination:
    replacement = (entry.get("ReplacementEmailContent") or {}).get("ReplacementTemplate") or {}
    return BulkDestination(
        destination=destination_of(entry["Destination"]) or Destination(),
        replacement_data=replacement.get("ReplacementTemplateData"),
        replacement_tags=message_tags(entry.get("ReplacementTags")),
        replacement_headers=headers_of(entry.get("ReplacementHeaders")),
    )


def _result(result: BulkEntryResult) -> dict[str, str]:
    if result.error is None:
        assert result.message_id is not None
        return {"Status": "SUCCESS", "MessageId": result.message_id}
    status = next((s for cls, s in _STATUSES if isinstance(result.error, cls)), "FAILED")
    message = result.error.message
    if isinstance(result.error, TemplateDataError):
        message = V2_INVALID_TEMPLATE_DATA
    return {"Status": status, "Error": message}
