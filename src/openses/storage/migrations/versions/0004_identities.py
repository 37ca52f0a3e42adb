"""Identities: verification bookkeeping, DKIM origins and published keys, MAIL FROM,
notification settings, sending-authorization policies, custom verification templates.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_UTC = sa.DateTime(timezone=True)


def _identity_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("verification_started_at", _UTC),
        sa.Column("last_checked_at", _UTC),
        sa.Column("last_success_at", _UTC),
        sa.Column("verification_error", sa.String(32)),
        sa.Column("next_check_at", _UTC),
        sa.Column("check_failures", sa.Integer, nullable=False, server_default="0"),
        sa.Column("dkim_origin", sa.String(32), nullable=False, server_default="AWS_SES"),
        sa.Column("dkim_current_key_length", sa.String(16)),
        sa.Column("dkim_next_key_length", sa.String(16)),
        sa.Column("dkim_key_generated_at", _UTC),
        sa.Column("dkim_verification_started_at", _UTC),
        sa.Column("mail_from_domain", sa.String(255)),
        sa.Column("mail_from_status", sa.String(20)),
        sa.Column(
            "mail_from_behavior", sa.String(20), nullable=False, server_default="UseDefaultValue"
        ),
        sa.Column("mail_from_started_at", _UTC),
        sa.Column("bounce_topic", sa.String(1024)),
        sa.Column("complaint_topic", sa.String(1024)),
        sa.Column("delivery_topic", sa.String(1024)),
        sa.Column("headers_in_bounce", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("headers_in_complaint", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("headers_in_delivery", sa.Boolean, nullable=False, server_default=sa.false()),
    ]


def upgrade() -> None:
    with op.batch_alter_table("identities") as batch:
        for column in _identity_columns():
            batch.add_column(column)
    op.create_index("ix_identities_next_check", "identities", ["next_check_at"])

    op.create_table(
        "dkim_published_keys",
        sa.Column("selector", sa.String(63), primary_key=True),
        sa.Column("account_id", sa.String(12), nullable=False),
        sa.Column("region", sa.String(32), nullable=False),
        sa.Column("domain", sa.String(255), nullable=False),
        sa.Column("public_key", sa.Text, nullable=False),
        sa.Column("created_at", _UTC, nullable=False),
        sa.Column("retired_at", _UTC),
    )
    op.create_index(
        "ix_dkim_published_keys_domain",
        "dkim_published_keys",
        ["account_id", "region", "domain"],
    )
    op.create_table(
        "identity_policies",
        sa.Column("account_id", sa.String(12), primary_key=True),
        sa.Column("region", sa.String(32), primary_key=True),
        sa.Column("identity", sa.String(320), primary_key=True),
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("policy", sa.Text, nullable=False),
        sa.Column("created_at", _UTC, nullable=False),
        sa.Column("updated_at", _UTC, nullable=False),
    )
    op.create_table(
        "custom_verification_templates",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("account_id", sa.String(12), nullable=False),
        sa.Column("region", sa.String(32), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("from_address", sa.String(320), nullable=False),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("success_url", sa.Text, nullable=False),
        sa.Column("failure_url", sa.Text, nullable=False),
        sa.Column("created_at", _UTC, nullable=False),
        sa.UniqueConstraint(
            "account_id", "region", "name", name="uq_custom_verification_templates_scope_name"
        ),
    )
    op.create_table(
        "server_secrets",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("created_at", _UTC, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("server_secrets")
    op.drop_table("custom_verification_templates")
    op.drop_table("identity_policies")
    op.drop_index("ix_dkim_published_keys_domain", table_name="dkim_published_keys")
    op.drop_table("dkim_published_keys")
    op.drop_index("ix_identities_next_check", table_name="identities")
    with op.batch_alter_table("identities") as batch:
        for column in reversed(_identity_columns()):
            batch.drop_column(column.name)
