"""SES v2 (``sesv2``, rest-json, 2019-09-27): the operations openses implements."""

from __future__ import annotations

from openses.api.context import Handler
from openses.api.ses_v2 import account, identities, sending, tags, templated_sending, templates

OPERATIONS: dict[str, Handler] = {
    "CreateEmailIdentity": identities.create_email_identity,
    "GetEmailIdentity": identities.get_email_identity,
    "ListEmailIdentities": identities.list_email_identities,
    "DeleteEmailIdentity": identities.delete_email_identity,
    "GetAccount": account.get_account,
    "TagResource": tags.tag_resource,
    "UntagResource": tags.untag_resource,
    "ListTagsForResource": tags.list_tags_for_resource,
    "SendEmail": sending.send_email,
    "SendBulkEmail": templated_sending.send_bulk_email,
    "CreateEmailTemplate": templates.create_email_template,
    "UpdateEmailTemplate": templates.update_email_template,
    "DeleteEmailTemplate": templates.delete_email_template,
    "GetEmailTemplate": templates.get_email_template,
    "ListEmailTemplates": templates.list_email_templates,
    "TestRenderEmailTemplate": templates.test_render_email_template,
}
