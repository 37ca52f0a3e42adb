"""Custom MAIL FROM at send time and at delivery: refuse, or pick the envelope sender.

Whose MAIL FROM settings apply follows SES's precedence (Developer Guide,
"Verified identities"): the most specific verified identity of the message's
source address (the Source parameter, else the From address; on SMTP the
envelope sender) decides, so a separately verified address uses its own
settings, not its domain's.

At send time a RejectMessage identity whose MAIL FROM domain is not verified
refuses the message (``MailFromDomainNotVerified``). At delivery the envelope
sender is ``<message id>@<MAIL FROM domain>`` when that domain is verified, and
the default (the feedback address, as before custom MAIL FROM existed) otherwise.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

from openses.domain.arns import parse_arn
from openses.domain.identities import Identity, identity_candidates
from openses.domain.mail_from import check_mail_from, custom_envelope_sender, uses_custom_mail_from
from openses.domain.messages import AcceptedMessage
from openses.mail.addresses import parse_mailbox
from openses.services.expiring_cache import ExpiringCache
from openses.storage.engine import Database
from openses.storage.repositories import identities as identities_repo

# Every send asks; settings change rarely. Changes made through this process clear
# the cache at once; the verifier's (or another process's) show within a second.
_CACHE_SECONDS = 1.0


def source_address(message: AcceptedMessage) -> str:
    """The bare address whose identity's MAIL FROM settings apply to ``message``."""
    return (_bare_mailbox(message.source) if message.source else None) or message.from_address


@functools.lru_cache(maxsize=4096)
def _bare_mailbox(text: str) -> str | None:
    # Asked for every message at acceptance and again at delivery, with the same few
    # Source values over and over: parse each distinct one once.
    parsed = parse_mailbox(text)
    return parsed.mailboxes[0].addr_spec if parsed.ok and parsed.mailboxes else None


def settings_owner(message: AcceptedMessage) -> tuple[str, str]:
    """Account and region whose identity settings apply to ``message``.

    A delegated send (sending authorization) is stored under the delegate's account,
    but it uses the owner's identity, and with it the owner's settings: SES signs it
    with the owner's DKIM key and sends it with the owner's MAIL FROM domain.
    """
    arn = parse_arn(message.source_arn) if message.source_arn else None
    if arn is not None and arn.resource_type == "identity" and arn.account_id:
        return arn.account_id, arn.region
    return message.account_id, message.region


class MailFromResolver:
    def __init__(self, database: Database) -> None:
        self._db = database
        self._cache: ExpiringCache[tuple[str, str, str], Identity | None] = ExpiringCache(
            _CACHE_SECONDS
        )

    async def check_messages(self, messages: Sequence[AcceptedMessage]) -> None:
        """Raise ``MailFromDomainNotVerified`` if any of ``messages`` must be refused."""
        for message in messages:
            identity = await self.sending_identity(
                *settings_owner(message), source_address(message)
            )
            if identity is not None:
                check_mail_from(identity)

    async def envelope_sender(self, message: AcceptedMessage) -> str:
        """The reverse-path ``message`` is transmitted with."""
        if not message.feedback_address:
            return ""  # openses's own DSNs travel with the null sender, always
        identity = await self.sending_identity(*settings_owner(message), source_address(message))
        if identity is not None and uses_custom_mail_from(identity):
            assert identity.mail_from_domain is not None
            return custom_envelope_sender(message.message_id, identity.mail_from_domain)
        return message.feedback_address

    async def sending_identity(self, account_id: str, region: str, address: str) -> Identity | None:
        """The most specific verified identity of ``address``, or None."""
        return await self._cache.get_or_load(
            (account_id, region, address), lambda: self._lookup(account_id, region, address)
        )

    async def _lookup(self, account_id: str, region: str, address: str) -> Identity | None:
        candidates = identity_candidates(address)
        if not candidates:
            return None
        async with self._db.read() as conn:
            found = await identities_repo.get_identities(conn, account_id, region, candidates)
        for name in candidates:  # most specific first
            identity = found.get(name)
            if identity is not None and identity.is_verified:
                return identity
        return None

    def forget(self) -> None:
        self._cache.clear()
