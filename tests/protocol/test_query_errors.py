"""Bad query requests get AWS's error answers, and nothing else ever escapes the parser."""

from __future__ import annotations

import datetime as dt
import re
import time
from typing import Any
from urllib.parse import unquote_to_bytes

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openses.protocol.errors import ApiError
from openses.protocol.models import service_model
from openses.protocol.query import (
    AWS_FAULT_NAMESPACE,
    FrontEndError,
    decode_form,
    parse_params,
    resolve_operation,
    serialize_error,
)
from tests.protocol.query_wire import example_operation, operation_ids, parse_answer

SES = service_model("ses")
SNS = service_model("sns")


def _params(service: Any, body: bytes) -> dict[str, Any]:
    form = decode_form(body, "")
    return parse_params(resolve_operation(service, form), form)


# --- the form encoding -------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"Action=SendEmail&Source=%FF%FE", id="percent-encoded invalid UTF-8"),
        pytest.param(b"Action=SendEmail&Source=\xff", id="raw invalid UTF-8"),
        pytest.param(b"Action=SendEmail&Source=%C3", id="truncated UTF-8 sequence"),
        pytest.param(b"Action=SendEmail&Source=%zz", id="non-hex escape"),
        pytest.param(b"Action=SendEmail&Source=%4", id="short escape"),
        pytest.param(b"Action=SendEmail&Source=abc%", id="trailing percent"),
        pytest.param(b"Action=SendEmail&So%rce=a", id="broken escape in a key"),
        pytest.param(b"Action=SendEmail&Source=a&Source=b", id="repeated key"),
    ],
)
def test_undecodable_form_is_a_malformed_query_string(body: bytes) -> None:
    with pytest.raises(FrontEndError) as raised:
        decode_form(body, "")

    assert raised.value.code == "MalformedQueryString"
    assert raised.value.status == 400
    assert raised.value.sender_fault


def test_equals_sign_inside_a_value_is_rejected_as_aws_words_it() -> None:
    body = b"Action=SendEmail&Message.Body.Html.Data=<a href=x>"

    with pytest.raises(FrontEndError) as raised:
        decode_form(body, "")

    assert raised.value.code == "MalformedQueryString"
    assert raised.value.message == (
        "Action=SendEmail&Message.Body.Html.Data=<a href=x> is not valid; the value of a "
        "query string parameter may not contain a '=' delimiter"
    )


def test_key_repeated_across_query_string_and_body_is_rejected() -> None:
    with pytest.raises(FrontEndError):
        decode_form(b"Action=ListIdentities", "Action=ListIdentities")


def test_raw_non_ascii_in_the_query_string_is_rejected() -> None:
    with pytest.raises(FrontEndError):
        decode_form(b"", "Action=ListIdentities&NextToken=\u00e9")


def test_form_decoding_follows_the_form_urlencoded_rules() -> None:
    form = decode_form(
        b"Action=SendEmail&&Subject=a+b%2Bc%20d&Empty=&Bare&Utf8=%C3%A9%F0%9F%93%A7&",
        "X-Amz-Date=20250101T000000Z",
    )

    assert form == {
        "X-Amz-Date": "20250101T000000Z",
        "Action": "SendEmail",
        "Subject": "a b+c d",
        "Empty": "",
        "Bare": "",
        "Utf8": "\u00e9\U0001f4e7",
    }


_VALUE_BYTES = st.lists(
    st.sampled_from([b"%41", b"%4a", b"%C3%A9", b"%0D%0A", b"\r\n", b"\n", b" ", b"+", b"%2B"])
    | st.sampled_from([b"%25", b"%3D", b"%26", b"_", b"\t", b"%ff", b"%F0%9F%93%A7", b"\xc3\xa9"])
    | st.binary(max_size=3).filter(lambda b: b"=" not in b and b"&" not in b),
    max_size=30,
).map(b"".join)


