"""The acceptance-time content scan recognises the EICAR test file in every transfer encoding."""

from __future__ import annotations

import base64
import quopri
from email.message import EmailMessage

import pytest

from openses.mail.virus_scan import EICAR_SIGNATURE, carries_known_malware


def _message_with_attachment(content: bytes, cte: str) -> bytes:
    message = EmailMessage()
    message["From"] = "a@example.com"
    message["To"] = "b@example.com"
    message["Subject"] = "files"
    message.set_content("see the attachment")
    message.add_attachment(
        content, maintype="application", subtype="octet-stream", filename="eicar.com", cte=cte
    )
    return message.as_bytes().replace(b"\n", b"\r\n")


@pytest.mark.parametrize("cte", ["base64", "quoted-printable", "7bit"])
@pytest.mark.parametrize("trailer", [b"", b"\r\n", b"   \t"])
def test_the_test_file_is_found_whatever_the_encoding(cte: str, trailer: bytes) -> None:
    assert carries_known_malware(_message_with_attachment(EICAR_SIGNATURE + trailer, cte))


@pytest.mark.parametrize("line_length", [20, 43, 64, 76, 1000])
def test_base64_wrapped_at_any_line_length_is_found(line_length: int) -> None:
    encoded = base64.b64encode(EICAR_SIGNATURE + b"\r\n")
    lines = [encoded[i : i + line_length] for i in range(0, len(encoded), line_length)]
    raw = (
        b"Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + b"\r\n".join(lines)
        + b"\r\n"
    )
    assert carries_known_malware(raw)


def test_quoted_printable_soft_line_breaks_are_undone() -> None:
    encoded = quopri.encodestring(EICAR_SIGNATURE)
    broken = encoded[:30] + b"=\r\n" + encoded[30:]
    assert carries_known_malware(b"Content-Transfer-Encoding: quoted-printable\r\n\r\n" + broken)


@pytest.mark.parametrize(
    "content",
    [
        b"an ordinary attachment",
        EICAR_SIGNATURE[:-1],  # a truncated signature is not the test file
        b"EICAR is the name of an institute; this text mentions it.",
    ],
)
def test_clean_messages_pass(content: bytes) -> None:
    for cte in ("base64", "quoted-printable"):
        assert not carries_known_malware(_message_with_attachment(content, cte))
