"""botocore's service models, loaded once per process."""

from __future__ import annotations

from functools import cache
from typing import Any

import botocore.session
from botocore.model import OperationModel, ServiceModel


@cache
def _session() -> Any:
    return botocore.session.get_session()


@cache
def service_model(name: str) -> ServiceModel:
    """The botocore model of ``name`` (``ses``, ``sesv2``, ``sns``)."""
    return _session().get_service_model(name)


def operation_model(service: str, operation: str) -> OperationModel:
    return service_model(service).operation_model(operation)
