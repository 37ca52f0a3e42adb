"""DKIM operations through real boto3 clients (v1 and v2) over a socket: BYODKIM input
checking, every signing-attributes switch of the SES API reference, v1 Easy DKIM, and the
statuses outside dev mode (where the verifier, not these operations, decides)."""

from __future__ import annotations

import base64
import datetime as dt
import subprocess
import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from openses.app import Application
from openses.domain.dkim import (
    INVALID_KEY_LENGTH,
    INVALID_PRIVATE_KEY,
    SIGNING_ATTRIBUTES_FOR_ADDRESS,
    SIGNING_ATTRIBUTES_REQUIRED,
)
from openses.domain.identities import Identity
from openses.storage.repositories import dkim_keys, dkim_published_keys
from openses.storage.repositories import identities as identities_repo
from tests.fixtures.server import RunningServer

ACCOUNT = "000000000000"
REGION = "us-east-1"


def _error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str, int]:
    response: Any = exc.value.response
    return (
        response["Error"]["Code"],
        response["Error"]["Message"],
        response["ResponseMetadata"]["HTTPStatusCode"],
    )


def _der(key: Any, private_format: serialization.PrivateFormat) -> str:
    raw = key.private_bytes(
        serialization.Encoding.DER, private_format, serialization.NoEncryption()
    )
    return base64.b64encode(raw).decode()


def _rsa(bits: int, pkcs8: bool = False) -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    kind = (
        serialization.PrivateFormat.PKCS8
        if pkcs8
        else serialization.PrivateFormat.TraditionalOpenSSL
    )
    return _der(key, kind)


def _rsa_512() -> str:
    """cryptography refuses to make keys under 1024 bits; openssl still can."""
    pem = subprocess.run(
        ["openssl", "genrsa", "-traditional", "512"], capture_output=True, check=True
    ).stdout
    key = serialization.load_pem_private_key(pem, password=None)
    return _der(key, serialization.PrivateFormat.TraditionalOpenSSL)


def _byo(selector: str, key: str) -> dict[str, str]:
    return {"DomainSigningSelector": selector, "DomainSigningPrivateKey": key}


@pytest.fixture(scope="module")
def key_1024() -> str:
    return _rsa(1024)


def test_byodkim_create_reports_external_origin_and_the_selector(sesv2: Any, key_1024: str) -> None:
    created = sesv2.create_email_identity(
        EmailIdentity="byo.example", DkimSigningAttributes=_byo("sel2024", key_1024)
    )
    assert created["IdentityType"] == "DOMAIN"
    assert created["DkimAttributes"] == {
        "SigningEnabled": True,
        "Status": "SUCCESS",  # dev mode verifies at once
        "Tokens": ["sel2024"],
        "SigningAttributesOrigin": "EXTERNAL",
    }
    got = sesv2.get_email_identity(EmailIdentity="byo.example")["DkimAttributes"]
    assert got == created["DkimAttributes"]


def test_byodkim_accepts_pkcs1_and_pkcs8_of_1024_and_2048_bits(sesv2: Any) -> None:
    for index, key in enumerate(
        (_rsa(1024), _rsa(1024, pkcs8=True), _rsa(2048), _rsa(2048, pkcs8=True))
    ):
        domain = f"ok{index}.example"
        created = sesv2.create_email_identity(
            EmailIdentity=domain, DkimSigningAttributes=_byo("s1", key)
        )
        assert created["DkimAttributes"]["SigningAttributesOrigin"] == "EXTERNAL"


