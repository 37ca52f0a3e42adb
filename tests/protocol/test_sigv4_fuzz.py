"""SigV4 verification under Hypothesis: garbage only ever yields ``ApiError``, and
whatever botocore signs verifies."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from botocore.utils import percent_encode_sequence
from hypothesis import given, settings
from hypothesis import strategies as st

from openses.protocol.errors import ApiError
from openses.protocol.http import HttpRequest
from openses.protocol.sigv4 import parse_signature, verify_signature
from tests.protocol.sigv4_helpers import FLAVOURS, SIGNED_AT, header_signed, presigned, verify

# Any code point, lone surrogates and control characters included.
_ANY_TEXT = st.text(st.characters(blacklist_categories=()), max_size=60)
_HUGE = st.integers(1, 5).map(lambda n: "9" * (10**n))


def _pieces(valid: str, *odd: str) -> st.SearchStrategy[str]:
    """Mostly the valid value, else odd, garbage or huge ones, for one part of a signature.

    Mostly valid, so that whole requests get past the first checks often enough
    to exercise the later ones too.
    """
    return _mostly(st.just(valid), st.one_of(st.sampled_from((valid, *odd)), _ANY_TEXT, _HUGE))


def _mostly(
    usual: st.SearchStrategy[Any], unusual: st.SearchStrategy[Any]
) -> st.SearchStrategy[Any]:
    """``usual`` four times in five (Hypothesis favours the low integers: test them)."""
    return st.integers(0, 9).flatmap(lambda n: usual if n >= 2 else unusual)


_ALGORITHMS = _pieces("AWS4-HMAC-SHA256", "AWS4-HMAC-SHA512", "AWS4-", "")
_CREDENTIALS = st.one_of(
    _pieces("AKIDEXAMPLE/20130524/us-east-1/ses/aws4_request", "a/b/c/d/", "////"),
    st.lists(
        _pieces("AKIDEXAMPLE", "20130524", "20130525", "us-east-1", "ses", "aws4_request", ""),
        max_size=7,
    ).map("/".join),
)
_SIGNED_HEADERS = st.one_of(
    _pieces("host;x-amz-date", "Host", ":authority", ";;", ""),
    st.lists(st.sampled_from(["host", "x-amz-date", "date", "content-type", "x"])).map(";".join),
)
_SIGNATURES = _pieces("0" * 64, "g" * 64, "")
_DATES = _pieces(
    "20130524T000000Z",
    "20130524T001500Z",
    "20130525T000000Z",
    "00000101T000000Z",
    "00010101T000000Z",
    "99991231T235959Z",
    "20130230T000000Z",
    "20130524T246060Z",
    "Fri, 24 May 2013 00:00:00 GMT",
    "Fri, 24 May 2013 00:00:00 -0000",
    "x, 31 Feb 0000 00:00:00 GMT",
)
_EXPIRES = _pieces("0", "1", "300", "604800", "604801", "-1", "1.5", "00000000000300")


def _encoded(value: str) -> str:
    return quote(value.encode("utf-8", "surrogatepass"), safe="")


_WELL_FORMED_AUTHORIZATIONS = st.builds(
    "{} Credential={}{sep}SignedHeaders={}{sep}Signature={}".format,
    _ALGORITHMS,
    _CREDENTIALS,
    _SIGNED_HEADERS,
    _SIGNATURES,
    sep=st.sampled_from([", ", ",", " ", " ,\t"]),
)
_AUTHORIZATIONS = _mostly(_WELL_FORMED_AUTHORIZATIONS, st.one_of(st.none(), _ANY_TEXT))
_PRESIGNED_QUERIES = st.fixed_dictionaries(
    {
        "X-Amz-Algorithm": _ALGORITHMS,
        "X-Amz-Credential": _CREDENTIALS,
        "X-Amz-Date": _DATES,
        "X-Amz-SignedHeaders": _SIGNED_HEADERS,
        "X-Amz-Signature": _SIGNATURES,
    },
    optional={"X-Amz-Expires": _EXPIRES, "X-Amz-Security-Token": _ANY_TEXT, "Action": _ANY_TEXT},
).map(lambda query: "&".join(f"{_encoded(k)}={_encoded(v)}" for k, v in query.items()))
_QUERY_STRINGS = _mostly(
    _PRESIGNED_QUERIES,
    st.one_of(_ANY_TEXT, st.sampled_from(["%", "%zz", "%C3", "&&&", "=", "X-Amz-Algorithm"])),
)


def _outcome(request: HttpRequest, flavour: Any) -> ApiError | None:
    """``None`` if the request verifies, else the ``ApiError``; anything else propagates."""
    try:
        info = parse_signature(request, flavour, SIGNED_AT, expected_service="ses")
        verify_signature(request, info, "secret", SIGNED_AT, flavour)
    except ApiError as error:
        return error
    return None


def _assert_only_api_errors(request: HttpRequest, flavour: str) -> None:
    error = _outcome(request, flavour)
    if error is not None:
        assert error.status in (400, 403)
        error.message.encode("utf-8")  # writable into any error body


@settings(max_examples=200, deadline=None)
@given(
    authorization=_AUTHORIZATIONS,
    query_string=_mostly(st.just(""), st.one_of(_ANY_TEXT, _PRESIGNED_QUERIES)),
    amz_date=st.none() | _DATES,
    date=st.none() | _DATES,
    raw_path=st.one_of(st.just("/"), _ANY_TEXT),
    body=st.binary(max_size=32),
    flavour=st.sampled_from(FLAVOURS),
)
def test_garbage_in_the_authorization_header_only_ever_produces_api_errors(
    authorization: str | None,
    query_string: str,
    amz_date: str | None,
    date: str | None,
    raw_path: str,
    body: bytes,
    flavour: str,
) -> None:
    headers = {"host": "localhost"}
    for name, value in (("authorization", authorization), ("x-amz-date", amz_date), ("date", date)):
        if value is not None:
            headers[name] = value
    _assert_only_api_errors(HttpRequest("POST", raw_path, query_string, headers, body), flavour)


@settings(max_examples=200, deadline=None)
@given(
    query_string=_QUERY_STRINGS,
    raw_path=st.one_of(st.just("/"), _ANY_TEXT),
    body=st.binary(max_size=32),
    flavour=st.sampled_from(FLAVOURS),
)
def test_garbage_in_the_query_string_only_ever_produces_api_errors(
    query_string: str, raw_path: str, body: bytes, flavour: str
) -> None:
    request = HttpRequest("GET", raw_path, query_string, {"host": "localhost"}, body)
    _assert_only_api_errors(request, flavour)


_NAMES_AND_VALUES = st.lists(
    st.tuples(st.text(min_size=1, max_size=12), st.text(max_size=12)), max_size=5
)
_PATHS = st.lists(st.text(min_size=1, max_size=10), max_size=4).map(
    lambda segments: "/" + "/".join(quote(segment, safe="") for segment in segments)
)


@settings(max_examples=40, deadline=None)
@given(
    path=_PATHS,
    parameters=_NAMES_AND_VALUES,
    body=st.binary(max_size=64),
    header_value=st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=20),
)
def test_whatever_botocore_signs_in_a_header_verifies(
    path: str, parameters: list[tuple[str, str]], body: bytes, header_value: str
) -> None:
    query = f"?{percent_encode_sequence(parameters)}" if parameters else ""
    request = header_signed(path + query, body=body, headers={"X-Custom": header_value})
    verify(request, "rest-json")


@settings(max_examples=25, deadline=None)
@given(path=_PATHS, parameters=_NAMES_AND_VALUES, expires=st.integers(1, 604800))
def test_whatever_botocore_presigns_verifies(
    path: str, parameters: list[tuple[str, str]], expires: int
) -> None:
    query = f"?{percent_encode_sequence(parameters)}" if parameters else ""
    verify(presigned(path + query, expires=expires), "query")
