"""TLS for the SMTP listeners: a strict server context, and dev mode's certificate.

TLS 1.2 and 1.3 only (SES still accepts 1.0 and 1.1; the issue asks for 1.2+),
forward-secret AEAD suites only for TLS 1.2 (ECDHE/DHE with AES-GCM or
ChaCha20-Poly1305; TLS 1.3 has nothing weaker), no compression (CRIME), no
renegotiation, the server's suite order.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import ssl
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

TLS12_CIPHERS = "ECDHE+AESGCM:ECDHE+CHACHA20:DHE+AESGCM:DHE+CHACHA20:!aNULL:!eNULL:!PSK:!SRP"
DEV_CERT_DIRECTORY = "smtp-tls"
_DEV_VALIDITY = dt.timedelta(days=397)  # the longest browsers still accept, if anyone checks
# Its own CA and its own leaf: signs itself (key_cert_sign) and TLS handshakes.
_KEY_USAGE = x509.KeyUsage(
    digital_signature=True,
    content_commitment=False,
    key_encipherment=False,
    data_encipherment=False,
    key_agreement=False,
    key_cert_sign=True,
    crl_sign=False,
    encipher_only=False,
    decipher_only=False,
)


def server_tls_context(cert_file: Path, key_file: Path) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.set_ciphers(TLS12_CIPHERS)
    context.options |= (
        ssl.OP_NO_COMPRESSION
        | ssl.OP_CIPHER_SERVER_PREFERENCE
        | ssl.OP_NO_RENEGOTIATION
        | ssl.OP_SINGLE_ECDH_USE
        | ssl.OP_SINGLE_DH_USE
    )
    context.load_cert_chain(cert_file, key_file)
    return context


def dev_certificate(data_dir: Path, hostname: str) -> tuple[Path, Path]:
    """The dev-mode certificate and key in ``<data_dir>/smtp-tls/``, made on first use.

    Self-signed, ECDSA P-256, for ``hostname``, ``localhost``, 127.0.0.1 and ::1.
    Clients that verify trust the certificate file itself (it is its own CA).
    """
    directory = data_dir / DEV_CERT_DIRECTORY
    cert_file, key_file = directory / "cert.pem", directory / "key.pem"
    if cert_file.exists() and key_file.exists():
        return cert_file, key_file
    directory.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as stream:
        stream.write(key_pem)
    cert_file.write_bytes(_self_signed(key, hostname).public_bytes(serialization.Encoding.PEM))
    return cert_file, key_file


def _self_signed(key: ec.EllipticCurvePrivateKey, hostname: str) -> x509.Certificate:
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, hostname),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "openses dev mode"),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    names = dict.fromkeys((hostname, "localhost"))
    alt_names: list[x509.GeneralName] = [x509.DNSName(name) for name in names]
    alt_names += [x509.IPAddress(ipaddress.ip_address(a)) for a in ("127.0.0.1", "::1")]
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + _DEV_VALIDITY)
        .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(_KEY_USAGE, critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
