"""Routing of ``rest-json`` requests (SES v2) to operations by method and URI template.

A request is routed on its RAW, still percent-encoded path: it is split on "/" first and each
segment is percent-decoded exactly once afterwards, so an encoded slash (``%2F``) stays inside
its label and ``a%2Bb%40x.com`` yields the identity ``a+b@x.com``. A "+" in a path is a literal
plus (RFC 3986 §2.2: only ``application/x-www-form-urlencoded`` query strings turn it into a
space).

The templates are compiled once into a trie of path segments, shared by all methods: literal
children are tried before a label at the same depth (Smithy's rule that a literal segment wins
over a label, https://smithy.io/2.0/spec/http-bindings.html#pattern-conflicts), and a route's
method is checked at the leaf, so a path known under other methods answers 405 rather than 404.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import unquote_to_bytes

from botocore.model import OperationModel, ServiceModel

from openses.protocol.errors import ApiError

# A "%" not followed by two hex digits: malformed per RFC 3986 §2.1.
_BAD_PERCENT_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
_LABEL = re.compile(r"^\{([^{}+]+)(\+?)\}$")


@dataclass(frozen=True, slots=True)
class LegacyRoute:
    """An older wire form of an operation that the current model no longer describes.

    ``querystring`` pairs a query parameter's wire name with the input member it fills;
    labels in ``path`` fill the members of the same name.
    """

    method: str
    path: str
    operation: str
    querystring: tuple[tuple[str, str], ...] = ()


# botocore < 1.43.105 modelled these two list operations as GETs with a query string; newer
# clients POST a JSON body to /v2/email/list-*. Both forms must keep working.
SESV2_LEGACY_ROUTES: tuple[LegacyRoute, ...] = (
    LegacyRoute(
        method="GET",
        path="/v2/email/identities",
        operation="ListEmailIdentities",
        querystring=(("NextToken", "NextToken"), ("PageSize", "PageSize")),
    ),
    LegacyRoute(
        method="GET",
        path="/v2/email/configuration-sets",
        operation="ListConfigurationSets",
        querystring=(("NextToken", "NextToken"), ("PageSize", "PageSize")),
    ),
)

# By the model's ``metadata.serviceId``: stable across model versions and loaders.
KNOWN_LEGACY_ROUTES: Mapping[str, tuple[LegacyRoute, ...]] = {"SESv2": SESV2_LEGACY_ROUTES}


@dataclass(frozen=True, slots=True)
class RouteMatch:
    """The operation a request addresses and its decoded URI labels (by label name)."""

    operation: OperationModel
    path_params: dict[str, str]
    # Set when the request used an older wire form of the operation.
    legacy: LegacyRoute | None = None


class UnknownOperationError(ApiError):
    """No operation has this path: AWS's REST front ends answer 404 ``UnknownOperationException``
    (as Smithy's server frameworks do for an unroutable rest-json request)."""

    def __init__(self) -> None:
        super().__init__("UnknownOperationException", "", 404)


class MethodNotAllowedError(ApiError):
    """The path is known, but not under this method: 405, with the ``Allow`` header that
    RFC 9110 §15.5.6 requires; the error type stays ``UnknownOperationException``."""

    def __init__(self, allowed_methods: Sequence[str]) -> None:
        super().__init__("UnknownOperationException", "", 405)
        self.allowed_methods = tuple(sorted(allowed_methods))


@dataclass(frozen=True, slots=True)
class _Route:
    operation: OperationModel
    label_names: tuple[str, ...]
    legacy: LegacyRoute | None


@dataclass(slots=True)
class _Node:
    literals: dict[str, _Node] = field(default_factory=dict)
    label: _Node | None = None
    greedy: _Node | None = None
    routes: dict[str, _Route] = field(default_factory=dict)


def decode_path_segment(segment: str) -> str:
    """Percent-decode one path segment, once, as strict UTF-8; malformed input is a 400."""
    if "%" not in segment:
        return segment
    if _BAD_PERCENT_ESCAPE.search(segment):
        raise ApiError("BadRequestException", "The request path has an invalid percent-encoding.")
    try:
        return unquote_to_bytes(segment).decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError(
            "BadRequestException", "The request path is not valid UTF-8 once decoded."
        ) from None


def _template_segments(template: str) -> list[str]:
    path = template.split("?", 1)[0]
    if not path.startswith("/"):
        raise ValueError(f"URI template {template!r} does not start with '/'")
    return path[1:].split("/")


class RestJsonRouter:
    """Finds the operation of a rest-json request; build once per service, share freely."""

    def __init__(
        self, service: ServiceModel, legacy_routes: Sequence[LegacyRoute] | None = None
    ) -> None:
        self._root = _Node()
        # Without greedy labels no route is deeper than its template: longer paths are 404s
        # before any decoding work.
        self._max_segments: int | None = 0
        for name in service.operation_names:
            operation = service.operation_model(name)
            self._add(operation.http["method"], operation.http["requestUri"], operation, None)
        if legacy_routes is None:
            legacy_routes = KNOWN_LEGACY_ROUTES.get(service.metadata.get("serviceId", ""), ())
        for legacy in legacy_routes:
            operation = service.operation_model(legacy.operation)
            self._add(legacy.method, legacy.path, operation, legacy)

    def _add(
        self, method: str, template: str, operation: OperationModel, legacy: LegacyRoute | None
    ) -> None:
        node = self._root
        labels: list[str] = []
        segments = _template_segments(template)
        if self._max_segments is not None:
            self._max_segments = max(self._max_segments, len(segments))
        for segment in segments:
            label = _LABEL.match(segment)
            if label is None:
                node = node.literals.setdefault(segment, _Node())
            elif label.group(2):
                self._max_segments = None
                labels.append(label.group(1))
                node.greedy = node.greedy or _Node()
                node = node.greedy
            else:
                labels.append(label.group(1))
                node.label = node.label or _Node()
                node = node.label
        existing = node.routes.get(method)
        if existing is not None:
            if existing.operation.name == operation.name and legacy is not None:
                return  # The model already describes this wire form (an older model).
            raise ValueError(
                f"{method} {template} routes to both {existing.operation.name} and {operation.name}"
            )
        node.routes[method] = _Route(operation, tuple(labels), legacy)

    def match(self, method: str, raw_path: str) -> RouteMatch:
        """The operation addressed by ``method`` and the raw (percent-encoded) path.

        Raises ``ApiError``: 404 for an unknown path, 405 for a known path under another
        method, 400 for a malformed percent-encoding.
        """
        path = raw_path.split("?", 1)[0]
        raw_segments = path[1:].split("/")
        limit = self._max_segments
        if not path.startswith("/") or (limit is not None and len(raw_segments) > limit):
            raise UnknownOperationError()
        segments = [decode_path_segment(s) for s in raw_segments]
        allowed: set[str] = set()
        for node, captured in _walk(self._root, segments, 0, []):
            route = node.routes.get(method)
            if route is not None:
                return RouteMatch(
                    route.operation,
                    dict(zip(route.label_names, captured, strict=True)),
                    route.legacy,
                )
            allowed.update(node.routes)
        if allowed:
            raise MethodNotAllowedError(sorted(allowed))
        raise UnknownOperationError()


def _walk(
    node: _Node, segments: list[str], index: int, captured: list[str]
) -> Iterator[tuple[_Node, list[str]]]:
    """Leaves that match ``segments[index:]``, most specific first (literal before label,
    label before greedy label)."""
    if index == len(segments):
        if node.routes:
            yield node, captured
        return
    segment = segments[index]
    child = node.literals.get(segment)
    if child is not None:
        yield from _walk(child, segments, index + 1, captured)
    # A label never matches an empty segment: "//" or a trailing "/" binds no value.
    if node.label is not None and segment:
        yield from _walk(node.label, segments, index + 1, [*captured, segment])
    if node.greedy is not None and segment:
        # Shortest capture first: a template with literals after the greedy label is the
        # more specific one, and a greedy label at the end only matches the longest capture.
        for end in range(index + 1, len(segments) + 1):
            value = "/".join(segments[index:end])
            yield from _walk(node.greedy, segments, end, [*captured, value])
