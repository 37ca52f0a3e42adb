"""SES v2 custom verification e-mail template operations and SendCustomVerificationEmail.

The same store and rules as v1 (``services.custom_verification``); v2 adds tags at
creation and answers NotFound when deleting an unknown template. Update and
SendCustomVerificationEmail are the same in both APIs: v1's handlers serve them.
"""

from __future__ import annotations

from openses.api.context import Params, RequestContext, Result
from openses.api.ses_v1.custom_verification import template_fields, template_metadata
from openses.api.ses_v2.identities import tags_from_wire, tags_to_wire
from openses.domain.errors import InvalidParameterError

# ListCustomVerificationEmailTemplates PageSize: "at least 1, and can be no more than 50".
_MAX_PAGE_SIZE = 50


async def create_custom_verification_email_template(ctx: RequestContext, params: Params) -> Result:
    await ctx.services.custom_verification.create(
        ctx.scope,
        params["TemplateName"],
        template_fields(params),
        tags=tags_from_wire(params.get("Tags")),
    )
    return {}


async def get_custom_verification_email_template(ctx: RequestContext, params: Params) -> Result:
    template = await ctx.services.custom_verification.get(ctx.scope, params["TemplateName"])
    tags = await ctx.services.custom_verification.tags_of(ctx.scope, template.name)
    return {
        **template_metadata(template),
        "TemplateContent": template.content,
        "Tags": tags_to_wire(tags),
    }


async def delete_custom_verification_email_template(ctx: RequestContext, params: Params) -> Result:
    await ctx.services.custom_verification.delete(
        ctx.scope, params["TemplateName"], must_exist=True
    )
    return {}


def _page_size(value: int | None) -> int:
    if value is None:
        return _MAX_PAGE_SIZE
    if not 1 <= value <= _MAX_PAGE_SIZE:
        raise InvalidParameterError(f"PageSize must be between 1 and {_MAX_PAGE_SIZE}.")
    return value


async def list_custom_verification_email_templates(ctx: RequestContext, params: Params) -> Result:
    page = await ctx.services.custom_verification.list(
        ctx.scope, page_size=_page_size(params.get("PageSize")), next_token=params.get("NextToken")
    )
    result: Result = {
        "CustomVerificationEmailTemplates": [template_metadata(t) for t in page.templates]
    }
    if page.next_token:
        result["NextToken"] = page.next_token
    return result
