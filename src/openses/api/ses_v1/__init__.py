"""SES v1 (``ses``, query protocol, 2010-12-01): the operations openses implements."""

from __future__ import annotations

from openses.api.context import Handler
from openses.api.ses_v1 import (
    account,
    custom_verification,
    dkim,
    identities,
    identity_settings,
    policies,
    sending,
    templated_sending,
    templates,
)

OPERATIONS: dict[str, Handler] = {
    "PutIdentityPolicy": policies.put_identity_policy,
    "GetIdentityPolicies": policies.get_identity_policies,
    "ListIdentityPolicies": policies.list_identity_policies,
    "DeleteIdentityPolicy": policies.delete_identity_policy,
    "VerifyEmailIdentity": identities.verify_email_identity,
    "VerifyEmailAddress": identities.verify_email_address,
    "VerifyDomainIdentity": identities.verify_domain_identity,
    "ListIdentities": identities.list_identities,
    "ListVerifiedEmailAddresses": identities.list_verified_email_addresses,
    "DeleteIdentity": identities.delete_identity,
    "DeleteVerifiedEmailAddress": identities.delete_verified_email_address,
    "GetIdentityVerificationAttributes": identities.get_identity_verification_attributes,
    "GetIdentityDkimAttributes": dkim.get_identity_dkim_attributes,
    "VerifyDomainDkim": dkim.verify_domain_dkim,
    "SetIdentityDkimEnabled": dkim.set_identity_dkim_enabled,
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
    "GetIdentityMailFromDomainAttributes": (
        identity_settings.get_identity_mail_from_domain_attributes
    ),
    "SetIdentityMailFromDomain": identity_settings.set_identity_mail_from_domain,
    "GetIdentityNotificationAttributes": identity_settings.get_identity_notification_attributes,
    "SetIdentityFeedbackForwardingEnabled": (
        identity_settings.set_identity_feedback_forwarding_enabled
    ),
    "SetIdentityHeadersInNotificationsEnabled": (
        identity_settings.set_identity_headers_in_notifications_enabled
    ),
    "SetIdentityNotificationTopic": identity_settings.set_identity_notification_topic,
    "CreateCustomVerificationEmailTemplate": (
        custom_verification.create_custom_verification_email_template
    ),
    "UpdateCustomVerificationEmailTemplate": (
        custom_verification.update_custom_verification_email_template
    ),
    "GetCustomVerificationEmailTemplate": (
        custom_verification.get_custom_verification_email_template
    ),
    "DeleteCustomVerificationEmailTemplate": (
        custom_verification.delete_custom_verification_email_template
    ),
    "ListCustomVerificationEmailTemplates": (
        custom_verification.list_custom_verification_email_templates
    ),
    "SendCustomVerificationEmail": custom_verification.send_custom_verification_email,
}
