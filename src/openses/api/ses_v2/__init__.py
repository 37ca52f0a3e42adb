"""SES v2 (``sesv2``, rest-json, 2019-09-27): the operations openses implements."""

from __future__ import annotations

from openses.api.context import Handler
from openses.api.ses_v1 import custom_verification as v1_custom_verification
from openses.api.ses_v2 import (
    account,
    custom_verification,
    dkim,
    identities,
    identity_settings,
    policies,
    sending,
    tags,
    templated_sending,
    templates,
)

OPERATIONS: dict[str, Handler] = {
    "CreateEmailIdentityPolicy": policies.create_email_identity_policy,
    "GetEmailIdentityPolicies": policies.get_email_identity_policies,
    "UpdateEmailIdentityPolicy": policies.update_email_identity_policy,
    "DeleteEmailIdentityPolicy": policies.delete_email_identity_policy,
    "CreateEmailIdentity": identities.create_email_identity,
    "GetEmailIdentity": identities.get_email_identity,
    "ListEmailIdentities": identities.list_email_identities,
    "DeleteEmailIdentity": identities.delete_email_identity,
    "PutEmailIdentityDkimAttributes": dkim.put_email_identity_dkim_attributes,
    "PutEmailIdentityDkimSigningAttributes": dkim.put_email_identity_dkim_signing_attributes,
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
    "PutEmailIdentityMailFromAttributes": identity_settings.put_email_identity_mail_from_attributes,
    "PutEmailIdentityFeedbackAttributes": identity_settings.put_email_identity_feedback_attributes,
    "PutEmailIdentityConfigurationSetAttributes": (
        identity_settings.put_email_identity_configuration_set_attributes
    ),
    "CreateCustomVerificationEmailTemplate": (
        custom_verification.create_custom_verification_email_template
    ),
    "UpdateCustomVerificationEmailTemplate": (
        v1_custom_verification.update_custom_verification_email_template
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
    "SendCustomVerificationEmail": v1_custom_verification.send_custom_verification_email,
}
