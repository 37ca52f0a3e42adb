"""Every SES v1 and SNS operation survives the query wire both ways, with botocore as oracle.

Requests: botocore's serializer writes generated parameters, our parser must read them back.
Answers: our serializer writes generated outputs and modeled errors, botocore (and a real
boto3 client) must read them back as AWS's.
"""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore import xform_name
from botocore.awsrequest import AWSResponse
from botocore.config import Config
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openses.protocol.errors import ApiError
from openses.protocol.models import service_model
from openses.protocol.query import (
    decode_form,
    parse_params,
    resolve_operation,
    serialize_error,
    serialize_response,
)
from tests.protocol.query_wire import (
    ABSENT,
    SERVICES,
    example_operation,
    operation_ids,
    parse_answer,
    request_body,
    wire_view,
    xml_view,
)
from tests.protocol.shape_strategies import strategy_for

ROUND_TRIP = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _namespace(service: str) -> str:
    return str(service_model(service).metadata["xmlNamespace"])


@pytest.mark.parametrize(("service", "operation_name"), operation_ids())
@ROUND_TRIP
@given(data=st.data())
def test_request_written_by_botocore_parses_to_the_same_parameters(
    service: str, operation_name: str, data: st.DataObject
) -> None:
    model = service_model(service)
    operation = model.operation_model(operation_name)
    shape = operation.input_shape
    params = {} if shape is None else data.draw(strategy_for(shape), label="params")

    form = decode_form(request_body(operation, params), "")
    assert resolve_operation(model, form) is operation
    parsed = parse_params(operation, form)

    expected = {} if shape is None else wire_view(shape, params)
    assert parsed == ({} if expected is ABSENT else expected)


@pytest.mark.parametrize(("service", "operation_name"), operation_ids())
@ROUND_TRIP
@given(data=st.data())
def test_answer_written_by_us_parses_in_botocore_to_the_same_output(
    service: str, operation_name: str, data: st.DataObject
) -> None:
    operation = service_model(service).operation_model(operation_name)
    shape = operation.output_shape
    output = {} if shape is None else data.draw(strategy_for(shape), label="output")

    response = serialize_response(operation, output, "req-1", _namespace(service))

    assert response.status == 200
    assert ("Content-Type", "text/xml") in response.headers
    assert ("x-amzn-RequestId", "req-1") in response.headers
    assert parse_answer(response, shape) == ({} if shape is None else xml_view(shape, output))


def _modeled_errors() -> list[tuple[str, str, str]]:
    cases: list[tuple[str, str, str]] = []
    for service, operation_name in operation_ids():
        operation = service_model(service).operation_model(operation_name)
        cases.extend((service, operation_name, shape.name) for shape in operation.error_shapes)
    return cases


def _error_of(service: str, operation_name: str, shape_name: str) -> ApiError:
    operation = service_model(service).operation_model(operation_name)
    shape = next(s for s in operation.error_shapes if s.name == shape_name)
    error = shape.metadata.get("error", {})
    return ApiError(
        str(error.get("code", shape.name)),
        f"{shape_name} & <friends>",
        int(error.get("httpStatusCode", 400)),
        sender_fault=bool(error.get("senderFault", True)),
    )


