"""``openses identity ...``: what an operator needs to see about a customer's identity.

``openses identity records DOMAIN --account ID`` prints the DNS records the domain's
owner publishes: the SES v1 verification TXT record, Easy DKIM's CNAMEs and, for
operators who have not delegated the ``dkim.`` zone to openses's DNS responder, the
TXT records those CNAMEs would lead to (publish either, not both), or the BYODKIM
public key's TXT record.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from openses.app import Application
from openses.cli.runtime import print_json, run_with_application
from openses.domain.errors import DomainError
from openses.services.scope import Scope


async def _records(application: Application, args: argparse.Namespace) -> int:
    scope = Scope(args.account, args.region or application.settings.region)
    dkim_domain = application.settings.identities.dkim_domain
    try:
        records = await application.services.dkim_identities.dns_records(
            scope, args.domain, dkim_domain
        )
    except DomainError as exc:
        print(f"openses: {exc.message}", file=sys.stderr)
        return 1
    if args.json:
        print_json(
            [
                {"Name": r.name, "Type": r.type, "Value": r.value, "Purpose": r.purpose}
                for r in records
            ]
        )
        return 0
    purpose = None
    for record in records:
        if record.purpose != purpose:
            purpose = record.purpose
            print(f"; {purpose}")
        print(f"{record.name}. IN {record.type} {_zone_value(record.type, record.value)}")
    return 0


def _zone_value(kind: str, value: str) -> str:
    """Zone-file syntax: CNAME targets absolute, TXT values quoted in 255-byte strings."""
    if kind == "CNAME":
        return f"{value}."
    return " ".join(f'"{value[i : i + 255]}"' for i in range(0, len(value), 255))


def add_identity_commands(commands: Any) -> None:
    identity = commands.add_parser("identity", help="show what a customer's identity needs")
    sub = identity.add_subparsers(dest="identity_command", required=True)
    records = sub.add_parser("records", help="the DNS records a domain's owner publishes")
    records.add_argument("domain")
    records.add_argument("--account", required=True, metavar="ACCOUNT_ID")
    records.add_argument("--region", help="default: OPENSES_REGION")
    records.add_argument("--json", action="store_true")
    records.set_defaults(
        func=lambda args: run_with_application(args, lambda app: _records(app, args))
    )
