"""Shared fixtures: real servers on loopback, real boto3 clients."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from openses.config import Settings, load_settings
from tests.fixtures.dns_server import DnsServer
from tests.fixtures.server import RunningServer


def make_settings(tmp: Path, *, dev: bool, database_url: str = "") -> Settings:
    return load_settings(
        environ={
            "OPENSES_DATA_DIR": str(tmp),
            "OPENSES_DATABASE_URL": database_url,
            "OPENSES_DEV": "true" if dev else "false",
        }
    )


@pytest.fixture(scope="session")
def dev_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    server = RunningServer(make_settings(tmp_path_factory.mktemp("dev"), dev=True)).start()
    yield server
    server.stop()


@pytest.fixture
def clean_dev_server(dev_server: RunningServer) -> RunningServer:
    """The dev server with all state wiped, as a test user would between tests."""
    request = urllib.request.Request(f"{dev_server.endpoint}/_openses/reset", method="POST")
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200
    return dev_server


@pytest.fixture(scope="session")
def prod_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """A server outside dev mode: no default account, identities stay pending.

    Outbound mail (verification e-mails, sends) is captured, not looked up in the
    machine's DNS: tests that deliver for real bring their own DNS server and MX.
    """
    settings = make_settings(tmp_path_factory.mktemp("prod"), dev=False)
    # The identity verifier asks an empty loopback DNS server, never the machine's, so
    # identities stay Pending the same way with or without a network.
    with DnsServer() as dns:
        settings = settings.with_overrides(delivery="capture", dns_servers=tuple(dns.nameservers))
        server = RunningServer(settings).start()
        yield server
        server.stop()


@pytest.fixture
def ses(clean_dev_server: RunningServer) -> object:
    return clean_dev_server.client("ses")


@pytest.fixture
def sesv2(clean_dev_server: RunningServer) -> object:
    return clean_dev_server.client("sesv2")
