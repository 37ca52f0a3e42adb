"""DKIM end to end: boto3 → openses → a loopback MX, each message checked by dkimpy (an
independent verifier) resolving keys the way receivers do: Easy DKIM through the customer's
CNAME into openses's own DNS responder, BYODKIM from the customer's TXT record."""

from __future__ import annotations

import base64
import dataclasses
import re
import urllib.request
from collections.abc import Iterator
from typing import Any

import dkim
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.conftest import make_settings
from tests.fixtures.dns_server import DnsServer
from tests.fixtures.server import RunningServer
from tests.fixtures.smtp_sink import SinkScript, SmtpSink
from tests.identities.dns_helpers import dkim_dnsfunc, resolver

RECIPIENT_DOMAIN = "receiver.test"
OPERATOR_DOMAIN = "openses.test"  # OPENSES_DKIM_DOMAIN: the zone is dkim.openses.test


@pytest.fixture(scope="module")
def mx() -> Iterator[SmtpSink]:
    with SmtpSink(SinkScript()) as sink:
        yield sink


@pytest.fixture(scope="module")
def customer_dns() -> Iterator[DnsServer]:
    """The DNS of the customers' domains (and of the recipient's MX)."""
    with DnsServer() as dns:
        dns.add_mx(RECIPIENT_DOMAIN, f"mx.{RECIPIENT_DOMAIN}")
        dns.add_host(f"mx.{RECIPIENT_DOMAIN}", "127.0.0.1")
        yield dns


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, mx: SmtpSink, customer_dns: DnsServer
) -> Iterator[RunningServer]:
    settings = make_settings(tmp_path_factory.mktemp("dkim"), dev=True)
    settings = settings.with_overrides(
        delivery="mx",
        mx_port=mx.port,
        dns_servers=tuple(customer_dns.nameservers),
        hostname=OPERATOR_DOMAIN,
        identities=dataclasses.replace(
            settings.identities, dkim_domain=OPERATOR_DOMAIN, dns_listen=("127.0.0.1", 0)
        ),
    )
    running = RunningServer(settings).start()
    yield running
    running.stop()


@pytest.fixture
def clean(server: RunningServer) -> RunningServer:
    request = urllib.request.Request(f"{server.endpoint}/_openses/reset", method="POST")
    urllib.request.urlopen(request, timeout=30).close()
    return server


def _responder_port(server: RunningServer) -> int:
    dns = server.application.dns
    assert dns is not None
    assert dns.endpoint is not None
    return dns.endpoint.port


def _publish_cnames(dns: DnsServer, domain: str, tokens: list[str]) -> None:
    for token in tokens:
        dns.add(f"{token}._domainkey.{domain}", "CNAME", f"{token}.dkim.{OPERATOR_DOMAIN}")


def _send(server: RunningServer, mx: SmtpSink, sender: str, subject: str) -> bytes:
    before = len(mx.accepted_messages)
    server.client("sesv2").send_email(
        FromEmailAddress=sender,
        Destination={"ToAddresses": [f"alice@{RECIPIENT_DOMAIN}"]},
        Content={"Simple": {"Subject": {"Data": subject}, "Body": {"Text": {"Data": "Hallo"}}}},
    )
    mx.wait_until(lambda sink: len(sink.accepted_messages) > before, timeout=30)
    content: bytes = mx.accepted_messages[before].content
    return content


def _signature_tags(message: bytes) -> dict[str, str]:
    header = message.split(b"\r\n\r\n", 1)[0].decode()
    match = re.search(r"^DKIM-Signature:(.*?)(?=^\S)", header + "\r\nX:", re.S | re.M | re.I)
    assert match, header
    value = re.sub(r"\s+", "", match.group(1))
    return dict(tag.split("=", 1) for tag in value.split(";") if tag)


def _verified(message: bytes, customer: DnsServer, server: RunningServer) -> bool:
    lookup = dkim_dnsfunc(customer.port, _responder_port(server))
    return bool(dkim.verify(message, dnsfunc=lookup))


