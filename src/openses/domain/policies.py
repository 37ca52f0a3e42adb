"""Sending authorization policies: their grammar, SES's rules for them, and their evaluation.

Developer Guide, "Sending authorization" (spec digest §1.17): a policy is a JSON
document attached to one identity. It has an optional ``Id`` and ``Version`` and at
least one statement; each statement has an optional ``Sid``, ``Effect`` (``Allow`` or
``Deny``), ``Principal`` (AWS account ids or IAM ARNs under ``AWS``, AWS services under
``Service``, or ``*``), ``Action`` (the four sending actions, or a pattern such as
``ses:Send*``; SES's own examples write ``SES:SendEmail``, so actions match without
regard to case), ``Resource`` (exactly the ARN of the identity the policy is attached
to) and an optional ``Condition``. At most 20 policies per identity, 4 KB each, names of
at most 64 letters, digits, ``-`` and ``_``.

Evaluation follows IAM: an explicit ``Deny`` wins, else an ``Allow`` whose principal,
action and every condition match allows, else the request is denied. Condition
operators and their ``IfExists``/``ForAllValues:``/``ForAnyValue:`` forms behave as the
IAM User Guide describes ("Condition operators", "Multivalued context keys").

openses has no IAM users or roles: the caller of a request is an account, that is the
principal ``arn:aws:iam::<account>:root``. A statement naming the account (by id or
root ARN) or ``*`` applies to it; one naming an IAM user or an AWS service does not.

Error texts marked [SEED] are SES's own; [INF] ones are ours where SES's are not
published.
"""

from __future__ import annotations

import datetime as dt
import enum
import ipaddress
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from openses.domain.arns import parse_arn
from openses.domain.errors import InvalidParameterError, InvalidPolicyError

MAX_POLICY_BYTES = 4096
MAX_POLICIES_PER_IDENTITY = 20
MAX_POLICY_NAME_LENGTH = 64
SENDING_ACTIONS = ("SendEmail", "SendRawEmail", "SendTemplatedEmail", "SendBulkTemplatedEmail")

_POLICY_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
_ACCOUNT_ID = re.compile(r"\d{12}")
_IAM_PRINCIPAL = re.compile(
    r"arn:aws:iam::\d{12}:(root|user/.+|role/.+)|arn:aws:sts::\d{12}:assumed-role/.+"
)
_SERVICE_PRINCIPAL = re.compile(r"[a-z0-9.-]+\.amazonaws\.com")

# Condition keys SES accepts, in lower case (IAM keys are case-insensitive): its own four
# (guide, "Conditions"), the API version key, and the AWS-wide keys that can apply to a
# send. SES refuses any other key with "Unknown or unapplicable condition field" [SEED,
# awsdocs/amazon-cognito-developer-guide#41, for 'AWS:SourceAccount'].
RECIPIENTS_KEY = "ses:recipients"
FROM_ADDRESS_KEY = "ses:fromaddress"
FROM_DISPLAY_NAME_KEY = "ses:fromdisplayname"
FEEDBACK_ADDRESS_KEY = "ses:feedbackaddress"
CURRENT_TIME_KEY = "aws:currenttime"
EPOCH_TIME_KEY = "aws:epochtime"
SOURCE_IP_KEY = "aws:sourceip"
SECURE_TRANSPORT_KEY = "aws:securetransport"
PRINCIPAL_ACCOUNT_KEY = "aws:principalaccount"
PRINCIPAL_ARN_KEY = "aws:principalarn"
CONDITION_KEYS = frozenset(
    {
        RECIPIENTS_KEY,
        FROM_ADDRESS_KEY,
        FROM_DISPLAY_NAME_KEY,
        FEEDBACK_ADDRESS_KEY,
        "ses:apiversion",
        CURRENT_TIME_KEY,
        EPOCH_TIME_KEY,
        SOURCE_IP_KEY,
        SECURE_TRANSPORT_KEY,
        "aws:useragent",
        "aws:referer",
        "aws:principalorgid",
        PRINCIPAL_ACCOUNT_KEY,
        PRINCIPAL_ARN_KEY,
    }
)
# Keys whose value is a list: without a set operator a condition on them matches when
# any value does (IAM's behaviour for multivalued keys).
MULTIVALUED_KEYS = frozenset({RECIPIENTS_KEY})