@settings(max_examples=500, deadline=None)
@given(raw=_VALUE_BYTES)
def test_values_decode_exactly_as_urllib_percent_decoding(raw: bytes) -> None:
    try:
        expected: str | None = unquote_to_bytes(raw.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        expected = None
    if re.search(rb"%(?![0-9A-Fa-f]{2})", raw):
        expected = None

    try:
        decoded: str | None = decode_form(b"k=" + raw, "")["k"]
    except FrontEndError:
        decoded = None

    assert decoded == expected


# --- Action and Version -----------------------------------------------------------------


@pytest.mark.parametrize("body", [b"Version=2010-12-01", b"Action=&Version=2010-12-01", b""])
def test_request_without_action_is_missing_action(body: bytes) -> None:
    with pytest.raises(FrontEndError) as raised:
        resolve_operation(SES, decode_form(body, ""))

    assert (raised.value.code, raised.value.status) == ("MissingAction", 400)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            b"Action=SendMail&Version=2010-12-01",
            "Could not find operation SendMail for version 2010-12-01",
        ),
        (
            b"Action=GetSendStatistics&Version=2012-12-01",
            "Could not find operation GetSendStatistics for version 2012-12-01",
        ),
        (
            b"Action=GetSendQuota",
            "Could not find operation GetSendQuota for version NO_VERSION_SPECIFIED",
        ),
        (
            b"Action=CreateTopic&Version=2010-12-01",
            "Could not find operation CreateTopic for version 2010-12-01",
        ),
    ],
)
def test_unknown_action_or_other_version_is_invalid_action(body: bytes, message: str) -> None:
    with pytest.raises(FrontEndError) as raised:
        resolve_operation(SES, decode_form(body, ""))

    assert (raised.value.code, raised.value.status) == ("InvalidAction", 400)
    assert raised.value.message == message


def test_known_action_with_its_version_resolves_to_the_operation() -> None:
    form = decode_form(b"Action=CreateTopic&Version=2010-03-31&Name=t", "")

    assert resolve_operation(SNS, form) is SNS.operation_model("CreateTopic")


def test_front_end_errors_are_answered_in_the_aws_fault_namespace() -> None:
    with pytest.raises(FrontEndError) as raised:
        resolve_operation(SES, {"Action": "Nope", "Version": "2010-12-01"})

    response = serialize_error(raised.value, "req-9", SES.metadata["xmlNamespace"])

    assert response.status == 400
    assert response.body.startswith(f'<ErrorResponse xmlns="{AWS_FAULT_NAMESPACE}">'.encode())
    assert parse_answer(response, None)["Error"] == {
        "Type": "Sender",
        "Code": "InvalidAction",
        "Message": "Could not find operation Nope for version 2010-12-01",
    }


def test_service_errors_are_answered_in_the_service_namespace() -> None:
    with pytest.raises(ApiError) as raised:
        _params(SES, b"Action=ListIdentities&Version=2010-12-01&MaxItems=x")

    response = serialize_error(raised.value, "req-10", SES.metadata["xmlNamespace"])

    assert response.body.startswith(
        b'<ErrorResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/"><Error>'
    )
    assert parse_answer(response, None)["Error"]["Code"] == "MalformedInput"


