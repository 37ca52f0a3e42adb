"""``openses account ...``: accounts, access keys, sandbox and quotas, SMTP credentials."""

from __future__ import annotations

import argparse
from typing import Any

from openses.app import Application
from openses.cli.runtime import print_json, run_with_application
from openses.domain.accounts import AccessKey, Account, SendingSettings
from openses.domain.credentials import smtp_password
from openses.domain.errors import DomainError


def _key_document(key: AccessKey, region: str) -> dict[str, str]:
    return {
        "AccessKeyId": key.access_key_id,
        "SecretAccessKey": key.secret_access_key,
        "SmtpUsername": key.access_key_id,
        "SmtpPassword": smtp_password(key.secret_access_key, region),
        "Region": region,
    }


def _settings_document(settings: SendingSettings) -> dict[str, Any]:
    return {
        "Sandbox": settings.sandbox,
        "Max24HourSend": settings.max_24_hour_send,
        "MaxSendRate": settings.max_send_rate,
        "SendingEnabled": settings.sending_enabled,
    }


def _print_fields(document: dict[str, Any]) -> None:
    width = max(len(name) for name in document)
    for name, value in document.items():
        print(f"{name + ':':<{width + 1}} {value}")


async def _create(application: Application, args: argparse.Namespace) -> int:
    region = args.region or application.settings.region
    account, key = await application.services.accounts.create_account(args.name)
    document = {"AccountId": account.account_id, "Name": account.name}
    document.update(_key_document(key, region))
    _emit(args, document)
    return 0


async def _list(application: Application, args: argparse.Namespace) -> int:
    accounts: list[Account] = await application.services.accounts.list_accounts()
    rows = []
    for account in accounts:
        keys = await application.services.accounts.list_access_keys(account.account_id)
        rows.append(
            {
                "AccountId": account.account_id,
                "Name": account.name,
                "CreatedAt": account.created_at.isoformat(),
                "AccessKeyIds": [key.access_key_id for key in keys],
            }
        )
    if args.json:
        print_json({"Accounts": rows})
    else:
        for row in rows:
            print(f"{row['AccountId']}  {row['Name']}  keys: {', '.join(row['AccessKeyIds'])}")
    return 0


async def _key_create(application: Application, args: argparse.Namespace) -> int:
    key = await application.services.accounts.create_access_key(args.account_id)
    _emit(args, _key_document(key, args.region or application.settings.region))
    return 0


async def _key_delete(application: Application, args: argparse.Namespace) -> int:
    await application.services.accounts.delete_access_key(args.access_key_id)
    print(f"Deleted access key {args.access_key_id}.")
    return 0


async def _update(application: Application, args: argparse.Namespace) -> int:
    changed = await application.services.accounts.update_account(
        args.account_id,
        region=args.region,
        sandbox=args.sandbox,
        max_send_rate=args.max_send_rate,
        max_24_hour_send=args.max_24_hour_send,
        sending_enabled=args.sending_enabled,
    )
    document = {
        ("Defaults" if region == "*" else region): _settings_document(settings)
        for region, settings in changed.items()
    }
    print_json({"AccountId": args.account_id, "Settings": document})
    return 0


async def _smtp_credentials(application: Application, args: argparse.Namespace) -> int:
    key = await application.services.accounts.find_access_key(args.access_key_id)
    if key is None:
        print(f"openses: no access key {args.access_key_id}")
        return 1
    region = args.region or application.settings.region
    _emit(
        args,
        {
            "SmtpUsername": key.access_key_id,
            "SmtpPassword": smtp_password(key.secret_access_key, region),
            "Region": region,
        },
    )
    return 0


def _emit(args: argparse.Namespace, document: dict[str, Any]) -> None:
    if getattr(args, "json", False):
        print_json(document)
    else:
        _print_fields(document)


def _runner(action: Any) -> Any:
    def run(args: argparse.Namespace) -> int:
        async def bound(application: Application) -> int:
            try:
                result: int = await action(application, args)
            except DomainError as exc:
                print(f"openses: {exc.message}")
                return 1
            return result

        return run_with_application(args, bound)

    return run


def add_account_commands(commands: Any) -> None:
    account = commands.add_parser("account", help="manage accounts and access keys")
    sub = account.add_subparsers(dest="account_command", required=True)

    create = sub.add_parser("create", help="create an account with one access key")
    create.add_argument("name")
    create.add_argument("--region", help="region for the SMTP password (default: OPENSES_REGION)")
    create.add_argument("--json", action="store_true")
    create.set_defaults(func=_runner(_create))

    listing = sub.add_parser("list", help="list accounts")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=_runner(_list))

    update = sub.add_parser("update", help="change sandbox, quotas or the sending switch")
    update.add_argument("account_id")
    update.add_argument("--region", help="only this region (default: every region)")
    update.add_argument("--sandbox", action=argparse.BooleanOptionalAction, default=None)
    update.add_argument("--max-send-rate", type=float)
    update.add_argument("--max-24-hour-send", type=float)
    update.add_argument("--sending-enabled", action=argparse.BooleanOptionalAction, default=None)
    update.set_defaults(func=_runner(_update))

    smtp = sub.add_parser("smtp-credentials", help="print the SMTP credentials of a key")
    smtp.add_argument("access_key_id")
    smtp.add_argument("--region")
    smtp.add_argument("--json", action="store_true")
    smtp.set_defaults(func=_runner(_smtp_credentials))

    key = sub.add_parser("key", help="manage access keys")
    key_sub = key.add_subparsers(dest="key_command", required=True)
    key_create = key_sub.add_parser("create", help="add an access key to an account")
    key_create.add_argument("account_id")
    key_create.add_argument("--region")
    key_create.add_argument("--json", action="store_true")
    key_create.set_defaults(func=_runner(_key_create))
    key_delete = key_sub.add_parser("delete", help="delete an access key")
    key_delete.add_argument("access_key_id")
    key_delete.set_defaults(func=_runner(_key_delete))
