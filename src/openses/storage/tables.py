"""The schema. Every resource is scoped by account and region, as in SES."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

accounts = Table(
    "accounts",
    metadata,
    Column("account_id", String(12), primary_key=True),
    Column("name", String(256), nullable=False, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # Defaults for regions the account has no row in account_regions for yet.
    Column("sandbox", Boolean, nullable=False),
    Column("max_24_hour_send", Float, nullable=False),
    Column("max_send_rate", Float, nullable=False),
    Column("sending_enabled", Boolean, nullable=False),
)

account_regions = Table(
    "account_regions",
    metadata,
    Column(
        "account_id",
        String(12),
        ForeignKey("accounts.account_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("region", String(32), primary_key=True),
    Column("sandbox", Boolean, nullable=False),
    Column("max_24_hour_send", Float, nullable=False),
    Column("max_send_rate", Float, nullable=False),
    Column("sending_enabled", Boolean, nullable=False),
)

access_keys = Table(
    "access_keys",
    metadata,
    Column("access_key_id", String(128), primary_key=True),
    Column(
        "account_id",
        String(12),
        ForeignKey("accounts.account_id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("secret_access_key", String(128), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

identities = Table(
    "identities",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("account_id", String(12), nullable=False),
    Column("region", String(32), nullable=False),
    Column("name", String(320), nullable=False),
    Column("identity_type", String(16), nullable=False),
    Column("verification_status", String(20), nullable=False),
    Column("verification_token", String(64)),
    Column("dkim_tokens", Text, nullable=False, default=""),  # space-separated
    Column("dkim_enabled", Boolean, nullable=False, default=False),
    Column("dkim_status", String(20), nullable=False),
    Column("feedback_forwarding_enabled", Boolean, nullable=False, default=True),
    Column("configuration_set_name", String(64)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("account_id", "region", "name", name="uq_identities_scope_name"),
)

resource_tags = Table(
    "resource_tags",
    metadata,
    Column("account_id", String(12), primary_key=True),
    Column("region", String(32), primary_key=True),
    Column("resource_arn", String(1024), primary_key=True),
    Column("key", String(128), primary_key=True),
    Column("value", String(256), nullable=False),
    Column("position", Integer, nullable=False),
)

Index("ix_identities_listing", identities.c.account_id, identities.c.region, identities.c.id)
