"""Every SES v2 operation survives the rest-json wire both ways, with botocore as the oracle.

Requests: botocore's serializer and URL preparation write generated parameters, our router and
parser must read them back. Answers: our serializer writes generated outputs and modeled errors,
botocore (and a real boto3 client) must read them back as AWS's.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from typing import Any

import pytest
from botocore.loaders import Loader
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openses.protocol.errors import ApiError
from openses.protocol.rest_json import (
    RouteMatch,
    parse_request,
    serialize_error,
    serialize_response,
)
from tests.protocol.rest_json_wire import (
    LEGACY_FIXTURE,
    ROUTER,
    SESV2,
    input_strategy,
    legacy_model,
    openses_client,
    parse_answer,
    wire_request,
    wire_view,
)
from tests.protocol.shape_strategies import strategy_for

ROUND_TRIP = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
OPERATIONS = SESV2.operation_names
LEGACY_OPERATIONS = ("ListEmailIdentities", "ListConfigurationSets")


def _modeled_errors() -> list[tuple[str, str, int]]:
    cases = set()
    for name in OPERATIONS:
        for error in SESV2.operation_model(name).error_shapes:
            cases.add((name, error.name, int(error.metadata["error"]["httpStatusCode"])))
    return sorted(cases)


@pytest.mark.parametrize("operation_name", OPERATIONS)
@ROUND_TRIP
@given(data=st.data())
def test_every_operation_reads_back_what_botocore_sends(
    operation_name: str, data: st.DataObject
) -> None:
    operation = SESV2.operation_model(operation_name)
    params = data.draw(input_strategy(operation), label="params")
    request = wire_request(operation, params)

    match = ROUTER.match(request.method, request.raw_path)

    assert match.operation.name == operation_name
    assert parse_request(match, request) == wire_view(operation, params)


@pytest.mark.parametrize("operation_name", LEGACY_OPERATIONS)
@ROUND_TRIP
@given(data=st.data())
def test_old_botocore_list_requests_read_as_the_same_operation(
    operation_name: str, data: st.DataObject
) -> None:
    old_operation = legacy_model().operation_model(operation_name)
    params = data.draw(input_strategy(old_operation), label="params")
    request = wire_request(old_operation, params)
    assert request.method == "GET"

    match = ROUTER.match(request.method, request.raw_path)

    assert match.operation is SESV2.operation_model(operation_name)
    assert parse_request(match, request) == params


@pytest.mark.parametrize("operation_name", LEGACY_OPERATIONS)
@ROUND_TRIP
@given(data=st.data())
def test_old_botocore_list_clients_read_our_answers(
    operation_name: str, data: st.DataObject
) -> None:
    old_output = legacy_model().operation_model(operation_name).output_shape
    result = data.draw(strategy_for(old_output), label="result")

    response = serialize_response(SESV2.operation_model(operation_name), result, "req-1")

    assert _without_metadata(parse_answer(response, old_output)) == result


@pytest.mark.parametrize("operation_name", OPERATIONS)
@ROUND_TRIP
@given(data=st.data())
def test_every_operation_answers_what_botocore_reads_back(
    operation_name: str, data: st.DataObject
) -> None:
    operation = SESV2.operation_model(operation_name)
    result = data.draw(strategy_for(operation.output_shape), label="result")

    response = serialize_response(operation, result, "req-1")
    parsed = parse_answer(response, operation.output_shape)

    assert response.status == operation.http.get("responseCode", 200)
    assert ("Content-Type", "application/json") in response.headers
    assert parsed["ResponseMetadata"]["RequestId"] == "req-1"
    assert _without_metadata(parsed) == result


def test_an_empty_output_is_an_empty_json_object() -> None:
    response = serialize_response(SESV2.operation_model("DeleteEmailIdentity"), {}, "req-1")
    assert (response.status, response.body) == (200, b"{}")


def test_timestamps_are_answered_as_epoch_seconds() -> None:
    operation = SESV2.operation_model("GetEmailIdentity")
    moment = dt.datetime(2024, 5, 6, 7, 8, 9, 500000, tzinfo=dt.UTC)
    result = {"DkimAttributes": {"LastKeyGenerationTimestamp": moment}}

    body = json.loads(serialize_response(operation, result, "r").body)

    assert body["DkimAttributes"]["LastKeyGenerationTimestamp"] == 1714979289.5


@pytest.mark.parametrize(("operation_name", "code", "status"), _modeled_errors())
def test_every_modeled_error_reaches_botocore_with_its_code(
    operation_name: str, code: str, status: int
) -> None:
    operation = SESV2.operation_model(operation_name)

    response = serialize_error(ApiError(code, f"{code} happened.", status), "req-9")
    parsed = parse_answer(response, operation.output_shape)

    assert response.status == status
    assert parsed["Error"] == {"Code": code, "Message": f"{code} happened."}
    assert parsed["ResponseMetadata"]["RequestId"] == "req-9"
    assert json.loads(response.body) == {"message": f"{code} happened."}


def test_every_modeled_error_code_is_a_modeled_boto3_exception_class() -> None:
    client = openses_client(lambda match, params: {})
    for _, code, _ in _modeled_errors():
        assert client.exceptions.from_code(code) is getattr(client.exceptions, code)


def test_a_boto3_client_gets_the_modeled_exception_raised_by_an_operation() -> None:
    def handler(match: RouteMatch, params: dict[str, Any]) -> dict[str, Any]:
        raise ApiError("NotFoundException", f"Email identity {params['EmailIdentity']} ...", 404)

    client = openses_client(handler)

    with pytest.raises(client.exceptions.NotFoundException) as raised:
        client.get_email_identity(EmailIdentity="a+b@x.com")
    assert raised.value.response["Error"]["Message"] == "Email identity a+b@x.com ..."
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_a_boto3_client_round_trips_through_the_whole_protocol_layer() -> None:
    seen: list[tuple[str, dict[str, Any]]] = []

    def handler(match: RouteMatch, params: dict[str, Any]) -> dict[str, Any]:
        seen.append((match.operation.name, params))
        return {"IdentityType": "EMAIL_ADDRESS", "VerifiedForSendingStatus": False}

    client = openses_client(handler)
    answer = client.create_email_identity(EmailIdentity="ü+tag@exämple.com", Tags=[])

    assert seen == [("CreateEmailIdentity", {"EmailIdentity": "ü+tag@exämple.com", "Tags": []})]
    assert answer["IdentityType"] == "EMAIL_ADDRESS"
    assert answer["VerifiedForSendingStatus"] is False


def test_the_legacy_fixture_matches_the_system_botocore_when_it_is_installed() -> None:
    probe = "import botocore, os; print(botocore.__version__, os.path.dirname(botocore.__file__))"
    try:
        found = subprocess.run(
            ["python3", "-c", probe], capture_output=True, text=True, timeout=30, check=True
        ).stdout.split()
    except (OSError, subprocess.SubprocessError):
        pytest.skip("no system python3 with botocore")
    if found[:1] != ["1.43.11"]:
        pytest.skip("the system botocore is not 1.43.11")
    loader = Loader(extra_search_paths=[f"{found[1]}/data"], include_default_search_paths=False)
    system_model = loader.load_service_model("sesv2", "service-2")
    fixture = json.loads(LEGACY_FIXTURE.read_text())
    for name in LEGACY_OPERATIONS:
        assert system_model["operations"][name]["http"] == fixture["operations"][name]["http"]
        request = fixture["operations"][name]["input"]["shape"]
        members = system_model["shapes"][request]["members"]
        assert {k: v["shape"] for k, v in members.items()} == {
            k: v["shape"] for k, v in fixture["shapes"][request]["members"].items()
        }


def _without_metadata(parsed: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in parsed.items() if k != "ResponseMetadata"}
