"""rest-json routing: every SES v2 URI template, the legacy GET list forms, 404 and 405."""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest
from botocore.model import ServiceModel

from openses.protocol.errors import ApiError
from openses.protocol.http import HttpRequest
from openses.protocol.rest_json import (
    SESV2_LEGACY_ROUTES,
    LegacyRoute,
    MethodNotAllowedError,
    RestJsonRouter,
    UnknownOperationError,
    parse_request,
    serialize_error,
)
from tests.protocol.rest_json_wire import ROUTER, SESV2, legacy_model, uri_members, wire_request

# Label values that the wire must carry unchanged: encoded "+" and "@", non-ASCII, an encoded
# slash, a literal "%2F" (sent as %252F), spaces, and reserved characters.
LABEL_SAMPLES = (
    "a+b@x.com",
    "ü",
    "a/b",
    "a%2Fb",
    "a%252B",
    "with space",
    "+",
    "50%",
    "q?x#y&z=1",
    "ひらがな.example",
    "~tilde-dash_under.dot",
)


def _label_cases() -> list[tuple[str, dict[str, str]]]:
    cases = []
    samples = itertools.cycle(LABEL_SAMPLES)
    for name in SESV2.operation_names:
        labels = sorted(uri_members(SESV2.operation_model(name)))
        for _ in range(len(LABEL_SAMPLES) if labels else 1):
            cases.append((name, {label: next(samples) for label in labels}))
    return cases


@pytest.mark.parametrize(("operation_name", "labels"), _label_cases())
def test_every_request_uri_routes_with_its_labels_decoded_once(
    operation_name: str, labels: dict[str, str]
) -> None:
    operation = SESV2.operation_model(operation_name)
    request = wire_request(operation, labels, validate=False)

    match = ROUTER.match(request.method, request.raw_path)

    assert match.operation is operation
    members = operation.input_shape.members if operation.input_shape else {}
    wire_names = {members[n].serialization.get("name", n): v for n, v in labels.items()}
    assert match.path_params == wire_names


def test_an_encoded_identity_is_decoded_exactly_once() -> None:
    match = ROUTER.match("GET", "/v2/email/identities/a%2Bb%40x.com")
    assert match.operation.name == "GetEmailIdentity"
    assert match.path_params == {"EmailIdentity": "a+b@x.com"}
    assert ROUTER.match("GET", "/v2/email/identities/a%252B").path_params == {
        "EmailIdentity": "a%2B"
    }


def test_a_plus_in_a_path_is_a_plus_not_a_space() -> None:
    assert ROUTER.match("GET", "/v2/email/identities/a+b@x.com").path_params == {
        "EmailIdentity": "a+b@x.com"
    }


def test_an_encoded_slash_stays_inside_its_label() -> None:
    match = ROUTER.match("DELETE", "/v2/email/identities/a%2Fb/policies/p")
    assert match.operation.name == "DeleteEmailIdentityPolicy"
    assert match.path_params == {"EmailIdentity": "a/b", "PolicyName": "p"}


def test_a_literal_segment_wins_over_a_label_under_the_same_method() -> None:
    assert ROUTER.match("POST", "/v2/email/contact-lists/L/contacts/list").operation.name == (
        "ListContacts"
    )
    get = ROUTER.match("GET", "/v2/email/contact-lists/L/contacts/list")
    assert get.operation.name == "GetContact"
    assert get.path_params == {"ContactListName": "L", "EmailAddress": "list"}
    assert ROUTER.match("GET", "/v2/email/identities/x/policies").operation.name == (
        "GetEmailIdentityPolicies"
    )


def test_templates_with_a_trailing_slash_route() -> None:
    assert ROUTER.match("POST", "/v2/email/email-address-insights/").operation.name == (
        "GetEmailAddressInsights"
    )
    match = ROUTER.match("GET", "/v2/email/insights/msg-1/")
    assert (match.operation.name, match.path_params) == (
        "GetMessageInsights",
        {"MessageId": "msg-1"},
    )


@pytest.mark.parametrize(
    ("method", "path", "operation_name"),
    [
        ("GET", "/v2/email/identities", "ListEmailIdentities"),
        ("GET", "/v2/email/configuration-sets", "ListConfigurationSets"),
        ("POST", "/v2/email/list-identities", "ListEmailIdentities"),
        ("POST", "/v2/email/list-configuration-sets", "ListConfigurationSets"),
        ("POST", "/v2/email/identities", "CreateEmailIdentity"),
        ("POST", "/v2/email/configuration-sets", "CreateConfigurationSet"),
        ("GET", "/v2/email/identities/x.com", "GetEmailIdentity"),
        ("GET", "/v2/email/configuration-sets/cs", "GetConfigurationSet"),
    ],
)
def test_both_forms_of_the_list_operations_route_beside_their_neighbours(
    method: str, path: str, operation_name: str
) -> None:
    assert ROUTER.match(method, path).operation.name == operation_name


