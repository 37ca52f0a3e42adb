"""Per-shape validation plans, built once from a botocore shape and reused on every request.

A plan holds what checking a value needs and nothing else: the Python types the
parsers produce for the shape, its own rules (length, range, pattern, enum) as
ready-made predicates with their message texts, and for containers the plans of
their members in the order Coral visits them. Building a plan reads the model once;
checking a typical SendEmail input then costs a few dict look-ups and isinstance calls.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from botocore.model import Shape

from openses.protocol.validation_messages import (
    MAX_REPORTED_VIOLATIONS,
    ConstraintViolation,
    ViolationKind,
    bracket_text,
    constraint_text,
    java_double,
    java_hash_map_order,
    java_to_string,
    quoted,
    type_error_text,
)
from openses.protocol.validation_regex import compile_java_pattern

_NOT_NULL: Final = constraint_text("not_null")

# The Python types the protocol parsers produce for each botocore shape type (boto3's own).
_ACCEPTED_TYPES: Final[Mapping[str, tuple[type, ...]]] = {
    "string": (str,),
    "integer": (int,),
    "long": (int,),
    "double": (int, float),
    "float": (int, float),
    "boolean": (bool,),
    "timestamp": (dt.datetime,),
    "blob": (bytes, bytearray),
    "list": (list, tuple),
    "map": (Mapping,),
    "structure": (Mapping,),
}
_EXACT_TYPES: Final[Mapping[str, frozenset[type]]] = {
    name: frozenset(types) - {Mapping} for name, types in _ACCEPTED_TYPES.items()
} | {"map": frozenset({dict}), "structure": frozenset({dict})}
_NUMERIC: Final = frozenset({"integer", "long", "double", "float"})


@dataclass(frozen=True, slots=True)
class Rule:
    """One model constraint on a value: ``violated(value)`` is true when it is broken."""

    kind: ViolationKind
    text: str
    violated: Callable[[Any], bool]


class ViolationCapReachedError(Exception):
    """Raised by :meth:`Sink.add` on the last violation Coral would report: stop looking."""


class Sink:
    """Collects violations, raising :class:`ViolationCapReachedError` at Coral's cap."""

    __slots__ = ("violations",)

    def __init__(self) -> None:
        self.violations: list[ConstraintViolation] = []

    def add(self, path: str, rule_kind: ViolationKind, text: str, rendered: str | None) -> None:
        self.violations.append(ConstraintViolation(path, rule_kind, text, rendered))
        if len(self.violations) >= MAX_REPORTED_VIOLATIONS:
            raise ViolationCapReachedError


class Plan:
    """How to check values of one shape.

    ``exact_types`` lets the hot path accept a value with one set look-up; ``accepts``
    handles subclasses (a ``Mapping`` that is not a ``dict``...). A ``trivial`` plan
    has no rules and nothing inside: a value of an exact type needs no further look.
    """

    __slots__ = ("accepted", "exact_types", "name", "rules", "sensitive", "trivial", "type_name")

    def __init__(self, shape: Shape) -> None:
        self.name: str = shape.name
        self.type_name: str = shape.type_name
        self.sensitive: bool = bool(shape.metadata.get("sensitive"))
        self.accepted = _ACCEPTED_TYPES.get(self.type_name, (object,))
        self.exact_types: frozenset[type] = _EXACT_TYPES.get(self.type_name, frozenset())
        self.rules: tuple[Rule, ...] = _own_rules(shape)
        self.trivial: bool = not self.rules and type(self) is Plan

    def accepts(self, value: Any) -> bool:
        if type(value) in self.exact_types:
            return True
        if isinstance(value, bool) and self.type_name in _NUMERIC:
            return False  # bool is an int subclass in Python, never a number on the wire
        return isinstance(value, self.accepted)

    def breaks_a_rule(self, value: Any) -> bool:
        return any(rule.violated(value) for rule in self.rules)

    def render(self, value: Any) -> str:
        return java_to_string(value)

    def check(self, value: Any, path: str, hidden: bool, sink: Sink) -> None:
        """Report every broken rule of ``value`` (not ``None``) at ``path``, then go inside."""
        if not self.accepts(value):
            sink.add(path, ViolationKind.TYPE, type_error_text(self.type_name, value), None)
            return
        hidden = hidden or self.sensitive
        for rule in self.rules:
            if rule.violated(value):
                sink.add(path, rule.kind, rule.text, self.shown(value, hidden))
        self.check_inside(value, path, hidden, sink)

    def check_inside(self, value: Any, path: str, hidden: bool, sink: Sink) -> None:
        """Containers check their members here; scalars have nothing inside."""

    def shown(self, value: Any, hidden: bool) -> str | None:
        if hidden:
            return None  # sensitive members are reported as "Value at '...'"
        return "null" if value is None else quoted(self.render(value))

    def bracket_rules(self) -> list[str]:
        """This shape's rules as listed when it is a list member or map key/value."""
        return [rule.text for rule in self.rules]