@pytest.mark.parametrize(
    ("make_key", "message"),
    [
        (lambda: base64.b64encode(b"this is not a key at all").decode(), INVALID_PRIVATE_KEY),
        (
            lambda: _der(
                ec.generate_private_key(ec.SECP256R1()), serialization.PrivateFormat.PKCS8
            ),
            INVALID_PRIVATE_KEY,
        ),
        (
            lambda: _der(ed25519.Ed25519PrivateKey.generate(), serialization.PrivateFormat.PKCS8),
            INVALID_PRIVATE_KEY,
        ),
        (
            lambda: base64.b64encode(
                rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505 - SES BYODKIM size
                .public_key()
                .public_bytes(
                    serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
                )
            ).decode(),
            INVALID_PRIVATE_KEY,
        ),
        (_rsa_512, INVALID_KEY_LENGTH),
        (lambda: _rsa(3072), INVALID_KEY_LENGTH),
        (lambda: _rsa(4096), INVALID_KEY_LENGTH),
    ],
    ids=["not-a-key", "ec", "ed25519", "public-key", "rsa-512", "rsa-3072", "rsa-4096"],
)
def test_byodkim_refuses_keys_ses_refuses(sesv2: Any, make_key: Any, message: str) -> None:
    key = make_key()
    with pytest.raises(ClientError) as create:
        sesv2.create_email_identity(
            EmailIdentity="bad.example", DkimSigningAttributes=_byo("sel", key)
        )
    assert _error(create) == ("BadRequestException", message, 400)
    with pytest.raises(ClientError):
        sesv2.get_email_identity(EmailIdentity="bad.example")  # nothing was created
    sesv2.create_email_identity(EmailIdentity="bad.example")
    with pytest.raises(ClientError) as put:
        sesv2.put_email_identity_dkim_signing_attributes(
            EmailIdentity="bad.example",
            SigningAttributesOrigin="EXTERNAL",
            SigningAttributes=_byo("sel", key),
        )
    assert _error(put) == ("BadRequestException", message, 400)
    unchanged = sesv2.get_email_identity(EmailIdentity="bad.example")["DkimAttributes"]
    assert unchanged["SigningAttributesOrigin"] == "AWS_SES"


def test_private_key_that_is_not_base64_fails_the_models_pattern(sesv2: Any) -> None:
    with pytest.raises(ClientError) as exc:
        sesv2.create_email_identity(
            EmailIdentity="pem.example",
            DkimSigningAttributes=_byo("sel", "-----BEGIN RSA PRIVATE KEY-----\nMIIB"),
        )
    code, message, status = _error(exc)
    assert (code, status) == ("BadRequestException", 400)
    assert "'dkimSigningAttributes.domainSigningPrivateKey'" in message
    assert "regular expression pattern" in message


@pytest.mark.parametrize("selector", ["sel.1", "s" * 64, "-abc", "abc-", "sel_1", "sél"])
def test_bad_selectors_are_refused(sesv2: Any, key_1024: str, selector: str) -> None:
    with pytest.raises(ClientError) as exc:
        sesv2.create_email_identity(
            EmailIdentity="sel.example", DkimSigningAttributes=_byo(selector, key_1024)
        )
    code, message, status = _error(exc)
    assert (code, status) == ("BadRequestException", 400)
    assert "'dkimSigningAttributes.domainSigningSelector'" in message
    assert "Member must" in message


def test_selector_of_63_characters_and_inner_hyphens_is_fine(sesv2: Any, key_1024: str) -> None:
    for domain, selector in (
        ("a.example", "s" * 63),
        ("b.example", "my-sel-1"),
        ("c.example", "x"),
    ):
        sesv2.create_email_identity(
            EmailIdentity=domain, DkimSigningAttributes=_byo(selector, key_1024)
        )


def test_dkim_signing_attributes_only_for_domains(sesv2: Any, key_1024: str) -> None:
    with pytest.raises(ClientError) as create:
        sesv2.create_email_identity(
            EmailIdentity="someone@example.com", DkimSigningAttributes=_byo("sel", key_1024)
        )
    assert _error(create) == ("BadRequestException", SIGNING_ATTRIBUTES_FOR_ADDRESS, 400)
    sesv2.create_email_identity(EmailIdentity="someone@example.com")
    with pytest.raises(ClientError) as put:
        sesv2.put_email_identity_dkim_signing_attributes(
            EmailIdentity="someone@example.com",
            SigningAttributesOrigin="EXTERNAL",
            SigningAttributes=_byo("sel", key_1024),
        )
    assert _error(put) == ("BadRequestException", SIGNING_ATTRIBUTES_FOR_ADDRESS, 400)


