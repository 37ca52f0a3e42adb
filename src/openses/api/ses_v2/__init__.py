"""SES v2 (``sesv2``, rest-json, 2019-09-27): the operations openses implements."""

from __future__ import annotations

from openses.api.context import Handler
from openses.api.ses_v2 import account, identities, sending, tags

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
}
