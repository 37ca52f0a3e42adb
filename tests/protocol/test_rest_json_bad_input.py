"""Whatever arrives, the rest-json router and parser answer a parse or an ``ApiError``, never
another exception: unreadable requests become 400 ``BadRequestException``."""

from __future__ import annotations

import itertools
import json
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openses.protocol.errors import ApiError
from openses.protocol.http import HttpRequest
from openses.protocol.rest_json import RouteMatch, parse_request
from tests.protocol.rest_json_wire import ROUTER, SESV2

FUZZ = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _parse(method: str, path: str, body: bytes = b"", query: str = "") -> dict[str, Any]:
    match = ROUTER.match(method, path)
    return parse_request(match, HttpRequest(method, path, query, {}, body))


def _assert_bad_request(method: str, path: str, body: bytes = b"", query: str = "") -> ApiError:
    with pytest.raises(ApiError) as raised:
        _parse(method, path, body, query)
    assert (raised.value.code, raised.value.status) == ("BadRequestException", 400)
    return raised.value


SEND_EMAIL = ("POST", "/v2/email/outbound-emails")
LIST_IDENTITIES = ("POST", "/v2/email/list-identities")
DEEP = b'{"Content":' + b"[" * 100_000 + b"]" * 100_000 + b"}"


@pytest.mark.parametrize(
    "body",
    [
        b"{",
        b'{"FromEmailAddress": "a@b.c",}',
        b"{'single': 'quotes'}",
        b'{"a": NaN}',
        b'{"a": Infinity}',
        b"[]",
        b'["FromEmailAddress"]',
        b'"a string"',
        b"42",
        b"null",
        b"true",
        b'{"FromEmailAddress": "\xff\xfe"}',
        b"\xef\xbb\xbf{}",
        "{}".encode("utf-16"),
        DEEP,
        b'{"a": ' + b"9" * 5000 + b"}",
    ],
)
def test_a_body_that_is_not_a_json_object_is_a_bad_request(body: bytes) -> None:
    _assert_bad_request(*SEND_EMAIL, body)


@pytest.mark.parametrize(
    "body",
    [
        {"FromEmailAddress": 5},
        {"FromEmailAddress": ["a@b.c"]},
        {"Destination": []},
        {"Destination": {"ToAddresses": "a@b.c"}},
        {"Destination": {"ToAddresses": [1, 2]}},
        {"Content": {"Raw": {"Data": "not base64!"}}},
        {"Content": {"Raw": {"Data": 12}}},
        {"EmailTags": {"Name": "a"}},
        {"Content": {"Simple": {"Subject": {"Data": True}}}},
    ],
)
def test_members_of_the_wrong_json_type_are_a_bad_request(body: dict[str, Any]) -> None:
    _assert_bad_request(*SEND_EMAIL, json.dumps(body).encode())


@pytest.mark.parametrize("page_size", ["5", 5.5, True, 10**30, -(2**31) - 1, 2**31, [], {}])
def test_an_integer_member_must_be_an_in_range_json_integer(page_size: Any) -> None:
    _assert_bad_request(*LIST_IDENTITIES, json.dumps({"PageSize": page_size}).encode())


def test_json_null_members_are_absent() -> None:
    assert _parse(*LIST_IDENTITIES, b'{"PageSize": null, "NextToken": "t"}') == {"NextToken": "t"}


def test_an_empty_body_is_an_empty_input() -> None:
    assert _parse(*LIST_IDENTITIES, b"") == {}
    assert _parse(*LIST_IDENTITIES, b" \n") == {}


@pytest.mark.parametrize(
    "body",
    [
        {"StartDate": 1e300, "EndDate": 0, "Domain": "x"},
        {"StartDate": "yesterday", "EndDate": 0},
        {"StartDate": True, "EndDate": 0},
    ],
)
def test_unreadable_timestamps_are_a_bad_request(body: dict[str, Any]) -> None:
    # BatchGetMetricData carries timestamps in its body queries.
    query = {"Id": "q", "Namespace": "VDM", "Metric": "SEND", **body}
    payload = json.dumps({"Queries": [query]}).encode()
    _assert_bad_request("POST", "/v2/email/metrics/batch", payload)


def test_body_timestamps_read_epoch_seconds_and_iso_8601() -> None:
    query = {"Id": "q", "Namespace": "VDM", "Metric": "SEND"}
    both = [{**query, "StartDate": 1700000000.5, "EndDate": "2024-01-02T03:04:05Z"}]
    parsed = _parse("POST", "/v2/email/metrics/batch", json.dumps({"Queries": both}).encode())
    start, end = parsed["Queries"][0]["StartDate"], parsed["Queries"][0]["EndDate"]
    assert start.timestamp() == 1700000000.5
    assert end.isoformat() == "2024-01-02T03:04:05+00:00"


@pytest.mark.parametrize(
    "path",
    [
        "/v2/email/identities/%",
        "/v2/email/identities/%G1",
        "/v2/email/identities/a%2",
        "/v2/email/identities/%e9",
        "/v2/email/identities/%C3%28",
        "/v2/email/%zzidentities/x",
    ],
)
def test_a_malformed_percent_escape_in_the_path_is_a_bad_request(path: str) -> None:
    with pytest.raises(ApiError) as raised:
        ROUTER.match("GET", path)
    assert (raised.value.code, raised.value.status) == ("BadRequestException", 400)


