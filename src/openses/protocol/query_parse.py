"""Turn a decoded query form into the parameters of an operation, typed by botocore's model.

The flat keys botocore's ``QuerySerializer`` writes (``Destination.ToAddresses.member.1``,
``Attributes.entry.2.value``, flattened lists and maps, ``locationName`` renames) are first
split on ``.`` into a tree, then the tree is read top-down along a plan compiled once per
operation from its input shape. Only keys present in the form are visited, and list indexes are
sorted, never used to size a list, so ``Destinations.member.999999999`` costs one element.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from weakref import WeakKeyDictionary

from botocore.model import OperationModel, Shape

from openses.protocol.errors import ApiError
from openses.protocol.query_scalars import ScalarParser, scalar_parser

# A node of the key tree: child segments by name, and the form value (if any) under None.
_Tree = dict[str | None, Any]
# Marks "nothing of this member was on the wire".
_ABSENT: Any = object()
# Coral (the framework behind AWS's query services) rejects a key that goes deeper than its
# shape with this code and message (brendanhay/amazonka#209 for SNS, rusoto/rusoto#586 for SQS).
_TOO_DEEP = "Start of list found where not expected"
# Indexes Java's int can hold; longer digit strings are not list positions.
_MAX_INDEX = 2**31 - 1
_MAX_INDEX_DIGITS = len(str(_MAX_INDEX))
# No SES or SNS key has more than ~12 segments; recursive shapes could otherwise be followed
# as deep as a hostile key goes.
_MAX_KEY_DEPTH = 64


class _Plan:
    """How to read the key tree below one member; ``path`` names it in error messages."""

    __slots__ = ()

    def read(self, tree: _Tree, path: str) -> Any:
        raise NotImplementedError

    def read_missing(self) -> Any:
        """The value of a map entry whose value key is missing."""
        return _ABSENT


class _ScalarPlan(_Plan):
    __slots__ = ("parse",)

    def __init__(self, parse: ScalarParser) -> None:
        self.parse = parse

    def read(self, tree: _Tree, path: str) -> Any:
        if len(tree) != 1 or None not in tree:
            raise ApiError("MalformedInput", _TOO_DEEP, 400)
        return self.parse(tree[None], path)


class _StructurePlan(_Plan):
    __slots__ = ("members",)

    def __init__(self) -> None:
        # Wire name -> (member name, plan); filled after creation so recursive shapes close.
        self.members: dict[str, tuple[str, _Plan]] = {}

    def read(self, tree: _Tree, path: str) -> Any:
        result: dict[str, Any] = {}
        members = self.members
        for segment, child in tree.items():
            known = members.get(segment) if segment is not None else None
            if known is None:
                continue  # Keys the model does not know are ignored, as AWS does.
            name, plan = known
            value = plan.read(child, f"{path}.{segment}" if path else str(segment))
            if value is _ABSENT or (value == [] and name in result):
                continue  # The empty-list marker of a flattened list beside its elements.
            result[name] = value
        # botocore writes nothing for an empty structure, so one with no known member is absent.
        return result if result else _ABSENT

    def read_missing(self) -> Any:
        # botocore writes nothing for an empty structure value: its entry's key alone says it.
        return {}


class _ListPlan(_Plan):
    __slots__ = ("element", "member_segment")

    def __init__(self, member_segment: str | None, element: _Plan) -> None:
        self.member_segment = member_segment  # None when flattened: positions follow directly.
        self.element = element

    def read(self, tree: _Tree, path: str) -> Any:
        container = tree if self.member_segment is None else tree.get(self.member_segment)
        elements = []
        for position, child in _positions(container):
            element = self.element.read(child, f"{path}.{position}")
            if element is not _ABSENT:
                elements.append(element)
        if elements or tree.get(None) == "":
            # botocore writes an empty list as the bare key with an empty value.
            return elements
        return _ABSENT


class _MapPlan(_Plan):
    __slots__ = ("entry_segment", "key", "key_name", "value", "value_name")

    def __init__(self, shape: Shape, key: _ScalarPlan, value: _Plan) -> None:
        self.entry_segment = None if shape.serialization.get("flattened") else "entry"
        self.key_name = str(shape.key.serialization.get("name", "key"))
        self.value_name = str(shape.value.serialization.get("name", "value"))
        self.key = key
        self.value = value

    def read(self, tree: _Tree, path: str) -> Any:
        container = tree if self.entry_segment is None else tree.get(self.entry_segment)
        result: dict[str, Any] = {}
        for position, entry in _positions(container):
            key_tree = entry.get(self.key_name)
            if key_tree is None:
                continue  # An entry without a key names nothing.
            key = self.key.read(key_tree, f"{path}.{position}.{self.key_name}")
            value_tree = entry.get(self.value_name)
            value = _ABSENT
            if value_tree is not None:
                value = self.value.read(value_tree, f"{path}.{position}.{self.value_name}")
            if value is _ABSENT:
                value = self.value.read_missing()
            if value is not _ABSENT:
                result[key] = value  # A key given twice: the later entry wins.
        return result if result or container is not None else _ABSENT

    def read_missing(self) -> Any:
        return {}


_PLANS: WeakKeyDictionary[OperationModel, _StructurePlan | None] = WeakKeyDictionary()


def parse_params(operation: OperationModel, form: Mapping[str, str]) -> dict[str, Any]:
    """The parameters of ``operation`` as a boto3 user would have passed them.

    Keys the model does not know are ignored, as AWS does (``Action``, ``Version``, SigV2
    parameters...). A value that does not parse as its shape's type, or a key that nests below
    a scalar, raises :class:`ApiError` ``MalformedInput``.
    """
    plan = _input_plan(operation)
    if plan is None:
        return {}
    result = plan.read(_key_tree(form), "")
    return {} if result is _ABSENT else dict(result)


def _input_plan(operation: OperationModel) -> _StructurePlan | None:
    try:
        return _PLANS[operation]
    except KeyError:
        pass
    shape = operation.input_shape
    plan = None if shape is None else _compile(shape, {})
    if plan is not None and not isinstance(plan, _StructurePlan):
        raise TypeError(f"input of {operation.name} is not a structure")
    _PLANS[operation] = plan
    return plan


def _compile(shape: Shape, seen: dict[str, _StructurePlan]) -> _Plan:
    """The reading plan of ``shape``; ``seen`` ties recursive shapes into a cycle."""
    kind = shape.type_name
    if kind == "structure":
        if shape.name in seen:
            return seen[shape.name]
        plan = seen[shape.name] = _StructurePlan()
        for name, member in shape.members.items():
            member_plan = _compile(member, seen)
            for wire_name in _member_wire_names(name, member):
                plan.members[wire_name] = (name, member_plan)
        return plan
    if kind == "list":
        flattened = bool(shape.serialization.get("flattened"))
        segment = None if flattened else str(shape.member.serialization.get("name", "member"))
        return _ListPlan(segment, _compile(shape.member, seen))
    if kind == "map":
        return _MapPlan(shape, _ScalarPlan(scalar_parser(shape.key)), _compile(shape.value, seen))
    return _ScalarPlan(scalar_parser(shape))


def _member_wire_names(name: str, member: Shape) -> tuple[str, ...]:
    own_name = str(member.serialization.get("name", name))
    # botocore QuerySerializer (``_serialize_type_list``): the elements of a flattened list
    # whose member has a locationName are written under that name, but the list when empty is
    # written under the structure member's own name.
    if member.type_name == "list" and member.serialization.get("flattened"):
        element_name = member.member.serialization.get("name")
        if element_name and element_name != own_name:
            return (str(element_name), own_name)
    return (own_name,)


def _key_tree(form: Mapping[str, str]) -> _Tree:
    root: _Tree = {}
    for key, value in form.items():
        segments = key.split(".")
        if len(segments) > _MAX_KEY_DEPTH:
            continue  # Deeper than any model goes: unknown, and reading it could recurse deeply.
        node = root
        for segment in segments:
            child = node.get(segment)
            if child is None:
                child = node[segment] = {}
            node = child
        node[None] = value
    return root


def _positions(tree: _Tree | None) -> list[tuple[int, _Tree]]:
    """The children of ``tree`` named by a list position (1, 2, ...), in order."""
    if not tree:
        return []
    positions = [
        (int(segment), child)
        for segment, child in tree.items()
        if segment and _is_position(segment)
    ]
    if len(positions) > 1:
        positions.sort(key=_first)
    return positions


def _first(item: tuple[int, _Tree]) -> int:
    return item[0]


def _is_position(segment: str) -> bool:
    return (
        segment.isascii()
        and segment.isdigit()
        and segment[0] != "0"
        and len(segment) <= _MAX_INDEX_DIGITS
        and int(segment) <= _MAX_INDEX
    )
