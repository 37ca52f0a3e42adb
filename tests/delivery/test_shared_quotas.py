"""Quotas hold across several server processes sharing one database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from openses.app import Application
from openses.services.scope import Scope
from openses.storage.repositories import identities as identities_repo
from tests.conftest import make_settings
from tests.fixtures.server import RunningServer


@pytest.fixture
def two_servers(tmp_path: Path) -> Iterator[tuple[RunningServer, RunningServer]]:
    # Two servers, one SQLite database: what two processes on one host share.
    first = RunningServer(make_settings(tmp_path, dev=False)).start()
    second = RunningServer(make_settings(tmp_path, dev=False)).start()
    yield first, second
    first.stop()
    second.stop()


def test_daily_quota_is_shared_by_every_server(
    two_servers: tuple[RunningServer, RunningServer],
) -> None:
    first, second = two_servers

    async def setup(application: Application) -> tuple[str, str]:
        accounts = application.services.accounts
        account, key = await accounts.create_account("shared")
        await accounts.update_account(
            account.account_id, sandbox=False, max_send_rate=1000, max_24_hour_send=3
        )
        await application.services.identities.verify_domain(
            Scope(account.account_id, "us-east-1"), "shared.test"
        )
        async with application.database.transaction() as conn:
            await identities_repo.update_identity(
                conn, account.account_id, "us-east-1", "shared.test", verification_status="Success"
            )
        return key.access_key_id, key.secret_access_key

    key_id, secret = first.call(setup)
    clients = [
        server.client("ses", access_key_id=key_id, secret_access_key=secret)
        for server in (first, second)
    ]
    message = {"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "b"}}}

    def send(client: object, n: int) -> None:
        client.send_email(  # type: ignore[attr-defined]
            Source="a@shared.test", Destination={"ToAddresses": [f"r{n}@x.test"]},
            Message=message,
        )  # fmt: skip

    send(clients[0], 1)
    send(clients[1], 2)
    send(clients[0], 3)
    with pytest.raises(ClientError) as caught:
        send(clients[1], 4)
    assert caught.value.response["Error"]["Code"] == "Throttling"
    assert caught.value.response["Error"]["Message"] == "Daily message quota exceeded."
    assert clients[1].get_send_quota()["SentLast24Hours"] == 3.0  # type: ignore[attr-defined]
