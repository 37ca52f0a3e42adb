"""Bad input over a real socket: always an AWS-shaped error, never a 5xx or a traceback."""

from __future__ import annotations

import http.client
import urllib.parse
from collections.abc import Iterator

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import make_settings
from tests.fixtures.server import RunningServer


def _send(
    server: RunningServer,
    method: str,
    path: str,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    *,
    sign: bool = True,
) -> tuple[int, dict[str, str], bytes]:
    url = f"{server.endpoint}{path}"
    all_headers = dict(headers or {})
    if sign:
        request = AWSRequest(method=method, url=url, data=body, headers=all_headers)
        SigV4Auth(Credentials("test", "test"), "ses", "us-east-1").add_auth(request)
        all_headers = dict(request.headers.items())
    parsed = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
    try:
        target = parsed.path + (f"?{parsed.query}" if parsed.query else "")
        connection.request(method, target, body=body, headers=all_headers)
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


FORM = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}


@pytest.fixture(scope="module")
def small_cap_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    settings = make_settings(tmp_path_factory.mktemp("cap"), dev=True).with_overrides(
        max_body_bytes=4096
    )
    server = RunningServer(settings).start()
    yield server
    server.stop()


def test_a_body_over_the_cap_is_413_in_the_protocol_shape(
    small_cap_server: RunningServer,
) -> None:
    # Small enough for the socket buffers: the client finishes writing before it reads.
    oversized = b"Action=ListIdentities&x=" + b"a" * 5000
    status, _, body = _send(small_cap_server, "POST", "/", oversized, FORM, sign=False)
    assert status == 413
    assert b"<Code>RequestEntityTooLarge</Code>" in body
    status_v2, headers_v2, _ = _send(
        small_cap_server, "POST", "/v2/email/identities", oversized, sign=False
    )
    assert status_v2 == 413
    assert headers_v2["x-amzn-errortype"].startswith("RequestEntityTooLarge")


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"Action=NoSuchThing&Version=2010-12-01", b"InvalidAction"),
        (b"Version=2010-12-01", b"MissingAction"),
        (b"Action=ListIdentities&Version=1999-01-01", b"InvalidAction"),
        (b"Action=ListIdentities&Version=2010-12-01&MaxItems=abc", b"MalformedInput"),
        (b"Action=VerifyEmailIdentity&Version=2010-12-01&EmailAddress=%FF%FE", b"Malformed"),
    ],
)
def test_malformed_query_requests_get_aws_errors(
    dev_server: RunningServer, body: bytes, code: bytes
) -> None:
    status, _, answer = _send(dev_server, "POST", "/", body, FORM)
    assert 400 <= status < 500
    assert b"<ErrorResponse" in answer
    assert code in answer


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"[1, 2]", b'{"EmailIdentity": 5}', b"\xff\xfe\x00", b'{"EmailIdentity": null}'],
)
def test_malformed_rest_json_requests_get_aws_errors(
    dev_server: RunningServer, body: bytes
) -> None:
    status, headers, _ = _send(
        dev_server, "POST", "/v2/email/identities", body, {"Content-Type": "application/json"}
    )
    assert 400 <= status < 500
    assert "x-amzn-errortype" in headers


@pytest.mark.parametrize(
    "authorization",
    [
        "AWS4-HMAC-SHA256",
        "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/ses/aws4_request",
        "AWS4-HMAC-SHA256 Credential=, SignedHeaders=, Signature=",
        "Bearer abc",
        "AWS4-HMAC-SHA256 Credential=test/x/y/z, SignedHeaders=host, Signature=00",
        "AWS4-HMAC-SHA256 Credential=\u00e9/20260101/us-east-1/ses/aws4_request, "
        "SignedHeaders=host;x-amz-date, Signature=" + "0" * 64,
    ],
)
def test_broken_authorization_is_rejected_as_aws_does(
    dev_server: RunningServer, authorization: str
) -> None:
    headers = {**FORM, "Authorization": authorization, "X-Amz-Date": "20260101T000000Z"}
    status, _, body = _send(
        dev_server, "POST", "/", b"Action=ListIdentities&Version=2010-12-01", headers, sign=False
    )
    assert status in (400, 403)
    assert b"<ErrorResponse" in body


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    path=st.sampled_from(["/", "/v2/email/identities", "/v2/email/identities/x%2By", "/v2/x"]),
    method=st.sampled_from(["GET", "POST", "PUT", "DELETE"]),
    body=st.binary(max_size=200),
)
def test_random_signed_requests_never_get_a_server_error(
    dev_server: RunningServer, path: str, method: str, body: bytes
) -> None:
    status, _, answer = _send(dev_server, method, path, body, FORM)
    assert status < 500 or status == 501, answer
    assert b"Traceback" not in answer