@pytest.mark.parametrize(
    "query",
    [
        "PageSize=abc",
        "PageSize=%",
        "PageSize=1e3",
        "PageSize=99999999999999999999999",
        "NextToken=%ff",
    ],
)
def test_an_unreadable_query_value_is_a_bad_request(query: str) -> None:
    _assert_bad_request("GET", "/v2/email/identities", query=query)


def test_query_timestamps_and_lists_are_typed() -> None:
    parsed = _parse(
        "GET",
        "/v2/email/deliverability-dashboard/statistics-report/x.com",
        query="StartDate=2024-01-01T00%3A00%3A00Z&EndDate=1704153600",
    )
    assert parsed["StartDate"].isoformat() == "2024-01-01T00:00:00+00:00"
    assert parsed["EndDate"].isoformat() == "2024-01-02T00:00:00+00:00"
    tags = _parse("DELETE", "/v2/email/tags", query="ResourceArn=arn&TagKeys=a&TagKeys=b+c")
    assert tags == {"ResourceArn": "arn", "TagKeys": ["a", "b c"]}


# --- fuzzing -------------------------------------------------------------------------------

_LITERALS = sorted(
    {
        segment
        for name in SESV2.operation_names
        for segment in SESV2.operation_model(name).http["requestUri"].split("/")
        if segment and "{" not in segment
    }
)
_SEGMENT = st.one_of(
    st.sampled_from(_LITERALS),
    st.text(max_size=8),
    st.from_regex(r"(%[0-9A-Fa-f]{0,2}|[a-z+@.])*", fullmatch=True),
)
_TEMPLATES = sorted(
    {SESV2.operation_model(n).http["requestUri"] for n in SESV2.operation_names}
    | {"/v2/email/identities", "/v2/email/configuration-sets"}
)


def _filled(template: str) -> st.SearchStrategy[str]:
    """``template`` with random (possibly malformed) text in its labels."""
    parts = re.split(r"\{[^}]+\}", template)
    labels = st.lists(_SEGMENT, min_size=len(parts) - 1, max_size=len(parts) - 1)
    return labels.map(
        lambda values: "".join(itertools.chain(*zip(parts, [*values, ""], strict=True)))
    )


_METHOD = st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "get"])
_RANDOM_PATH = st.lists(_SEGMENT, max_size=8).map(lambda s: "/" + "/".join(s)) | st.text(
    max_size=30
)
# Mostly a real template under its own method, so that the parser is reached too.
_REQUEST_LINE = st.tuples(_METHOD, _RANDOM_PATH | st.sampled_from(_TEMPLATES).flatmap(_filled)) | (
    st.sampled_from(SESV2.operation_names)
    .map(lambda n: SESV2.operation_model(n).http)
    .flatmap(lambda http: st.tuples(st.just(http["method"]), _filled(http["requestUri"])))
)
_QUERY_NAMES = ["PageSize", "NextToken", "StartDate", "EndDate", "TagKeys", "ResourceArn", "Reason"]
_QUERY = st.text(max_size=30) | st.lists(
    st.tuples(st.sampled_from(_QUERY_NAMES), _SEGMENT).map("=".join), max_size=4
).map("&".join)
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=12,
)


def _member_soup(operation_name: str) -> st.SearchStrategy[bytes]:
    """JSON objects keyed by the operation's real member names with values of any type."""
    shape = SESV2.operation_model(operation_name).input_shape
    names = sorted(shape.members) if shape is not None and shape.members else ["x"]
    return st.dictionaries(st.sampled_from(names), _JSON, max_size=5).map(
        lambda d: json.dumps(d).encode()
    )


def _parse_or_api_error(method: str, path: str, query: str, body: bytes) -> None:
    try:
        match: RouteMatch = ROUTER.match(method, path)
        result = parse_request(match, HttpRequest(method, path, query, {}, body))
    except ApiError as error:
        status = error.status
    else:
        assert isinstance(result, dict)
        return
    assert 400 <= status < 500


@FUZZ
@given(
    request_line=_REQUEST_LINE,
    query=_QUERY,
    body=st.binary(max_size=64) | _JSON.map(lambda v: json.dumps(v).encode()),
)
def test_random_requests_parse_or_raise_an_api_error(
    request_line: tuple[str, str], query: str, body: bytes
) -> None:
    _parse_or_api_error(*request_line, query, body)


@FUZZ
@given(data=st.data())
def test_real_member_names_with_random_json_values_parse_or_raise_an_api_error(
    data: st.DataObject,
) -> None:
    name = data.draw(st.sampled_from(SESV2.operation_names))
    operation = SESV2.operation_model(name)
    uri = operation.http["requestUri"].replace("{", "").replace("}", "").replace("+", "")
    query = data.draw(st.sampled_from(["", "PageSize=1", "NextToken=x&PageSize=-1", "TagKeys="]))
    body = data.draw(_member_soup(name))
    _parse_or_api_error(operation.http["method"], uri, query, body)
