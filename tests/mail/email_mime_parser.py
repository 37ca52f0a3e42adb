"""A second, independent MIME parser for the compose tests: Perl's Email::MIME.

Debian packages ``libemail-mime-perl`` and ``libemail-address-xs-perl`` provide it.
Without them the tests that need it are skipped locally, and fail in CI (``CI`` set),
so a CI machine without the packages cannot pass silently.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

_SCRIPT = Path(__file__).with_name("mime_dump.pl")


def _available() -> bool:
    if shutil.which("perl") is None:
        return False
    probe = subprocess.run(
        ["perl", "-MEmail::MIME", "-MEmail::Address::XS", "-MJSON::PP", "-e", "1"],
        capture_output=True,
        check=False,
    )
    return probe.returncode == 0


AVAILABLE = _available()


def require_email_mime() -> None:
    if AVAILABLE:
        return
    if os.environ.get("CI"):
        pytest.fail(
            "Perl Email::MIME is missing: apt-get install libemail-mime-perl "
            "libemail-address-xs-perl"
        )
    pytest.skip("Perl Email::MIME not installed (libemail-mime-perl)")


@dataclass(frozen=True)
class PerlPart:
    content_type: str
    filename: str | None
    disposition: str | None
    body: bytes


@dataclass(frozen=True)
class PerlView:
    subject: str | None
    addresses: dict[str, list[tuple[str | None, str]]]
    parts: list[PerlPart]


def parse_with_email_mime(data: bytes) -> PerlView:
    require_email_mime()
    result = subprocess.run(
        ["perl", str(_SCRIPT)], input=data, capture_output=True, check=True, timeout=60
    )
    dumped: dict[str, Any] = json.loads(result.stdout)
    return PerlView(
        subject=dumped["subject"],
        addresses={
            key: [(name, address) for name, address in dumped[key]]
            for key in ("from", "to", "cc", "bcc")
        },
        parts=[
            PerlPart(
                content_type=part["content_type"],
                filename=part["filename"],
                disposition=part["disposition"],
                body=base64.b64decode(part["body_base64"]),
            )
            for part in dumped["parts"]
        ],
    )