def test_put_signing_attributes_errors(sesv2: Any) -> None:
    with pytest.raises(ClientError) as missing:
        sesv2.put_email_identity_dkim_signing_attributes(
            EmailIdentity="nowhere.example", SigningAttributesOrigin="AWS_SES"
        )
    assert _error(missing)[0] == "NotFoundException"
    assert _error(missing)[2] == 404
    sesv2.create_email_identity(EmailIdentity="half.example")
    for attributes in ({}, {"DomainSigningSelector": "sel"}):
        with pytest.raises(ClientError) as exc:
            sesv2.put_email_identity_dkim_signing_attributes(
                EmailIdentity="half.example",
                SigningAttributesOrigin="EXTERNAL",
                SigningAttributes=attributes,
            )
        assert _error(exc) == ("BadRequestException", SIGNING_ATTRIBUTES_REQUIRED, 400)


def _stored_selector(server: RunningServer, domain: str) -> str | None:
    async def load(application: Application) -> str | None:
        async with application.database.read() as conn:
            key = await dkim_keys.get_key(conn, ACCOUNT, REGION, domain)
        return None if key is None else key.selector

    return server.call(load)


def test_every_switch_direction_of_the_api_reference(
    clean_dev_server: RunningServer, key_1024: str
) -> None:
    ses, sesv2 = clean_dev_server.client("ses"), clean_dev_server.client("sesv2")
    # No DKIM (a v1 domain) → Easy DKIM.
    ses.verify_domain_identity(Domain="flip.example")
    none = sesv2.get_email_identity(EmailIdentity="flip.example")["DkimAttributes"]
    assert none["Status"] == "NOT_STARTED"
    assert "Tokens" not in none
    assert _stored_selector(clean_dev_server, "flip.example") is None
    easy = sesv2.put_email_identity_dkim_signing_attributes(
        EmailIdentity="flip.example", SigningAttributesOrigin="AWS_SES"
    )
    assert easy["DkimStatus"] == "SUCCESS"
    assert len(easy["DkimTokens"]) == 3
    assert _stored_selector(clean_dev_server, "flip.example") == easy["DkimTokens"][0]
    # Easy DKIM → BYODKIM.
    byo = sesv2.put_email_identity_dkim_signing_attributes(
        EmailIdentity="flip.example",
        SigningAttributesOrigin="EXTERNAL",
        SigningAttributes=_byo("first", key_1024),
    )
    assert (byo["DkimStatus"], byo["DkimTokens"]) == ("SUCCESS", ["first"])
    assert _stored_selector(clean_dev_server, "flip.example") == "first"
    # BYODKIM → BYODKIM (a new key and selector).
    again = sesv2.put_email_identity_dkim_signing_attributes(
        EmailIdentity="flip.example",
        SigningAttributesOrigin="EXTERNAL",
        SigningAttributes=_byo("second", _rsa(2048)),
    )
    assert again["DkimTokens"] == ["second"]
    attributes = sesv2.get_email_identity(EmailIdentity="flip.example")["DkimAttributes"]
    assert attributes["SigningAttributesOrigin"] == "EXTERNAL"
    assert attributes["Tokens"] == ["second"]
    assert "CurrentSigningKeyLength" not in attributes
    # BYODKIM → Easy DKIM: new tokens, a new key.
    back = sesv2.put_email_identity_dkim_signing_attributes(
        EmailIdentity="flip.example",
        SigningAttributesOrigin="AWS_SES",
        SigningAttributes={"NextSigningKeyLength": "RSA_1024_BIT"},
    )
    assert len(back["DkimTokens"]) == 3
    assert not set(back["DkimTokens"]) & set(easy["DkimTokens"])
    final = sesv2.get_email_identity(EmailIdentity="flip.example")["DkimAttributes"]
    assert final["SigningAttributesOrigin"] == "AWS_SES"
    assert final["CurrentSigningKeyLength"] == "RSA_1024_BIT"
    assert final["Tokens"] == back["DkimTokens"]
    # Easy DKIM → Easy DKIM without a key length changes nothing.
    same = sesv2.put_email_identity_dkim_signing_attributes(
        EmailIdentity="flip.example", SigningAttributesOrigin="AWS_SES"
    )
    assert same["DkimTokens"] == back["DkimTokens"]
    # No DKIM → BYODKIM.
    ses.verify_domain_identity(Domain="direct.example")
    direct = sesv2.put_email_identity_dkim_signing_attributes(
        EmailIdentity="direct.example",
        SigningAttributesOrigin="EXTERNAL",
        SigningAttributes=_byo("direct", key_1024),
    )
    assert direct["DkimTokens"] == ["direct"]