@dataclass(frozen=True, slots=True)
class MemberPlan:
    name: str  # as in the model and in the params dict: "ToAddresses"
    segment: str  # as in Coral's paths: "toAddresses"
    required: bool
    plan: Plan


class StructurePlan(Plan):
    __slots__ = ("members",)

    def __init__(self, shape: Shape) -> None:
        super().__init__(shape)
        self.members: tuple[MemberPlan, ...] = ()

    def render(self, value: Any) -> str:
        return java_to_string(value, structure_name=self.name)

    def check_inside(self, value: Any, path: str, hidden: bool, sink: Sink) -> None:
        prefix = f"{path}." if path else ""
        for member in self.members:
            member_value = value.get(member.name)
            if member_value is not None:
                plan = member.plan
                if not (plan.trivial and type(member_value) in plan.exact_types):
                    plan.check(member_value, prefix + member.segment, hidden, sink)
            elif member.required:
                shown = None if hidden or member.plan.sensitive else "null"
                sink.add(prefix + member.segment, ViolationKind.REQUIRED, _NOT_NULL, shown)


class ListPlan(Plan):
    __slots__ = ("element",)

    def __init__(self, shape: Shape) -> None:
        super().__init__(shape)
        self.element: Plan = self

    def render(self, value: Any) -> str:
        rendered = ("null" if item is None else self.element.render(item) for item in value)
        return "[" + ", ".join(rendered) + "]"

    def check_inside(self, value: Any, path: str, hidden: bool, sink: Sink) -> None:
        element = self.element
        element_hidden = hidden or element.sensitive
        broken, has_null = False, False
        for index, item in enumerate(value, 1):
            if item is None:
                has_null = True
            elif not element.accepts(item):
                element.check(item, f"{path}.{index}.member", element_hidden, sink)
            elif not broken and element.rules:
                broken = element.breaks_a_rule(item)
        if broken or has_null:
            # Coral judges scalar members as a whole: one violation for the list, naming
            # every rule of the member shape (ACM's subjectAlternativeNames, Lambda's
            # architectures, Cognito's "[null]" assets).
            rules = element.bracket_rules() + ([_NOT_NULL] if has_null else [])
            text = bracket_text("list_member", rules)
            sink.add(path, ViolationKind.LIST_MEMBER, text, self.shown(value, hidden))
        if isinstance(element, ListPlan | MapPlan | StructurePlan):
            for index, item in enumerate(value, 1):
                if item is not None and element.accepts(item):
                    element.check_inside(item, f"{path}.{index}.member", element_hidden, sink)


class MapPlan(Plan):
    __slots__ = ("key", "value")

    def __init__(self, shape: Shape) -> None:
        super().__init__(shape)
        self.key: Plan = self
        self.value: Plan = self

    def render(self, value: Any) -> str:
        keys = [str(key) for key in value]
        items = list(value.values())
        rendered = (
            f"{keys[i]}={'null' if items[i] is None else self.value.render(items[i])}"
            for i in java_hash_map_order(keys)
        )
        return "{" + ", ".join(rendered) + "}"

    def check_inside(self, value: Any, path: str, hidden: bool, sink: Sink) -> None:
        # Keys first, then values, each reported once however many entries break it
        # (probed by Floci: S3DestinationValidatorTest, "keys once and values once").
        bad_keys = [key for key in value if not self.key.accepts(key)]
        for key in bad_keys:
            self.key.check(key, path, hidden, sink)
        if any(self.key.breaks_a_rule(key) for key in value if self.key.accepts(key)):
            text = bracket_text("map_keys", self.key.bracket_rules())
            sink.add(path, ViolationKind.MAP_KEYS, text, self.shown(value, hidden))
        self._check_values(value, path, hidden, sink)

    def _check_values(self, value: Any, path: str, hidden: bool, sink: Sink) -> None:
        plan = self.value
        items = list(value.items())
        has_null = any(item is None for _, item in items)
        broken = any(
            plan.breaks_a_rule(item) for _, item in items if item is not None and plan.accepts(item)
        )
        if broken or has_null:
            rules = plan.bracket_rules() + ([_NOT_NULL] if has_null else [])
            text = bracket_text("map_values", rules)
            sink.add(path, ViolationKind.MAP_VALUES, text, self.shown(value, hidden))
        value_hidden = hidden or plan.sensitive
        for key, item in items:
            if item is not None and not plan.accepts(item):
                plan.check(item, f"{path}.{key}.member", value_hidden, sink)
        if isinstance(plan, ListPlan | MapPlan | StructurePlan):
            # What is inside the values, visited in the HashMap order Coral holds them in.
            for index in java_hash_map_order([str(key) for key, _ in items]):
                key, item = items[index]
                if item is not None and plan.accepts(item):
                    plan.check_inside(item, f"{path}.{key}.member", value_hidden, sink)


