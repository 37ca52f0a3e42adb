"""Requests signed by botocore, the oracle, and seen as an ASGI server would see them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from unittest import mock
from urllib.parse import urlsplit

import botocore.session
import pytest
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

from openses.protocol.errors import ApiError
from openses.protocol.http import HttpRequest
from openses.protocol.sigv4 import parse_signature, verify_signature

CREDENTIALS = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
REGION = "us-east-1"
ENDPOINT = "http://localhost:8080"
SIGNED_AT = datetime(2013, 5, 24, 0, 0, 0, tzinfo=UTC)
FORM = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
SEND_EMAIL_FORM = b"Action=SendEmail&Version=2010-12-01&Source=a%2Bb%40x.com"
FLAVOURS = ("query", "rest-json")
SIGNATURE_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. "
    "Consult the service documentation for details."
)
# (code, status) AWS answers, per flavour.
MISMATCH = {
    "query": ("SignatureDoesNotMatch", 403),
    "rest-json": ("InvalidSignatureException", 403),
}
INCOMPLETE = {
    "query": ("IncompleteSignature", 400),
    "rest-json": ("IncompleteSignatureException", 403),
}
MISSING = {
    "query": ("MissingAuthenticationToken", 403),
    "rest-json": ("MissingAuthenticationTokenException", 403),
}


# --- Building requests the way botocore signs them and a server receives them ------


def as_received(aws_request: Any) -> HttpRequest:
    """What an ASGI server hands over: raw path and query, lower-case header names."""
    url = urlsplit(aws_request.url)
    headers: dict[str, str] = {}
    for name, value in aws_request.headers.items():
        text = value.decode() if isinstance(value, bytes) else value
        key = name.lower()
        headers[key] = f"{headers[key]},{text}" if key in headers else text
    headers.setdefault("host", url.netloc)  # urllib3 sends it; botocore signs it
    body = aws_request.body or b""
    body = body.encode() if isinstance(body, str) else body
    return HttpRequest(aws_request.method, url.path, url.query, headers, body)


def header_signed(
    path_and_query: str = "/",
    *,
    method: str = "POST",
    body: bytes = SEND_EMAIL_FORM,
    headers: dict[str, str] | None = None,
    credentials: Credentials = CREDENTIALS,
    service: str = "ses",
    signed_at: datetime = SIGNED_AT,
) -> HttpRequest:
    aws_request = AWSRequest(
        method, ENDPOINT + path_and_query, dict(FORM) if headers is None else headers, body
    )
    with mock.patch("botocore.auth.get_current_datetime", return_value=signed_at):
        SigV4Auth(credentials, service, REGION).add_auth(aws_request)
    return as_received(aws_request)


def presigned(
    path_and_query: str = "/?Action=GetSendQuota&Version=2010-12-01",
    *,
    expires: int = 300,
    signed_at: datetime = SIGNED_AT,
    credentials: Credentials = CREDENTIALS,
) -> HttpRequest:
    aws_request = AWSRequest("GET", ENDPOINT + path_and_query, {}, b"")
    with mock.patch("botocore.auth.get_current_datetime", return_value=signed_at):
        SigV4QueryAuth(credentials, "ses", REGION, expires=expires).add_auth(aws_request)
    return as_received(aws_request)


class Sent(Exception):  # noqa: N818 - a capture, not an error
    def __init__(self, request: Any) -> None:
        super().__init__("captured")
        self.request = request


def _stop_before_sending(request: Any, **_: Any) -> None:
    raise Sent(request)


def wire_request(service: str, operation: str, **params: Any) -> HttpRequest:
    """The exact request a real botocore client would put on the wire."""
    client = botocore.session.get_session().create_client(
        service,
        region_name=REGION,
        endpoint_url=ENDPOINT,
        aws_access_key_id=CREDENTIALS.access_key,
        aws_secret_access_key=CREDENTIALS.secret_key,
        config=Config(retries={"total_max_attempts": 1}),
    )
    client.meta.events.register("before-send", _stop_before_sending)
    with pytest.raises(Sent) as sent:
        getattr(client, operation)(**params)
    return as_received(sent.value.request)


def verify(request: HttpRequest, flavour: str = "query", now: datetime = SIGNED_AT) -> None:
    info = parse_signature(request, flavour, now)  # type: ignore[arg-type]
    verify_signature(request, info, CREDENTIALS.secret_key, now, flavour)  # type: ignore[arg-type]


def rejection(request: HttpRequest, flavour: str = "query", **kwargs: Any) -> ApiError:
    with pytest.raises(ApiError) as raised:
        verify(request, flavour, **kwargs)
    return raised.value


def replaced(request: HttpRequest, **changes: Any) -> HttpRequest:
    fields = {name: getattr(request, name) for name in HttpRequest.__slots__}
    return HttpRequest(**{**fields, **changes})


def with_headers(request: HttpRequest, **headers: str) -> HttpRequest:
    return replaced(request, headers={**request.headers, **headers})


def authorization_replaced(request: HttpRequest, old: str, new: str) -> HttpRequest:
    """``request`` with ``old`` replaced by ``new`` in its Authorization header."""
    return with_headers(request, authorization=request.headers["authorization"].replace(old, new))