class _Body:
    """The raw body botocore's AWSResponse streams from."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, *args: Any, **kwargs: Any) -> Any:
        yield self._data


_CLIENTS: dict[str, Any] = {}


def _client_answering(service: str, answer: Any) -> Any:
    """A real boto3 client whose HTTP exchange is replaced by ``answer``."""
    client = _CLIENTS.get(service)
    if client is None:
        client = boto3.session.Session(
            aws_access_key_id="AKIDEXAMPLE",
            aws_secret_access_key="secret",
            region_name="us-east-1",
        ).client(
            service,
            endpoint_url="http://openses.local",
            config=Config(parameter_validation=False, retries={"total_max_attempts": 1}),
        )
        _CLIENTS[service] = client
    client.meta.events.unregister("before-send", unique_id="query-answer")
    client.meta.events.register("before-send", answer, unique_id="query-answer")
    return client


@pytest.mark.parametrize(("service", "operation_name", "shape_name"), _modeled_errors())
def test_modeled_error_reaches_boto3_as_its_modeled_exception(
    service: str, operation_name: str, shape_name: str
) -> None:
    error = _error_of(service, operation_name, shape_name)
    response = serialize_error(error, "req-2", _namespace(service))

    def answer(request: Any, **kwargs: Any) -> AWSResponse:
        return AWSResponse(
            request.url, response.status, dict(response.headers), _Body(response.body)
        )

    client = _client_answering(service, answer)
    method = getattr(client, xform_name(operation_name))
    with pytest.raises(client.exceptions.ClientError) as raised:
        method()

    assert type(raised.value) is client.exceptions.from_code(error.code)
    assert type(raised.value).__name__ == shape_name
    details = raised.value.response["Error"]
    assert details["Code"] == error.code
    assert details["Message"] == error.message
    assert details["Type"] == ("Sender" if error.sender_fault else "Receiver")
    assert raised.value.response["ResponseMetadata"]["RequestId"] == "req-2"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == error.status


@pytest.mark.parametrize("service", SERVICES)
def test_error_details_appear_beside_the_code(service: str) -> None:
    error = ApiError("ConfigurationSetDoesNotExist", "Configuration set <x> does not exist.")
    response = serialize_error(
        error, "req-3", _namespace(service), details={"ConfigurationSetName": "<x>"}
    )

    parsed = parse_answer(response, None)

    assert parsed["Error"]["Code"] == "ConfigurationSetDoesNotExist"
    assert parsed["Error"]["ConfigurationSetName"] == "<x>"


@ROUND_TRIP
@given(data=st.data())
def test_flattened_and_renamed_shapes_survive_the_request_round_trip(data: st.DataObject) -> None:
    operation = example_operation()
    params = data.draw(strategy_for(operation.input_shape))

    parsed = parse_params(operation, decode_form(request_body(operation, params), ""))

    expected = wire_view(operation.input_shape, params)
    assert parsed == ({} if expected is ABSENT else expected)


@ROUND_TRIP
@given(data=st.data())
def test_flattened_and_renamed_shapes_survive_the_answer_round_trip(data: st.DataObject) -> None:
    operation = example_operation()
    output = data.draw(strategy_for(operation.output_shape))

    response = serialize_response(operation, output, "req-4", "http://example.test/doc/")

    assert parse_answer(response, operation.output_shape) == xml_view(
        operation.output_shape, output
    )


def test_answer_uses_location_names_flattening_and_namespaces_on_the_wire() -> None:
    operation = example_operation()
    output = {
        "FlatNamed": ["a", "b"],
        "Named": [1],
        "Renamed": "r",
        "FlatMap": {"k": {"Label": "v"}},
        "Inner": {"Label": "x"},
    }

    body = serialize_response(operation, output, "req-5", "http://example.test/doc/").body

    assert body.startswith(b'<EchoResponse xmlns="http://example.test/doc/"><EchoResult>')
    assert b"<Item>a</Item><Item>b</Item>" in body
    assert b"<Named><Thing>1</Thing></Named>" in body
    assert b"<OtherName>r</OtherName>" in body
    assert b"<FlatMap><K>k</K><V><Label>v</Label></V></FlatMap>" in body
    assert b'<Inner xmlns="http://example.test/inner"><Label>x</Label></Inner>' in body


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a & b < c > d \" e ' f", "a & b < c > d \" e ' f"),
        ("]]> <![CDATA[ x ]]>", "]]> <![CDATA[ x ]]>"),
        ("line\r\nbreak\rcr\ttab\n", "line\r\nbreak\rcr\ttab\n"),
        ("nul\x00 bell\x07 esc\x1b", "nul\ufffd bell\ufffd esc\ufffd"),
        ("non\ufffe chars\uffff", "non\ufffd chars\ufffd"),
        ("lone \ud800 surrogate", "lone \ufffd surrogate"),
        ("emoji \U0001f4e7 and \x85 next line", "emoji \U0001f4e7 and \x85 next line"),
        ("&amp; already escaped", "&amp; already escaped"),
    ],
)
def test_answer_text_reaches_botocore_intact_or_with_replacement_characters(
    text: str, expected: str
) -> None:
    operation = service_model("ses").operation_model("GetTemplate")
    output = {"Template": {"TemplateName": text, "HtmlPart": text}}

    response = serialize_response(operation, output, text, _namespace("ses"))

    parsed = parse_answer(response, operation.output_shape)
    assert parsed["Template"] == {"TemplateName": expected, "HtmlPart": expected}


def test_error_message_with_markup_and_controls_reaches_botocore() -> None:
    error = ApiError("MessageRejected", "Bad <b>\x01 & 'x'\r\n", 400)

    parsed = parse_answer(serialize_error(error, "req-6", _namespace("ses")), None)

    assert parsed["Error"] == {
        "Type": "Sender",
        "Code": "MessageRejected",
        "Message": "Bad <b>\ufffd & 'x'\r\n",
    }


def test_answer_of_an_operation_without_output_carries_only_the_request_id() -> None:
    operation = service_model("sns").operation_model("DeleteTopic")
    assert operation.output_shape is None

    response = serialize_response(operation, {}, "req-7", _namespace("sns"))

    assert response.body == (
        b'<DeleteTopicResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">'
        b"<ResponseMetadata><RequestId>req-7</RequestId></ResponseMetadata>"
        b"</DeleteTopicResponse>"
    )


def test_answer_timestamps_carry_milliseconds_and_z() -> None:
    import datetime as dt

    operation = service_model("ses").operation_model("ListTemplates")
    created = dt.datetime(2020, 8, 5, 18, 4, 12, 640123, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    output = {"TemplatesMetadata": [{"Name": "t", "CreatedTimestamp": created}]}

    body = serialize_response(operation, output, "req-8", _namespace("ses")).body

    assert b"<CreatedTimestamp>2020-08-05T16:04:12.640Z</CreatedTimestamp>" in body
