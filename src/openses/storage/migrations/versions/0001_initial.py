"""Accounts, access keys, per-region sending settings, identities and tags.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("account_id", sa.String(12), primary_key=True),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sandbox", sa.Boolean, nullable=False),
        sa.Column("max_24_hour_send", sa.Float, nullable=False),
        sa.Column("max_send_rate", sa.Float, nullable=False),
        sa.Column("sending_enabled", sa.Boolean, nullable=False),
        sa.UniqueConstraint("name", name="uq_accounts_name"),
    )
    op.create_table(
        "account_regions",
        sa.Column(
            "account_id",
            sa.String(12),
            sa.ForeignKey("accounts.account_id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("region", sa.String(32), primary_key=True),
        sa.Column("sandbox", sa.Boolean, nullable=False),
        sa.Column("max_24_hour_send", sa.Float, nullable=False),
        sa.Column("max_send_rate", sa.Float, nullable=False),
        sa.Column("sending_enabled", sa.Boolean, nullable=False),
    )
    op.create_table(
        "access_keys",
        sa.Column("access_key_id", sa.String(128), primary_key=True),
        sa.Column(
            "account_id",
            sa.String(12),
            sa.ForeignKey("accounts.account_id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("secret_access_key", sa.String(128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_access_keys_account_id", "access_keys", ["account_id"])
    op.create_table(
        "identities",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("account_id", sa.String(12), nullable=False),
        sa.Column("region", sa.String(32), nullable=False),
        sa.Column("name", sa.String(320), nullable=False),
        sa.Column("identity_type", sa.String(16), nullable=False),
        sa.Column("verification_status", sa.String(20), nullable=False),
        sa.Column("verification_token", sa.String(64)),
        sa.Column("dkim_tokens", sa.Text, nullable=False),
        sa.Column("dkim_enabled", sa.Boolean, nullable=False),
        sa.Column("dkim_status", sa.String(20), nullable=False),
        sa.Column("feedback_forwarding_enabled", sa.Boolean, nullable=False),
        sa.Column("configuration_set_name", sa.String(64)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("account_id", "region", "name", name="uq_identities_scope_name"),
    )
    op.create_index("ix_identities_listing", "identities", ["account_id", "region", "id"])
    op.create_table(
        "resource_tags",
        sa.Column("account_id", sa.String(12), primary_key=True),
        sa.Column("region", sa.String(32), primary_key=True),
        sa.Column("resource_arn", sa.String(1024), primary_key=True),
        sa.Column("key", sa.String(128), primary_key=True),
        sa.Column("value", sa.String(256), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("resource_tags")
    op.drop_index("ix_identities_listing", table_name="identities")
    op.drop_table("identities")
    op.drop_index("ix_access_keys_account_id", table_name="access_keys")
    op.drop_table("access_keys")
    op.drop_table("account_regions")
    op.drop_table("accounts")
