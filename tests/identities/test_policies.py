"""Identity (sending authorization) policies through real boto3 clients over a socket:
the v1 and v2 operations, one store behind both, and SES's validation of the documents."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.fixtures.server import RunningServer

OWNER = "000000000000"  # the dev-mode account, key test/test
DOMAIN = "owner.test"
ARN = f"arn:aws:ses:us-east-1:{OWNER}:identity/{DOMAIN}"


def policy(resource: str = ARN, **statement: Any) -> str:
    body = {
        "Sid": "AllowDelegate",
        "Effect": "Allow",
        "Resource": resource,
        "Principal": {"AWS": ["111122223333"]},
        "Action": ["SES:SendEmail", "ses:SendRawEmail"],
        **statement,
    }
    return json.dumps({"Version": "2012-10-17", "Statement": [body]})


def _error(call: Any) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as caught:
        call()
    response: Any = caught.value.response
    return (
        response["Error"]["Code"],
        response["Error"]["Message"],
        response["ResponseMetadata"]["HTTPStatusCode"],
    )


@pytest.fixture
def owner(clean_dev_server: RunningServer) -> RunningServer:
    clean_dev_server.client("sesv2").create_email_identity(EmailIdentity=DOMAIN)
    return clean_dev_server


def test_v1_put_get_list_delete_round_trip(owner: RunningServer) -> None:
    ses = owner.client("ses")
    ses.put_identity_policy(Identity=DOMAIN, PolicyName="b-policy", Policy=policy())
    # The identity may be named by its ARN, as the API reference allows.
    ses.put_identity_policy(Identity=ARN, PolicyName="a_policy", Policy=policy())
    assert ses.list_identity_policies(Identity=DOMAIN)["PolicyNames"] == ["a_policy", "b-policy"]
    got = ses.get_identity_policies(Identity=DOMAIN, PolicyNames=["a_policy", "missing"])
    assert got["Policies"] == {"a_policy": policy()}  # unknown names are left out
    # PutIdentityPolicy overwrites a policy of the same name.
    replaced = policy(Condition={"StringLike": {"ses:FromAddress": "news*@owner.test"}})
    ses.put_identity_policy(Identity=DOMAIN, PolicyName="a_policy", Policy=replaced)
    got = ses.get_identity_policies(Identity=DOMAIN, PolicyNames=["a_policy"])
    assert got["Policies"]["a_policy"] == replaced
    ses.delete_identity_policy(Identity=DOMAIN, PolicyName="a_policy")
    ses.delete_identity_policy(Identity=DOMAIN, PolicyName="a_policy")  # idempotent in v1
    assert ses.list_identity_policies(Identity=DOMAIN)["PolicyNames"] == ["b-policy"]


def test_v2_create_get_update_delete_and_one_store_with_v1(owner: RunningServer) -> None:
    sesv2, ses = owner.client("sesv2"), owner.client("ses")
    sesv2.create_email_identity_policy(EmailIdentity=DOMAIN, PolicyName="p1", Policy=policy())
    assert _error(
        lambda: sesv2.create_email_identity_policy(
            EmailIdentity=DOMAIN, PolicyName="p1", Policy=policy()
        )
    )[0::2] == ("AlreadyExistsException", 400)
    assert _error(
        lambda: sesv2.update_email_identity_policy(
            EmailIdentity=DOMAIN, PolicyName="nope", Policy=policy()
        )
    )[0::2] == ("NotFoundException", 404)
    updated = policy(Effect="Deny")
    sesv2.update_email_identity_policy(EmailIdentity=DOMAIN, PolicyName="p1", Policy=updated)
    ses.put_identity_policy(Identity=DOMAIN, PolicyName="p2", Policy=policy())
    expected = {"p1": updated, "p2": policy()}
    assert sesv2.get_email_identity_policies(EmailIdentity=DOMAIN)["Policies"] == expected
    assert sesv2.get_email_identity(EmailIdentity=DOMAIN)["Policies"] == expected
    sesv2.delete_email_identity_policy(EmailIdentity=DOMAIN, PolicyName="p1")
    assert _error(
        lambda: sesv2.delete_email_identity_policy(EmailIdentity=DOMAIN, PolicyName="p1")
    )[0::2] == ("NotFoundException", 404)
    assert ses.list_identity_policies(Identity=DOMAIN)["PolicyNames"] == ["p2"]


def test_unknown_identity_is_refused_by_both_versions(owner: RunningServer) -> None:
    code, message, status = _error(
        lambda: owner.client("ses").put_identity_policy(
            Identity="nobody.test", PolicyName="p", Policy=policy()
        )
    )
    assert (code, status) == ("InvalidParameterValue", 400)
    assert "nobody.test" in message
    assert _error(
        lambda: owner.client("sesv2").get_email_identity_policies(EmailIdentity="nobody.test")
    ) == ("NotFoundException", "Email identity nobody.test does not exist.", 404)
    # Another account's ARN is not the caller's to manage.
    other = f"arn:aws:ses:us-east-1:111122223333:identity/{DOMAIN}"
    assert (
        _error(lambda: owner.client("ses").list_identity_policies(Identity=other))[0]
        == "InvalidParameterValue"
    )


def test_deleting_the_identity_deletes_its_policies(owner: RunningServer) -> None:
    ses, sesv2 = owner.client("ses"), owner.client("sesv2")
    ses.put_identity_policy(Identity=DOMAIN, PolicyName="p", Policy=policy())
    sesv2.delete_email_identity(EmailIdentity=DOMAIN)
    sesv2.create_email_identity(EmailIdentity=DOMAIN)
    assert ses.list_identity_policies(Identity=DOMAIN)["PolicyNames"] == []


def test_twenty_policies_per_identity(owner: RunningServer) -> None:
    ses, sesv2 = owner.client("ses"), owner.client("sesv2")
    for number in range(20):
        ses.put_identity_policy(Identity=DOMAIN, PolicyName=f"p{number}", Policy=policy())
    # Replacing one of the twenty is fine; a 21st is not.
    ses.put_identity_policy(Identity=DOMAIN, PolicyName="p3", Policy=policy(Effect="Deny"))
    assert _error(
        lambda: ses.put_identity_policy(Identity=DOMAIN, PolicyName="p20", Policy=policy())
    )[0::2] == ("LimitExceeded", 400)
    assert _error(
        lambda: sesv2.create_email_identity_policy(
            EmailIdentity=DOMAIN, PolicyName="p20", Policy=policy()
        )
    )[0::2] == ("LimitExceededException", 400)
    assert len(ses.list_identity_policies(Identity=DOMAIN)["PolicyNames"]) == 20


BAD_POLICIES = {
    "not JSON": ("{not json", "Policy is not valid JSON."),
    "no statement": (json.dumps({"Version": "2012-10-17"}), "at least one statement"),
    "empty statement list": (json.dumps({"Statement": []}), "at least one statement"),
    "wrong resource": (
        policy(resource=f"arn:aws:ses:us-east-1:{OWNER}:identity/other.test"),
        f"the ARN of the identity it is attached to: {ARN}.",
    ),
    "wrong region": (
        policy(resource=f"arn:aws:ses:eu-west-1:{OWNER}:identity/{DOMAIN}"),
        "one resource",
    ),
    "two resources": (policy(resource=[ARN, ARN]), "one resource"),
    "bad effect": (policy(Effect="Permit"), "Invalid effect: Permit."),
    "not a sending action": (policy(Action="ses:VerifyEmailIdentity"), "ses:VerifyEmailIdentity"),
    "null principal": (policy(Principal=None), "Invalid principal in policy."),
    "no principals listed": (policy(Principal={"AWS": []}), "Principal AWS must be"),
    "principal not an account": (policy(Principal={"AWS": "12345"}), "Invalid principal"),
    "unknown condition key": (
        policy(Condition={"StringEquals": {"AWS:SourceAccount": "111122223333"}}),
        "Unknown or unapplicable condition field 'AWS:SourceAccount'.",
    ),
    "unknown operator": (
        policy(Condition={"StringAlmost": {"ses:FromAddress": "a@owner.test"}}),
        "Invalid condition operator 'StringAlmost'.",
    ),
    "bad date": (
        policy(Condition={"DateLessThan": {"aws:CurrentTime": "next tuesday"}}),
        "Invalid value 'next tuesday'",
    ),
    "unknown field": (policy(NotAction="ses:SendEmail"), "Unsupported field NotAction"),
}


@pytest.mark.parametrize("case", list(BAD_POLICIES), ids=list(BAD_POLICIES))
def test_invalid_policies_get_ses_errors_in_both_versions(owner: RunningServer, case: str) -> None:
    document, text = BAD_POLICIES[case]
    code, message, status = _error(
        lambda: owner.client("ses").put_identity_policy(
            Identity=DOMAIN, PolicyName="p", Policy=document
        )
    )
    assert (code, status) == ("InvalidPolicy", 400)
    assert text in message
    code, message, status = _error(
        lambda: owner.client("sesv2").create_email_identity_policy(
            EmailIdentity=DOMAIN, PolicyName="p", Policy=document
        )
    )
    assert (code, status) == ("BadRequestException", 400)
    assert text in message
    assert owner.client("ses").list_identity_policies(Identity=DOMAIN)["PolicyNames"] == []


def test_missing_principal_is_reported_as_such(owner: RunningServer) -> None:
    document = json.dumps(
        {"Statement": [{"Effect": "Allow", "Resource": ARN, "Action": "ses:SendEmail"}]}
    )
    code, message, _status = _error(
        lambda: owner.client("ses").put_identity_policy(
            Identity=DOMAIN, PolicyName="p", Policy=document
        )
    )
    assert (code, message) == ("InvalidPolicy", "Missing required field Principal.")


def test_policies_over_four_kilobytes_are_refused(owner: RunningServer) -> None:
    padding = " " * (4096 - len(policy().encode()))
    fits = policy() + padding
    assert len(fits.encode()) == 4096
    owner.client("ses").put_identity_policy(Identity=DOMAIN, PolicyName="fits", Policy=fits)
    code, message, status = _error(
        lambda: owner.client("ses").put_identity_policy(
            Identity=DOMAIN, PolicyName="big", Policy=fits + " "
        )
    )
    assert (code, status) == ("InvalidPolicy", 400)
    assert "4 KB" in message


@pytest.mark.parametrize("name", ["has space", "dot.ted", "ünïcode", "a" * 65])
def test_bad_policy_names(owner: RunningServer, name: str) -> None:
    code, _message, status = _error(
        lambda: owner.client("ses").put_identity_policy(
            Identity=DOMAIN, PolicyName=name, Policy=policy()
        )
    )
    # Lengths are the model's (ValidationError); the characters SES's own rule.
    assert (code, status) in (("InvalidParameterValue", 400), ("ValidationError", 400))
    v2_code, _message, _status = _error(
        lambda: owner.client("sesv2").create_email_identity_policy(
            EmailIdentity=DOMAIN, PolicyName=name, Policy=policy()
        )
    )
    assert v2_code == "BadRequestException"


def test_get_identity_policies_takes_at_most_twenty_names(owner: RunningServer) -> None:
    code, _message, _status = _error(
        lambda: owner.client("ses").get_identity_policies(
            Identity=DOMAIN, PolicyNames=[f"p{n}" for n in range(21)]
        )
    )
    assert code == "InvalidParameterValue"
