"""The delivery pipeline, as a flat list of named steps: load, sign, transmit, classify, record.

``deliver_group`` takes the leased queue entries of one message at one
destination domain (one SMTP transaction), and records every recipient's result
with its event in one transaction, fenced by the lease: a worker whose lease
ran out writes nothing.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection

from openses.domain import event_formats
from openses.domain.clock import Clock
from openses.domain.feedback import BounceReport, DelayedRecipient, DelayType, DeliveryDelayReport
from openses.domain.messages import (
    AcceptedMessage,
    BouncedRecipient,
    DeliveryOutcome,
    Destination,
    RecipientStatus,
)
from openses.domain.notification_topics import NotificationType, forwards_feedback_by_email
from openses.mail import outcomes, replies
from openses.mail.dsn import (
    Addressing,
    FailedRecipient,
    FeedbackMail,
    FeedbackMailKind,
    build_bounce_dsn,
    mailer_daemon,
)
from openses.mail.message_ids import format_message_id, message_id_header_value
from openses.mail.retry import DEFAULT_RETRY_POLICY, RetryPolicy, next_attempt
from openses.mail.simulator import SIMULATOR_DOMAIN, SimulationResult, SimulatorConfig, simulate
from openses.mail.transports import (
    Deliverer,
    DeliveryReport,
    DeliveryStatus,
    Envelope,
    RecipientOutcome,
)
from openses.services.dkim import DkimSigner
from openses.services.events import event_record
from openses.services.mail_from import MailFromResolver, settings_owner, source_address
from openses.storage.batching import TransactionBatcher
from openses.storage.engine import Database
from openses.storage.repositories import deliveries as queue_repo
from openses.storage.repositories import events as events_repo
from openses.storage.repositories import messages as messages_repo
from openses.storage.repositories.deliveries import LeasedDelivery
from openses.storage.repositories.events import StoredEvent

_MESSAGE_CACHE_SIZE = 512


@dataclass(frozen=True, slots=True)
class _Results:
    delivered: list[RecipientOutcome]
    bounced: list[tuple[RecipientOutcome, outcomes.BounceKind]]
    delayed: list[tuple[RecipientOutcome, dt.datetime]]


class DeliveryPipeline:
    def __init__(
        self,
        database: Database,
        clock: Clock,
        transport: Deliverer,
        signer: DkimSigner,
        *,
        batcher: TransactionBatcher | None = None,
        retry_policy: RetryPolicy = DEFAULT_RETRY_POLICY,
        rng: random.Random | None = None,
        feedback_domain: str = "amazonses.com",
        reporting_mta: str = "localhost",
        mail_from: MailFromResolver | None = None,
    ) -> None:
        self._reporting_mta = reporting_mta
        # Domain of MAILER-DAEMON, the sender of the DSNs this pipeline writes.
        self._feedback_domain = feedback_domain
        self._db = database
        self._batcher = batcher or TransactionBatcher(database)
        self._clock = clock
        self._transport = transport
        self._signer = signer
        # Picks the envelope sender: the identity's verified custom MAIL FROM domain or not.
        self._mail_from = mail_from or MailFromResolver(database)
        self._retry = retry_policy
        self._rng = rng or random.Random()
        self._messages: OrderedDict[str, AcceptedMessage] = OrderedDict()

    async def close(self) -> None:
        await self._batcher.close()

    async def deliver_group(self, group: Sequence[LeasedDelivery]) -> None:
        message = await self._load(group[0].message_id)
        if message is None:
            return  # deleted meanwhile (dev reset): nothing to deliver
        if group[0].domain == SIMULATOR_DOMAIN:
            await self._simulate(message, group)
            return
        data = await self._signer.sign(message)
        report = await self._transmit(message, group, data)
        await self._record(message, group, report)

    async def _load(self, message_id: str) -> AcceptedMessage | None:
        cached = self._messages.get(message_id)
        if cached is not None:
            self._messages.move_to_end(message_id)
            return cached
        async with self._db.read() as conn:
            message = await messages_repo.get_message(conn, message_id)
        if message is not None:
            self._messages[message_id] = message
            while len(self._messages) > _MESSAGE_CACHE_SIZE:
                self._messages.popitem(last=False)
        return message

    async def _transmit(
        self, message: AcceptedMessage, group: Sequence[LeasedDelivery], data: bytes
    ) -> DeliveryReport:
        envelope = Envelope(
            mail_from=await self._mail_from.envelope_sender(message),
            recipients=tuple(delivery.recipient for delivery in group),
            message=data,
        )
        return await self._transport.deliver(envelope)

    def _classify(
        self, message: AcceptedMessage, group: Sequence[LeasedDelivery], report: DeliveryReport
    ) -> _Results:
        now = self._clock.now()
        results = _Results([], [], [])
        for delivery in group:
            outcome = report.outcome_for(delivery.recipient)
            if outcome.status is DeliveryStatus.DELIVERED:
                results.delivered.append(outcome)
            elif outcome.status is DeliveryStatus.PERMANENT_FAILURE:
                results.bounced.append((outcome, outcomes.classify(outcome.reply)))
            else:
                retry_at = next_attempt(
                    delivery.attempts + 1, message.accepted_at, now, self._rng, self._retry
                )
                if retry_at is None:
                    results.bounced.append((_expired(outcome, self._retry), _EXPIRED_KIND))
                else:
                    results.delayed.append((outcome, retry_at))
        return results

    async def _record(
        self, message: AcceptedMessage, group: Sequence[LeasedDelivery], report: DeliveryReport
    ) -> None:
        results = self._classify(message, group, report)
        by_recipient = {delivery.recipient: delivery for delivery in group}
        forward_bounces = bool(results.bounced) and await self._forwards(
            message, FeedbackMailKind.BOUNCE_DSN
        )
        now = self._clock.now()
        await self._batcher.run(
            lambda conn: self._write_results(
                conn, message, report, results, by_recipient, now, forward_bounces=forward_bounces
            )
        )

    async def _forwards(self, message: AcceptedMessage, kind: FeedbackMailKind) -> bool:
        """Whether feedback of ``kind`` about ``message`` goes to its sender by e-mail."""
        if not message.feedback_address:
            return False  # our own mail (null sender) never gets feedback
        if kind is FeedbackMailKind.AUTO_REPLY:
            return True  # the recipient's own answer, not SES's feedback
        identity = await self._mail_from.sending_identity(
            *settings_owner(message), source_address(message)
        )
        notification = (
            NotificationType.BOUNCE
            if kind is FeedbackMailKind.BOUNCE_DSN
            else NotificationType.COMPLAINT
        )
        return forwards_feedback_by_email(identity, notification)

    async def _write_results(
        self,
        conn: AsyncConnection,
        message: AcceptedMessage,
        report: DeliveryReport,
        results: _Results,
        by_recipient: dict[str, LeasedDelivery],
        now: dt.datetime,
        *,
        forward_bounces: bool,
    ) -> None:
        delivered = [
            o for o in results.delivered
            if await self._finish(conn, by_recipient[o.recipient], RecipientStatus.DELIVERED,
                                  str(o.reply), now, now)
        ]  # fmt: skip
        bounced = [
            (o, kind) for o, kind in results.bounced
            if await self._finish(conn, by_recipient[o.recipient], RecipientStatus.BOUNCED,
                                  str(o.reply), now, now)
        ]  # fmt: skip
        delayed = [
            (o, at) for o, at in results.delayed
            if await self._finish(conn, by_recipient[o.recipient], RecipientStatus.QUEUED,
                                  str(o.reply), at, now)
        ]  # fmt: skip
        if message.feedback_address:  # our own bounce mail (null sender) gets no events
            await events_repo.insert_events(
                conn, self._events(message, report, delivered, bounced, delayed, now)
            )
        if bounced and forward_bounces:
            # Email feedback forwarding (on by default, as in SES): a DSN goes to the
            # feedback address, from MAILER-DAEMON with the null sender, so that a
            # bounce of the bounce can never loop. Queued in this same transaction.
            await self._queue_dsn(conn, message, report, [o for o, _ in bounced], now)

    async def _simulate(self, message: AcceptedMessage, group: Sequence[LeasedDelivery]) -> None:
        """The mailbox simulator: SES's outcomes and feedback mail, no real delivery."""
        now = self._clock.now()
        config = SimulatorConfig(
            reporting_mta=self._reporting_mta, platform_domain=self._feedback_domain
        )
        result = simulate(
            message,
            now=now,
            new_message_id=lambda: format_message_id(now, _uuid(self._rng)),
            config=config,
            recipients=[delivery.recipient for delivery in group],
        )
        records: list[StoredEvent] = []
        delivery = result.delivery(timestamp=now)
        if delivery is not None:
            records.append(
                event_record(
                    message, event_formats.delivery_event(message, delivery), occurred_at=now
                )
            )
        for bounce in result.bounce_reports(
            timestamp=now, new_feedback_id=lambda: format_message_id(now, _uuid(self._rng))
        ):
            records.append(
                event_record(message, event_formats.bounce_event(message, bounce), occurred_at=now)
            )
        complaint = result.complaint_report(
            timestamp=now, feedback_id=format_message_id(now, _uuid(self._rng))
        )
        if complaint is not None:
            records.append(
                event_record(
                    message, event_formats.complaint_event(message, complaint), occurred_at=now
                )
            )
        feedback_mail = [
            mail for mail in result.feedback_mail if await self._forwards(message, mail.kind)
        ]
        await self._batcher.run(
            lambda conn: self._write_simulation(
                conn, message, group, result, records, feedback_mail, now
            )
        )

    async def _write_simulation(
        self,
        conn: AsyncConnection,
        message: AcceptedMessage,
        group: Sequence[LeasedDelivery],
        result: SimulationResult,
        records: list[StoredEvent],
        feedback_mail: list[FeedbackMail],
        now: dt.datetime,
    ) -> None:
        outcome_of = {outcome.recipient: outcome for outcome in result.outcomes}
        for leased in group:
            outcome = outcome_of[leased.recipient]
            status = RecipientStatus.DELIVERED if outcome.delivered else RecipientStatus.BOUNCED
            response = (
                outcome.smtp_response
                or (outcome.bounce.diagnostic_code if outcome.bounce else "")
                or ""
            )
            await self._finish(conn, leased, status, response, now, now)
        await events_repo.insert_events(conn, records)
        for mail in feedback_mail:
            await self._queue_system_mail(
                conn, message, mail.message["From"], mail.envelope_recipient,
                mail.as_bytes(), now,
            )  # fmt: skip

    async def _queue_dsn(
        self,
        conn: AsyncConnection,
        message: AcceptedMessage,
        report: DeliveryReport,
        bounced: list[RecipientOutcome],
        now: dt.datetime,
    ) -> None:
        dsn_id = format_message_id(now, _uuid(self._rng))
        sender = mailer_daemon(self._feedback_domain)
        mail = build_bounce_dsn(
            message.raw,
            [
                FailedRecipient(
                    address=o.recipient,
                    status=outcomes.dsn_status(o.reply),
                    diagnostic_code=str(o.reply),
                    remote_mta=o.remote_host or o.remote_ip,
                    last_attempt=o.finished_at,
                )
                for o in bounced
            ],
            addressing=Addressing(
                sender=sender,
                recipient=message.feedback_address,
                date=now,
                message_id=message_id_header_value(dsn_id, self._feedback_domain),
            ),
            reporting_mta=report.reporting_mta,
            arrival_date=message.accepted_at,
        )
        await self._queue_system_mail(
            conn, message, sender, message.feedback_address, mail.as_bytes(), now, dsn_id
        )

    async def _queue_system_mail(
        self,
        conn: AsyncConnection,
        message: AcceptedMessage,
        sender: str,
        recipient: str,
        data: bytes,
        now: dt.datetime,
        message_id: str | None = None,
    ) -> None:
        """Queue mail openses itself sends about ``message`` (DSNs, simulator replies).

        It travels with the null reverse-path (RFC 5321 §4.5.5), so it can never
        cause a bounce of its own, and it records no events.
        """
        system_mail = AcceptedMessage(
            message_id=message_id or format_message_id(now, _uuid(self._rng)),
            account_id=message.account_id,
            region=message.region,
            source=str(sender),
            feedback_address="",
            from_address=str(sender),
            destination=Destination(to=(recipient,)),
            raw=data,
            headers=(),
            common_headers={},
            accepted_at=now,
            source_arn="",
            sending_account_id=message.sending_account_id,
        )
        await messages_repo.insert_message(conn, system_mail, [recipient], now=now)

    async def _finish(
        self,
        conn: AsyncConnection,
        delivery: LeasedDelivery,
        status: RecipientStatus,
        response: str,
        next_attempt_at: dt.datetime,
        now: dt.datetime,
    ) -> bool:
        return await queue_repo.finish(
            conn,
            delivery,
            status=status,
            attempts=delivery.attempts + 1,
            next_attempt_at=next_attempt_at,
            last_response=response,
            now=now,
        )

    def _events(
        self,
        message: AcceptedMessage,
        report: DeliveryReport,
        delivered: list[RecipientOutcome],
        bounced: list[tuple[RecipientOutcome, outcomes.BounceKind]],
        delayed: list[tuple[RecipientOutcome, dt.datetime]],
        now: dt.datetime,
    ) -> list[StoredEvent]:
        records: list[StoredEvent] = []
        if delivered:
            first = delivered[0]
            outcome = DeliveryOutcome(
                recipients=tuple(o.recipient for o in delivered),
                timestamp=first.finished_at,
                smtp_response=first.smtp_response,
                reporting_mta=report.reporting_mta,
                remote_mta_ip=first.remote_ip or "",
            )
            document = event_formats.delivery_event(message, outcome)
            records.append(event_record(message, document, occurred_at=now))
        for kind, group in _by_kind(bounced).items():
            bounce = BounceReport(
                bounce_type=kind.bounce_type,
                bounce_sub_type=kind.sub_type,
                recipients=tuple(_bounced_recipient(o) for o in group),
                timestamp=now,
                feedback_id=format_message_id(now, _uuid(self._rng)),
                reporting_mta=f"dns; {report.reporting_mta}",
                remote_mta_ip=group[0].remote_ip,
            )
            document = event_formats.bounce_event(message, bounce)
            records.append(event_record(message, document, occurred_at=now))
        if delayed:
            delay = DeliveryDelayReport(
                delay_type=_delay_type(delayed[0][0]),
                recipients=tuple(
                    DelayedRecipient(
                        o.recipient, outcomes.dsn_status(o.reply), outcomes.diagnostic_code(o.reply)
                    )
                    for o, _ in delayed
                ),
                timestamp=now,
                expiration_time=message.accepted_at + self._retry.max_age,
                reporting_mta=report.reporting_mta,
            )
            document = event_formats.delivery_delay_event(message, delay)
            records.append(event_record(message, document, occurred_at=now))
        return records