# --- typed parameters -------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b"Action=ListIdentities&Version=2010-12-01&MaxItems=abc",
        b"Action=ListIdentities&Version=2010-12-01&MaxItems=1.5",
        b"Action=ListIdentities&Version=2010-12-01&MaxItems=",
        b"Action=ListIdentities&Version=2010-12-01&MaxItems=+5+",
        b"Action=ListIdentities&Version=2010-12-01&MaxItems=2147483648",
        b"Action=ListIdentities&Version=2010-12-01&MaxItems=1_000",
        b"Action=ListIdentities&Version=2010-12-01&MaxItems=%EF%BC%91",  # fullwidth digit one
        b"Action=ListIdentities&Version=2010-12-01&MaxItems=" + b"9" * 5000,
        b"Action=SetIdentityDkimEnabled&Version=2010-12-01&Identity=x&DkimEnabled=yes",
        b"Action=SendRawEmail&Version=2010-12-01&RawMessage.Data=not+base64%21",
        b"Action=SendRawEmail&Version=2010-12-01&RawMessage.Data=%C3%A9",
        b"Action=SendBounce&Version=2010-12-01&MessageDsn.ArrivalDate=yesterday",
        b"Action=SendBounce&Version=2010-12-01&MessageDsn.ArrivalDate=2020-02-30T00:00:00Z",
        b"Action=SendBounce&Version=2010-12-01&MessageDsn.ArrivalDate=2020-02-01",
    ],
)
def test_value_of_the_wrong_type_is_malformed_input(body: bytes) -> None:
    with pytest.raises(ApiError) as raised:
        _params(SES, body)

    assert not isinstance(raised.value, FrontEndError)
    assert (raised.value.code, raised.value.status) == ("MalformedInput", 400)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("NaN", "nan"),
        ("Infinity", float("inf")),
        ("-Infinity", float("-inf")),
        ("1e+16", 1e16),
        ("-0.5", -0.5),
    ],
)
def test_doubles_accept_what_botocore_writes(value: str, expected: Any) -> None:
    parsed = parse_params(example_operation(), {"Ratio": value})

    assert repr(parsed["Ratio"]) == repr(float(expected))


@pytest.mark.parametrize("value", ["inf", "1.0d", "0x1p3", " 1", "1e99999", "nan"])
def test_doubles_reject_what_botocore_never_writes(value: str) -> None:
    with pytest.raises(ApiError) as raised:
        parse_params(example_operation(), {"Ratio": value})

    assert raised.value.code == "MalformedInput"


def test_scalars_are_typed_as_the_model_says() -> None:
    form = {
        "Count": "-42",
        "Big": "9007199254740993",
        "On": "TRUE",
        "When": "2020-08-05T18:04:12.640123456+02:00",
        "Data": "AP8=",
    }

    assert parse_params(example_operation(), form) == {
        "Count": -42,
        "Big": 9007199254740993,
        "On": True,
        "When": dt.datetime(2020, 8, 5, 16, 4, 12, 640123, tzinfo=dt.UTC),
        "Data": b"\x00\xff",
    }


def test_key_nested_below_a_scalar_is_rejected_as_coral_does() -> None:
    body = b"Action=Subscribe&Version=2010-03-31&TopicArn=t&Protocol=sqs&Endpoint.EndpointArn=x"

    with pytest.raises(ApiError) as raised:
        _params(SNS, body)

    assert raised.value.code == "MalformedInput"
    assert raised.value.message == "Start of list found where not expected"


def test_unknown_keys_are_ignored() -> None:
    body = (
        b"Action=SendEmail&Version=2010-12-01&Source=a%40b.test&Unknown=1&Destination.Cc=2"
        b"&Message.Subject.Data=s&Message.Subject.Extra.Deep=3&Message=bare"
        b"&Destination.ToAddresses.elements.1=x&AWSAccessKeyId=AKID&Signature=abc%3D"
    )

    assert _params(SES, body) == {"Source": "a@b.test", "Message": {"Subject": {"Data": "s"}}}


# --- lists and maps ---------------------------------------------------------------------


def test_huge_list_index_costs_one_element() -> None:
    body = b"Action=SendEmail&Version=2010-12-01&Destination.ToAddresses.member.999999999=a%40b"

    started = time.perf_counter()
    params = _params(SES, body)

    assert params == {"Destination": {"ToAddresses": ["a@b"]}}
    assert time.perf_counter() - started < 0.5


def test_list_elements_follow_their_indexes_and_ignore_non_positions() -> None:
    keys = ["3", "1", "10", "0", "01", "-1", "abc", "", "2147483648", "9" * 5000, "\u0661"]
    form = {f"Destination.ToAddresses.member.{key}": f"to-{key[:5]}" for key in keys}

    params = parse_params(SES.operation_model("SendEmail"), form)

    assert params == {"Destination": {"ToAddresses": ["to-1", "to-3", "to-10"]}}


