"""botocore as the independent oracle of the query wire format, for the query protocol tests.

Requests are built by botocore's own serializer; answers are read by botocore's own parser;
``wire_view`` removes from an expected value what the wire cannot tell apart.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from typing import Any

import botocore.serialize
from botocore.awsrequest import AWSRequest
from botocore.model import OperationModel, ServiceModel, Shape
from botocore.parsers import create_parser

from openses.protocol.http import HttpResponse
from openses.protocol.models import service_model

SERVICES = ("ses", "sns")
ABSENT: Any = object()

_SERIALIZER = botocore.serialize.create_serializer("query", include_validation=False)
_PARSER = create_parser("query")


def operation_ids() -> list[tuple[str, str]]:
    return [(name, op) for name in SERVICES for op in service_model(name).operation_names]


def request_body(operation: OperationModel, params: dict[str, Any]) -> bytes:
    """The form body botocore sends for ``params``, byte for byte."""
    request = _SERIALIZER.serialize_to_request(params, operation)
    prepared = AWSRequest(
        method=request["method"], url="https://email.local/", data=request["body"]
    ).prepare()
    body = prepared.body
    return body.encode("utf-8") if isinstance(body, str) else bytes(body)


def parse_answer(response: HttpResponse, shape: Shape | None) -> dict[str, Any]:
    """What a boto3 user gets from ``response``, without ResponseMetadata."""
    parsed = _PARSER.parse(
        {
            "body": response.body,
            "headers": dict(response.headers),
            "status_code": response.status,
        },
        shape,
    )
    parsed.pop("ResponseMetadata", None)
    return dict(parsed)


def wire_view(shape: Shape, value: Any) -> Any:
    """``value`` as a query *request* can carry it, or ABSENT.

    botocore writes nothing for an empty structure or map (so it is absent, and so is a list
    of nothing but such), while an empty list is written as ``Key=``. A map entry keeps its
    key even when its structure value is empty.
    """
    kind = shape.type_name
    if kind == "structure":
        members = {
            name: wire_view(shape.members[name], member_value)
            for name, member_value in value.items()
        }
        kept = {name: v for name, v in members.items() if v is not ABSENT}
        return kept or ABSENT
    if kind == "list":
        elements = [wire_view(shape.member, element) for element in value]
        kept_elements = [element for element in elements if element is not ABSENT]
        return kept_elements if kept_elements or not value else ABSENT
    if kind == "map":
        entries = dict(_map_entries(shape, value))
        return entries or ABSENT
    return value


def _map_entries(shape: Shape, value: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    for key, item in value.items():
        view = wire_view(shape.value, item)
        if view is ABSENT and shape.value.type_name in ("structure", "map"):
            yield key, {}
        elif view is not ABSENT:
            yield key, view


_NOT_XML = {0xFFFE: "\ufffd", 0xFFFF: "\ufffd"}


def xml_view(shape: Shape, value: Any) -> Any:
    """``value`` as a query *answer* can carry it, or ABSENT.

    A flattened list or map with no entries leaves no element behind, and the characters XML
    1.0 cannot carry arrive as U+FFFD.
    """
    kind = shape.type_name
    if kind == "structure":
        members = {
            name: xml_view(shape.members[name], member_value)
            for name, member_value in value.items()
        }
        return {name: v for name, v in members.items() if v is not ABSENT}
    flattened = bool(shape.serialization.get("flattened"))
    if kind == "list":
        if flattened and not value:
            return ABSENT
        return [xml_view(shape.member, element) for element in value]
    if kind == "map":
        if flattened and not value:
            return ABSENT
        return {
            xml_view(shape.key, key): xml_view(shape.value, item) for key, item in value.items()
        }
    if kind == "string":
        return value.translate(_NOT_XML)
    return value


# A model with what SES and SNS do not use but the query protocol allows: flattened lists and
# maps, locationName renames of members, list elements and map keys/values, an xmlNamespace,
# a recursive shape and every scalar type.
_EXAMPLE_MODEL = {
    "metadata": {
        "apiVersion": "2020-01-01",
        "protocol": "query",
        "xmlNamespace": "http://example.test/doc/2020-01-01/",
        "endpointPrefix": "example",
        "serviceId": "Example",
        "signatureVersion": "v4",
    },
    "operations": {
        "Echo": {
            "name": "Echo",
            "http": {"method": "POST", "requestUri": "/"},
            "input": {"shape": "Everything"},
            "output": {"shape": "Everything", "resultWrapper": "EchoResult"},
        }
    },
    "shapes": {
        "Everything": {
            "type": "structure",
            "members": {
                "FlatNamed": {"shape": "FlatNamedList"},
                "FlatPlain": {"shape": "FlatPlainList"},
                "Named": {"shape": "NamedList"},
                "Renamed": {"shape": "String", "locationName": "OtherName"},
                "FlatMap": {"shape": "FlatMap"},
                "NamedMap": {"shape": "NamedMap"},
                "Inner": {
                    "shape": "Node",
                    "xmlNamespace": {"uri": "http://example.test/inner"},
                },
                "Count": {"shape": "Integer"},
                "Big": {"shape": "Long"},
                "Ratio": {"shape": "Double"},
                "On": {"shape": "Boolean"},
                "When": {"shape": "Timestamp"},
                "Data": {"shape": "Blob"},
                "Nested": {"shape": "ListOfLists"},
            },
        },
        "FlatNamedList": {
            "type": "list",
            "member": {"shape": "String", "locationName": "Item"},
            "flattened": True,
        },
        "FlatPlainList": {"type": "list", "member": {"shape": "Node"}, "flattened": True},
        "NamedList": {"type": "list", "member": {"shape": "Integer", "locationName": "Thing"}},
        "ListOfLists": {"type": "list", "member": {"shape": "NamedList"}},
        "FlatMap": {
            "type": "map",
            "key": {"shape": "String", "locationName": "K"},
            "value": {"shape": "Node", "locationName": "V"},
            "flattened": True,
        },
        "NamedMap": {
            "type": "map",
            "key": {"shape": "String", "locationName": "Name"},
            "value": {"shape": "Double", "locationName": "Value"},
        },
        "Node": {
            "type": "structure",
            "members": {"Label": {"shape": "String"}, "Child": {"shape": "Node"}},
        },
        "String": {"type": "string"},
        "Integer": {"type": "integer"},
        "Long": {"type": "long"},
        "Double": {"type": "double"},
        "Boolean": {"type": "boolean"},
        "Timestamp": {"type": "timestamp"},
        "Blob": {"type": "blob"},
    },
}


@cache
def example_operation() -> OperationModel:
    """The one operation of the example model, ``Echo``, taking and answering Everything."""
    return ServiceModel(_EXAMPLE_MODEL, service_name="example").operation_model("Echo")