def test_the_legacy_get_form_yields_the_same_parameters_as_the_post_form() -> None:
    get = HttpRequest("GET", "/v2/email/identities", "NextToken=a%2Bb%3D&PageSize=20", {}, b"")
    post = HttpRequest(
        "POST", "/v2/email/list-identities", "", {}, b'{"NextToken": "a+b=", "PageSize": 20}'
    )
    parsed = [parse_request(ROUTER.match(r.method, r.raw_path), r) for r in (get, post)]
    assert parsed[0] == parsed[1] == {"NextToken": "a+b=", "PageSize": 20}


def test_legacy_routes_are_data_naming_their_operation_and_query_members() -> None:
    assert {(r.method, r.path, r.operation) for r in SESV2_LEGACY_ROUTES} == {
        ("GET", "/v2/email/identities", "ListEmailIdentities"),
        ("GET", "/v2/email/configuration-sets", "ListConfigurationSets"),
    }
    for route in SESV2_LEGACY_ROUTES:
        assert dict(route.querystring) == {"NextToken": "NextToken", "PageSize": "PageSize"}


def test_a_model_that_still_has_the_get_forms_routes_them_without_the_legacy_table() -> None:
    old = legacy_model()
    router = RestJsonRouter(old, SESV2_LEGACY_ROUTES)
    request = HttpRequest("GET", "/v2/email/identities", "PageSize=3", {}, b"")
    match = router.match(request.method, request.raw_path)
    assert (match.operation.name, match.legacy) == ("ListEmailIdentities", None)
    assert parse_request(match, request) == {"PageSize": 3}


def test_a_legacy_route_that_collides_with_another_operation_is_refused() -> None:
    clash = LegacyRoute("POST", "/v2/email/identities", "ListEmailIdentities")
    with pytest.raises(ValueError, match="CreateEmailIdentity"):
        RestJsonRouter(SESV2, [clash])


@pytest.mark.parametrize(
    "path",
    [
        "/v2/email/nothing-here",
        "/v2/email",
        "/",
        "",
        "v2/email/identities",
        "/v2/email/identities/a/b/c/d",
    ],
)
def test_an_unknown_path_is_a_404_unknown_operation(path: str) -> None:
    with pytest.raises(UnknownOperationError) as raised:
        ROUTER.match("GET", path)
    response = serialize_error(raised.value, "r")
    assert response.status == 404
    assert ("x-amzn-ErrorType", "UnknownOperationException") in response.headers
    assert response.body == b"{}"


def test_a_known_path_under_another_method_is_a_405_listing_the_allowed_methods() -> None:
    with pytest.raises(MethodNotAllowedError) as raised:
        ROUTER.match("PATCH", "/v2/email/identities/x.com")
    response = serialize_error(raised.value, "r")
    assert response.status == 405
    assert ("Allow", "DELETE, GET") in response.headers
    assert ("x-amzn-ErrorType", "UnknownOperationException") in response.headers


def test_an_empty_label_binds_nothing() -> None:
    with pytest.raises(ApiError):
        ROUTER.match("GET", "/v2/email/identities/")
    with pytest.raises(ApiError):
        ROUTER.match("GET", "/v2/email/identities//policies")


# --- a synthetic model for greedy labels and literal/label conflicts ------------------------


def _synthetic_service() -> ServiceModel:
    def op(name: str, method: str, uri: str) -> dict[str, Any]:
        return {
            "name": name,
            "http": {"method": method, "requestUri": uri},
            "input": {"shape": f"{name}Input"},
        }

    ops = {
        "ListThings": ("POST", "/things/list", []),
        "GetThing": ("POST", "/things/{Id}", ["Id"]),
        "GetObject": ("GET", "/objects/{Key+}", ["Key"]),
        "GetObjectMeta": ("GET", "/objects/{Key+}/meta", ["Key"]),
    }
    shapes: dict[str, Any] = {"Str": {"type": "string"}}
    operations = {}
    for name, (method, uri, labels) in ops.items():
        operations[name] = op(name, method, uri)
        shapes[f"{name}Input"] = {
            "type": "structure",
            "required": labels,
            "members": {
                label: {"shape": "Str", "location": "uri", "locationName": label}
                for label in labels
            },
        }
    model = {
        "metadata": {
            "protocol": "rest-json",
            "serviceId": "Synthetic",
            "apiVersion": "2020-01-01",
            "endpointPrefix": "synthetic",
        },
        "operations": operations,
        "shapes": shapes,
    }
    return ServiceModel(json.loads(json.dumps(model)), service_name="synthetic")


def test_a_literal_beats_a_label_at_the_same_position() -> None:
    router = RestJsonRouter(_synthetic_service())
    assert router.match("POST", "/things/list").operation.name == "ListThings"
    assert router.match("POST", "/things/other").path_params == {"Id": "other"}


def test_greedy_labels_take_the_remaining_segments() -> None:
    router = RestJsonRouter(_synthetic_service())
    match = router.match("GET", "/objects/a/b%2Fc/d%20e")
    assert (match.operation.name, match.path_params) == ("GetObject", {"Key": "a/b/c/d e"})
    meta = router.match("GET", "/objects/a/b/meta")
    assert (meta.operation.name, meta.path_params) == ("GetObjectMeta", {"Key": "a/b"})
