"""The sending authorization policy grammar and its IAM-style evaluation, without I/O."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openses.domain.errors import InvalidPolicyError
from openses.domain.policies import (
    AuthorizationRequest,
    Decision,
    evaluate,
    parse_policy,
    request_context,
)

ARN = "arn:aws:ses:us-east-1:888888888888:identity/example.com"
DELEGATE = "123456789012"
NOW = dt.datetime(2018, 9, 15, 12, 0, tzinfo=dt.UTC)


def document(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(**fields: Any) -> dict[str, Any]:
    return {
        "Effect": "Allow",
        "Resource": ARN,
        "Principal": {"AWS": [DELEGATE]},
        "Action": ["SES:SendEmail", "SES:SendRawEmail"],
        **fields,
    }


def request(
    action: str = "SendEmail",
    *,
    account: str = DELEGATE,
    from_address: str = "sender@example.com",
    display: str | None = None,
    recipients: tuple[str, ...] = ("to@example.com",),
    feedback: str = "sender@example.com",
    now: dt.datetime = NOW,
    source_ip: str = "192.0.2.10",
) -> AuthorizationRequest:
    context = request_context(
        account_id=account,
        now=now,
        from_address=from_address,
        from_display_name=display,
        recipients=recipients,
        feedback_address=feedback,
        source_ip=source_ip,
    )
    return AuthorizationRequest(account, action, context)


def decide(text: str, req: AuthorizationRequest) -> Decision:
    return evaluate([parse_policy(text, ARN)], req)


def test_the_guides_examples_parse_and_decide() -> None:
    # "Restricting the time at which the delegate can send email" (September 2018).
    window = document(
        allow(
            Condition={
                "DateGreaterThan": {"aws:CurrentTime": "2018-08-31T12:00Z"},
                "DateLessThan": {"aws:CurrentTime": "2018-10-01T12:00Z"},
            }
        )
    )
    assert decide(window, request()) is Decision.ALLOW
    assert decide(window, request(now=NOW + dt.timedelta(days=30))) is Decision.NOT_ALLOWED
    # "Using multiple statements": the IAM user statement never applies to an account.
    multiple = document(
        allow(
            Condition={
                "StringLike": {
                    "ses:FromAddress": "*@example.com",
                    "ses:FeedbackAddress": "*@example.com",
                }
            }
        ),
        allow(
            Principal={"AWS": "arn:aws:iam::333333333333:user/Jane"},
            Condition={"ForAllValues:StringLike": {"ses:Recipients": "*@example.com"}},
        ),
    )
    assert decide(multiple, request()) is Decision.ALLOW
    assert decide(multiple, request(feedback="b@elsewhere.test")) is Decision.NOT_ALLOWED
    assert decide(multiple, request(account="333333333333")) is Decision.NOT_ALLOWED
    # A service principal parses but never matches an account's request.
    service = document(allow(Principal={"Service": ["cognito-idp.amazonaws.com"]}))
    assert decide(service, request()) is Decision.NOT_ALLOWED


def test_actions_match_without_case_and_with_wildcards() -> None:
    star = document(allow(Action="ses:Send*"))
    for action in ("SendEmail", "SendRawEmail", "SendTemplatedEmail", "SendBulkTemplatedEmail"):
        assert decide(star, request(action)) is Decision.ALLOW
    raw_only = document(allow(Action="SES:SENDRAWEMAIL"))
    assert decide(raw_only, request("SendRawEmail")) is Decision.ALLOW
    assert decide(raw_only, request("SendEmail")) is Decision.NOT_ALLOWED


def test_deny_wins_and_statement_forms() -> None:
    text = json.dumps(
        {
            "Statement": [
                allow(Principal="*"),
                {
                    **allow(),
                    "Effect": "Deny",
                    "Principal": {"AWS": f"arn:aws:iam::{DELEGATE}:root"},
                },
            ]
        }
    )
    assert decide(text, request()) is Decision.DENY
    assert decide(text, request(account="999999999999")) is Decision.ALLOW
    # A single statement may be an object rather than a list.
    single = json.dumps({"Statement": allow()})
    assert decide(single, request()) is Decision.ALLOW


@pytest.mark.parametrize(
    ("condition", "outcomes"),
    [
        # Negated operators hold when the key is absent (no display name).
        ({"StringNotLike": {"ses:FromDisplayName": "*Admin*"}}, (True, True, False)),
        ({"StringLike": {"ses:FromDisplayName": "*Sales*"}}, (False, True, False)),
        ({"StringLikeIfExists": {"ses:FromDisplayName": "*Sales*"}}, (True, True, False)),
        ({"Null": {"ses:FromDisplayName": "true"}}, (True, False, False)),
        ({"StringEqualsIgnoreCase": {"ses:FromAddress": "SENDER@EXAMPLE.COM"}}, (True,) * 3),
        ({"StringEquals": {"ses:FromAddress": "SENDER@EXAMPLE.COM"}}, (False,) * 3),
        ({"IpAddress": {"aws:SourceIp": "192.0.2.0/24"}}, (True,) * 3),
        ({"NotIpAddress": {"aws:SourceIp": ["192.0.2.0/24", "2001:db8::/32"]}}, (False,) * 3),
        ({"NumericLessThan": {"aws:EpochTime": str(int(NOW.timestamp()) + 1)}}, (True,) * 3),
        ({"DateEquals": {"aws:CurrentTime": "2018-09-15T12:00:00Z"}}, (True,) * 3),
        ({"ForAnyValue:StringEquals": {"ses:Recipients": ["x@y.test"]}}, (False,) * 3),
    ],
)
def test_condition_operators(condition: dict[str, Any], outcomes: tuple[bool, ...]) -> None:
    text = document(allow(Condition=condition))
    displays = (None, "Sales Team", "Admin Desk")
    for display, expected in zip(displays, outcomes, strict=True):
        decision = decide(text, request(display=display))
        assert (decision is Decision.ALLOW) is expected, (condition, display)


def test_for_all_values_on_recipients() -> None:
    text = document(allow(Condition={"ForAllValues:StringLike": {"ses:Recipients": "*@ok.test"}}))
    assert decide(text, request(recipients=("a@ok.test", "b@ok.test"))) is Decision.ALLOW
    assert decide(text, request(recipients=("a@ok.test", "b@no.test"))) is Decision.NOT_ALLOWED
    # Without a set operator a multivalued key matches when any value does.
    anyone = document(allow(Condition={"StringLike": {"ses:Recipients": "*@ok.test"}}))
    assert decide(anyone, request(recipients=("a@ok.test", "b@no.test"))) is Decision.ALLOW


def test_string_like_wildcards_are_the_only_specials() -> None:
    text = document(allow(Condition={"StringLike": {"ses:FromAddress": "a?[b]*.c@example.com"}}))
    assert decide(text, request(from_address="ax[b]yy.c@example.com")) is Decision.ALLOW
    assert decide(text, request(from_address="axbyy.c@example.com")) is Decision.NOT_ALLOWED
    assert decide(text, request(from_address="ax[b]yyXc@example.com")) is Decision.NOT_ALLOWED


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[]", "Policy must be a JSON object."),
        (json.dumps({"Statement": [allow(Resource="*")]}), "one resource"),
        (json.dumps({"Statement": [allow(Principal={"CanonicalUser": "x"})]}), "principal"),
        (json.dumps({"Statement": [allow(), allow()]}), "must include"),
        (json.dumps({"Statement": [allow(Sid="a"), allow(Sid="a")]}), "unique"),
        (json.dumps({"Statement": [allow(Action="ses:*Identity")]}), "Invalid action"),
        (document(allow(Condition={"Bool": {"aws:SecureTransport": "y"}})), "'y'"),
        (document(allow(Condition={"ForSome:StringLike": {"ses:Recipients": "x"}})), "ForSome"),
        (json.dumps({"Statement": [allow()], "Extra": 1}), "Unsupported field Extra"),
    ],
)  # fmt: skip
def test_invalid_documents(text: str, message: str) -> None:
    if message == "must include":
        parse_policy(text, ARN)  # two statements without Sid are fine
        return
    with pytest.raises(InvalidPolicyError) as caught:
        parse_policy(text, ARN)
    assert message in caught.value.message


def test_resource_compares_the_domain_without_case() -> None:
    parse_policy(document(allow(Resource=ARN.replace("example.com", "Example.COM"))), ARN)
    address_arn = "arn:aws:ses:us-east-1:888888888888:identity/Someone@example.com"
    parse_policy(document(allow(Resource=address_arn)), address_arn.replace("example", "EXAMPLE"))
    with pytest.raises(InvalidPolicyError):
        parse_policy(document(allow(Resource=address_arn)), address_arn.lower())


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(["Effect", "Principal", "Action", "Resource", "Condition", "AWS", "x"]),
            children,
            max_size=4,
        )
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(statement=_JSON)
def test_any_json_is_parsed_or_refused_with_invalid_policy(statement: object) -> None:
    """The validator never fails with anything but SES's InvalidPolicy error."""
    text = json.dumps({"Statement": [statement]})
    try:
        policy = parse_policy(text, ARN)
    except InvalidPolicyError as error:
        message = error.message
    else:
        assert evaluate([policy], request()) in set(Decision)
        return
    assert message


@settings(max_examples=200, deadline=None)
@given(pattern=st.text(alphabet="ab*?.[]", max_size=6), value=st.text(alphabet="ab.[]", max_size=6))
def test_string_like_agrees_with_a_reference_matcher(pattern: str, value: str) -> None:
    def reference(p: str, v: str) -> bool:
        if not p:
            return not v
        if p[0] == "*":
            return reference(p[1:], v) or (bool(v) and reference(p, v[1:]))
        return bool(v) and (p[0] in ("?", v[0])) and reference(p[1:], v[1:])

    text = document(allow(Condition={"StringLike": {"ses:FromAddress": pattern or "''"}}))
    decision = decide(text, request(from_address=value))
    assert (decision is Decision.ALLOW) is reference(pattern or "''", value)
