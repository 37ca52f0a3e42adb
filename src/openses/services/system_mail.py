"""Mail openses sends on its own behalf: verification e-mails.

It goes through the normal delivery pipeline (queued durably, delivered by the
configured transport), but it is not a customer's message:

- it is stored under ``SYSTEM_ACCOUNT_ID``, which no access key belongs to, so no
  customer can read it through the inspection API (outside dev mode): a verification
  link must reach only the mailbox it was sent to;
- it travels with the null reverse-path and so records no events and causes no
  bounce mail (as the pipeline treats its own DSNs);
- a platform mail is not charged to anyone's quota; a custom verification e-mail
  (sent at a customer's request, with the customer's content) is, in the same
  transaction that queues it.
"""

from __future__ import annotations

from collections.abc import Callable

from openses.domain.accounts import SendingSettings
from openses.domain.clock import Clock
from openses.domain.messages import AcceptedMessage, Destination
from openses.mail.compose import SimpleMessage, compose_simple_message
from openses.mail.message_ids import SES_MESSAGE_ID_DOMAIN
from openses.services.scope import Scope
from openses.storage.engine import Database
from openses.storage.repositories import messages as messages_repo
from openses.storage.repositories import quotas as quotas_repo

# Real account ids are twelve digits; this one can never collide with them.
SYSTEM_ACCOUNT_ID = "openses"


class SystemMailer:
    def __init__(
        self,
        database: Database,
        clock: Clock,
        *,
        new_message_id: Callable[[], str],
        message_id_domain: str = SES_MESSAGE_ID_DOMAIN,
        on_queued: Callable[[], None] = lambda: None,
    ) -> None:
        self._db = database
        self._clock = clock
        self._new_message_id = new_message_id
        self._message_id_domain = message_id_domain
        # Wakes the in-process delivery worker, as an accepted customer message does.
        self._on_queued = on_queued

    async def queue(
        self,
        requested_by: Scope,
        message: SimpleMessage,
        *,
        charge: SendingSettings | None = None,
    ) -> str:
        """Queue ``message`` (one recipient per address in To) and return its message id.

        With ``charge``, its recipients are taken from ``requested_by``'s quotas, and
        the quota error is raised (nothing queued) when they are spent.
        """
        message_id = self._new_message_id()
        now = self._clock.now()
        composed = compose_simple_message(
            message,
            ses_message_id=message_id,
            accepted_at=now,
            message_id_domain=self._message_id_domain,
        )
        accepted = AcceptedMessage(
            message_id=message_id,
            account_id=SYSTEM_ACCOUNT_ID,
            region=requested_by.region,
            source=message.from_address,
            feedback_address="",  # the null reverse-path: no events, no bounce mail
            from_address=message.from_address,
            destination=Destination(to=tuple(message.to)),
            raw=composed.data,
            headers=tuple((field.name, field.value) for field in composed.headers),
            common_headers=composed.common_headers,
            accepted_at=now,
            source_arn="",
            sending_account_id=requested_by.account_id,
        )
        recipients = list(composed.envelope_recipients)
        async with self._db.transaction() as conn:
            if charge is not None:
                allowance = await quotas_repo.lock_allowance(
                    conn,
                    requested_by.account_id,
                    requested_by.region,
                    max_send_rate=charge.max_send_rate,
                    max_24_hour_send=charge.max_24_hour_send,
                    now=now,
                )
                allowance.take(len(recipients), count_against_daily_quota=True)
                await quotas_repo.store_allowance(
                    conn,
                    requested_by.account_id,
                    requested_by.region,
                    allowance,
                    newly_counted=len(recipients),
                    now=now,
                )
            await messages_repo.insert_message(conn, accepted, recipients, now=now)
        self._on_queued()
        return message_id
