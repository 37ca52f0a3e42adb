"""SES v1 (``ses``, query protocol, 2010-12-01): the operations openses implements."""

from __future__ import annotations

from openses.api.context import Handler
from openses.api.ses_v1 import account, identities, sending, templated_sending, templates

OPERATIONS: dict[str, Handler] = {
    "VerifyEmailIdentity": identities.verify_email_identity,
    "VerifyEmailAddress": identities.verify_email_address,
    "VerifyDomainIdentity": identities.verify_domain_identity,
    "ListIdentities": identities.list_identities,
    "ListVerifiedEmailAddresses": identities.list_verified_email_addresses,
    "DeleteIdentity": identities.delete_identity,
    "DeleteVerifiedEmailAddress": identities.delete_verified_email_address,
    "GetIdentityVerificationAttributes": identities.get_identity_verification_attributes,
    "GetSendQuota": account.get_send_quota,
    "GetAccountSendingEnabled": account.get_account_sending_enabled,
    "UpdateAccountSendingEnabled": account.update_account_sending_enabled,
    "GetSendStatistics": account.get_send_statistics,
    "SendEmail": sending.send_email,
    "SendRawEmail": sending.send_raw_email,
    "SendTemplatedEmail": templated_sending.send_templated_email,
    "SendBulkTemplatedEmail": templated_sending.send_bulk_templated_email,
    "CreateTemplate": templates.create_template,
    "UpdateTemplate": templates.update_template,
    "DeleteTemplate": templates.delete_template,
    "GetTemplate": templates.get_template,
    "ListTemplates": templates.list_templates,
    "TestRenderTemplate": templates.test_render_template,
}
