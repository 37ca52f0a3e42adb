"""``openses identity records``: the DNS records an operator hands to a domain's owner."""

from __future__ import annotations

import asyncio
import base64
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from openses.app import Application
from openses.cli import main
from openses.config import load_settings
from openses.services.dkim_setup import DkimSigningRequest
from openses.services.scope import Scope
from openses.storage.repositories import dkim_published_keys


def _environment(monkeypatch: pytest.MonkeyPatch, data_dir: Path) -> None:
    monkeypatch.setenv("OPENSES_DATA_DIR", str(data_dir))
    monkeypatch.setenv("OPENSES_DKIM_DOMAIN", "mail.operator.test")
    monkeypatch.delenv("OPENSES_DEV", raising=False)


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert main(list(argv)) == 0
    return capsys.readouterr().out


def test_records_list_cnames_and_the_equivalent_txt_records(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _environment(monkeypatch, tmp_path)
    account = json.loads(_run(capsys, "account", "create", "shop", "--json"))["AccountId"]
    scope = Scope(account, "us-east-1")
    byodkim_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    byodkim = base64.b64encode(
        byodkim_key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    ).decode()

    async def prepare() -> tuple[tuple[str, ...], dict[str, str], str]:
        application = Application(load_settings())
        await application.start()
        try:
            services = application.services
            identity = await services.identities.create_email_identity(scope, "shop.example")
            legacy = await services.identities.verify_domain(scope, "shop.example")
            await services.identities.create_email_identity(
                scope, "own.example", dkim=DkimSigningRequest("brand1", byodkim)
            )
            async with application.database.read() as conn:
                keys = await dkim_published_keys.domain_keys(
                    conn, account, "us-east-1", "shop.example"
                )
            assert legacy.verification_token is not None
            return (
                identity.dkim_tokens,
                {key.selector: key.public_key for key in keys},
                legacy.verification_token,
            )
        finally:
            await application.stop()

    tokens, public_keys, token = asyncio.run(prepare())
    text = _run(capsys, "identity", "records", "shop.example", "--account", account)
    lines = text.splitlines()
    assert f'_amazonses.shop.example. IN TXT "{token}"' in lines
    for selector in tokens:
        assert (
            f"{selector}._domainkey.shop.example. IN CNAME {selector}.dkim.mail.operator.test."
            in lines
        )
    document = json.loads(
        _run(capsys, "identity", "records", "shop.example", "--account", account, "--json")
    )
    txt = {r["Name"]: r["Value"] for r in document if r["Type"] == "TXT"}
    for selector in tokens:
        assert txt[f"{selector}._domainkey.shop.example"] == (
            f"v=DKIM1; k=rsa; p={public_keys[selector]}"
        )
    # A 2048-bit key's TXT record is printed as several quoted strings of at most 255 bytes.
    txt_line = next(line for line in lines if f"{tokens[0]}._domainkey" in line and "TXT" in line)
    assert txt_line.count('" "') >= 1
    own = json.loads(
        _run(capsys, "identity", "records", "own.example", "--account", account, "--json")
    )
    public = byodkim_key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert own == [
        {
            "Name": "brand1._domainkey.own.example",
            "Type": "TXT",
            "Value": f"v=DKIM1; k=rsa; p={base64.b64encode(public).decode()}",
            "Purpose": "BYODKIM public key",
        }
    ]
    assert main(["identity", "records", "nothing.example", "--account", account]) == 1
