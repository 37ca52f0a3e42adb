"""Templates: the e-mail templates of SES v1 and v2, one store.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "email_templates",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("account_id", sa.String(12), nullable=False),
        sa.Column("region", sa.String(32), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("subject", sa.Text),
        sa.Column("text_part", sa.Text),
        sa.Column("html_part", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("account_id", "region", "name", name="uq_email_templates_scope_name"),
    )
    op.create_index("ix_email_templates_listing", "email_templates", ["account_id", "region", "id"])


def downgrade() -> None:
    op.drop_index("ix_email_templates_listing", table_name="email_templates")
    op.drop_table("email_templates")