_PLANS: dict[tuple[str, str], Plan] = {}
_BUILD_LOCK: Final = threading.Lock()


def plan_for(service_name: str, shape: Shape) -> Plan:
    """The plan of ``shape``, built on first use and cached by (service, shape name).

    The service is part of the key because shape names repeat across models with
    different contents (``Destination`` in ses and sesv2).
    """
    plan = _PLANS.get((service_name, shape.name))
    if plan is None:
        with _BUILD_LOCK:
            plan = _PLANS.get((service_name, shape.name)) or _build(service_name, shape)
    return plan


def _build(service_name: str, shape: Shape) -> Plan:
    kind = shape.type_name
    plan: Plan
    if kind == "structure":
        plan = StructurePlan(shape)
    elif kind == "list":
        plan = ListPlan(shape)
    elif kind == "map":
        plan = MapPlan(shape)
    else:
        plan = Plan(shape)
    # Registered before its members are built, so that a recursive shape finds itself.
    _PLANS[(service_name, shape.name)] = plan
    if isinstance(plan, StructurePlan):
        plan.members = _member_plans(service_name, shape)
    elif isinstance(plan, ListPlan):
        plan.element = _child_plan(service_name, shape.member)
    elif isinstance(plan, MapPlan):
        plan.key = _child_plan(service_name, shape.key)
        plan.value = _child_plan(service_name, shape.value)
    return plan


def _child_plan(service_name: str, shape: Shape) -> Plan:
    return _PLANS.get((service_name, shape.name)) or _build(service_name, shape)


def _member_plans(service_name: str, shape: Shape) -> tuple[MemberPlan, ...]:
    """Members in the order Coral visits them: HashMap order of their Coral names.

    Coral's names are the model's with a lower-case first letter, as its paths show
    ("emailIdentity", Firehose's "roleARN").
    """
    required = set(shape.required_members)
    names = list(shape.members)
    segments = [name[:1].lower() + name[1:] for name in names]
    return tuple(
        MemberPlan(
            names[i],
            segments[i],
            names[i] in required,
            _child_plan(service_name, shape.members[names[i]]),
        )
        for i in java_hash_map_order(segments)
    )


def _own_rules(shape: Shape) -> tuple[Rule, ...]:
    """The shape's own constraints, in the order Coral lists them (max before min)."""
    metadata = shape.metadata
    rules: list[Rule] = []
    kind = shape.type_name
    if kind in ("string", "blob", "list", "map"):
        rules += _bound_rules(metadata, ViolationKind.LENGTH, "length", len)
    elif kind in _NUMERIC:
        rules += _bound_rules(metadata, ViolationKind.RANGE, "value", _identity)
    if kind == "string" and "pattern" in metadata:
        compiled = compile_java_pattern(metadata["pattern"])
        # A pattern Python's re cannot express (see validation_regex) is skipped, not
        # guessed at: we accept what AWS might refuse rather than refuse what it accepts.
        if compiled is not None:
            text = constraint_text("pattern", pattern=metadata["pattern"])
            rules.append(Rule(ViolationKind.PATTERN, text, _mismatch(compiled.fullmatch)))
    if kind == "string" and metadata.get("enum"):
        allowed = frozenset(metadata["enum"])
        text = constraint_text("enum", values=", ".join(metadata["enum"]))
        rules.append(Rule(ViolationKind.ENUM, text, _outside(allowed)))
    return tuple(rules)


def _bound_rules(
    metadata: Mapping[str, Any],
    rule_kind: ViolationKind,
    measure: str,
    size: Callable[[Any], Any],
) -> list[Rule]:
    rules: list[Rule] = []
    if "max" in metadata:
        text = constraint_text(f"max_{measure}", limit=_limit_text(metadata["max"]))
        rules.append(Rule(rule_kind, text, _above(metadata["max"], size)))
    if "min" in metadata:
        text = constraint_text(f"min_{measure}", limit=_limit_text(metadata["min"]))
        rules.append(Rule(rule_kind, text, _below(metadata["min"], size)))
    return rules


def _above(limit: float, size: Callable[[Any], Any]) -> Callable[[Any], bool]:
    return lambda value: bool(size(value) > limit)


def _below(limit: float, size: Callable[[Any], Any]) -> Callable[[Any], bool]:
    return lambda value: bool(size(value) < limit)


def _limit_text(limit: float) -> str:
    return java_double(limit) if isinstance(limit, float) else str(limit)


def _identity(value: Any) -> Any:
    return value


def _mismatch(fullmatch: Callable[[str], object]) -> Callable[[Any], bool]:
    return lambda value: fullmatch(value) is None


def _outside(allowed: frozenset[str]) -> Callable[[Any], bool]:
    return lambda value: value not in allowed
