"""Sending: messages, per-recipient deliveries, the event log, send quotas and DKIM keys.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "messages",
        sa.Column("message_id", sa.String(80), primary_key=True),
        sa.Column("account_id", sa.String(12), nullable=False),
        sa.Column("region", sa.String(32), nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("feedback_address", sa.String(320), nullable=False),
        sa.Column("from_address", sa.String(320), nullable=False),
        sa.Column("destination", sa.Text, nullable=False),
        sa.Column("raw", sa.LargeBinary, nullable=False),
        sa.Column("headers", sa.Text, nullable=False),
        sa.Column("common_headers", sa.Text, nullable=False),
        sa.Column("accepted_at", _UTC, nullable=False),
        sa.Column("source_arn", sa.String(1024), nullable=False),
        sa.Column("sending_account_id", sa.String(12), nullable=False),
        sa.Column("source_ip", sa.String(64), nullable=False),
        sa.Column("caller_identity", sa.String(256), nullable=False),
        sa.Column("configuration_set_name", sa.String(64)),
        sa.Column("tags", sa.Text, nullable=False),
        sa.Column("headers_truncated", sa.Boolean, nullable=False),
        sa.Column("to_simulator", sa.Boolean, nullable=False),
    )
    op.create_index("ix_messages_scope_time", "messages", ["account_id", "region", "accepted_at"])
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "message_id",
            sa.String(80),
            sa.ForeignKey("messages.message_id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("recipient", sa.String(320), nullable=False),
        sa.Column("domain", sa.String(255), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", _UTC, nullable=False),
        sa.Column("lease_owner", sa.String(64)),
        sa.Column("lease_token", sa.Integer, nullable=False),
        sa.Column("lease_expires_at", _UTC),
        sa.Column("last_response", sa.Text),
        sa.Column("updated_at", _UTC, nullable=False),
    )
    op.create_index("ix_deliveries_message_id", "deliveries", ["message_id"])
    op.create_index("ix_deliveries_due", "deliveries", ["status", "next_attempt_at"])
    op.create_table(
        "events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("account_id", sa.String(12), nullable=False),
        sa.Column("region", sa.String(32), nullable=False),
        sa.Column("message_id", sa.String(80), nullable=False),
        sa.Column("event_type", sa.String(32), nullable=False),
        sa.Column("occurred_at", _UTC, nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.UniqueConstraint("event_id", name="uq_events_event_id"),
    )
    op.create_index("ix_events_message_id", "events", ["message_id"])
    op.create_index("ix_events_scope_time", "events", ["account_id", "region", "occurred_at"])
    op.create_table(
        "send_rate_buckets",
        sa.Column("account_id", sa.String(12), primary_key=True),
        sa.Column("region", sa.String(32), primary_key=True),
        sa.Column("tokens", sa.Float, nullable=False),
        sa.Column("refilled_at", _UTC, nullable=False),
    )
    op.create_table(
        "sent_recipients",
        sa.Column("account_id", sa.String(12), primary_key=True),
        sa.Column("region", sa.String(32), primary_key=True),
        sa.Column("minute", _UTC, primary_key=True),
        sa.Column("recipients", sa.Integer, nullable=False),
    )
    op.create_table(
        "dkim_keys",
        sa.Column("account_id", sa.String(12), primary_key=True),
        sa.Column("region", sa.String(32), primary_key=True),
        sa.Column("domain", sa.String(255), primary_key=True),
        sa.Column("selector", sa.String(63), nullable=False),
        sa.Column("private_key", sa.Text, nullable=False),
        sa.Column("created_at", _UTC, nullable=False),
    )


def downgrade() -> None:
    for table in (
        "dkim_keys", "sent_recipients", "send_rate_buckets", "events", "deliveries", "messages"
    ):  # fmt: skip
        op.drop_table(table)