def test_create_with_next_signing_key_length_makes_a_1024_bit_easy_dkim_key(sesv2: Any) -> None:
    created = sesv2.create_email_identity(
        EmailIdentity="short.example",
        DkimSigningAttributes={"NextSigningKeyLength": "RSA_1024_BIT"},
    )
    attributes = created["DkimAttributes"]
    assert attributes["SigningAttributesOrigin"] == "AWS_SES"
    assert len(attributes["Tokens"]) == 3
    assert attributes["CurrentSigningKeyLength"] == "RSA_1024_BIT"
    assert attributes["NextSigningKeyLength"] == "RSA_1024_BIT"
    assert isinstance(attributes["LastKeyGenerationTimestamp"], dt.datetime)


def test_easy_dkim_keys_are_published_and_retired_keys_stay_published(
    clean_dev_server: RunningServer,
) -> None:
    sesv2 = clean_dev_server.client("sesv2")
    tokens = sesv2.create_email_identity(EmailIdentity="pub.example")["DkimAttributes"]["Tokens"]

    async def published(application: Application) -> dict[str, bool]:
        async with application.database.read() as conn:
            keys = await dkim_published_keys.domain_keys(conn, ACCOUNT, REGION, "pub.example")
        return {key.selector: key.retired_at is None for key in keys}

    assert clean_dev_server.call(published) == dict.fromkeys(tokens, True)
    sesv2.put_email_identity_dkim_signing_attributes(
        EmailIdentity="pub.example",
        SigningAttributesOrigin="AWS_SES",
        SigningAttributes={"NextSigningKeyLength": "RSA_2048_BIT"},
    )
    assert clean_dev_server.call(published) == {tokens[0]: False, tokens[1]: True, tokens[2]: False}
    sesv2.delete_email_identity(EmailIdentity="pub.example")
    assert clean_dev_server.call(published) == {}


def test_put_dkim_attributes_turns_signing_off_and_on(sesv2: Any) -> None:
    sesv2.create_email_identity(EmailIdentity="toggle.example")
    sesv2.put_email_identity_dkim_attributes(EmailIdentity="toggle.example", SigningEnabled=False)
    off = sesv2.get_email_identity(EmailIdentity="toggle.example")["DkimAttributes"]
    assert off["SigningEnabled"] is False
    assert off["Status"] == "SUCCESS"
    sesv2.put_email_identity_dkim_attributes(EmailIdentity="toggle.example", SigningEnabled=True)
    assert sesv2.get_email_identity(EmailIdentity="toggle.example")["DkimAttributes"][
        "SigningEnabled"
    ]
    with pytest.raises(ClientError) as exc:
        sesv2.put_email_identity_dkim_attributes(EmailIdentity="none.example", SigningEnabled=True)
    assert _error(exc)[0] == "NotFoundException"


# -- SES v1 ---------------------------------------------------------------------------


def test_v1_verify_domain_dkim_is_idempotent_and_shared_with_v2(ses: Any, sesv2: Any) -> None:
    ses.verify_domain_identity(Domain="legacy.example")
    before = ses.get_identity_dkim_attributes(Identities=["legacy.example"])["DkimAttributes"]
    assert before == {
        "legacy.example": {"DkimEnabled": False, "DkimVerificationStatus": "NotStarted"}
    }
    tokens = ses.verify_domain_dkim(Domain="Legacy.Example")["DkimTokens"]
    assert len(tokens) == 3
    assert ses.verify_domain_dkim(Domain="legacy.example")["DkimTokens"] == tokens
    after = ses.get_identity_dkim_attributes(Identities=["legacy.example", "ghost.example"])
    assert after["DkimAttributes"] == {
        "legacy.example": {
            "DkimEnabled": True,
            "DkimVerificationStatus": "Success",
            "DkimTokens": tokens,
        }
    }
    assert sesv2.get_email_identity(EmailIdentity="legacy.example")["DkimAttributes"]["Tokens"] == (
        tokens
    )
    # A domain that is no identity yet becomes one, with Easy DKIM.
    fresh = ses.verify_domain_dkim(Domain="brandnew.example")["DkimTokens"]
    assert "brandnew.example" in ses.list_identities()["Identities"]
    assert (
        sesv2.get_email_identity(EmailIdentity="brandnew.example")["DkimAttributes"]["Tokens"]
        == fresh
    )


