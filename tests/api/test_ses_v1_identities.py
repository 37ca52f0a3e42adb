"""SES v1 identity operations through a real boto3 client over a socket."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from botocore.exceptions import ClientError


def test_verified_email_identity_is_listed_and_verified_in_dev_mode(ses: Any) -> None:
    ses.verify_email_identity(EmailAddress="sender@example.com")
    assert ses.list_identities()["Identities"] == ["sender@example.com"]
    attributes = ses.get_identity_verification_attributes(Identities=["sender@example.com"])
    assert attributes["VerificationAttributes"] == {
        "sender@example.com": {"VerificationStatus": "Success"}
    }
    assert ses.list_verified_email_addresses()["VerifiedEmailAddresses"] == ["sender@example.com"]


def test_verify_domain_returns_a_stable_44_character_token(ses: Any) -> None:
    token = ses.verify_domain_identity(Domain="Example.COM")["VerificationToken"]
    assert len(base64.b64decode(token)) == 32
    assert ses.verify_domain_identity(Domain="example.com")["VerificationToken"] == token
    attributes = ses.get_identity_verification_attributes(Identities=["example.com"])
    assert attributes["VerificationAttributes"]["example.com"] == {
        "VerificationStatus": "Success",
        "VerificationToken": token,
    }


def test_list_identities_filters_by_type_and_pages(ses: Any) -> None:
    for i in range(5):
        ses.verify_email_identity(EmailAddress=f"user{i}@example.com")
    ses.verify_domain_identity(Domain="example.org")
    assert ses.list_identities(IdentityType="Domain")["Identities"] == ["example.org"]
    first = ses.list_identities(IdentityType="EmailAddress", MaxItems=2)
    assert first["Identities"] == ["user0@example.com", "user1@example.com"]
    names = list(first["Identities"])
    token = first["NextToken"]
    while token:
        page = ses.list_identities(IdentityType="EmailAddress", MaxItems=2, NextToken=token)
        names += page["Identities"]
        token = page.get("NextToken")
    assert names == [f"user{i}@example.com" for i in range(5)]
    paginated = ses.get_paginator("list_identities").paginate(PaginationConfig={"PageSize": 4})
    assert [n for page in paginated for n in page["Identities"]] == [*names, "example.org"]


def test_delete_identity_is_idempotent(ses: Any) -> None:
    ses.verify_email_identity(EmailAddress="gone@example.com")
    ses.delete_identity(Identity="gone@example.com")
    ses.delete_identity(Identity="gone@example.com")
    ses.delete_identity(Identity="never-existed.example")
    assert ses.list_identities()["Identities"] == []


def test_deprecated_address_operations_work_on_the_same_store(ses: Any) -> None:
    ses.verify_email_address(EmailAddress="old@example.com")
    assert ses.list_identities()["Identities"] == ["old@example.com"]
    ses.delete_verified_email_address(EmailAddress="old@example.com")
    assert ses.list_verified_email_addresses()["VerifiedEmailAddresses"] == []


def test_unknown_identities_are_left_out_of_verification_attributes(ses: Any) -> None:
    ses.verify_email_identity(EmailAddress="known@example.com")
    attributes = ses.get_identity_verification_attributes(
        Identities=["known@example.com", "unknown@example.com"]
    )["VerificationAttributes"]
    assert list(attributes) == ["known@example.com"]


@pytest.mark.parametrize("address", ["not-an-address", "a b@example.com", "me@"])
def test_malformed_address_is_invalid_parameter_value(ses: Any, address: str) -> None:
    with pytest.raises(ClientError) as caught:
        ses.verify_email_identity(EmailAddress=address)
    error = caught.value.response["Error"]
    assert error["Code"] == "InvalidParameterValue"
    assert error["Message"] == f"Invalid email address<{address}>."
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_missing_required_parameter_is_a_validation_error(clean_dev_server: Any) -> None:
    import urllib.request

    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    request = AWSRequest(
        method="POST",
        url=f"{clean_dev_server.endpoint}/",
        data=b"Action=VerifyEmailIdentity&Version=2010-12-01",
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
    )
    SigV4Auth(Credentials("test", "test"), "ses", "us-east-1").add_auth(request)
    prepared = request.prepare()
    raw = urllib.request.Request(
        prepared.url, data=prepared.body, headers=dict(prepared.headers), method="POST"
    )
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(raw, timeout=30)
    body = caught.value.read().decode()
    assert caught.value.code == 400
    assert "<Code>ValidationError</Code>" in body
    assert "emailAddress" in body


def test_send_quota_and_sending_switch(ses: Any) -> None:
    quota = ses.get_send_quota()
    assert quota["SentLast24Hours"] == 0.0
    assert quota["MaxSendRate"] > 1  # the dev account is out of the sandbox
    assert ses.get_account_sending_enabled()["Enabled"] is True
    ses.update_account_sending_enabled(Enabled=False)
    assert ses.get_account_sending_enabled()["Enabled"] is False
    ses.update_account_sending_enabled(Enabled=True)
    assert ses.get_account_sending_enabled()["Enabled"] is True


def test_regions_are_separate_stores(clean_dev_server: Any) -> None:
    east = clean_dev_server.client("ses", region="us-east-1")
    west = clean_dev_server.client("ses", region="eu-west-1")
    east.verify_email_identity(EmailAddress="east@example.com")
    assert west.list_identities()["Identities"] == []
    west.update_account_sending_enabled(Enabled=False)
    assert east.get_account_sending_enabled()["Enabled"] is True


def test_unimplemented_operation_answers_501_naming_it(ses: Any) -> None:
    with pytest.raises(ClientError) as caught:
        ses.list_receipt_rule_sets()
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 501
    assert caught.value.response["Error"]["Code"] == "NotImplemented"
    assert "ListReceiptRuleSets" in caught.value.response["Error"]["Message"]
