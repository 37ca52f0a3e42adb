"""Input validation against the ses/sesv2 models, answered with AWS's own messages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Literal

import pytest
from botocore.model import ShapeResolver
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openses.protocol.errors import ApiError
from openses.protocol.models import operation_model, service_model
from openses.protocol.validation import (
    MAX_REPORTED_VIOLATIONS,
    ConstraintViolation,
    ViolationKind,
    validate_input,
    validation_error,
)
from openses.protocol.validation_messages import (
    java_date,
    java_double,
    java_hash_map_order,
    java_string_hash,
    java_to_string,
)
from openses.protocol.validation_plans import Sink, plan_for
from openses.protocol.validation_regex import UNTRANSLATABLE_PATTERNS, compile_java_pattern
from tests.protocol.shape_strategies import strategy_for

_START = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
_END = dt.datetime(2024, 1, 2, tzinfo=dt.UTC)


def _violations(
    service: str, operation: str, params: Mapping[str, Any]
) -> list[ConstraintViolation]:
    return validate_input(operation_model(service, operation), params)


def _error(service: str, operation: str, params: Mapping[str, Any]) -> ApiError:
    violations = _violations(service, operation, params)
    assert violations, "expected the input to be refused"
    return validation_error(violations, "query" if service == "ses" else "rest-json")


def _message(service: str, operation: str, params: Mapping[str, Any]) -> str:
    return _error(service, operation, params).message


# --- required members -------------------------------------------------------------------


def test_missing_required_member_is_reported_as_null_with_sesv2_bad_request() -> None:
    error = _error("sesv2", "CreateEmailIdentity", {})

    assert (error.code, error.status, error.sender_fault) == ("BadRequestException", 400, True)
    assert error.message == (
        "1 validation error detected: Value null at 'emailIdentity' failed to satisfy "
        "constraint: Member must not be null"
    )


def test_missing_required_member_in_ses_v1_is_a_sender_validation_error() -> None:
    error = _error("ses", "VerifyEmailIdentity", {})

    assert (error.code, error.status, error.sender_fault) == ("ValidationError", 400, True)
    assert error.message == (
        "1 validation error detected: Value null at 'emailAddress' failed to satisfy "
        "constraint: Member must not be null"
    )


def test_explicit_none_counts_as_missing() -> None:
    assert [v.path for v in _violations("ses", "VerifyEmailIdentity", {"EmailAddress": None})] == [
        "emailAddress"
    ]


def test_several_missing_members_are_counted_and_ordered_as_coral_visits_them() -> None:
    # Coral walks members in java.util.HashMap order of their names: for SendEmail's
    # nine members that is sourceArn, returnPath, destination, source, message, ...
    assert _message("ses", "SendEmail", {}) == (
        "3 validation errors detected: "
        "Value null at 'destination' failed to satisfy constraint: Member must not be null; "
        "Value null at 'source' failed to satisfy constraint: Member must not be null; "
        "Value null at 'message' failed to satisfy constraint: Member must not be null"
    )


def test_nested_required_member_inside_sendemail_content_has_a_dotted_path() -> None:
    params = {"Content": {"Simple": {"Subject": {}, "Body": {"Text": {"Data": "hi"}}}}}

    assert _message("sesv2", "SendEmail", params) == (
        "1 validation error detected: Value null at 'content.simple.subject.data' "
        "failed to satisfy constraint: Member must not be null"
    )


def test_required_member_of_a_list_element_is_addressed_by_index_and_member() -> None:
    params = {
        "Source": "a@example.com",
        "Destination": {"ToAddresses": ["b@example.com"]},
        "Message": {"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "b"}}},
        "Tags": [{"Name": "a", "Value": "b"}, {"Name": "campaign"}],
    }

    assert _message("ses", "SendEmail", params) == (
        "1 validation error detected: Value null at 'tags.2.member.value' "
        "failed to satisfy constraint: Member must not be null"
    )


# --- lengths ------------------------------------------------------------------------------


def test_empty_string_breaks_minimum_length() -> None:
    # The exact text AWS answered through CloudFormation for an empty SES v2 identity.
    assert _message("sesv2", "CreateEmailIdentity", {"EmailIdentity": ""}) == (
        "1 validation error detected: Value '' at 'emailIdentity' failed to satisfy "
        "constraint: Member must have length greater than or equal to 1"
    )


def test_too_long_string_breaks_maximum_length() -> None:
    name = "p" * 65
    params = {"Identity": "example.com", "PolicyName": name, "Policy": "{}"}

    assert _message("ses", "PutIdentityPolicy", params) == (
        f"1 validation error detected: Value '{name}' at 'policyName' failed to satisfy "
        "constraint: Member must have length less than or equal to 64"
    )


def test_string_length_counts_code_points_not_utf16_units() -> None:
    params = {"Identity": "example.com", "Policy": "{}"}

    assert _violations("ses", "PutIdentityPolicy", {**params, "PolicyName": "😀" * 64}) == []
    too_long = _violations("ses", "PutIdentityPolicy", {**params, "PolicyName": "😀" * 65})
    assert [v.kind for v in too_long] == [ViolationKind.LENGTH]


def test_too_long_list_prints_the_whole_list_java_style() -> None:
    isps = ["a", "b", "c", "d", "e", "f"]
    params = {
        "ExportDataSource": {
            "MessageInsightsDataSource": {
                "StartDate": _START,
                "EndDate": _END,
                "Include": {"Isp": isps},
            }
        },
        "ExportDestination": {"DataFormat": "CSV"},
    }

    assert _message("sesv2", "CreateExportJob", params) == (
        "1 validation error detected: Value '[a, b, c, d, e, f]' at "
        "'exportDataSource.messageInsightsDataSource.include.isp' failed to satisfy "
        "constraint: Member must have length less than or equal to 5"
    )


def test_sensitive_member_is_reported_without_its_value() -> None:
    params = {"MailType": "MARKETING", "WebsiteURL": ""}

    assert _message("sesv2", "PutAccountDetails", params) == (
        "1 validation error detected: Value at 'websiteURL' failed to satisfy constraint: "
        "Member must have length greater than or equal to 1"
    )


# --- numbers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("max_results", "rule"),
    [
        (0, "Member must have value greater than or equal to 1"),
        (51, "Member must have value less than or equal to 50"),
    ],
)
def test_integer_outside_its_range_is_quoted_like_a_string(max_results: int, rule: str) -> None:
    params = {"MaxResults": max_results}

    assert _message("ses", "ListCustomVerificationEmailTemplates", params) == (
        f"1 validation error detected: Value '{max_results}' at 'maxResults' "
        f"failed to satisfy constraint: {rule}"
    )


def test_long_range_applies_to_nested_sesv2_members() -> None:
    params = {"ConfigurationSetName": "cs", "MaxDeliverySeconds": 299}

    assert _message("sesv2", "PutConfigurationSetDeliveryOptions", params) == (
        "1 validation error detected: Value '299' at 'maxDeliverySeconds' failed to satisfy "
        "constraint: Member must have value greater than or equal to 300"
    )


# --- enums and patterns -------------------------------------------------------------------


def test_value_outside_the_enum_lists_the_allowed_values() -> None:
    params = {"Identity": "example.com", "NotificationType": "Open"}

    assert _message("ses", "SetIdentityNotificationTopic", params) == (
        "1 validation error detected: Value 'Open' at 'notificationType' failed to satisfy "
        "constraint: Member must satisfy enum value set: [Bounce, Complaint, Delivery]"
    )


def test_pattern_mismatch_quotes_the_java_pattern_from_the_model() -> None:
    params = {
        "EmailIdentity": "example.com",
        "DkimSigningAttributes": {"DomainSigningSelector": "bad_selector"},
    }

    assert _message("sesv2", "CreateEmailIdentity", params) == (
        "1 validation error detected: Value 'bad_selector' at "
        "'dkimSigningAttributes.domainSigningSelector' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: "
        "^(([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9\\-]*[a-zA-Z0-9]))$"
    )


def test_value_breaking_length_and_pattern_is_reported_twice_length_first() -> None:
    params = {
        "EmailIdentity": "example.com",
        "DkimSigningAttributes": {"DomainSigningSelector": ""},
    }

    violations = _violations("sesv2", "CreateEmailIdentity", params)

    assert [v.kind for v in violations] == [ViolationKind.LENGTH, ViolationKind.PATTERN]
    assert {v.path for v in violations} == {"dkimSigningAttributes.domainSigningSelector"}


def test_pattern_must_match_the_whole_value() -> None:
    pattern = compile_java_pattern("[a-z]+")

    assert pattern is not None
    assert pattern.fullmatch("abc")
    assert not pattern.fullmatch("abc1")


# --- list members and maps ---------------------------------------------------------------


def test_list_of_constrained_strings_is_judged_as_a_whole() -> None:
    params = {"Identity": "example.com", "PolicyNames": ["", "ok", ""]}

    assert _message("ses", "GetIdentityPolicies", params) == (
        "1 validation error detected: Value '[, ok, ]' at 'policyNames' failed to satisfy "
        "constraint: Member must satisfy constraint: [Member must have length less than or "
        "equal to 64, Member must have length greater than or equal to 1]"
    )


def test_null_list_element_adds_the_not_null_rule() -> None:
    assert _message("sesv2", "ListSuppressedDestinations", {"Reasons": ["BOUNCE", None]}) == (
        "1 validation error detected: Value '[BOUNCE, null]' at 'reasons' failed to satisfy "
        "constraint: Member must satisfy constraint: [Member must satisfy enum value set: "
        "[BOUNCE, COMPLAINT], Member must not be null]"
    )


def test_sensitive_list_member_rules_are_listed_without_the_value() -> None:
    params: dict[str, Any] = {"MailType": "MARKETING", "WebsiteURL": "https://example.com"}
    params["AdditionalContactEmailAddresses"] = ["nope"]

    assert _message("sesv2", "PutAccountDetails", params) == (
        "1 validation error detected: Value at 'additionalContactEmailAddresses' failed to "
        "satisfy constraint: Member must satisfy constraint: [Member must have length less "
        "than or equal to 254, Member must have length greater than or equal to 6, Member "
        "must satisfy regular expression pattern: ^(.+)@(.+)$]"
    )


def test_map_size_keys_and_values_are_each_reported_once() -> None:
    params = {"Filter": {"TYPE": "DKIM", "COLOUR": "", "STATUS": ""}}

    violations = _violations("sesv2", "ListRecommendations", params)

    assert [v.kind for v in violations] == [
        ViolationKind.LENGTH,
        ViolationKind.MAP_KEYS,
        ViolationKind.MAP_VALUES,
    ]
    assert violations[1].message == (
        "Value '{STATUS=, TYPE=DKIM, COLOUR=}' at 'filter' failed to satisfy constraint: "
        "Map keys must satisfy constraint: [Member must satisfy enum value set: "
        "[TYPE, IMPACT, STATUS, RESOURCE_ARN]]"
    )
    assert violations[2].constraint == (
        "Map value must satisfy constraint: [Member must have length less than or equal to "
        "512, Member must have length greater than or equal to 1]"
    )


def test_list_valued_map_value_sizes_are_reported_as_map_value_rules() -> None:
    params = {
        "ExportDataSource": {
            "MetricsDataSource": {
                "Dimensions": {"ISP": []},
                "Namespace": "VDM",
                "Metrics": [{"Name": "SEND"}],
                "StartDate": _START,
                "EndDate": _END,
            }
        },
        "ExportDestination": {"DataFormat": "CSV"},
    }

    assert _message("sesv2", "CreateExportJob", params) == (
        "1 validation error detected: Value '{ISP=[]}' at "
        "'exportDataSource.metricsDataSource.dimensions' failed to satisfy constraint: "
        "Map value must satisfy constraint: [Member must have length less than or equal to "
        "10, Member must have length greater than or equal to 1]"
    )


def _synthetic_violations(params: Mapping[str, Any]) -> list[str]:
    # Nestings ses and sesv2 do not have: a map of structures, a list of lists.
    resolver = ShapeResolver(
        {
            "Input": {
                "type": "structure",
                "members": {"Things": {"shape": "ThingMap"}, "Grid": {"shape": "Rows"}},
            },
            "ThingMap": {"type": "map", "key": {"shape": "Name"}, "value": {"shape": "Cell"}},
            "Rows": {"type": "list", "member": {"shape": "Row"}},
            "Row": {"type": "list", "member": {"shape": "Cell"}, "max": 1},
            "Cell": {"type": "structure", "required": ["V"], "members": {"V": {"shape": "Name"}}},
            "Name": {"type": "string", "min": 1},
        }
    )
    sink = Sink()
    plan_for("synthetic-test", resolver.get_shape_by_name("Input")).check(params, "", False, sink)
    return [violation.message for violation in sink.violations]


def test_map_values_that_are_structures_are_addressed_by_key_and_member() -> None:
    assert _synthetic_violations({"Things": {"a": {"V": "x"}, "b": {}}}) == [
        "Value null at 'things.b.member.v' failed to satisfy constraint: Member must not be null"
    ]


def test_lists_of_lists_report_inner_sizes_at_the_outer_list_and_go_inside() -> None:
    messages = _synthetic_violations({"Grid": [[{"V": "x"}, {"V": "y"}], [{}]]})

    assert messages[0].startswith("Value '[[Cell@")
    assert messages[0].endswith(
        "' at 'grid' failed to satisfy constraint: Member must satisfy constraint: "
        "[Member must have length less than or equal to 1]"
    )
    assert messages[1:] == [
        "Value null at 'grid.2.member.1.member.v' failed to satisfy constraint: "
        "Member must not be null"
    ]


# --- caps, types, error codes ------------------------------------------------------------


def test_at_most_ten_violations_are_listed_and_counted() -> None:
    headers = [{"Name": "bad name", "Value": "v"}] * 12
    params = {"Content": {"Simple": {"Subject": {"Data": "s"}, "Body": {}, "Headers": headers}}}

    violations = _violations("sesv2", "SendEmail", params)
    message = validation_error(violations, "rest-json").message

    assert len(violations) == MAX_REPORTED_VIOLATIONS
    assert message.startswith("10 validation errors detected: Value 'bad name' at ")
    assert message.count("failed to satisfy constraint") == 10
    assert "'content.simple.headers.10.member.name'" in message
    assert "'content.simple.headers.11.member.name'" not in message


def test_wrong_type_inside_destination_is_a_type_error_not_a_crash() -> None:
    params = {
        "Source": "a@example.com",
        "Destination": {"ToAddresses": "b@example.com"},
        "Message": {"Subject": {"Data": "s"}, "Body": {}},
    }

    violations = _violations("ses", "SendEmail", params)
    error = validation_error(violations, "query")

    assert [(v.path, v.kind) for v in violations] == [
        ("destination.toAddresses", ViolationKind.TYPE)
    ]
    assert (error.code, error.status, error.message) == (
        "InvalidParameterValue",
        400,
        "Expected list or null",
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (5, "NUMBER_VALUE can not be converted to a String"),
        (True, "TRUE_VALUE can not be converted to a String"),
        (["a"], "Start of list found where not expected"),
        ({"a": 1}, "Start of structure or map found where not expected."),
    ],
)
def test_rest_json_type_errors_answer_serialization_exception(value: object, message: str) -> None:
    error = _error("sesv2", "CreateEmailIdentity", {"EmailIdentity": value})

    assert (error.code, error.status, error.message) == ("SerializationException", 400, message)


def test_booleans_are_not_numbers() -> None:
    violations = _violations("ses", "ListCustomVerificationEmailTemplates", {"MaxResults": True})

    assert [v.kind for v in violations] == [ViolationKind.TYPE]


def test_validation_error_needs_violations() -> None:
    with pytest.raises(ValueError, match="at least one violation"):
        validation_error([], "query")


def test_operation_without_input_has_nothing_to_validate() -> None:
    assert _violations("ses", "GetSendQuota", {}) == []


# --- Java renderings and ordering --------------------------------------------------------


def test_hash_map_order_reproduces_the_probed_firehose_orc_message() -> None:
    # Floci probed AWS with all eight OrcSerDe rules broken at once; AWS listed them
    # dictionaryKeyThreshold, blockSizeBytes, rowIndexStride, paddingTolerance,
    # stripeSizeBytes, compression, formatVersion, bloomFilterFalsePositiveProbability.
    members = [
        "stripeSizeBytes", "blockSizeBytes", "rowIndexStride", "enablePadding",
        "paddingTolerance", "compression", "bloomFilterColumns",
        "bloomFilterFalsePositiveProbability", "dictionaryKeyThreshold", "formatVersion",
    ]  # fmt: skip
    broken = set(members) - {"enablePadding", "bloomFilterColumns"}

    order = [members[i] for i in java_hash_map_order(members) if members[i] in broken]

    assert order == [
        "dictionaryKeyThreshold", "blockSizeBytes", "rowIndexStride", "paddingTolerance",
        "stripeSizeBytes", "compression", "formatVersion", "bloomFilterFalsePositiveProbability",
    ]  # fmt: skip


def test_maps_print_in_hash_map_order_like_aws() -> None:
    # The order of a tags map in an AWS message quoted in GorillaStack/auto-tag#77.
    tags = {
        "AutoTag_Creator": "c",
        "AutoTag_CreateTime": "t",
        "AutoTag_UserIdentityType": "u",
        "AutoTag_ClientInfo": "i",
    }

    assert java_to_string(tags) == (
        "{AutoTag_ClientInfo=i, AutoTag_UserIdentityType=u, AutoTag_CreateTime=t, "
        "AutoTag_Creator=c}"
    )


def test_java_string_hash_matches_java() -> None:
    assert java_string_hash("hello") == 99162322
    assert java_string_hash("") == 0


@pytest.mark.parametrize(
    ("number", "text"),
    [(1.0, "1.0"), (0.5, "0.5"), (1e7, "1.0E7"), (12345678.9, "1.23456789E7"), (1.5e-5, "1.5E-5")],
)
def test_doubles_print_like_java(number: float, text: str) -> None:
    assert java_double(number) == text


def test_values_print_like_java() -> None:
    assert java_to_string([1, None, True, b"abc"]) == (
        "[1, null, true, java.nio.HeapByteBuffer[pos=0 lim=3 cap=3]]"
    )
    assert java_date(dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.UTC)) == (
        "Tue Jan 02 03:04:05 UTC 2024"
    )


# --- Java regular expressions ------------------------------------------------------------


def test_unicode_property_classes_are_translated() -> None:
    # IAM's tag value pattern.
    pattern = compile_java_pattern(r"[\p{L}\p{Z}\p{N}_.:/=+\-@]*")

    assert pattern is not None
    assert pattern.fullmatch("Grüße 2024 ü:/=+-@")
    assert not pattern.fullmatch("no*stars")


def test_java_word_classes_stay_ascii() -> None:
    pattern = compile_java_pattern(r"[\w+=,.@-]+")

    assert pattern is not None
    assert pattern.fullmatch("my_role@x")
    assert not pattern.fullmatch("rôle")


def test_java_dot_refuses_every_java_line_terminator() -> None:
    pattern = compile_java_pattern("a.b")

    assert pattern is not None
    assert pattern.fullmatch("a-b")
    assert not pattern.fullmatch("a\u2028b")


def test_untranslatable_pattern_is_skipped_and_recorded() -> None:
    assert compile_java_pattern("[a-z&&[^e]]+") is None
    assert "[a-z&&[^e]]+" in UNTRANSLATABLE_PATTERNS


def test_every_pattern_in_the_models_compiles() -> None:
    patterns = {
        shape.metadata["pattern"]
        for service in ("ses", "sesv2", "sns")
        for shape in map(service_model(service).shape_for, service_model(service).shape_names)
        if "pattern" in shape.metadata
    }

    assert patterns
    assert [p for p in patterns if compile_java_pattern(p) is None] == []


# --- every operation, generated inputs ---------------------------------------------------


def _operations(*, with_members: bool = False) -> list[tuple[str, str]]:
    """Every ses and sesv2 operation with an input (with at least one member if asked)."""
    operations = []
    for service in ("ses", "sesv2"):
        for name in service_model(service).operation_names:
            shape = service_model(service).operation_model(name).input_shape
            if shape is not None and (shape.members or not with_members):
                operations.append((service, name))
    return operations


_SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
_JUNK_SETTINGS = settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def _only_pattern_rules(violation: ConstraintViolation) -> bool:
    # The strategy honours lengths, ranges and enums but not patterns: a generated value
    # may only break a pattern, alone or among a list's or map's member rules.
    if violation.kind is ViolationKind.PATTERN:
        return True
    return (
        violation.kind
        in (
            ViolationKind.LIST_MEMBER,
            ViolationKind.MAP_KEYS,
            ViolationKind.MAP_VALUES,
        )
        and "regular expression pattern" in violation.constraint
    )


@pytest.mark.parametrize(("service", "operation"), _operations())
@_SETTINGS
@given(data=st.data())
def test_generated_valid_input_breaks_no_rule_but_patterns(
    service: str, operation: str, data: st.DataObject
) -> None:
    model = operation_model(service, operation)
    params = data.draw(strategy_for(model.input_shape))

    violations = validate_input(model, params)

    assert [v.message for v in violations if not _only_pattern_rules(v)] == []


_JUNK = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=5)
    | st.binary(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)


@pytest.mark.parametrize(("service", "operation"), _operations(with_members=True))
@_JUNK_SETTINGS
@given(data=st.data())
def test_junk_in_any_member_is_reported_never_raised(
    service: str, operation: str, data: st.DataObject
) -> None:
    model = operation_model(service, operation)
    params = data.draw(strategy_for(model.input_shape))
    members = list(model.input_shape.members)
    name = data.draw(st.sampled_from(members))
    params[name] = data.draw(_JUNK)

    violations = validate_input(model, params)

    assert all(isinstance(v, ConstraintViolation) and v.message for v in violations)
    if violations:
        flavour: Literal["query", "rest-json"] = "query" if service == "ses" else "rest-json"
        assert validation_error(violations, flavour).status == 400


@pytest.mark.parametrize(("service", "operation"), _operations(with_members=True))
@_JUNK_SETTINGS
@given(data=st.data())
def test_a_value_of_the_wrong_kind_is_a_type_error(
    service: str, operation: str, data: st.DataObject
) -> None:
    model = operation_model(service, operation)
    params = data.draw(strategy_for(model.input_shape))
    name = data.draw(st.sampled_from(list(model.input_shape.members)))
    kind = model.input_shape.members[name].type_name
    params[name] = [["nested"]] if kind != "list" else "not a list"

    violations = validate_input(model, params)

    segment = name[:1].lower() + name[1:]
    reported = [(v.path, v.kind) for v in violations]
    # Unless generated pattern breaks already filled AWS's ten places.
    assert (segment, ViolationKind.TYPE) in reported or len(reported) == MAX_REPORTED_VIOLATIONS


def test_whole_params_of_the_wrong_kind_are_a_type_error() -> None:
    violations = validate_input(operation_model("ses", "SendEmail"), ["not", "a", "dict"])  # type: ignore[arg-type]

    assert [v.kind for v in violations] == [ViolationKind.TYPE]
