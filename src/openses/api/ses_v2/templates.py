"""SES v2 e-mail template operations: CreateEmailTemplate … TestRenderEmailTemplate."""

from __future__ import annotations

from typing import Any

from openses.api.context import Params, RequestContext, Result
from openses.api.ses_v2.identities import tags_from_wire, tags_to_wire
from openses.domain.errors import InvalidParameterError
from openses.domain.templates import TemplateContent

# ListEmailTemplates PageSize: "at least 1, and can be no more than 100"; the
# NextToken text speaks of "the next 10 email templates" (botocore sesv2 model).
_DEFAULT_PAGE_SIZE = 10
_MAX_PAGE_SIZE = 100


def _content(wire: dict[str, Any]) -> TemplateContent:
    return TemplateContent(
        subject=wire.get("Subject"), text=wire.get("Text"), html=wire.get("Html")
    )


def _wire_content(content: TemplateContent) -> dict[str, str]:
    pairs = (("Subject", content.subject), ("Text", content.text), ("Html", content.html))
    return {key: value for key, value in pairs if value is not None}


async def create_email_template(ctx: RequestContext, params: Params) -> Result:
    await ctx.services.templates.create(
        ctx.scope,
        params["TemplateName"],
        _content(params["TemplateContent"]),
        tags=tags_from_wire(params.get("Tags")),
    )
    return {}


async def update_email_template(ctx: RequestContext, params: Params) -> Result:
    await ctx.services.templates.update(
        ctx.scope, params["TemplateName"], _content(params["TemplateContent"])
    )
    return {}


async def delete_email_template(ctx: RequestContext, params: Params) -> Result:
    await ctx.services.templates.delete(ctx.scope, params["TemplateName"], must_exist=True)
    return {}


async def get_email_template(ctx: RequestContext, params: Params) -> Result:
    template = await ctx.services.templates.get(ctx.scope, params["TemplateName"])
    tags = await ctx.services.templates.tags_of(ctx.scope, template.name)
    return {
        "TemplateName": template.name,
        "TemplateContent": _wire_content(template.content),
        "Tags": tags_to_wire(tags),
    }


def _page_size(value: int | None) -> int:
    if value is None:
        return _DEFAULT_PAGE_SIZE
    if not 1 <= value <= _MAX_PAGE_SIZE:
        raise InvalidParameterError(f"PageSize must be between 1 and {_MAX_PAGE_SIZE}.")
    return value


async def list_email_templates(ctx: RequestContext, params: Params) -> Result:
    page = await ctx.services.templates.list(
        ctx.scope, page_size=_page_size(params.get("PageSize")), next_token=params.get("NextToken")
    )
    result: Result = {
        "TemplatesMetadata": [
            {"TemplateName": template.name, "CreatedTimestamp": template.created_at}
            for template in page.templates
        ]
    }
    if page.next_token:
        result["NextToken"] = page.next_token
    return result


async def test_render_email_template(ctx: RequestContext, params: Params) -> Result:
    rendered = await ctx.services.templates.test_render(
        ctx.scope, params["TemplateName"], params["TemplateData"]
    )
    return {"RenderedTemplate": rendered}
