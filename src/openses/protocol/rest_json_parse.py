"""Parsing of a routed rest-json request into the operation's input parameters.

Members are bound by their ``location`` trait (botocore model; Smithy HTTP bindings,
https://smithy.io/2.0/spec/http-bindings.html): ``uri`` labels, ``querystring`` (scalars, lists
as repeated keys, a map taking every unbound key), ``header`` and ``headers`` (a prefix map),
and the rest in the JSON body, or a ``payload`` member as the whole body.

The binding plan of each operation is compiled once and cached.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import unquote_to_bytes

from botocore.model import OperationModel, ServiceModel, Shape

from openses.protocol.http import HttpRequest
from openses.protocol.rest_json_decode import (
    JsonDecoder,
    JsonDecoders,
    TextDecoder,
    bad_request,
    text_decoder,
)
from openses.protocol.rest_json_headers import header_decoder
from openses.protocol.rest_json_routing import LegacyRoute, RouteMatch

_BAD_PERCENT_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
BodyReader = Callable[[bytes], dict[str, Any]]


@dataclass(frozen=True, slots=True)
class _QueryMap:
    member: str
    value: TextDecoder
    multi_valued: bool


@dataclass(frozen=True, slots=True)
class _RequestPlan:
    uri: tuple[tuple[str, str, TextDecoder], ...]
    query_scalars: tuple[tuple[str, str, TextDecoder], ...]
    query_lists: tuple[tuple[str, str, TextDecoder], ...]
    query_map: _QueryMap | None
    headers: tuple[tuple[str, str, TextDecoder], ...]
    header_maps: tuple[tuple[str, str], ...]
    body: BodyReader | None


def parse_request(match: RouteMatch, request: HttpRequest) -> dict[str, Any]:
    """The input parameters of ``match.operation`` carried by ``request``, typed per shape.

    Raises ``ApiError`` (400 ``BadRequestException``) for anything unreadable, and nothing else.
    """
    plan = _plan_for(match.operation, match.legacy)
    params: dict[str, Any] = plan.body(request.body) if plan.body is not None else {}
    for label, member, decode in plan.uri:
        if label in match.path_params:
            params[member] = decode(match.path_params[label], member)
    if plan.query_scalars or plan.query_lists or plan.query_map:
        _bind_query(plan, parse_query_string(request.query_string), params)
    for header, member, decode in plan.headers:
        if header in request.headers:
            params[member] = decode(request.headers[header], member)
    for prefix, member in plan.header_maps:
        params[member] = {
            name[len(prefix) :]: value
            for name, value in request.headers.items()
            if name.startswith(prefix)
        }
    return params


def parse_query_string(query_string: str) -> dict[str, list[str]]:
    """Query parameters in order, ``+`` read as a space (form encoding, as AWS front ends do),
    each value percent-decoded once as strict UTF-8."""
    parsed: dict[str, list[str]] = {}
    if not query_string:
        return parsed
    for pair in query_string.split("&"):
        if not pair:
            continue
        key, _, value = pair.partition("=")
        parsed.setdefault(_decode_query_part(key), []).append(_decode_query_part(value))
    return parsed


def _decode_query_part(part: str) -> str:
    part = part.replace("+", " ")
    if "%" not in part:
        return part
    if _BAD_PERCENT_ESCAPE.search(part):
        raise bad_request("The query string has an invalid percent-encoding.")
    try:
        return unquote_to_bytes(part).decode("utf-8")
    except UnicodeDecodeError:
        raise bad_request("The query string is not valid UTF-8 once decoded.") from None


def _bind_query(plan: _RequestPlan, query: dict[str, list[str]], params: dict[str, Any]) -> None:
    for name, member, decode in plan.query_scalars:
        values = query.get(name)
        if values:
            params[member] = decode(values[0], member)
    for name, member, decode in plan.query_lists:
        values = query.get(name)
        if values:
            params[member] = [decode(v, member) for v in values]
    query_map = plan.query_map
    if query_map is None:
        return
    bound = {name for name, _, _ in plan.query_scalars + plan.query_lists}
    entries: dict[str, Any] = {}
    for key, values in query.items():
        if key in bound:
            continue
        decoded = [query_map.value(v, query_map.member) for v in values]
        entries[key] = decoded if query_map.multi_valued else decoded[0]
    if entries:
        params[query_map.member] = entries


# --- the binding plan ------------------------------------------------------------------------


@cache
def _json_decoders(service: ServiceModel) -> JsonDecoders:
    # One cache per model: two models (e.g. an older botocore's) may reuse a shape name.
    return JsonDecoders()


@cache
def _plan_for(operation: OperationModel, legacy: LegacyRoute | None) -> _RequestPlan:
    shape = operation.input_shape
    if shape is None:
        return _RequestPlan((), (), (), None, (), (), None)
    members: Mapping[str, Shape] = shape.members
    located = {n: m for n, m in members.items() if m.serialization.get("location")}
    uri = _bound(located, "uri")
    query = _bound(located, "querystring")
    if legacy is not None:
        # A legacy form binds members that the current model puts in the body.
        uri += [(n, n, members[n]) for n in _template_labels(legacy.path)]
        query += [(wire, n, members[n]) for wire, n in legacy.querystring]
    maps = [(n, m) for _, n, m in query if m.type_name == "map"]
    return _RequestPlan(
        uri=tuple((w, n, text_decoder(m)) for w, n, m in uri),
        query_scalars=tuple(
            (w, n, text_decoder(m)) for w, n, m in query if m.type_name not in ("list", "map")
        ),
        query_lists=tuple(
            (w, n, text_decoder(m.member)) for w, n, m in query if m.type_name == "list"
        ),
        query_map=_query_map(*maps[0]) if maps else None,
        headers=tuple((w.lower(), n, header_decoder(m)) for w, n, m in _bound(located, "header")),
        header_maps=tuple((w.lower(), n) for w, n, _ in _bound(located, "headers")),
        body=_body_reader(operation, shape, members, located),
    )


def _bound(located: Mapping[str, Shape], location: str) -> list[tuple[str, str, Shape]]:
    """(wire name, member name, shape) of the members bound to ``location``."""
    return [
        (m.serialization.get("name", n), n, m)
        for n, m in located.items()
        if m.serialization["location"] == location
    ]


def _template_labels(template: str) -> list[str]:
    return [label.rstrip("+") for label in re.findall(r"\{([^{}]+)\}", template)]


def _query_map(member: str, shape: Shape) -> _QueryMap:
    value_shape = shape.value
    if value_shape.type_name == "list":
        return _QueryMap(member, text_decoder(value_shape.member), True)
    return _QueryMap(member, text_decoder(value_shape), False)


def _body_reader(
    operation: OperationModel,
    shape: Shape,
    members: Mapping[str, Shape],
    located: Mapping[str, Shape],
) -> BodyReader | None:
    decoders = _json_decoders(operation.service_model)
    payload = shape.serialization.get("payload")
    if payload is not None:
        return _payload_reader(payload, members[payload], decoders)
    body_members = {n: m for n, m in members.items() if n not in located}
    if not body_members:
        return None  # Smithy: with no body members, the body is ignored.
    decode = decoders.members_decoder(body_members)
    return lambda body: decode(load_json_object(body), "the request body")


def _payload_reader(member: str, shape: Shape, decoders: JsonDecoders) -> BodyReader:
    if shape.type_name == "blob":
        return lambda body: {member: body} if body else {}
    if shape.type_name == "string":
        return lambda body: {member: _utf8(body)} if body else {}
    decode: JsonDecoder = decoders.for_shape(shape)

    def read(body: bytes) -> dict[str, Any]:
        value = None if not body or body.isspace() else load_json_object(body)
        return {} if value is None else {member: decode(value, member)}

    return read


def _utf8(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise bad_request("The request body is not valid UTF-8.") from None


def _reject_constant(name: str) -> Any:
    # NaN and Infinity are not JSON (RFC 8259 §6); Python's json accepts them by default.
    raise ValueError(f"{name} is not valid JSON")


def load_json_object(body: bytes) -> dict[str, Any]:
    """The request body as a JSON object; an empty body is an empty object."""
    if not body or body.isspace():
        return {}
    text = _utf8(body)
    try:
        value = json.loads(text, parse_constant=_reject_constant)
    except RecursionError:
        raise bad_request("The request body is nested too deeply.") from None
    except ValueError as error:  # JSONDecodeError, and int() past sys.get_int_max_str_digits
        raise bad_request(f"The request body is not valid JSON: {error}.") from None
    if type(value) is not dict:
        raise bad_request("The request body must be a JSON object.")
    return value
