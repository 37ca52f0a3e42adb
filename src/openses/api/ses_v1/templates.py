"""SES v1 template operations: CreateTemplate … TestRenderTemplate."""

from __future__ import annotations

from typing import Any

from openses.api.context import Params, RequestContext, Result
from openses.domain.errors import InvalidParameterError
from openses.domain.templates import TemplateContent

# ListTemplates MaxItems: "at least 1 and less than or equal to 100. If more than
# 100 items are requested, the page size will automatically set to 100. If you do
# not specify a value, 10 is the default page size." (botocore ses model)
_DEFAULT_MAX_ITEMS = 10
_MAX_ITEMS = 100


def _content(template: dict[str, Any]) -> TemplateContent:
    return TemplateContent(
        subject=template.get("SubjectPart"),
        text=template.get("TextPart"),
        html=template.get("HtmlPart"),
    )


async def create_template(ctx: RequestContext, params: Params) -> Result:
    template = params["Template"]
    await ctx.services.templates.create(ctx.scope, template["TemplateName"], _content(template))
    return {}


async def update_template(ctx: RequestContext, params: Params) -> Result:
    template = params["Template"]
    await ctx.services.templates.update(ctx.scope, template["TemplateName"], _content(template))
    return {}


async def delete_template(ctx: RequestContext, params: Params) -> Result:
    await ctx.services.templates.delete(ctx.scope, params["TemplateName"], must_exist=False)
    return {}


async def get_template(ctx: RequestContext, params: Params) -> Result:
    template = await ctx.services.templates.get(ctx.scope, params["TemplateName"])
    wire: dict[str, Any] = {"TemplateName": template.name}
    for key, value in (
        ("SubjectPart", template.content.subject),
        ("TextPart", template.content.text),
        ("HtmlPart", template.content.html),
    ):
        if value is not None:
            wire[key] = value
    return {"Template": wire}


def _page_size(max_items: int | None) -> int:
    if max_items is None:
        return _DEFAULT_MAX_ITEMS
    if max_items < 1:
        raise InvalidParameterError("MaxItems must be at least 1.")
    return min(max_items, _MAX_ITEMS)


async def list_templates(ctx: RequestContext, params: Params) -> Result:
    page = await ctx.services.templates.list(
        ctx.scope,
        page_size=_page_size(params.get("MaxItems")),
        next_token=params.get("NextToken"),
    )
    result: Result = {
        "TemplatesMetadata": [
            {"Name": template.name, "CreatedTimestamp": template.created_at}
            for template in page.templates
        ]
    }
    if page.next_token:
        result["NextToken"] = page.next_token
    return result


async def test_render_template(ctx: RequestContext, params: Params) -> Result:
    rendered = await ctx.services.templates.test_render(
        ctx.scope, params["TemplateName"], params["TemplateData"]
    )
    return {"RenderedTemplate": rendered}
