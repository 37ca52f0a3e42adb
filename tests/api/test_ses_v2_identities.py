"""SES v2 identity, account and tag operations through a real boto3 client."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError


def test_create_domain_identity_returns_easy_dkim_tokens(sesv2: Any) -> None:
    created = sesv2.create_email_identity(EmailIdentity="Example.com")
    assert created["IdentityType"] == "DOMAIN"
    assert created["VerifiedForSendingStatus"] is True  # dev mode verifies at once
    dkim = created["DkimAttributes"]
    assert dkim["SigningEnabled"] is True
    assert dkim["SigningAttributesOrigin"] == "AWS_SES"
    assert len(dkim["Tokens"]) == 3
    assert all(len(token) == 32 and token.isalnum() for token in dkim["Tokens"])
    fetched = sesv2.get_email_identity(EmailIdentity="example.com")
    assert fetched["DkimAttributes"]["Tokens"] == dkim["Tokens"]
    assert fetched["VerificationStatus"] == "SUCCESS"
    assert fetched["FeedbackForwardingStatus"] is True
    assert fetched["MailFromAttributes"] == {"BehaviorOnMxFailure": "USE_DEFAULT_VALUE"}


def test_email_identity_with_plus_sign_round_trips_through_the_path(sesv2: Any) -> None:
    sesv2.create_email_identity(EmailIdentity="a+b@example.com")
    fetched = sesv2.get_email_identity(EmailIdentity="a+b@example.com")
    assert fetched["IdentityType"] == "EMAIL_ADDRESS"
    assert fetched["DkimAttributes"]["Status"] == "NOT_STARTED"
    names = [i["IdentityName"] for i in sesv2.list_email_identities()["EmailIdentities"]]
    assert names == ["a+b@example.com"]
    sesv2.delete_email_identity(EmailIdentity="a+b@example.com")
    assert sesv2.list_email_identities()["EmailIdentities"] == []


def test_creating_an_existing_identity_is_already_exists(sesv2: Any) -> None:
    sesv2.create_email_identity(EmailIdentity="dup.example")
    with pytest.raises(sesv2.exceptions.AlreadyExistsException) as caught:
        sesv2.create_email_identity(EmailIdentity="dup.example")
    assert caught.value.response["Error"]["Message"] == "Email identity dup.example already exist."


def test_unknown_identity_is_not_found(sesv2: Any) -> None:
    with pytest.raises(sesv2.exceptions.NotFoundException) as caught:
        sesv2.get_email_identity(EmailIdentity="nobody@example.com")
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    with pytest.raises(sesv2.exceptions.NotFoundException):
        sesv2.delete_email_identity(EmailIdentity="nobody@example.com")


def test_v1_and_v2_share_one_store(ses: Any, sesv2: Any) -> None:
    sesv2.create_email_identity(EmailIdentity="v2@example.com")
    ses.verify_domain_identity(Domain="v1.example")
    assert ses.list_identities()["Identities"] == ["v2@example.com", "v1.example"]
    listed = sesv2.list_email_identities()["EmailIdentities"]
    assert [(i["IdentityName"], i["IdentityType"]) for i in listed] == [
        ("v2@example.com", "EMAIL_ADDRESS"),
        ("v1.example", "DOMAIN"),
    ]
    ses.delete_identity(Identity="v2@example.com")
    with pytest.raises(sesv2.exceptions.NotFoundException):
        sesv2.get_email_identity(EmailIdentity="v2@example.com")


def test_list_email_identities_pages_and_filters(sesv2: Any) -> None:
    for i in range(5):
        sesv2.create_email_identity(EmailIdentity=f"u{i}@example.com")
    sesv2.create_email_identity(EmailIdentity="example.io")
    first = sesv2.list_email_identities(PageSize=2)
    assert len(first["EmailIdentities"]) == 2
    assert first["NextToken"]
    names = [i["IdentityName"] for i in first["EmailIdentities"]]
    token = first["NextToken"]
    while token:
        page = sesv2.list_email_identities(PageSize=2, NextToken=token)
        names += [i["IdentityName"] for i in page["EmailIdentities"]]
        token = page.get("NextToken")
    assert names == [f"u{i}@example.com" for i in range(5)] + ["example.io"]
    domains = sesv2.list_email_identities(Filter={"IDENTITY_TYPE": "DOMAIN"})
    assert [i["IdentityName"] for i in domains["EmailIdentities"]] == ["example.io"]


def test_tags_on_identities(sesv2: Any, clean_dev_server: Any) -> None:
    sesv2.create_email_identity(
        EmailIdentity="tagged.example", Tags=[{"Key": "team", "Value": "mail"}]
    )
    arn = "arn:aws:ses:us-east-1:000000000000:identity/tagged.example"
    sesv2.tag_resource(ResourceArn=arn, Tags=[{"Key": "env", "Value": "prod"}])
    assert sesv2.list_tags_for_resource(ResourceArn=arn)["Tags"] == [
        {"Key": "team", "Value": "mail"},
        {"Key": "env", "Value": "prod"},
    ]
    sesv2.untag_resource(ResourceArn=arn, TagKeys=["team"])
    assert sesv2.get_email_identity(EmailIdentity="tagged.example")["Tags"] == [
        {"Key": "env", "Value": "prod"}
    ]
    with pytest.raises(sesv2.exceptions.NotFoundException):
        sesv2.list_tags_for_resource(
            ResourceArn="arn:aws:ses:us-east-1:000000000000:identity/missing.example"
        )


def test_get_account_reports_quota_and_production_access(sesv2: Any) -> None:
    account = sesv2.get_account()
    assert account["ProductionAccessEnabled"] is True
    assert account["SendingEnabled"] is True
    assert account["EnforcementStatus"] == "HEALTHY"
    assert account["SendQuota"]["SentLast24Hours"] == 0.0


def test_invalid_identity_is_bad_request(sesv2: Any) -> None:
    with pytest.raises(sesv2.exceptions.BadRequestException):
        sesv2.create_email_identity(EmailIdentity="not a domain")


def test_unimplemented_v2_operation_answers_501(sesv2: Any) -> None:
    with pytest.raises(ClientError) as caught:
        sesv2.list_contact_lists()
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 501
    assert "ListContactLists" in caught.value.response["Error"]["Message"]
