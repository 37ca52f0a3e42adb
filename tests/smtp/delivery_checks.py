"""Checks on what openses stored and delivered, for the SMTP tests."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import dkim

from openses.app import Application
from openses.mail.dkim_keys import load_private_key, public_key_txt
from openses.storage.repositories import dkim_keys
from tests.fixtures.server import RunningServer
from tests.fixtures.smtp_sink import ReceivedMessage, SmtpSink

DEV_ACCOUNT = "000000000000"


def dkim_records(server: RunningServer, domain: str) -> dict[bytes, bytes]:
    """The DKIM TXT record openses would publish for ``domain``, keyed by its DNS name."""

    async def load(application: Application) -> tuple[str, str]:
        async with application.database.read() as conn:
            key = await dkim_keys.get_key(conn, DEV_ACCOUNT, "us-east-1", domain)
        assert key is not None
        return key.selector, key.private_key_pem

    selector, pem = server.call(load)
    record = public_key_txt(load_private_key(pem))
    return {f"{selector}._domainkey.{domain}.".encode(): record.encode()}


def dkim_verifies(message: bytes, records: dict[bytes, bytes]) -> bool:
    """dkimpy, an independent verifier, against ``records`` instead of DNS."""

    def lookup(name: bytes, timeout: int = 5) -> bytes | None:
        return records.get(name)

    return bool(dkim.verify(message, dnsfunc=lookup))


def stored_message(server: RunningServer, message_id: str) -> dict[str, Any]:
    """What the inspection endpoint knows of an accepted message (it exists: it is queued)."""
    url = f"{server.endpoint}/_openses/messages/{message_id}"
    with urllib.request.urlopen(url, timeout=30) as response:
        document: dict[str, Any] = json.loads(response.read())
    return document


def delivered(mx: SmtpSink, message_id: str, timeout: float = 30.0) -> ReceivedMessage:
    """The message with SES id ``message_id`` once the loopback MX has it."""
    marker = f"<{message_id}@email.amazonses.com>".encode()

    def arrived(sink: SmtpSink) -> bool:
        return any(marker in message.content for message in sink.accepted_messages)

    mx.wait_until(arrived, timeout=timeout)
    return next(m for m in mx.accepted_messages if marker in m.content)


def message_id_of(reply: bytes | str) -> str:
    """The id in ``250 Ok <MessageId>``."""
    text = reply.decode() if isinstance(reply, bytes) else reply
    return text.strip().removeprefix("250 ").removeprefix("Ok ").strip()