def test_v1_set_identity_dkim_enabled_for_domains_and_addresses(ses: Any) -> None:
    ses.verify_domain_dkim(Domain="corp.example")
    ses.set_identity_dkim_enabled(Identity="corp.example", DkimEnabled=False)
    ses.verify_email_identity(EmailAddress="boss@corp.example")
    ses.set_identity_dkim_enabled(Identity="boss@corp.example", DkimEnabled=True)
    attributes = ses.get_identity_dkim_attributes(Identities=["corp.example", "boss@corp.example"])[
        "DkimAttributes"
    ]
    tokens = attributes["corp.example"]["DkimTokens"]
    assert attributes["corp.example"]["DkimEnabled"] is False
    # An address reports its own switch and its domain's tokens (SES's documentation).
    assert attributes["boss@corp.example"] == {
        "DkimEnabled": True,
        "DkimVerificationStatus": "Success",
        "DkimTokens": tokens,
    }
    with pytest.raises(ClientError) as exc:
        ses.set_identity_dkim_enabled(Identity="nobody.example", DkimEnabled=True)
    assert _error(exc)[0] == "InvalidParameterValue"


# -- Outside dev mode: PENDING, and the verifier is asked to look -----------------------


def _prod_account(server: RunningServer) -> tuple[Any, Any, str]:
    async def create(application: Application) -> tuple[str, str, str]:
        account, key = await application.services.accounts.create_account(
            f"dkim-{uuid.uuid4().hex[:8]}"
        )
        return account.account_id, key.access_key_id, key.secret_access_key

    account_id, key_id, secret = server.call(create)
    return (
        server.client("ses", access_key_id=key_id, secret_access_key=secret),
        server.client("sesv2", access_key_id=key_id, secret_access_key=secret),
        account_id,
    )


def _identity(server: RunningServer, account_id: str, name: str) -> Identity:
    async def load(application: Application) -> Identity | None:
        async with application.database.read() as conn:
            return await identities_repo.get_identity(conn, account_id, REGION, name)

    identity = server.call(load)
    assert identity is not None
    return identity


def test_outside_dev_mode_dkim_waits_for_the_verifier(prod_server: RunningServer) -> None:
    ses, sesv2, account_id = _prod_account(prod_server)
    created = sesv2.create_email_identity(
        EmailIdentity="prod-byo.example", DkimSigningAttributes=_byo("live", _rsa(1024))
    )
    assert created["VerifiedForSendingStatus"] is False
    assert created["DkimAttributes"]["Status"] == "PENDING"
    stored = _identity(prod_server, account_id, "prod-byo.example")
    assert stored.next_check_at is not None
    assert stored.dkim_verification_started_at is not None
    assert stored.dkim_origin.value == "EXTERNAL"
    switched = sesv2.put_email_identity_dkim_signing_attributes(
        EmailIdentity="prod-byo.example", SigningAttributesOrigin="AWS_SES"
    )
    assert switched["DkimStatus"] == "PENDING"
    assert len(switched["DkimTokens"]) == 3
    # v1 refuses to enable DKIM that is not verified.
    ses.verify_domain_identity(Domain="prod-v1.example")
    ses.verify_domain_dkim(Domain="prod-v1.example")
    pending = ses.get_identity_dkim_attributes(Identities=["prod-v1.example"])["DkimAttributes"]
    assert pending["prod-v1.example"]["DkimVerificationStatus"] == "Pending"
    assert _identity(prod_server, account_id, "prod-v1.example").next_check_at is not None
    with pytest.raises(ClientError) as exc:
        ses.set_identity_dkim_enabled(Identity="prod-v1.example", DkimEnabled=True)
    assert _error(exc) == (
        "InvalidParameterValue",
        "Domain prod-v1.example has not completed DKIM verification.",
        400,
    )
    ses.set_identity_dkim_enabled(Identity="prod-v1.example", DkimEnabled=False)  # always allowed
