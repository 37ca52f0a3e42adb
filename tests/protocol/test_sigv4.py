"""SigV4 verification against the real oracle: botocore's own signers.

Requests are signed by ``SigV4Auth``/``SigV4QueryAuth`` (or by a real botocore
client whose wire request is captured before it is sent), turned into the
``HttpRequest`` an ASGI server would build, and verified. Then they are forged,
truncated, aged and garbled, and must fail with AWS's code, message and status.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import botocore.session
import pytest
from botocore.credentials import Credentials

from openses.protocol.errors import ApiError
from openses.protocol.http import HttpRequest
from openses.protocol.sigv4 import parse_signature, unknown_access_key_error
from tests.protocol.sigv4_helpers import (
    CREDENTIALS,
    ENDPOINT,
    FLAVOURS,
    FORM,
    INCOMPLETE,
    MISMATCH,
    MISSING,
    REGION,
    SEND_EMAIL_FORM,
    SIGNATURE_MISMATCH,
    SIGNED_AT,
    authorization_replaced,
    header_signed,
    presigned,
    rejection,
    replaced,
    verify,
    wire_request,
    with_headers,
)

# --- Requests botocore signed pass ---------------------------------------------------


@pytest.mark.parametrize(
    ("service", "operation", "params", "flavour"),
    [
        (
            "ses",
            "send_email",
            {
                "Source": "a+b@x.com",
                "Destination": {"ToAddresses": ["c@x.com", "d e@x.com"]},
                "Message": {
                    "Subject": {"Data": "héllo & más ~*'()"},
                    "Body": {"Text": {"Data": "x = y + z; 100%"}},
                },
            },
            "query",
        ),
        ("sns", "publish", {"TopicArn": "arn:aws:sns:us-east-1:1:t", "Message": "hi"}, "query"),
        ("sesv2", "get_email_identity", {"EmailIdentity": "a+b@x.com"}, "rest-json"),
        ("sesv2", "get_contact", {"ContactListName": "l 1", "EmailAddress": "x/y@z"}, "rest-json"),
        (
            "sesv2",
            "list_email_identities",
            {"PageSize": 5, "NextToken": "a b+c/=é~*%"},
            "rest-json",
        ),
        (
            "sesv2",
            "send_email",
            {
                "FromEmailAddress": "a@x.com",
                "Destination": {"ToAddresses": ["b@x.com"]},
                "Content": {"Simple": {"Subject": {"Data": "ü"}, "Body": {"Text": {"Data": "."}}}},
            },
            "rest-json",
        ),
    ],
)
def test_requests_of_real_botocore_clients_verify(
    service: str, operation: str, params: dict[str, Any], flavour: str
) -> None:
    request = wire_request(service, operation, **params)
    verify(request, flavour, now=datetime.now(UTC))


def test_v2_identity_path_is_signed_encoded_twice() -> None:
    request = wire_request("sesv2", "get_email_identity", EmailIdentity="a+b@x.com")
    assert request.raw_path == "/v2/email/identities/a%2Bb%40x.com"
    info = parse_signature(request, "rest-json", expected_service="ses", expected_region=REGION)
    assert (info.service, info.region, info.access_key_id) == ("ses", REGION, "AKIDEXAMPLE")


@pytest.mark.parametrize(
    "path_and_query",
    [
        "/v2/email/identities/a%2Bb%40x.com",
        "/v2/email/identities?b=2&a=1&a=0&a=%7E&x=%C3%A9%20y&empty=&flag",
        "/v2/./email//identities/../identities/a%2Fb/",
        "/v2/email/identities/%E2%82%AC?Next%20Token=%2B%2F%3D",
    ],
)
def test_odd_paths_and_query_strings_verify(path_and_query: str) -> None:
    verify(header_signed(path_and_query, method="GET", body=b"", headers={}), "rest-json")


def test_date_header_instead_of_x_amz_date_verifies() -> None:
    request = header_signed(headers={**FORM, "Date": "anything; botocore rewrites it"})
    assert "x-amz-date" not in request.headers
    assert request.headers["date"] == "Fri, 24 May 2013 00:00:00 -0000"
    verify(request)


def test_session_token_is_signed_and_reported() -> None:
    request = header_signed(credentials=Credentials("AKIDEXAMPLE", CREDENTIALS.secret_key, "tok"))
    verify(request)
    assert parse_signature(request, "query").security_token == "tok"


def test_repeated_and_spaced_headers_are_canonicalised_like_botocore() -> None:
    request = header_signed(headers={**FORM, "X-Custom": "  a   b  ", "X-Other": "c\t\td"})
    verify(with_headers(request, **{"x-custom": "a    b"}))


def test_headers_added_after_signing_are_ignored() -> None:
    verify(with_headers(header_signed(), **{"user-agent": "proxy", "x-forwarded-for": "1.2.3.4"}))


def test_matching_content_sha256_header_verifies() -> None:
    digest = hashlib.sha256(SEND_EMAIL_FORM).hexdigest()
    verify(header_signed(headers={**FORM, "X-Amz-Content-SHA256": digest}))


def test_presigned_url_verifies_until_it_expires() -> None:
    request = presigned(expires=60)
    verify(request, now=SIGNED_AT + timedelta(seconds=60))
    error = rejection(request, now=SIGNED_AT + timedelta(seconds=61))
    assert (error.code, error.status, error.message) == (
        "RequestExpired",
        400,
        "Request has expired.",
    )
    assert rejection(request, "rest-json", now=SIGNED_AT + timedelta(hours=1)).status == 403


def test_presigned_url_may_live_a_week_but_no_longer() -> None:
    verify(presigned(expires=604800), now=SIGNED_AT + timedelta(days=6))
    error = rejection(presigned(expires=604801))
    assert (error.code, error.status) == ("IncompleteSignature", 400)
    assert error.message == "X-Amz-Expires must be less than a week (in seconds) that is 604800"


def test_presigned_url_of_a_real_client_verifies() -> None:
    client = botocore.session.get_session().create_client(
        "sesv2",
        region_name=REGION,
        endpoint_url=ENDPOINT,
        aws_access_key_id=CREDENTIALS.access_key,
        aws_secret_access_key=CREDENTIALS.secret_key,
    )
    url = urlsplit(client.generate_presigned_url("get_email_identity", {"EmailIdentity": "a+b@x"}))
    request = HttpRequest("GET", url.path, url.query, {"host": url.netloc}, b"")
    verify(request, "rest-json", now=datetime.now(UTC))
    assert parse_signature(request, "rest-json").presigned


# --- Forged requests fail ------------------------------------------------------------


def _flip_one_bit_of_signature(request: HttpRequest) -> HttpRequest:
    authorization = request.headers["authorization"]
    last = authorization[-1]
    flipped = format(int(last, 16) ^ 1, "x")
    return with_headers(request, authorization=authorization[:-1] + flipped)


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(_flip_one_bit_of_signature, id="signature-bit-flipped"),
        pytest.param(lambda r: replaced(r, body=r.body + b"&Extra=1"), id="body-changed"),
        pytest.param(lambda r: replaced(r, body=b""), id="body-dropped"),
        pytest.param(lambda r: replaced(r, raw_path="/v2/email"), id="path-changed"),
        pytest.param(lambda r: replaced(r, raw_path="/%2F"), id="path-encoded-differently"),
        pytest.param(lambda r: replaced(r, query_string="a=1"), id="query-added"),
        pytest.param(lambda r: replaced(r, method="PUT"), id="method-changed"),
        pytest.param(lambda r: with_headers(r, host="evil:8080"), id="host-changed"),
        pytest.param(lambda r: with_headers(r, **{"content-type": "text/plain"}), id="header"),
    ],
)
@pytest.mark.parametrize("flavour", FLAVOURS)
def test_forged_requests_are_rejected_as_signature_mismatch(forge: Any, flavour: str) -> None:
    error = rejection(forge(header_signed()), flavour)
    assert (error.code, error.status) == MISMATCH[flavour]
    assert error.message == SIGNATURE_MISMATCH


def test_wrong_secret_is_a_signature_mismatch() -> None:
    request = header_signed(credentials=Credentials("AKIDEXAMPLE", "not-the-secret"))
    assert rejection(request).message == SIGNATURE_MISMATCH


def test_unsigned_payload_is_refused_outside_s3() -> None:
    request = header_signed(headers={**FORM, "X-Amz-Content-SHA256": "UNSIGNED-PAYLOAD"})
    assert rejection(request).message == SIGNATURE_MISMATCH


def test_content_sha256_header_added_after_signing_changes_nothing() -> None:
    verify(with_headers(header_signed(), **{"x-amz-content-sha256": "UNSIGNED-PAYLOAD"}))


def test_body_changed_under_a_matching_content_sha256_header_fails() -> None:
    digest = hashlib.sha256(SEND_EMAIL_FORM).hexdigest()
    request = header_signed(headers={**FORM, "X-Amz-Content-SHA256": digest})
    assert (
        rejection(replaced(request, body=b"Action=DeleteIdentity")).code == "SignatureDoesNotMatch"
    )


def test_presigned_query_changed_after_signing_fails() -> None:
    request = presigned()
    forged = replaced(request, query_string=request.query_string.replace("GetSendQuota", "X"))
    assert rejection(forged).message == SIGNATURE_MISMATCH


def test_unknown_access_key_errors_are_the_aws_ones() -> None:
    query, rest_json = unknown_access_key_error("query"), unknown_access_key_error("rest-json")
    assert (query.code, query.status) == ("InvalidClientTokenId", 403)
    assert (rest_json.code, rest_json.status) == ("UnrecognizedClientException", 403)
    assert query.message == "The security token included in the request is invalid."


# --- Truncated or malformed authentication -------------------------------------------


def test_no_authentication_at_all_is_a_missing_token() -> None:
    request = replaced(header_signed(), headers={"host": "localhost:8080"})
    for flavour in FLAVOURS:
        error = rejection(request, flavour)
        assert (error.code, error.status) == MISSING[flavour]
        assert error.message == "Request is missing Authentication Token"


@pytest.mark.parametrize("value", ["", "Bearer abc", "AWS AKID:c2lnbmF0dXJl", "   "])
def test_non_sigv4_authorization_is_a_missing_token(value: str) -> None:
    assert (
        rejection(with_headers(header_signed(), authorization=value)).code
        == "MissingAuthenticationToken"
    )


def test_missing_authorization_parts_are_all_listed() -> None:
    request = with_headers(header_signed(), authorization="AWS4-HMAC-SHA256 Foo=bar")
    request = replaced(
        request, headers={k: v for k, v in request.headers.items() if k != "x-amz-date"}
    )
    error = rejection(request, "rest-json")
    assert (error.code, error.status) == INCOMPLETE["rest-json"]
    assert error.message.startswith(
        "Authorization header requires 'Credential' parameter. "
        "Authorization header requires 'Signature' parameter. "
        "Authorization header requires 'SignedHeaders' parameter. "
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
        "(Hashed with SHA-256 and encoded with Base64) Authorization="
    )


def test_signed_headers_missing_is_incomplete() -> None:
    request = authorization_replaced(header_signed(), "SignedHeaders=", "Signed=")
    error = rejection(request)
    assert (error.code, error.status) == INCOMPLETE["query"]
    assert error.message.startswith("Authorization header requires 'SignedHeaders' parameter.")


def test_parameter_without_equal_sign_is_incomplete() -> None:
    error = rejection(authorization_replaced(header_signed(), "Signature=", "Signature "))
    assert error.message.startswith("Invalid key=value pair (missing equal-sign) in Authorization")


@pytest.mark.parametrize(
    ("credential", "shown"),
    [("AKIDEXAMPLE/20130524/us-east-1/ses", "AKIDEXAMPLE/20130524/us-east-1/ses"), ("x", "x")],
)
def test_credential_missing_parts_is_incomplete(credential: str, shown: str) -> None:
    full = "AKIDEXAMPLE/20130524/us-east-1/ses/aws4_request"
    error = rejection(authorization_replaced(header_signed(), full, credential))
    assert (error.code, error.status) == INCOMPLETE["query"]
    assert error.message == (
        "Credential must have exactly 5 slash-delimited elements, "
        f"e.g. keyid/date/region/service/term, got '{shown}'"
    )


def test_truncated_signature_is_a_mismatch() -> None:
    request = header_signed()
    truncated = with_headers(request, authorization=request.headers["authorization"][:-10])
    assert rejection(truncated).message == SIGNATURE_MISMATCH


def test_host_must_be_signed() -> None:
    error = rejection(
        authorization_replaced(
            header_signed(), "SignedHeaders=content-type;host;", "SignedHeaders=content-type;"
        )
    )
    assert (error.code, error.status) == MISMATCH["query"]
    assert (
        error.message == "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."
    )


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_wrong_algorithm_is_incomplete(flavour: str) -> None:
    error = rejection(
        authorization_replaced(header_signed(), "AWS4-HMAC-SHA256", "AWS4-HMAC-SHA512"), flavour
    )
    assert (error.code, error.status) == INCOMPLETE[flavour]
    assert (
        error.message
        == "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512' (only AWS4-HMAC-SHA256 for now). "
    )
    query = presigned().query_string.replace("AWS4-HMAC-SHA256", "AWS4-HMAC-SHA1")
    assert rejection(replaced(presigned(), query_string=query)).code == "IncompleteSignature"


def test_malformed_date_is_incomplete() -> None:
    error = rejection(with_headers(header_signed(), **{"x-amz-date": "2013-05-24T00:00:00Z"}))
    assert (error.code, error.status) == INCOMPLETE["query"]
    assert error.message == (
        "Date must be in ISO-8601 'basic format'. Got '2013-05-24T00:00:00Z'. "
        "See http://en.wikipedia.org/wiki/ISO_8601"
    )


def test_presigned_parts_missing_are_listed() -> None:
    error = rejection(replaced(presigned(), query_string="X-Amz-Algorithm=AWS4-HMAC-SHA256"))
    assert error.message == (
        "AWS query-string parameters must include 'X-Amz-Credential'. "
        "AWS query-string parameters must include 'X-Amz-Signature'. "
        "AWS query-string parameters must include 'X-Amz-SignedHeaders'. "
        "AWS query-string parameters must include 'X-Amz-Date'. "
        "Re-examine the query-string parameters."
    )


def test_both_header_and_presigned_query_is_rejected() -> None:
    request = replaced(header_signed(), query_string=presigned().query_string)
    error = rejection(request, "rest-json")
    assert (error.code, error.status) == MISMATCH["rest-json"]
    assert error.message.startswith("Found both 'X-Amz-Algorithm' as a query-string param")


# --- Time and scope ------------------------------------------------------------------


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_header_signature_older_than_15_minutes_has_expired(flavour: str) -> None:
    request = header_signed()
    verify(request, flavour, now=SIGNED_AT + timedelta(minutes=15))
    error = rejection(request, flavour, now=SIGNED_AT + timedelta(minutes=25))
    assert (error.code, error.status) == MISMATCH[flavour]
    assert error.message == (
        "Signature expired: 20130524T000000Z is now earlier than 20130524T001000Z "
        "(20130524T002500Z - 15 min.)"
    )


def test_header_signature_more_than_15_minutes_ahead_is_not_yet_current() -> None:
    request = header_signed()
    verify(request, now=SIGNED_AT - timedelta(minutes=15))
    error = rejection(request, now=SIGNED_AT - timedelta(minutes=20))
    assert error.code == "SignatureDoesNotMatch"
    assert error.message == (
        "Signature not yet current: 20130524T000000Z is still later than 20130523T235500Z "
        "(20130523T234000Z + 15 min.)"
    )


def test_clock_is_checked_before_the_key_is_looked_up() -> None:
    with pytest.raises(ApiError, match="Signature expired"):
        parse_signature(header_signed(), "query", SIGNED_AT + timedelta(hours=1))


def test_scope_date_must_match_the_request_date() -> None:
    request = with_headers(header_signed(), **{"x-amz-date": "20130525T000000Z"})
    error = rejection(request, now=SIGNED_AT + timedelta(days=1))
    assert (error.code, error.status) == MISMATCH["query"]
    assert error.message == (
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from "
        "HTTP: '20130524' != '20130525', from '20130525T000000Z'."
    )


def test_scope_must_end_in_aws4_request_and_name_the_service() -> None:
    request = authorization_replaced(header_signed(), "/ses/aws4_request", "/sns/aws5_request")
    with pytest.raises(ApiError) as raised:
        parse_signature(request, "query", expected_service="ses", expected_region="eu-west-1")
    assert raised.value.message == (
        "Credential should be scoped to a valid region, not 'us-east-1'. "
        "Credential should be scoped to correct service: 'ses'. "
        "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'."
    )
