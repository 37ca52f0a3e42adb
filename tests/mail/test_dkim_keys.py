"""DKIM key generation, loading (PEM and SES BYODKIM form) and DNS publication."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from openses.mail.dkim import (
    DkimSigningKey,
    generate_key,
    load_private_key,
    private_key_pem,
    public_key_txt,
)

# A throwaway 512-bit key (openssl genrsa 512): too weak for DKIM (RFC 8301 §3.2).
RSA_512_PEM = """-----BEGIN RSA PRIVATE KEY-----
MIIBPAIBAAJBAL/tybAEmm8lQgQ85ItCEmjxnUT61VAx5Y/raNxGZuq0RAR4gZg0
bORardBZgh2MqiTryBJiz4a145c6iZnrQkMCAwEAAQJBAIrthjPqcRuJHatRpKGF
Fyxt0MiQxP4C0EgIQGRKdc7noHPueh1ECWBns6k2BQza/NrY8SQIG4PXcenM3zLi
CzkCIQD7PF7+EkYg4A5Jd+aTc0HY/fzXBjefOwnzaBhHCWkhnQIhAMORgpC4ANXk
fHZ49We2bbYyq/Cdr9GKWH61C/esrR1fAiEAmbBNwAk3w0atFr51XAAm6PI+6N8R
yaOZK8CjEVmtaXUCID+qZB3muObo3hfXYtSjj+3LaywGuZD2f76oA8BaZ3TzAiEA
yqHIWYf4TIRMaw5e4t1ACuHVZiHNK23XtwPoPe0lxls=
-----END RSA PRIVATE KEY-----
"""


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    key = generate_key("rsa", 1024)
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


PrivateKey = rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey


def _pem(key: PrivateKey, fmt: serialization.PrivateFormat) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, fmt, serialization.NoEncryption())


def _byodkim(key: PrivateKey, fmt: serialization.PrivateFormat) -> str:
    """What `aws sesv2 put-email-identity-dkim-signing-attributes` sends: the PEM body."""
    lines = _pem(key, fmt).decode().strip().splitlines()
    return "".join(line for line in lines if not line.startswith("-----"))


def _same_key(a: object, b: object) -> bool:
    assert isinstance(a, rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey)
    assert isinstance(b, rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey)
    return public_key_txt(a) == public_key_txt(b)


def test_generated_keys_have_the_requested_kind_and_size() -> None:
    default = generate_key()
    assert isinstance(default, rsa.RSAPrivateKey)
    assert default.key_size == 2048
    assert isinstance(generate_key("ed25519"), ed25519.Ed25519PrivateKey)


@pytest.mark.parametrize(("kind", "bits"), [("rsa", 512), ("rsa", 1536), ("dsa", 2048)])
def test_unsupported_generation_requests_are_refused(kind: str, bits: int) -> None:
    with pytest.raises(ValueError, match=r"RSA DKIM keys must be|unknown DKIM key kind"):
        generate_key(kind, bits)  # type: ignore[arg-type]


PRIVATE_FORMATS = {
    "PKCS#1": serialization.PrivateFormat.TraditionalOpenSSL,
    "PKCS#8": serialization.PrivateFormat.PKCS8,
}


@pytest.mark.parametrize("fmt", list(PRIVATE_FORMATS))
def test_pem_keys_load_from_text_and_bytes(rsa_key: rsa.RSAPrivateKey, fmt: str) -> None:
    pem = _pem(rsa_key, PRIVATE_FORMATS[fmt])
    assert _same_key(load_private_key(pem), rsa_key)
    assert _same_key(load_private_key(pem.decode()), rsa_key)


@pytest.mark.parametrize("fmt", list(PRIVATE_FORMATS))
def test_byodkim_base64_der_keys_load(rsa_key: rsa.RSAPrivateKey, fmt: str) -> None:
    assert _same_key(load_private_key(_byodkim(rsa_key, PRIVATE_FORMATS[fmt])), rsa_key)


def test_byodkim_key_pasted_with_line_breaks_loads(rsa_key: rsa.RSAPrivateKey) -> None:
    pem = _pem(rsa_key, serialization.PrivateFormat.TraditionalOpenSSL).decode()
    body = "\n".join(line for line in pem.splitlines() if not line.startswith("-----"))
    assert _same_key(load_private_key(body + "\n"), rsa_key)


def test_base64_of_a_whole_pem_file_loads(rsa_key: rsa.RSAPrivateKey) -> None:
    wrapped = base64.b64encode(_pem(rsa_key, serialization.PrivateFormat.PKCS8))
    assert _same_key(load_private_key(wrapped), rsa_key)


def test_ed25519_keys_load_from_pem_and_base64() -> None:
    key = generate_key("ed25519")
    assert _same_key(load_private_key(_pem(key, serialization.PrivateFormat.PKCS8)), key)
    assert _same_key(load_private_key(_byodkim(key, serialization.PrivateFormat.PKCS8)), key)


@pytest.mark.parametrize("kind", ["rsa", "ed25519"])
def test_stored_pem_round_trips(kind: str) -> None:
    key = generate_key(kind, 1024)  # type: ignore[arg-type]
    pem = private_key_pem(key)
    assert pem.startswith("-----BEGIN PRIVATE KEY-----")
    assert _same_key(load_private_key(pem), key)


def test_large_rsa_keys_are_accepted() -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    loaded = load_private_key(_byodkim(key, serialization.PrivateFormat.TraditionalOpenSSL))
    assert isinstance(loaded, rsa.RSAPrivateKey)
    assert loaded.key_size == 3072


def _ec_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _public_pem() -> bytes:
    return (
        generate_key("ed25519")
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )


def _public_der_base64() -> str:
    der = (
        generate_key("rsa", 1024)
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    return base64.b64encode(der).decode()


def _encrypted_pem() -> bytes:
    return generate_key("rsa", 1024).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"secret"),
    )


BAD_KEYS: dict[str, tuple[str | bytes, str]] = {
    "empty": ("  \n", "is empty"),
    "not base64": ("this is not a key!", "neither PEM nor base64"),
    "base64 of junk": (base64.b64encode(b"hello world, not DER").decode(), "PKCS#1 or PKCS#8"),
    "public key PEM": (_public_pem(), "public key"),
    "public key base64 DER": (_public_der_base64(), "public key"),
    "EC key PEM": (_pem(_ec_key(), serialization.PrivateFormat.PKCS8), "EC .* cannot sign DKIM"),
    "EC key BYODKIM": (_byodkim(_ec_key(), serialization.PrivateFormat.TraditionalOpenSSL), "EC"),
    "512-bit RSA": (RSA_512_PEM, "1024 to 4096 bits; this one has 512"),
    "512-bit RSA BYODKIM": ("".join(RSA_512_PEM.splitlines()[1:-1]), "this one has 512"),
    "encrypted PEM": (_encrypted_pem(), "encrypted"),
    "truncated PEM": (RSA_512_PEM[:200], "not a readable private key"),
}


@pytest.mark.parametrize("case", list(BAD_KEYS))
def test_unusable_keys_are_refused_with_a_clear_reason(case: str) -> None:
    data, reason = BAD_KEYS[case]
    with pytest.raises(ValueError, match=reason):
        load_private_key(data)


def test_rsa_txt_record_publishes_the_subject_public_key_info() -> None:
    key = generate_key("rsa", 2048)
    txt = public_key_txt(key)
    assert txt.startswith("v=DKIM1; k=rsa; p=MIIBIjAN")  # the SPKI of a 2048-bit key
    der = base64.b64decode(txt.split("p=", 1)[1])
    assert serialization.load_der_public_key(der).public_numbers() == (  # type: ignore[union-attr]
        key.public_key().public_numbers()  # type: ignore[union-attr]
    )


def test_ed25519_txt_record_publishes_the_raw_32_byte_key() -> None:
    key = generate_key("ed25519")
    txt = public_key_txt(key)
    assert txt.startswith("v=DKIM1; k=ed25519; p=")
    raw = base64.b64decode(txt.split("p=", 1)[1])
    assert raw == key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )


def test_signing_key_names_its_algorithm_and_dns_record() -> None:
    rsa_signer = DkimSigningKey("example.com", "s1", generate_key("rsa", 1024))
    ed_signer = DkimSigningKey("example.com", "s2", generate_key("ed25519"))
    assert (rsa_signer.algorithm, ed_signer.algorithm) == ("rsa-sha256", "ed25519-sha256")
    assert rsa_signer.dns_name == "s1._domainkey.example.com"


@pytest.mark.parametrize(
    ("domain", "selector"),
    [("exa mple.com", "s"), ("example.com;", "s"), ("exämple.com", "s"), ("example.com", ""),
     ("example..com", "s"), ("example.com", "s;x=1"), ("a" * 64 + ".com", "s"),
     (".".join(["a" * 60] * 4), "s" * 10)],
)  # fmt: skip
def test_signing_key_refuses_names_that_would_corrupt_the_header(
    domain: str, selector: str
) -> None:
    with pytest.raises(ValueError, match="invalid DKIM"):
        DkimSigningKey(domain, selector, generate_key("ed25519"))


def test_signing_key_refuses_a_key_dkim_cannot_use() -> None:
    weak = serialization.load_pem_private_key(RSA_512_PEM.encode(), password=None)
    with pytest.raises(ValueError, match="this one has 512"):
        DkimSigningKey("example.com", "s", weak)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="EC"):
        DkimSigningKey("example.com", "s", _ec_key())  # type: ignore[arg-type]
