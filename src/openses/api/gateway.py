"""The request pipeline of the HTTP API: authenticate, route, parse, validate, run, serialize.

Every answer is AWS-shaped: an unexpected failure inside an operation is
logged with its request id and answered ``InternalFailure`` (500) in the
protocol's error shape, never with a traceback.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from botocore.model import OperationModel

from openses.api import ses_v1, ses_v2
from openses.api.context import Handler, RequestContext
from openses.api.errors import ApiVersion, to_api_error
from openses.domain.errors import DomainError
from openses.protocol import query, rest_json, sigv4, validation
from openses.protocol.errors import ApiError, OperationNotImplementedError
from openses.protocol.http import HttpRequest, HttpResponse
from openses.protocol.models import service_model
from openses.services.registry import Services
from openses.services.scope import Scope

logger = logging.getLogger("openses.api")

INTERNAL_FAILURE = ApiError(
    "InternalFailure",
    "The request processing has failed because of an unknown error, exception or failure.",
    500,
    sender_fault=False,
)


class Door(Protocol):
    """One wire protocol of one service: how to read a request and write an answer."""

    flavour: sigv4.Flavour
    version: ApiVersion
    operations: Mapping[str, Handler]

    def parse(self, request: HttpRequest) -> tuple[OperationModel, dict[str, Any]]: ...

    def serialize(
        self, operation: OperationModel, result: Mapping[str, Any], request_id: str
    ) -> HttpResponse: ...

    def serialize_error(self, error: ApiError, request_id: str) -> HttpResponse: ...


class QueryDoor:
    """SES v1: form-encoded ``Action=...`` requests, XML answers."""

    flavour: sigv4.Flavour = "query"
    version: ApiVersion = "v1"

    def __init__(self, service_name: str, operations: Mapping[str, Handler]) -> None:
        self._model = service_model(service_name)
        self._namespace = self._model.metadata["xmlNamespace"]
        self.operations = operations

    def parse(self, request: HttpRequest) -> tuple[OperationModel, dict[str, Any]]:
        if request.raw_path not in ("/", ""):
            raise ApiError("InvalidAction", f"Unknown path {request.raw_path[:200]}.", 404)
        if request.method not in ("POST", "GET"):
            raise ApiError("InvalidHttpRequest", "Use POST (or GET) for query API calls.", 405)
        form = query.decode_form(request.body, request.query_string)
        operation = query.resolve_operation(self._model, form)
        return operation, query.parse_params(operation, form)

    def serialize(
        self, operation: OperationModel, result: Mapping[str, Any], request_id: str
    ) -> HttpResponse:
        return query.serialize_response(operation, result, request_id, self._namespace)

    def serialize_error(self, error: ApiError, request_id: str) -> HttpResponse:
        return query.serialize_error(error, request_id, self._namespace)


class RestJsonDoor:
    """SES v2: REST paths under ``/v2/email``, JSON answers."""

    flavour: sigv4.Flavour = "rest-json"
    version: ApiVersion = "v2"

    def __init__(self, service_name: str, operations: Mapping[str, Handler]) -> None:
        self._router = rest_json.RestJsonRouter(
            service_model(service_name), rest_json.SESV2_LEGACY_ROUTES
        )
        self.operations = operations

    def parse(self, request: HttpRequest) -> tuple[OperationModel, dict[str, Any]]:
        match = self._router.match(request.method, request.raw_path)
        return match.operation, rest_json.parse_request(match, request)

    def serialize(
        self, operation: OperationModel, result: Mapping[str, Any], request_id: str
    ) -> HttpResponse:
        return rest_json.serialize_response(operation, result, request_id)

    def serialize_error(self, error: ApiError, request_id: str) -> HttpResponse:
        return rest_json.serialize_error(error, request_id)


@dataclass(frozen=True, slots=True)
class _Caller:
    account_id: str
    access_key_id: str
    region: str


class ApiGateway:
    def __init__(self, services: Services) -> None:
        self._services = services
        self._ses_v1 = QueryDoor("ses", ses_v1.OPERATIONS)
        self._ses_v2 = RestJsonDoor("sesv2", ses_v2.OPERATIONS)

    def door_for(self, request: HttpRequest) -> Door:
        if request.raw_path.startswith("/v2/"):
            return self._ses_v2
        return self._ses_v1

    def error_response(self, request: HttpRequest, error: ApiError) -> HttpResponse:
        """``error`` in the error shape of the protocol ``request`` was sent in."""
        return self.door_for(request).serialize_error(error, str(uuid.uuid4()))

    async def handle(self, request: HttpRequest) -> HttpResponse:
        request_id = str(uuid.uuid4())
        door = self.door_for(request)
        try:
            return await self._handle(door, request, request_id)
        except ApiError as error:
            return door.serialize_error(error, request_id)
        except Exception:
            logger.exception("request %s failed", request_id)
            return door.serialize_error(INTERNAL_FAILURE, request_id)

    async def _handle(self, door: Door, request: HttpRequest, request_id: str) -> HttpResponse:
        caller = await self._authenticate(door, request)
        operation, params = door.parse(request)
        violations = validation.validate_input(operation, params)
        if violations:
            raise validation.validation_error(violations, door.flavour)
        handler = door.operations.get(operation.name)
        if handler is None:
            raise OperationNotImplementedError(operation.name)
        context = RequestContext(
            scope=Scope(caller.account_id, caller.region),
            request_id=request_id,
            access_key_id=caller.access_key_id,
            services=self._services,
            source_ip=request.client_ip,
        )
        try:
            result = await handler(context, params)
        except DomainError as error:
            raise to_api_error(error, door.version) from error
        return door.serialize(operation, result, request_id)

    async def authenticate_account(self, request: HttpRequest) -> str:
        """The account a SigV4-signed request (in the SES v2 error dialect) belongs to."""
        return (await self._authenticate(self._ses_v2, request)).account_id

    async def _authenticate(self, door: Door, request: HttpRequest) -> _Caller:
        # AWS checks the clock and the credential scope before it looks the key up,
        # so an expired request with an unknown key still says "Signature expired".
        now = self._services.clock.now()
        info = sigv4.parse_signature(request, door.flavour, now, expected_service="ses")
        key = await self._services.accounts.find_access_key(info.access_key_id)
        if key is None:
            raise sigv4.unknown_access_key_error(door.flavour)
        sigv4.verify_signature(request, info, key.secret_access_key, now, door.flavour)
        return _Caller(key.account_id, key.access_key_id, info.region)
