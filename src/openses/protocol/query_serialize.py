"""Write query-protocol answers (SES v1, SNS) as AWS does, driven by the output shapes.

Each operation's output shape is compiled once into a tree of small writer functions that
append strings to a list; a response is then one ``"".join``. The layout follows what
botocore's ``QueryParser`` reads: ``<OpResponse xmlns=..><OpResult>..</OpResult>
<ResponseMetadata><RequestId>..</RequestId></ResponseMetadata></OpResponse>``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from weakref import WeakKeyDictionary

from botocore.model import OperationModel, Shape

from openses.protocol.errors import ApiError
from openses.protocol.http import HttpResponse
from openses.protocol.query_form import AWS_FAULT_NAMESPACE, FrontEndError
from openses.protocol.query_xml import escape, scalar_formatter

# Appends the XML of one value (its element or elements) to the output list.
_Writer = Callable[[list[str], Any], None]
# (member name, writer of that member's element(s)), in model order.
_Members = list[tuple[str, _Writer]]


class _ResponsePlan:
    __slots__ = ("members", "operation_name", "wrapper")

    def __init__(self, operation_name: str, wrapper: str | None, members: _Members | None):
        self.operation_name = operation_name
        self.wrapper = wrapper  # resultWrapper element, e.g. "SendEmailResult"
        self.members = members  # None when the operation has no output shape


_PLANS: WeakKeyDictionary[OperationModel, _ResponsePlan] = WeakKeyDictionary()


def serialize_response(
    operation: OperationModel, result: Mapping[str, Any], request_id: str, xml_namespace: str
) -> HttpResponse:
    """The 200 answer of ``operation`` carrying ``result`` (shaped like boto3's output)."""
    plan = _response_plan(operation)
    name = plan.operation_name
    out = [f'<{name}Response xmlns="{escape(xml_namespace)}">']
    if plan.members is not None:
        if plan.wrapper is not None:
            out.append(f"<{plan.wrapper}>")
            _write_members(out, plan.members, result)
            out.append(f"</{plan.wrapper}>")
        else:
            _write_members(out, plan.members, result)
    out.append(
        f"<ResponseMetadata><RequestId>{escape(request_id)}</RequestId></ResponseMetadata>"
        f"</{name}Response>"
    )
    return _xml_response(200, out, request_id)


def serialize_error(
    error: ApiError,
    request_id: str,
    xml_namespace: str,
    *,
    details: Mapping[str, str] | None = None,
) -> HttpResponse:
    """The answer for ``error``: AWS's ``ErrorResponse`` document with ``error.status``.

    Errors of AWS's front end (:class:`FrontEndError`) are written in its namespace.
    ``details`` are extra ``<Error>`` children some modeled errors carry (botocore puts them
    beside ``Code`` in ``response["Error"]``); their names must be the model's member names.
    """
    namespace = AWS_FAULT_NAMESPACE if isinstance(error, FrontEndError) else xml_namespace
    fault = "Sender" if error.sender_fault else "Receiver"
    out = [
        f'<ErrorResponse xmlns="{escape(namespace)}"><Error><Type>{fault}</Type>'
        f"<Code>{escape(error.code)}</Code><Message>{escape(error.message)}</Message>"
    ]
    for name, value in (details or {}).items():
        out.append(f"<{name}>{escape(value)}</{name}>")
    out.append(f"</Error><RequestId>{escape(request_id)}</RequestId></ErrorResponse>")
    return _xml_response(error.status, out, request_id)


def _xml_response(status: int, out: list[str], request_id: str) -> HttpResponse:
    return HttpResponse(
        status=status,
        body="".join(out).encode("utf-8"),
        headers=[("Content-Type", "text/xml"), ("x-amzn-RequestId", request_id)],
    )


def _response_plan(operation: OperationModel) -> _ResponsePlan:
    plan = _PLANS.get(operation)
    if plan is None:
        shape = operation.output_shape
        if shape is None:
            plan = _ResponsePlan(operation.name, None, None)
        else:
            wrapper = shape.serialization.get("resultWrapper")
            plan = _ResponsePlan(operation.name, wrapper, _compile_members(shape, {}))
        _PLANS[operation] = plan
    return plan


def _write_members(out: list[str], members: _Members, value: Mapping[str, Any]) -> None:
    for name, write in members:
        member_value = value.get(name)
        if member_value is not None:
            write(out, member_value)


def _compile_members(shape: Shape, seen: dict[tuple[str, str], _Writer]) -> _Members:
    return [
        (name, _element_writer(member, _member_tag(name, member), seen))
        for name, member in shape.members.items()
    ]


def _member_tag(name: str, member: Shape) -> str:
    # botocore BaseXMLResponseParser._member_key_name: a flattened list whose member has a
    # locationName repeats under that name.
    if member.type_name == "list" and member.serialization.get("flattened"):
        element_name = member.member.serialization.get("name")
        if element_name:
            return str(element_name)
    return str(member.serialization.get("name", name))


def _open_tag(tag: str, shape: Shape) -> str:
    namespace = shape.serialization.get("xmlNamespace")
    if not namespace:
        return f"<{tag}>"
    uri = escape(namespace["uri"] if isinstance(namespace, dict) else str(namespace))
    prefix = namespace.get("prefix") if isinstance(namespace, dict) else None
    attribute = f"xmlns:{prefix}" if prefix else "xmlns"
    return f'<{tag} {attribute}="{uri}">'


def _element_writer(shape: Shape, tag: str, seen: dict[tuple[str, str], _Writer]) -> _Writer:
    """A writer of ``shape``'s value as element(s) named ``tag``."""
    kind = shape.type_name
    if kind == "structure":
        return _structure_writer(shape, tag, seen)
    if kind == "list":
        return _list_writer(shape, tag, seen)
    if kind == "map":
        return _map_writer(shape, tag, seen)
    return _scalar_writer(shape, tag)


def _scalar_writer(shape: Shape, tag: str) -> _Writer:
    open_tag, close_tag, text = _open_tag(tag, shape), f"</{tag}>", scalar_formatter(shape)

    def write_scalar(out: list[str], value: Any) -> None:
        out.append(f"{open_tag}{text(value)}{close_tag}")

    return write_scalar


def _structure_writer(shape: Shape, tag: str, seen: dict[tuple[str, str], _Writer]) -> _Writer:
    key = (shape.name, tag)
    if key in seen:
        return seen[key]
    open_tag, close_tag = _open_tag(tag, shape), f"</{tag}>"
    members: _Members = []

    def write_structure(out: list[str], value: Any) -> None:
        out.append(open_tag)
        _write_members(out, members, value)
        out.append(close_tag)

    # Registered before its members compile, so a recursive shape reuses this writer.
    seen[key] = write_structure
    members.extend(_compile_members(shape, seen))
    return write_structure


def _list_writer(shape: Shape, tag: str, seen: dict[tuple[str, str], _Writer]) -> _Writer:
    if shape.serialization.get("flattened"):
        # Each element is an element named like the member itself; an empty list is absent.
        write_flat = _element_writer(shape.member, tag, seen)

        def write_flattened_list(out: list[str], value: Any) -> None:
            for item in value:
                if item is not None:
                    write_flat(out, item)

        return write_flattened_list
    write_item = _element_writer(
        shape.member, str(shape.member.serialization.get("name", "member")), seen
    )
    open_tag, close_tag = _open_tag(tag, shape), f"</{tag}>"

    def write_list(out: list[str], value: Any) -> None:
        out.append(open_tag)
        for item in value:
            if item is not None:
                write_item(out, item)
        out.append(close_tag)

    return write_list


def _map_writer(shape: Shape, tag: str, seen: dict[tuple[str, str], _Writer]) -> _Writer:
    write_key = _element_writer(shape.key, str(shape.key.serialization.get("name", "key")), seen)
    write_value = _element_writer(
        shape.value, str(shape.value.serialization.get("name", "value")), seen
    )
    # A flattened map repeats the member's own element once per entry; otherwise the entries
    # are <entry> elements inside it.
    flattened = bool(shape.serialization.get("flattened"))
    entry_open, entry_close = (_open_tag(tag, shape), f"</{tag}>") if flattened else _ENTRY
    map_open, map_close = ("", "") if flattened else (_open_tag(tag, shape), f"</{tag}>")

    def write_map(out: list[str], value: Any) -> None:
        out.append(map_open)
        for key, item in value.items():
            if item is not None:
                out.append(entry_open)
                write_key(out, key)
                write_value(out, item)
                out.append(entry_close)
        out.append(map_close)

    return write_map


_ENTRY = ("<entry>", "</entry>")
