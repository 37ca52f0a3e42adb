from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from openses.domain.credentials import smtp_password

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


@pytest.mark.parametrize(
    ("region", "expected"),
    [
        ("us-east-1", "BLBM/9hSUELfq8Gw+rU1YcBjkOxGbhT2XG763xVLGWL9"),
        ("us-west-2", "BF2PynzbSCAjX08zhZZnP/kW+T9P5zs/1Er0pi5vTEmd"),
        ("eu-west-1", "BMW5RDrXmmVs0lV7GpI4oLkHXpZ4stDsk6q91z1g38Pk"),
    ],
)
def test_smtp_password_matches_the_documented_test_vectors(region: str, expected: str) -> None:
    assert smtp_password(SECRET, region) == expected


def test_smtp_password_is_version_4_and_a_32_byte_hmac_chain() -> None:
    # An independent derivation, written out from the Developer Guide's pseudocode.
    key = ("AWS4" + SECRET).encode()
    for message in ("11111111", "eu-central-1", "ses", "aws4_request", "SendRawEmail"):
        key = hmac.new(key, message.encode(), hashlib.sha256).digest()
    password = smtp_password(SECRET, "eu-central-1")
    assert base64.b64decode(password) == b"\x04" + key
    assert len(password) == 44
    assert password.startswith("B")


def test_smtp_passwords_differ_by_region() -> None:
    assert smtp_password(SECRET, "us-east-1") != smtp_password(SECRET, "us-east-2")