def _byodkim_key(bits: int = 1024) -> tuple[str, str]:
    """A private key as SES takes it (base64 PKCS#1 DER) and its public ``p=`` value."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    der = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(der).decode(), base64.b64encode(public).decode()


def test_easy_dkim_signatures_verify_through_the_cname_and_openses_responder(
    clean: RunningServer, mx: SmtpSink, customer_dns: DnsServer
) -> None:
    sesv2 = clean.client("sesv2")
    domain = "easy.example"
    tokens = sesv2.create_email_identity(EmailIdentity=domain)["DkimAttributes"]["Tokens"]
    assert len(tokens) == 3
    _publish_cnames(customer_dns, domain, tokens)
    message = _send(clean, mx, f"news@{domain}", "easy")
    tags = _signature_tags(message)
    assert tags["d"] == domain
    assert tags["s"] == tokens[0]
    assert _verified(message, customer_dns, clean)
    # Every token leads to a key (what the verifier's CNAME check relies on).
    openses = resolver(_responder_port(clean))
    for token in tokens:
        answer = openses.resolve(f"{token}.dkim.{OPERATOR_DOMAIN}", "TXT")
        assert b"".join(answer[0].strings).startswith(b"v=DKIM1; k=rsa; p=")  # type: ignore[attr-defined]
    # Without the CNAMEs nothing verifies: the key really comes from the responder.
    for token in tokens:
        customer_dns.remove(f"{token}._domainkey.{domain}")
    assert not _verified(message, customer_dns, clean)


def test_rotation_signs_with_the_next_token_and_old_signatures_keep_verifying(
    clean: RunningServer, mx: SmtpSink, customer_dns: DnsServer
) -> None:
    sesv2 = clean.client("sesv2")
    domain = "rotate.example"
    tokens = sesv2.create_email_identity(EmailIdentity=domain)["DkimAttributes"]["Tokens"]
    _publish_cnames(customer_dns, domain, tokens)
    before = _send(clean, mx, f"news@{domain}", "before rotation")
    first = sesv2.get_email_identity(EmailIdentity=domain)["DkimAttributes"]
    assert first["CurrentSigningKeyLength"] == "RSA_2048_BIT"
    answer = sesv2.put_email_identity_dkim_signing_attributes(
        EmailIdentity=domain,
        SigningAttributesOrigin="AWS_SES",
        SigningAttributes={"NextSigningKeyLength": "RSA_1024_BIT"},
    )
    assert answer["DkimTokens"] == tokens  # the CNAMEs stay as they are
    assert answer["DkimStatus"] == "SUCCESS"
    rotated = sesv2.get_email_identity(EmailIdentity=domain)["DkimAttributes"]
    assert rotated["CurrentSigningKeyLength"] == "RSA_1024_BIT"
    assert rotated["NextSigningKeyLength"] == "RSA_1024_BIT"
    assert rotated["LastKeyGenerationTimestamp"] >= first["LastKeyGenerationTimestamp"]
    after = _send(clean, mx, f"news@{domain}", "after rotation")
    assert _signature_tags(after)["s"] == tokens[1]
    assert _verified(after, customer_dns, clean)
    assert _signature_tags(before)["s"] == tokens[0]
    assert _verified(before, customer_dns, clean)  # the retired key is still served
    sesv2.put_email_identity_dkim_signing_attributes(
        EmailIdentity=domain,
        SigningAttributesOrigin="AWS_SES",
        SigningAttributes={"NextSigningKeyLength": "RSA_2048_BIT"},
    )
    third = _send(clean, mx, f"news@{domain}", "second rotation")
    assert _signature_tags(third)["s"] == tokens[2]
    assert _verified(third, customer_dns, clean)
    assert _verified(after, customer_dns, clean)


def test_byodkim_signatures_verify_against_the_customers_txt_record(
    clean: RunningServer, mx: SmtpSink, customer_dns: DnsServer
) -> None:
    sesv2 = clean.client("sesv2")
    domain = "byo.example"
    private, public = _byodkim_key(1024)
    created = sesv2.create_email_identity(
        EmailIdentity=domain,
        DkimSigningAttributes={
            "DomainSigningSelector": "mail2024",
            "DomainSigningPrivateKey": private,
        },
    )
    assert created["DkimAttributes"]["SigningAttributesOrigin"] == "EXTERNAL"
    assert created["DkimAttributes"]["Tokens"] == ["mail2024"]
    customer_dns.add(f"mail2024._domainkey.{domain}", "TXT", f'"v=DKIM1; k=rsa; p={public}"')
    message = _send(clean, mx, f"billing@{domain}", "byodkim")
    tags = _signature_tags(message)
    assert (tags["d"], tags["s"]) == (domain, "mail2024")
    assert _verified(message, customer_dns, clean)


def test_switching_easy_dkim_to_byodkim_and_back_changes_the_signing_key(
    clean: RunningServer, mx: SmtpSink, customer_dns: DnsServer
) -> None:
    sesv2 = clean.client("sesv2")
    domain = "switch.example"
    easy_tokens = sesv2.create_email_identity(EmailIdentity=domain)["DkimAttributes"]["Tokens"]
    _publish_cnames(customer_dns, domain, easy_tokens)
    private, public = _byodkim_key(2048)  # SES takes 2048-bit BYODKIM keys too
    answer = sesv2.put_email_identity_dkim_signing_attributes(
        EmailIdentity=domain,
        SigningAttributesOrigin="EXTERNAL",
        SigningAttributes={"DomainSigningSelector": "own", "DomainSigningPrivateKey": private},
    )
    assert answer == {"DkimStatus": "SUCCESS", "DkimTokens": ["own"], **_metadata(answer)}
    customer_dns.add(f"own._domainkey.{domain}", "TXT", _txt_strings(public))
    byo = _send(clean, mx, f"news@{domain}", "byo")
    assert _signature_tags(byo)["s"] == "own"
    assert _verified(byo, customer_dns, clean)
    back = sesv2.put_email_identity_dkim_signing_attributes(
        EmailIdentity=domain, SigningAttributesOrigin="AWS_SES"
    )
    new_tokens = back["DkimTokens"]
    assert len(new_tokens) == 3
    assert not set(new_tokens) & set(easy_tokens)
    _publish_cnames(customer_dns, domain, new_tokens)
    easy = _send(clean, mx, f"news@{domain}", "easy again")
    assert _signature_tags(easy)["s"] == new_tokens[0]
    assert _verified(easy, customer_dns, clean)


def _metadata(answer: dict[str, Any]) -> dict[str, Any]:
    return {"ResponseMetadata": answer["ResponseMetadata"]}


def _txt_strings(value: str) -> str:
    """A long TXT value in zone-file syntax: quoted strings of at most 255 characters."""
    full = f"v=DKIM1; k=rsa; p={value}"
    return " ".join(f'"{full[i : i + 255]}"' for i in range(0, len(full), 255))


def test_a_verified_address_signs_with_its_domains_key_only_when_its_dkim_is_enabled(
    clean: RunningServer, mx: SmtpSink, customer_dns: DnsServer
) -> None:
    ses, sesv2 = clean.client("ses"), clean.client("sesv2")
    domain = "people.example"
    tokens = sesv2.create_email_identity(EmailIdentity=domain)["DkimAttributes"]["Tokens"]
    _publish_cnames(customer_dns, domain, tokens)
    ses.verify_email_identity(EmailAddress=f"mary@{domain}")
    unsigned = _send(clean, mx, f"mary@{domain}", "mary, no DKIM of her own")
    assert b"DKIM-Signature:" not in unsigned.split(b"\r\n\r\n", 1)[0]
    ses.set_identity_dkim_enabled(Identity=f"mary@{domain}", DkimEnabled=True)
    signed = _send(clean, mx, f"mary@{domain}", "mary, DKIM enabled")
    assert _signature_tags(signed)["s"] == tokens[0]
    assert _verified(signed, customer_dns, clean)