_EXPIRED_KIND = outcomes.BounceKind(outcomes.BounceType.TRANSIENT, outcomes.BounceSubType.GENERAL)


def _expired(outcome: RecipientOutcome, policy: RetryPolicy) -> RecipientOutcome:
    """The final reply SES gives a soft bounce that ran out of time."""
    reply = replies.message_expired(policy.max_age_minutes, outcome.reply)
    return RecipientOutcome(
        outcome.recipient,
        DeliveryStatus.PERMANENT_FAILURE,
        reply,
        outcome.remote_host,
        outcome.remote_ip,
        outcome.tls,
        outcome.started_at,
        outcome.finished_at,
    )


def _bounced_recipient(outcome: RecipientOutcome) -> BouncedRecipient:
    return BouncedRecipient(
        email_address=outcome.recipient,
        action=outcomes.dsn_action(outcome.reply),
        status=outcomes.dsn_status(outcome.reply),
        diagnostic_code=outcomes.diagnostic_code(outcome.reply),
    )


def _by_kind(
    bounced: list[tuple[RecipientOutcome, outcomes.BounceKind]],
) -> dict[outcomes.BounceKind, list[RecipientOutcome]]:
    """One Bounce event per bounce type, as SES never mixes types in one notification."""
    groups: dict[outcomes.BounceKind, list[RecipientOutcome]] = {}
    for outcome, kind in bounced:
        groups.setdefault(kind, []).append(outcome)
    return groups


def _delay_type(outcome: RecipientOutcome) -> DelayType:
    if outcome.remote_host is None:
        return DelayType.TRANSIENT_COMMUNICATION_FAILURE
    kind = outcomes.classify(outcome.reply)
    if kind.sub_type is outcomes.BounceSubType.MAILBOX_FULL:
        return DelayType.MAILBOX_FULL
    return DelayType.RECIPIENT_SERVER_ERROR


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)
