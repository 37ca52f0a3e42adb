"""Amazon Resource Names of SES resources."""

from __future__ import annotations

from dataclasses import dataclass

PARTITION = "aws"


@dataclass(frozen=True, slots=True)
class Arn:
    service: str
    region: str
    account_id: str
    resource_type: str
    resource_name: str

    def __str__(self) -> str:
        return (
            f"arn:{PARTITION}:{self.service}:{self.region}:{self.account_id}:"
            f"{self.resource_type}/{self.resource_name}"
        )


def identity_arn(region: str, account_id: str, identity: str) -> Arn:
    return Arn("ses", region, account_id, "identity", identity)


def parse_arn(value: str) -> Arn | None:
    """The parts of an ARN of the form ``arn:aws:ses:region:account:type/name``, else None."""
    parts = value.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or parts[1] != PARTITION:
        return None
    resource_type, slash, resource_name = parts[5].partition("/")
    if not slash or not resource_name:
        return None
    return Arn(parts[2], parts[3], parts[4], resource_type, resource_name)
