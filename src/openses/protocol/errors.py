"""AWS-shaped errors: a code, a message and an HTTP status, whatever the protocol."""

from __future__ import annotations


class ApiError(Exception):
    """An error answered to the client in the protocol's own error shape.

    ``code`` is the AWS error code (``MessageRejected``, ``NotFoundException``);
    ``sender_fault`` chooses ``Sender``/``Receiver`` in query-protocol bodies.
    """

    def __init__(
        self, code: str, message: str, status: int = 400, *, sender_fault: bool = True
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status
        self.sender_fault = sender_fault


class OperationNotImplementedError(ApiError):
    """An operation that exists in the model but that openses does not implement yet."""

    def __init__(self, operation_name: str) -> None:
        super().__init__(
            "NotImplemented",
            f"The operation {operation_name} is not implemented by openses yet.",
            501,
            sender_fault=False,
        )
        self.operation_name = operation_name