_TOP_LEVEL_FIELDS = frozenset({"Version", "Id", "Statement"})
_STATEMENT_FIELDS = frozenset({"Sid", "Effect", "Principal", "Action", "Resource", "Condition"})


class Effect(enum.Enum):
    ALLOW = "Allow"
    DENY = "Deny"


class Decision(enum.Enum):
    ALLOW = "allow"
    DENY = "deny"  # an explicit Deny matched
    NOT_ALLOWED = "not allowed"  # no statement allowed the request


def check_policy_name(name: str) -> None:
    if not _POLICY_NAME.fullmatch(name):
        raise InvalidParameterError(  # [INF] the guide's rule, in its words
            "Policy names can't exceed 64 characters and can only include alphanumeric "
            "characters, dashes, and underscores."
        )


# --- conditions ---------------------------------------------------------------------


def _glob(pattern: str, *, ignore_case: bool = False) -> re.Pattern[str]:
    """IAM's wildcards: ``*`` any run of characters, ``?`` one character."""
    parts = (".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile("".join(parts), re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def parse_date(text: str) -> dt.datetime | None:
    """An IAM date value: ISO 8601 (``2018-08-31T12:00Z``, ``2019-07-30``) or epoch seconds."""
    text = text.strip()
    if re.fullmatch(r"\d+", text):
        return dt.datetime.fromtimestamp(int(text), dt.UTC)
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _network(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        return None


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _compare_dates(check: Callable[[dt.datetime, dt.datetime], bool]) -> _Matcher:
    def match(actual: str, expected: str) -> bool:
        left, right = parse_date(actual), parse_date(expected)
        return left is not None and right is not None and check(left, right)

    return match


def _compare_numbers(check: Callable[[float, float], bool]) -> _Matcher:
    def match(actual: str, expected: str) -> bool:
        left, right = _number(actual), _number(expected)
        return left is not None and right is not None and check(left, right)

    return match


def _in_network(actual: str, expected: str) -> bool:
    address, network = _address(actual), _network(expected)
    return address is not None and network is not None and address in network


_Matcher = Callable[[str, str], bool]


@dataclass(frozen=True, slots=True)
class _Operator:
    match: _Matcher  # the positive test of one context value against one policy value
    negated: bool = False  # StringNotEquals & co.: true when no policy value matches
    valid_value: Callable[[str], bool] = lambda _value: True


def _is_date(value: str) -> bool:
    return parse_date(value) is not None


def _is_number(value: str) -> bool:
    return _number(value) is not None


def _is_network(value: str) -> bool:
    return _network(value) is not None


def _is_bool(value: str) -> bool:
    return value.lower() in ("true", "false")


def _string_like(actual: str, expected: str) -> bool:
    return _glob(expected).fullmatch(actual) is not None


_OPERATORS: dict[str, _Operator] = {
    "stringequals": _Operator(lambda a, e: a == e),
    "stringnotequals": _Operator(lambda a, e: a == e, negated=True),
    "stringequalsignorecase": _Operator(lambda a, e: a.lower() == e.lower()),
    "stringnotequalsignorecase": _Operator(lambda a, e: a.lower() == e.lower(), negated=True),
    "stringlike": _Operator(_string_like),
    "stringnotlike": _Operator(_string_like, negated=True),
    "arnequals": _Operator(lambda a, e: a == e),
    "arnnotequals": _Operator(lambda a, e: a == e, negated=True),
    "arnlike": _Operator(_string_like),
    "arnnotlike": _Operator(_string_like, negated=True),
    "numericequals": _Operator(_compare_numbers(lambda a, e: a == e), valid_value=_is_number),
    "numericnotequals": _Operator(
        _compare_numbers(lambda a, e: a == e), negated=True, valid_value=_is_number
    ),
    "numericlessthan": _Operator(_compare_numbers(lambda a, e: a < e), valid_value=_is_number),
    "numericlessthanequals": _Operator(
        _compare_numbers(lambda a, e: a <= e), valid_value=_is_number
    ),
    "numericgreaterthan": _Operator(_compare_numbers(lambda a, e: a > e), valid_value=_is_number),
    "numericgreaterthanequals": _Operator(
        _compare_numbers(lambda a, e: a >= e), valid_value=_is_number
    ),
    "dateequals": _Operator(_compare_dates(lambda a, e: a == e), valid_value=_is_date),
    "datenotequals": _Operator(
        _compare_dates(lambda a, e: a == e), negated=True, valid_value=_is_date
    ),
    "datelessthan": _Operator(_compare_dates(lambda a, e: a < e), valid_value=_is_date),
    "datelessthanequals": _Operator(_compare_dates(lambda a, e: a <= e), valid_value=_is_date),
    "dategreaterthan": _Operator(_compare_dates(lambda a, e: a > e), valid_value=_is_date),
    "dategreaterthanequals": _Operator(_compare_dates(lambda a, e: a >= e), valid_value=_is_date),
    "bool": _Operator(lambda a, e: a.lower() == e.lower(), valid_value=_is_bool),
    "ipaddress": _Operator(_in_network, valid_value=_is_network),
    "notipaddress": _Operator(_in_network, negated=True, valid_value=_is_network),
}


class SetQualifier(enum.Enum):
    NONE = ""
    FOR_ALL_VALUES = "forallvalues"
    FOR_ANY_VALUE = "foranyvalue"


@dataclass(frozen=True, slots=True)
class Condition:
    """One key under one operator: ``{"StringLike": {"ses:FromAddress": "a*@x.com"}}``."""

    operator: str  # lower case, without qualifier or IfExists
    qualifier: SetQualifier
    if_exists: bool
    key: str  # lower case
    values: tuple[str, ...]

    def holds(self, context: Mapping[str, Sequence[str]]) -> bool:
        actual = context.get(self.key)
        if self.operator == "null":
            # "true": the key must be absent; "false": present.
            return (not actual) == (self.values[0].lower() == "true")
        if not actual:
            if self.qualifier is SetQualifier.FOR_ALL_VALUES:
                return True  # vacuously: every one of no values matches
            if self.qualifier is SetQualifier.FOR_ANY_VALUE:
                return False
            # A missing key fails a condition, except with IfExists or a negated operator.
            return self.if_exists or _OPERATORS[self.operator].negated
        operator = _OPERATORS[self.operator]

        def matches(value: str) -> bool:
            hit = any(operator.match(value, expected) for expected in self.values)
            return not hit if operator.negated else hit

        if self.qualifier is SetQualifier.FOR_ALL_VALUES:
            return all(matches(value) for value in actual)
        return any(matches(value) for value in actual)


def _condition_values(raw: object) -> tuple[str, ...]:
    items = raw if isinstance(raw, list) else [raw]
    values: list[str] = []
    for item in items:
        if isinstance(item, bool):
            values.append("true" if item else "false")
        elif isinstance(item, str | int | float):
            values.append(str(item))
        else:
            raise InvalidPolicyError("Condition values must be strings.")  # [INF]
    if not values:
        raise InvalidPolicyError("Condition values must not be empty.")  # [INF]
    return tuple(values)


def _parse_operator(name: str) -> tuple[str, SetQualifier, bool]:
    qualifier = SetQualifier.NONE
    base = name
    prefix, colon, rest = name.partition(":")
    if colon:
        try:
            qualifier = SetQualifier(prefix.lower())
        except ValueError:
            qualifier = SetQualifier.NONE
        if qualifier is SetQualifier.NONE:
            raise InvalidPolicyError(f"Invalid condition operator '{name}'.")  # [INF]
        base = rest
    if_exists = base.lower().endswith("ifexists") and base.lower() != "ifexists"
    if if_exists:
        base = base[: -len("IfExists")]
    base = base.lower()
    if base not in _OPERATORS and not (base == "null" and not if_exists):
        raise InvalidPolicyError(f"Invalid condition operator '{name}'.")  # [INF]
    return base, qualifier, if_exists


def _parse_conditions(raw: object) -> tuple[Condition, ...]:
    if not isinstance(raw, dict):
        raise InvalidPolicyError("Condition must be an object.")  # [INF]
    conditions: list[Condition] = []
    for operator_name, block in raw.items():
        operator, qualifier, if_exists = _parse_operator(operator_name)
        if not isinstance(block, dict) or not block:
            raise InvalidPolicyError(  # [INF]
                f"Condition operator '{operator_name}' must map condition keys to values."
            )
        for key, raw_values in block.items():
            if key.lower() not in CONDITION_KEYS:
                raise InvalidPolicyError(f"Unknown or unapplicable condition field '{key}'.")
            values = _condition_values(raw_values)
            valid = _is_bool if operator == "null" else _OPERATORS[operator].valid_value
            bad = next((value for value in values if not valid(value)), None)
            if bad is not None:
                raise InvalidPolicyError(  # [INF]
                    f"Invalid value '{bad}' for condition operator '{operator_name}'."
                )
            conditions.append(Condition(operator, qualifier, if_exists, key.lower(), values))
    return tuple(conditions)


# --- statements and policies --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Principals:
    anyone: bool = False
    aws: tuple[str, ...] = ()
    services: tuple[str, ...] = ()

    def include_account(self, account_id: str) -> bool:
        """Whether the account's own credentials (its root principal) are named."""
        return self.anyone or any(
            entry in (account_id, f"arn:aws:iam::{account_id}:root") for entry in self.aws
        )


def _strings(raw: object, what: str) -> tuple[str, ...]:
    items = raw if isinstance(raw, list) else [raw]
    if not items or not all(isinstance(item, str) and item for item in items):
        raise InvalidPolicyError(f"{what} must be a string or a list of strings.")  # [INF]
    return tuple(str(item) for item in items)


def _parse_principal(raw: object) -> Principals:
    if raw == "*":
        return Principals(anyone=True)
    if not isinstance(raw, dict) or not raw:
        raise InvalidPolicyError("Invalid principal in policy.")  # [INF]
    aws: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    for kind, value in raw.items():
        if kind == "AWS":
            aws = _strings(value, "Principal AWS")
            if not all(p == "*" or _ACCOUNT_ID.fullmatch(p) or _IAM_PRINCIPAL.fullmatch(p)
                       for p in aws):  # fmt: skip
                raise InvalidPolicyError("Invalid principal in policy.")  # [INF]
        elif kind == "Service":
            services = _strings(value, "Principal Service")
            if not all(_SERVICE_PRINCIPAL.fullmatch(s) for s in services):
                raise InvalidPolicyError("Invalid principal in policy.")  # [INF]
        else:
            raise InvalidPolicyError("Invalid principal in policy.")  # [INF]
    return Principals(anyone="*" in aws, aws=aws, services=services)


def _action_pattern(action: str) -> re.Pattern[str]:
    pattern = _glob(action, ignore_case=True)
    if not any(pattern.fullmatch(f"ses:{name}") for name in SENDING_ACTIONS):
        raise InvalidPolicyError(  # [INF]
            f"Invalid action '{action}': a sending authorization policy can only allow "
            "ses:SendEmail, ses:SendRawEmail, ses:SendTemplatedEmail and "
            "ses:SendBulkTemplatedEmail."
        )
    return pattern


def _same_identity_arn(given: str, expected: str) -> bool:
    """ARNs compare exactly, except the domain part of the identity's name (case-free)."""
    left, right = parse_arn(given), parse_arn(expected)
    if left is None or right is None:
        return False
    left_local, _at, left_domain = left.resource_name.rpartition("@")
    right_local, _at, right_domain = right.resource_name.rpartition("@")
    return (
        (left.service, left.region, left.account_id, left.resource_type)
        == (right.service, right.region, right.account_id, right.resource_type)
        and left_local == right_local
        and left_domain.lower().rstrip(".") == right_domain.lower().rstrip(".")
    )


@dataclass(frozen=True, slots=True)
class Statement:
    sid: str | None
    effect: Effect
    principals: Principals
    actions: tuple[re.Pattern[str], ...]
    conditions: tuple[Condition, ...]

    def applies(self, request: AuthorizationRequest) -> bool:
        return (
            self.principals.include_account(request.account_id)
            and any(a.fullmatch(f"ses:{request.action}") for a in self.actions)
            and all(c.holds(request.context) for c in self.conditions)
        )


def _require(statement: Mapping[str, Any], field: str) -> object:
    if field not in statement:
        raise InvalidPolicyError(f"Missing required field {field}.")  # [INF]
    return statement[field]


def _parse_statement(raw: object, identity_arn: str) -> Statement:
    if not isinstance(raw, dict):
        raise InvalidPolicyError("Each statement must be an object.")  # [INF]
    unknown = sorted(set(raw) - _STATEMENT_FIELDS)
    if unknown:
        raise InvalidPolicyError(f"Unsupported field {unknown[0]} in statement.")  # [INF]
    sid = raw.get("Sid")
    if sid is not None and not isinstance(sid, str):
        raise InvalidPolicyError("Sid must be a string.")  # [INF]
    effect_text = _require(raw, "Effect")
    try:
        effect = Effect(effect_text)
    except ValueError:
        raise InvalidPolicyError(f"Invalid effect: {effect_text}.") from None  # [INF]
    principals = _parse_principal(_require(raw, "Principal"))
    actions = tuple(_action_pattern(a) for a in _strings(_require(raw, "Action"), "Action"))
    resources = _strings(_require(raw, "Resource"), "Resource")
    if len(resources) != 1 or not _same_identity_arn(resources[0], identity_arn):
        raise InvalidPolicyError(  # [INF] the guide's requirement
            "The policy must specify one resource, the ARN of the identity it is attached "
            f"to: {identity_arn}."
        )
    conditions = _parse_conditions(raw["Condition"]) if "Condition" in raw else ()
    return Statement(sid, effect, principals, actions, conditions)


@dataclass(frozen=True, slots=True)
class IdentityPolicy:
    statements: tuple[Statement, ...]


def parse_policy(text: str, identity_arn: str) -> IdentityPolicy:
    """The policy ``text`` attached to the identity ``identity_arn``, or SES's error."""
    if len(text.encode("utf-8")) > MAX_POLICY_BYTES:
        raise InvalidPolicyError(  # [INF] the guide's limit
            f"Policies can't exceed 4 KB; this one is {len(text.encode('utf-8'))} bytes."
        )
    try:
        document = json.loads(text)
    except ValueError:
        raise InvalidPolicyError("Policy is not valid JSON.") from None  # [INF]
    if not isinstance(document, dict):
        raise InvalidPolicyError("Policy must be a JSON object.")  # [INF]
    unknown = sorted(set(document) - _TOP_LEVEL_FIELDS)
    if unknown:
        raise InvalidPolicyError(f"Unsupported field {unknown[0]} in policy.")  # [INF]
    for field in ("Version", "Id"):
        if field in document and not isinstance(document[field], str):
            raise InvalidPolicyError(f"{field} must be a string.")  # [INF]
    raw_statements = document.get("Statement")
    if isinstance(raw_statements, dict):
        raw_statements = [raw_statements]
    if not isinstance(raw_statements, list) or not raw_statements:
        raise InvalidPolicyError("The policy must include at least one statement.")  # [INF]
    statements = tuple(_parse_statement(raw, identity_arn) for raw in raw_statements)
    sids = [s.sid for s in statements if s.sid]
    if len(sids) != len(set(sids)):
        raise InvalidPolicyError("Statement IDs (SID) in a policy must be unique.")  # [INF]
    return IdentityPolicy(statements)


# --- evaluation ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AuthorizationRequest:
    """A send by ``account_id`` of ``action`` (``SendEmail``…), with its condition values."""

    account_id: str
    action: str
    context: Mapping[str, Sequence[str]]

    @property
    def principal_arn(self) -> str:
        return f"arn:aws:iam::{self.account_id}:root"


def request_context(
    *,
    account_id: str,
    now: dt.datetime,
    from_address: str,
    from_display_name: str | None,
    recipients: Sequence[str],
    feedback_address: str,
    source_ip: str = "",
) -> dict[str, tuple[str, ...]]:
    """The condition values of one send; keys a request does not have are left out."""
    context: dict[str, tuple[str, ...]] = {
        FROM_ADDRESS_KEY: (from_address,),
        RECIPIENTS_KEY: tuple(recipients),
        FEEDBACK_ADDRESS_KEY: (feedback_address,),
        CURRENT_TIME_KEY: (now.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),),
        EPOCH_TIME_KEY: (str(int(now.timestamp())),),
        PRINCIPAL_ACCOUNT_KEY: (account_id,),
        PRINCIPAL_ARN_KEY: (f"arn:aws:iam::{account_id}:root",),
    }
    if from_display_name:
        context[FROM_DISPLAY_NAME_KEY] = (from_display_name,)
    if source_ip:
        context[SOURCE_IP_KEY] = (source_ip,)
    return context


def evaluate(policies: Iterable[IdentityPolicy], request: AuthorizationRequest) -> Decision:
    """IAM's rule: an explicit Deny wins, then an Allow, else the request is not allowed."""
    allowed = False
    for policy in policies:
        for statement in policy.statements:
            if not statement.applies(request):
                continue
            if statement.effect is Effect.DENY:
                return Decision.DENY
            allowed = True
    return Decision.ALLOW if allowed else Decision.NOT_ALLOWED
