"""botocore as the independent oracle of the rest-json wire format (SES v2 protocol tests).

Requests are built by botocore's own serializer and URL preparation, so the raw path and query
string are byte for byte what a boto3 client sends; answers are read by botocore's own parser.
``openses_client`` goes one step further: a real boto3 ``sesv2`` client whose HTTP sends are
answered in-process by the openses router, parser and serializer.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import boto3
from botocore.awsrequest import (
    AWSPreparedRequest,
    AWSResponse,
    HeadersDict,
    create_request_object,
    prepare_request_dict,
)
from botocore.config import Config
from botocore.model import OperationModel, ServiceModel, Shape
from botocore.parsers import create_parser
from botocore.serialize import create_serializer
from hypothesis import strategies as st

from openses.protocol.errors import ApiError
from openses.protocol.http import HttpRequest, HttpResponse
from openses.protocol.models import service_model
from openses.protocol.rest_json import (
    RestJsonRouter,
    RouteMatch,
    parse_request,
    serialize_error,
    serialize_response,
)
from tests.protocol.shape_strategies import strategy_for

ENDPOINT = "https://email.us-east-1.amazonaws.com"
SESV2 = service_model("sesv2")
ROUTER = RestJsonRouter(SESV2)
LEGACY_FIXTURE = Path(__file__).parent.parent / "fixtures" / "sesv2_legacy_list_operations.json"

_SERIALIZER = create_serializer("rest-json", include_validation=True)
_UNVALIDATED_SERIALIZER = create_serializer("rest-json", include_validation=False)
_PARSER = create_parser("rest-json")


def legacy_model() -> ServiceModel:
    """ListEmailIdentities/ListConfigurationSets as botocore 1.43.11 models them (GET forms)."""
    return ServiceModel(json.loads(LEGACY_FIXTURE.read_text()), service_name="sesv2")


def wire_request(
    operation: OperationModel, params: Mapping[str, Any], *, validate: bool = True
) -> HttpRequest:
    """The request a boto3 client puts on the wire for ``params``."""
    serializer = _SERIALIZER if validate else _UNVALIDATED_SERIALIZER
    request_dict = serializer.serialize_to_request(dict(params), operation)
    prepare_request_dict(request_dict, endpoint_url=ENDPOINT)
    return as_http_request(create_request_object(request_dict).prepare())


def as_http_request(prepared: AWSPreparedRequest) -> HttpRequest:
    url = urlsplit(prepared.url)
    body = prepared.body or b""
    if isinstance(body, str):
        body = body.encode("utf-8")
    elif not isinstance(body, bytes):
        body = body.read()
    headers = {name.lower(): str(value) for name, value in prepared.headers.items()}
    return HttpRequest(prepared.method, url.path, url.query, headers, body)


def parse_answer(response: HttpResponse, shape: Shape | None) -> dict[str, Any]:
    """What botocore reads from ``response`` (headers case-insensitive, as urllib3 gives)."""
    return dict(
        _PARSER.parse(
            {
                "body": response.body,
                "headers": HeadersDict(response.headers),
                "status_code": response.status,
            },
            shape,
        )
    )


def uri_members(operation: OperationModel) -> set[str]:
    shape = operation.input_shape
    if shape is None:
        return set()
    return {n for n, m in shape.members.items() if m.serialization.get("location") == "uri"}


def input_strategy(operation: OperationModel) -> st.SearchStrategy[dict[str, Any]]:
    """Inputs a boto3 user can send: as ``strategy_for``, but URI labels are never empty
    (an empty label leaves "//" in the path, which no route can bind)."""
    shape = operation.input_shape
    if shape is None:
        return st.just({})
    required = set(shape.required_members)
    labels = uri_members(operation)

    def member_strategy(name: str, member: Shape) -> st.SearchStrategy[Any]:
        strategy = strategy_for(member, 1)
        return strategy.filter(bool) if name in labels else strategy

    members = shape.members
    return st.fixed_dictionaries(
        {n: member_strategy(n, m) for n, m in members.items() if n in required},
        optional={n: member_strategy(n, m) for n, m in members.items() if n not in required},
    )


def wire_view(operation: OperationModel, params: Mapping[str, Any]) -> dict[str, Any]:
    """``params`` less what the wire cannot carry: an empty list or map bound to the query
    string or a header writes nothing at all (botocore ``percent_encode_sequence``)."""
    shape = operation.input_shape
    if shape is None:
        return dict(params)
    view = {}
    for name, value in params.items():
        location = shape.members[name].serialization.get("location")
        if location in ("querystring", "header", "headers") and value in ([], {}):
            continue
        view[name] = value
    return view


# --- an in-process boto3 client ------------------------------------------------------------

Handler = Callable[[RouteMatch, dict[str, Any]], Mapping[str, Any]]


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


def answer(request: HttpRequest, handler: Handler, router: RestJsonRouter = ROUTER) -> HttpResponse:
    """The openses protocol layer end to end: route, parse, handle, serialize."""
    try:
        match = router.match(request.method, request.raw_path)
        result = handler(match, parse_request(match, request))
    except ApiError as error:
        return serialize_error(error, "openses-test-request")
    return serialize_response(match.operation, result, "openses-test-request")


def openses_client(handler: Handler) -> Any:
    """A boto3 sesv2 client whose requests are answered by ``answer`` (no network)."""
    client = boto3.session.Session().client(
        "sesv2",
        region_name="us-east-1",
        endpoint_url=ENDPOINT,
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="secret",
        config=Config(retries={"total_max_attempts": 1}),
    )

    def send(request: AWSPreparedRequest, **_: Any) -> AWSResponse:
        response = answer(as_http_request(request), handler)
        return AWSResponse(request.url, response.status, response.headers, _Raw(response.body))

    client.meta.events.register("before-send.sesv2", send)
    return client
