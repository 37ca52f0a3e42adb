"""SES SMTP credentials, derived from an access key exactly as SES documents it.

Developer Guide, "Obtaining Amazon SES SMTP credentials": the SMTP user name is
the access key id; the password is version byte 0x04 followed by an HMAC-SHA256
chain over the secret key, base64-encoded (44 characters, starting with "B").
"""

from __future__ import annotations

import base64
import hashlib
import hmac

_DATE = "11111111"
_SERVICE = "ses"
_TERMINAL = "aws4_request"
_MESSAGE = "SendRawEmail"
_VERSION = 0x04

# Regions with an SES SMTP endpoint, as listed by the guide's reference script.
SMTP_REGIONS = frozenset(
    {
        "us-east-2", "us-east-1", "us-west-2", "ap-south-1", "ap-northeast-2",
        "ap-southeast-1", "ap-southeast-2", "ap-northeast-1", "ca-central-1",
        "eu-central-1", "eu-west-1", "eu-west-2", "sa-east-1", "us-gov-west-1",
    }
)  # fmt: skip


def _sign(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).digest()


def smtp_password(secret_access_key: str, region: str) -> str:
    """The SES SMTP password for ``secret_access_key`` in ``region``.

    openses serves SMTP in any region it is configured for, so unlike the
    guide's script this does not refuse regions outside ``SMTP_REGIONS``.
    """
    key = _sign(("AWS4" + secret_access_key).encode("utf-8"), _DATE)
    for part in (region, _SERVICE, _TERMINAL, _MESSAGE):
        key = _sign(key, part)
    return base64.b64encode(bytes([_VERSION]) + key).decode("ascii")
