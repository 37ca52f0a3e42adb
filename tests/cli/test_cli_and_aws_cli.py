"""The ``openses`` command and the real ``aws`` CLI against a real ``openses serve`` process."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from openses.domain.credentials import smtp_password

BIN = Path(sys.executable).parent


def _env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "OPENSES_"))}
    env.update(OPENSES_DATA_DIR=str(data_dir), **extra)
    return env


def _openses(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "openses"), *args],
        env=_env(data_dir),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class ServeProcess:
    def __init__(self, data_dir: Path, *extra_args: str) -> None:
        self.port = _free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [str(BIN / "openses"), "serve", "--listen", f"127.0.0.1:{self.port}", *extra_args],
            env=_env(data_dir),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.banner = self._wait_until_ready()

    def _wait_until_ready(self) -> str:
        deadline = time.monotonic() + 60
        lines: list[str] = []
        assert self.process.stdout is not None
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line:
                raise RuntimeError("openses serve exited:\n" + "".join(lines))
            lines.append(line)
            if line.strip().startswith("Credentials:"):
                for _ in range(10):
                    try:
                        urllib.request.urlopen(f"{self.endpoint}/_openses/health", timeout=5)
                        return "".join(lines)
                    except OSError:
                        time.sleep(0.1)
        raise RuntimeError("openses serve did not become ready:\n" + "".join(lines))

    def aws(self, *args: str, key_id: str = "test", secret: str = "test") -> dict[str, object]:
        env = _env(Path("."))
        env.update(
            AWS_ACCESS_KEY_ID=key_id,
            AWS_SECRET_ACCESS_KEY=secret,
            AWS_DEFAULT_REGION="us-east-1",
            AWS_CONFIG_FILE=os.devnull,
            AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        )
        result = subprocess.run(
            [str(BIN / "aws"), "--endpoint-url", self.endpoint, "--output", "json", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout) if result.stdout.strip() else {}

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def dev_process(tmp_path: Path) -> Iterator[ServeProcess]:
    server = ServeProcess(tmp_path, "--dev")
    yield server
    server.stop()


def test_the_readme_session_works_with_the_aws_cli(dev_process: ServeProcess) -> None:
    assert "AWS_ACCESS_KEY_ID=test" in dev_process.banner
    assert dev_process.endpoint in dev_process.banner
    dev_process.aws("ses", "verify-email-identity", "--email-address", "sender@example.com")
    dev_process.aws("sesv2", "create-email-identity", "--email-identity", "example.com")
    listed = dev_process.aws("sesv2", "list-email-identities")
    assert [i["IdentityName"] for i in listed["EmailIdentities"]] == [  # type: ignore[index]
        "sender@example.com",
        "example.com",
    ]
    v1 = dev_process.aws("ses", "list-identities")
    assert v1["Identities"] == ["sender@example.com", "example.com"]


def test_account_create_prints_working_credentials(tmp_path: Path) -> None:
    created = _openses(tmp_path, "account", "create", "acme", "--json")
    assert created.returncode == 0, created.stderr
    document = json.loads(created.stdout)
    assert set(document) >= {"AccountId", "AccessKeyId", "SecretAccessKey", "SmtpUsername",
                             "SmtpPassword"}  # fmt: skip
    assert document["SmtpUsername"] == document["AccessKeyId"]
    assert document["SmtpPassword"] == smtp_password(document["SecretAccessKey"], "us-east-1")
    server = ServeProcess(tmp_path)
    try:
        assert "dev mode" not in server.banner
        quota = server.aws(
            "ses", "get-send-quota",
            key_id=document["AccessKeyId"], secret=document["SecretAccessKey"],
        )  # fmt: skip
        assert quota["Max24HourSend"] == 200.0
    finally:
        server.stop()


def test_account_update_keys_and_smtp_credentials(tmp_path: Path) -> None:
    document = json.loads(_openses(tmp_path, "account", "create", "ops", "--json").stdout)
    account_id = document["AccountId"]
    updated = _openses(
        tmp_path, "account", "update", account_id, "--no-sandbox", "--max-send-rate", "25",
        "--max-24-hour-send", "100000", "--no-sending-enabled",
    )  # fmt: skip
    assert updated.returncode == 0, updated.stderr
    defaults = json.loads(updated.stdout)["Settings"]["Defaults"]
    assert defaults == {"Sandbox": False, "Max24HourSend": 100000.0, "MaxSendRate": 25.0,
                        "SendingEnabled": False}  # fmt: skip
    listed = json.loads(_openses(tmp_path, "account", "list", "--json").stdout)
    assert [a["AccountId"] for a in listed["Accounts"]] == [account_id]
    key = json.loads(_openses(tmp_path, "account", "key", "create", account_id, "--json").stdout)
    assert key["AccessKeyId"] != document["AccessKeyId"]
    smtp = _openses(tmp_path, "account", "smtp-credentials", key["AccessKeyId"],
                    "--region", "eu-west-1", "--json")  # fmt: skip
    assert json.loads(smtp.stdout)["SmtpPassword"] == smtp_password(
        key["SecretAccessKey"], "eu-west-1"
    )
    assert _openses(tmp_path, "account", "key", "delete", key["AccessKeyId"]).returncode == 0
    missing = _openses(tmp_path, "account", "key", "delete", key["AccessKeyId"])
    assert missing.returncode == 1
    assert "does not exist" in missing.stdout
    unknown = _openses(tmp_path, "account", "update", "999999999999", "--sandbox")
    assert unknown.returncode == 1
    assert "does not exist" in unknown.stdout


def test_bad_configuration_is_a_clear_error(tmp_path: Path) -> None:
    result = subprocess.run(
        [str(BIN / "openses"), "account", "list"],
        env=_env(tmp_path, OPENSES_HTTP_LISTEN="nowhere"),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "host:port" in result.stderr


def test_the_aws_cli_sends_with_all_three_operations(
    dev_process: ServeProcess, tmp_path: Path
) -> None:
    dev_process.aws("sesv2", "create-email-identity", "--email-identity", "example.com")
    first = dev_process.aws(
        "ses", "send-email", "--from", "sender@example.com",
        "--destination", "ToAddresses=someone@example.net",
        "--message", "Subject={Data=Hi},Body={Text={Data=Hello}}",
    )  # fmt: skip
    # As the Developer Guide shows it: the raw message as the Data member of a JSON file.
    raw_file = tmp_path / "message.json"
    raw = "From: sender@example.com\r\nTo: raw@example.net\r\nSubject: Raw\r\n\r\nraw body\r\n"
    raw_file.write_text(json.dumps({"Data": raw}))
    second = dev_process.aws("ses", "send-raw-email", "--raw-message", f"file://{raw_file}")
    third = dev_process.aws(
        "sesv2", "send-email", "--from-email-address", "sender@example.com",
        "--destination", "ToAddresses=success@simulator.amazonses.com",
        "--content", "Simple={Subject={Data=V2},Body={Text={Data=Hello}}}",
    )  # fmt: skip
    with urllib.request.urlopen(f"{dev_process.endpoint}/_aws/ses", timeout=30) as response:
        messages = json.loads(response.read())["messages"]
    assert [m["Id"] for m in messages] == [
        first["MessageId"], second["MessageId"], third["MessageId"],
    ]  # fmt: skip
    assert [m["Subject"] for m in messages] == ["Hi", "Raw", "V2"]
    assert "raw body" in messages[1]["RawData"]


def test_several_server_processes_share_the_port_and_stop_together(tmp_path: Path) -> None:
    server = ServeProcess(tmp_path, "--dev", "--processes", "2")
    try:
        for n in range(4):  # requests land on either process; both see one database
            server.aws("ses", "verify-email-identity", "--email-address", f"p{n}@example.com")
        identities = server.aws("ses", "list-identities")["Identities"]
        assert sorted(identities) == [f"p{n}@example.com" for n in range(4)]  # type: ignore[arg-type]
    finally:
        server.stop()
    assert server.process.returncode == 0
