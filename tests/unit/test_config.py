from __future__ import annotations

from pathlib import Path

import pytest

from openses.config import ConfigError, load_settings, settings_reference_markdown


def test_defaults_need_no_other_service(tmp_path: Path) -> None:
    settings = load_settings(environ={"OPENSES_DATA_DIR": str(tmp_path)})
    assert settings.effective_database_url.startswith("sqlite+aiosqlite:///")
    assert settings.effective_database_url.endswith("openses.db")
    assert (settings.http_host, settings.http_port) == ("127.0.0.1", 4566)
    assert settings.region == "us-east-1"
    assert settings.dev is False


def test_environment_wins_over_the_toml_file(tmp_path: Path) -> None:
    config = tmp_path / "openses.toml"
    config.write_text('region = "eu-west-1"\nhttp_listen = "0.0.0.0:8025"\ndev = true\n')
    settings = load_settings(environ={"OPENSES_REGION": "us-west-2"}, toml_path=config)
    assert settings.region == "us-west-2"
    assert (settings.http_host, settings.http_port) == ("0.0.0.0", 8025)
    assert settings.dev is True


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"OPENSES_HTTP_LISTEN": "nonsense"}, "host:port"),
        ({"OPENSES_DEV": "maybe"}, "true or false"),
        ({"OPENSES_DEV_ACCOUNT_ID": "12"}, "12 digits"),
        ({"OPENSES_MAX_BODY_BYTES": "lots"}, "whole number"),
    ],
)
def test_bad_values_are_clear_errors(environ: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings(environ=environ)


def test_unknown_toml_keys_are_refused(tmp_path: Path) -> None:
    config = tmp_path / "openses.toml"
    config.write_text('regoin = "eu-west-1"\n')
    with pytest.raises(ConfigError, match="unknown setting"):
        load_settings(environ={}, toml_path=config)


def test_configuration_reference_is_current() -> None:
    committed = Path(__file__).parents[2] / "docs" / "configuration.md"
    assert committed.read_text() == settings_reference_markdown(), (
        "docs/configuration.md is stale: run `make docs`"
    )
