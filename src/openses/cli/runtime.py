"""What every ``openses`` command needs: settings from the arguments, a started application."""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from openses.app import Application
from openses.config import Settings, load_settings


def settings_from_args(args: argparse.Namespace) -> Settings:
    settings = load_settings(toml_path=Path(args.config) if args.config else None)
    if getattr(args, "dev", False):
        settings = settings.with_overrides(dev=True)
    if getattr(args, "processes", None):
        settings = settings.with_overrides(http_processes=max(1, args.processes))
    if getattr(args, "listen", None):
        host, _, port = args.listen.rpartition(":")
        settings = settings.with_overrides(http_host=host or "127.0.0.1", http_port=int(port))
    return settings


def run_with_application(
    args: argparse.Namespace, action: Callable[[Application], Awaitable[int]]
) -> int:
    """Run ``action`` against a started application (database migrated), then stop it."""

    async def main() -> int:
        application = Application(settings_from_args(args))
        await application.start()
        try:
            return await action(application)
        finally:
            await application.stop()

    return asyncio.run(main())


def print_json(document: Any) -> None:
    print(json.dumps(document, indent=2, default=str))
