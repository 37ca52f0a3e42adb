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
    LargeBinary,
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
    # Added by 0004 (identities: verification, DKIM, MAIL FROM, notifications).
    Column("verification_started_at", DateTime(timezone=True)),
    Column("last_checked_at", DateTime(timezone=True)),
    Column("last_success_at", DateTime(timezone=True)),
    Column("verification_error", String(32)),
    Column("next_check_at", DateTime(timezone=True)),
    Column("check_failures", Integer, nullable=False, default=0),
    Column("dkim_origin", String(32), nullable=False, default="AWS_SES"),
    Column("dkim_current_key_length", String(16)),
    Column("dkim_next_key_length", String(16)),
    Column("dkim_key_generated_at", DateTime(timezone=True)),
    Column("dkim_verification_started_at", DateTime(timezone=True)),
    Column("mail_from_domain", String(255)),
    Column("mail_from_status", String(20)),
    Column("mail_from_behavior", String(20), nullable=False, default="UseDefaultValue"),
    Column("mail_from_started_at", DateTime(timezone=True)),
    Column("bounce_topic", String(1024)),
    Column("complaint_topic", String(1024)),
    Column("delivery_topic", String(1024)),
    Column("headers_in_bounce", Boolean, nullable=False, default=False),
    Column("headers_in_complaint", Boolean, nullable=False, default=False),
    Column("headers_in_delivery", Boolean, nullable=False, default=False),
    UniqueConstraint("account_id", "region", "name", name="uq_identities_scope_name"),
)
# The verifier's queue: identities due for a DNS check.
Index("ix_identities_next_check", identities.c.next_check_at)

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

# --- Sending: accepted messages, per-recipient queue entries, the event log, quotas ---

messages = Table(
    "messages",
    metadata,
    Column("message_id", String(80), primary_key=True),
    Column("account_id", String(12), nullable=False),
    Column("region", String(32), nullable=False),
    Column("source", Text, nullable=False),
    Column("feedback_address", String(320), nullable=False),
    Column("from_address", String(320), nullable=False),
    Column("destination", Text, nullable=False),  # JSON list
    Column("raw", LargeBinary, nullable=False),
    Column("headers", Text, nullable=False),  # JSON [[name, value], ...]
    Column("common_headers", Text, nullable=False),  # JSON object
    Column("accepted_at", DateTime(timezone=True), nullable=False),
    Column("source_arn", String(1024), nullable=False),
    Column("sending_account_id", String(12), nullable=False),
    Column("source_ip", String(64), nullable=False),
    Column("caller_identity", String(256), nullable=False),
    Column("configuration_set_name", String(64)),
    Column("tags", Text, nullable=False),  # JSON [[name, value], ...]
    Column("headers_truncated", Boolean, nullable=False),
    Column("to_simulator", Boolean, nullable=False),
)
Index("ix_messages_scope_time", messages.c.account_id, messages.c.region, messages.c.accepted_at)

deliveries = Table(
    "deliveries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "message_id",
        String(80),
        ForeignKey("messages.message_id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("recipient", String(320), nullable=False),
    Column("domain", String(255), nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False),
    # A lease lets many workers share the queue. lease_token grows with every lease, so
    # a worker whose lease expired cannot commit over the work of the one that took over.
    Column("lease_owner", String(64)),
    Column("lease_token", Integer, nullable=False),
    Column("lease_expires_at", DateTime(timezone=True)),
    Column("last_response", Text),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)
Index("ix_deliveries_due", deliveries.c.status, deliveries.c.next_attempt_at)

events = Table(
    "events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("event_id", String(64), nullable=False, unique=True),
    Column("account_id", String(12), nullable=False),
    Column("region", String(32), nullable=False),
    Column("message_id", String(80), nullable=False, index=True),
    Column("event_type", String(32), nullable=False),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("payload", Text, nullable=False),  # SES's event JSON
)
Index("ix_events_scope_time", events.c.account_id, events.c.region, events.c.occurred_at)

send_rate_buckets = Table(
    "send_rate_buckets",
    metadata,
    Column("account_id", String(12), primary_key=True),
    Column("region", String(32), primary_key=True),
    Column("tokens", Float, nullable=False),
    Column("refilled_at", DateTime(timezone=True), nullable=False),
)

sent_recipients = Table(
    "sent_recipients",
    metadata,
    Column("account_id", String(12), primary_key=True),
    Column("region", String(32), primary_key=True),
    Column("minute", DateTime(timezone=True), primary_key=True),
    Column("recipients", Integer, nullable=False),
)

dkim_keys = Table(
    "dkim_keys",
    metadata,
    Column("account_id", String(12), primary_key=True),
    Column("region", String(32), primary_key=True),
    Column("domain", String(255), primary_key=True),
    Column("selector", String(63), nullable=False),
    Column("private_key", Text, nullable=False),  # PEM
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# --- Templates: SES v1 and v2 share one store ---

email_templates = Table(
    "email_templates",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("account_id", String(12), nullable=False),
    Column("region", String(32), nullable=False),
    Column("name", String(64), nullable=False),
    Column("subject", Text),
    Column("text_part", Text),
    Column("html_part", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("account_id", "region", "name", name="uq_email_templates_scope_name"),
)
Index(
    "ix_email_templates_listing",
    email_templates.c.account_id,
    email_templates.c.region,
    email_templates.c.id,
)

# --- Identities: DKIM public records, sending authorization, verification e-mails ---

# Every DKIM public key openses publishes, by selector (an Easy DKIM token): the DNS
# responder answers <selector>.dkim.<OPENSES_DKIM_DOMAIN> TXT from here. Rotated-out
# keys stay published (retired_at set) so mail signed before a rotation still verifies.
dkim_published_keys = Table(
    "dkim_published_keys",
    metadata,
    Column("selector", String(63), primary_key=True),
    Column("account_id", String(12), nullable=False),
    Column("region", String(32), nullable=False),
    Column("domain", String(255), nullable=False),
    Column("public_key", Text, nullable=False),  # base64 DER SubjectPublicKeyInfo
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("retired_at", DateTime(timezone=True)),
)
Index(
    "ix_dkim_published_keys_domain",
    dkim_published_keys.c.account_id,
    dkim_published_keys.c.region,
    dkim_published_keys.c.domain,
)

identity_policies = Table(
    "identity_policies",
    metadata,
    Column("account_id", String(12), primary_key=True),
    Column("region", String(32), primary_key=True),
    Column("identity", String(320), primary_key=True),
    Column("name", String(64), primary_key=True),
    Column("policy", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

custom_verification_templates = Table(
    "custom_verification_templates",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("account_id", String(12), nullable=False),
    Column("region", String(32), nullable=False),
    Column("name", String(64), nullable=False),
    Column("from_address", String(320), nullable=False),
    Column("subject", Text, nullable=False),
    Column("content", Text, nullable=False),
    Column("success_url", Text, nullable=False),
    Column("failure_url", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint(
        "account_id", "region", "name", name="uq_custom_verification_templates_scope_name"
    ),
)

# Secrets the server keeps for itself (e.g. the key that signs verification links), shared
# by every process on one database.
server_secrets = Table(
    "server_secrets",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