def test_empty_list_is_the_bare_key_with_an_empty_value() -> None:
    form = {"Destination.ToAddresses": "", "Destination.CcAddresses": "x"}

    assert parse_params(SES.operation_model("SendEmail"), form) == {
        "Destination": {"ToAddresses": []}
    }


def test_map_entries_need_a_key_and_later_entries_win() -> None:
    form = {
        "Name": "t",
        "Attributes.entry.1.key": "DisplayName",
        "Attributes.entry.1.value": "first",
        "Attributes.entry.2.key": "Policy",
        "Attributes.entry.2.value": "{}",
        "Attributes.entry.3.value": "keyless",
        "Attributes.entry.4.key": "DisplayName",
        "Attributes.entry.4.value": "second",
        "Attributes.entry.5.key": "NoValue",
    }

    params = parse_params(SNS.operation_model("CreateTopic"), form)

    assert params == {"Name": "t", "Attributes": {"DisplayName": "second", "Policy": "{}"}}


def test_keys_deeper_than_any_model_are_ignored() -> None:
    deep = ".".join(["Child"] * 100)

    assert parse_params(example_operation(), {f"Inner.{deep}.Label": "x"}) == {}


# --- nothing but ApiError ---------------------------------------------------------------

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _parse_anything(service: Any, body: bytes, query_string: str) -> None:
    try:
        form = decode_form(body, query_string)
        parse_params(resolve_operation(service, form), form)
    except ApiError:
        pass


@FUZZ
@given(body=st.binary(max_size=200), query_string=st.text(max_size=40))
def test_random_bytes_yield_parameters_or_an_api_error(body: bytes, query_string: str) -> None:
    _parse_anything(SES, body, query_string)


_FORM_BYTES = st.lists(
    st.sampled_from([b"Action=", b"SendEmail", b"&", b"=", b"%", b"%2", b"%C3%A9", b"+", b"."])
    | st.binary(max_size=4),
    max_size=30,
).map(b"".join)


@FUZZ
@given(body=_FORM_BYTES)
def test_form_like_bytes_yield_parameters_or_an_api_error(body: bytes) -> None:
    _parse_anything(SNS, body, "")


def _segments() -> list[str]:
    names = {"member", "entry", "key", "value", "1", "2", "0", "999999999", ""}
    for service in (SES, SNS):
        for name in service.operation_names:
            shape = service.operation_model(name).input_shape
            names.update(_member_names(shape, set()) if shape is not None else ())
    return sorted(names)


def _member_names(shape: Any, seen: set[str]) -> set[str]:
    if shape.name in seen:
        return set()
    seen.add(shape.name)
    if shape.type_name == "structure":
        found = set(shape.members)
        for member in shape.members.values():
            found |= _member_names(member, seen)
        return found
    if shape.type_name == "list":
        return _member_names(shape.member, seen)
    if shape.type_name == "map":
        return {"Name", "Value"} | _member_names(shape.value, seen)
    return set()


_KEYS = st.lists(st.sampled_from(_segments()) | st.text(max_size=3), min_size=1, max_size=7).map(
    ".".join
)
_VALUES = st.sampled_from(["", "true", "1", "-1", "AP8=", "2020-01-01T00:00:00Z"]) | st.text()


@pytest.mark.parametrize(("service", "operation_name"), operation_ids())
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(form=st.dictionaries(_KEYS, _VALUES, max_size=12))
def test_random_model_shaped_forms_yield_parameters_or_an_api_error(
    service: str, operation_name: str, form: dict[str, str]
) -> None:
    operation = service_model(service).operation_model(operation_name)
    try:
        parse_params(operation, form)
        code = None
    except ApiError as error:
        code = error.code

    assert code in (None, "MalformedInput")
