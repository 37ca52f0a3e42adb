"""SES v1 custom verification e-mail template operations and SendCustomVerificationEmail."""

from __future__ import annotations

from typing import Any

from openses.api.context import Params, RequestContext, Result
from openses.domain.custom_verification import CustomVerificationTemplate, TemplateFields

# ListCustomVerificationEmailTemplates MaxResults: "at least 1 and less than or equal
# to 50. If you do not specify a value ... the operation returns up to 50 results."
_MAX_RESULTS = 50


def template_fields(params: Params) -> TemplateFields:
    """The template fields of a create or update request (the same members in v1 and v2)."""
    return TemplateFields(
        from_address=params.get("FromEmailAddress"),
        subject=params.get("TemplateSubject"),
        content=params.get("TemplateContent"),
        success_url=params.get("SuccessRedirectionURL"),
        failure_url=params.get("FailureRedirectionURL"),
    )


def template_metadata(template: CustomVerificationTemplate) -> dict[str, Any]:
    """What both APIs list about a template (everything but its content)."""
    return {
        "TemplateName": template.name,
        "FromEmailAddress": template.from_address,
        "TemplateSubject": template.subject,
        "SuccessRedirectionURL": template.success_url,
        "FailureRedirectionURL": template.failure_url,
    }


async def create_custom_verification_email_template(ctx: RequestContext, params: Params) -> Result:
    await ctx.services.custom_verification.create(
        ctx.scope, params["TemplateName"], template_fields(params)
    )
    return {}


async def update_custom_verification_email_template(ctx: RequestContext, params: Params) -> Result:
    await ctx.services.custom_verification.update(
        ctx.scope, params["TemplateName"], template_fields(params)
    )
    return {}


async def get_custom_verification_email_template(ctx: RequestContext, params: Params) -> Result:
    template = await ctx.services.custom_verification.get(ctx.scope, params["TemplateName"])
    return {**template_metadata(template), "TemplateContent": template.content}


async def delete_custom_verification_email_template(ctx: RequestContext, params: Params) -> Result:
    await ctx.services.custom_verification.delete(
        ctx.scope, params["TemplateName"], must_exist=False
    )
    return {}


async def list_custom_verification_email_templates(ctx: RequestContext, params: Params) -> Result:
    page = await ctx.services.custom_verification.list(
        ctx.scope,
        page_size=params.get("MaxResults") or _MAX_RESULTS,
        next_token=params.get("NextToken"),
    )
    result: Result = {
        "CustomVerificationEmailTemplates": [template_metadata(t) for t in page.templates]
    }
    if page.next_token:
        result["NextToken"] = page.next_token
    return result


async def send_custom_verification_email(ctx: RequestContext, params: Params) -> Result:
    message_id = await ctx.services.custom_verification.send(
        ctx.scope,
        params["EmailAddress"],
        params["TemplateName"],
        configuration_set_name=params.get("ConfigurationSetName"),
    )
    return {"MessageId": message_id}
