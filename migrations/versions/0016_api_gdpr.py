"""Privacy (erase, suppression, retention, audit), outgoing webhooks, API tokens (issue 19).

Written by hand.
- ``privacy_audit``: who erased, exported or changed retention, and when.
- ``suppressions``: hashed accounts of erased people that ingest drops.
- ``retention_policies``: delete interactions of a platform or source, uploads and exports after N days.
- ``import_runs.suppressed_count``, ``poll_runs.suppressed``: items dropped by the list.
- ``merge_audit.kept_member_id`` may be NULL (the kept member was erased; a tombstone stays).
- ``webhook_subscriptions``, ``webhook_deliveries``: outgoing webhooks and their delivery log.
- ``api_tokens``, ``api_idempotency``: personal access tokens (hashed) and POST idempotency.

Revision ID: 0016_api_gdpr
Revises: 0015_i18n_search
"""

import sqlalchemy as sa
from alembic import op

import crm.db

revision = "0016_api_gdpr"
down_revision = "0015_i18n_search"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = crm.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "privacy_audit",
        sa.Column("id", ID, nullable=False),
        sa.Column("action", sa.String(length=24), nullable=False),
        sa.Column("actor", sa.String(length=320), nullable=False),
        sa.Column("actor_id", ID, nullable=True),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name=op.f("fk_privacy_audit_actor_id_users"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_audit")),
    )
    op.create_index("ix_privacy_audit_created_at", "privacy_audit", ["created_at"])
    op.create_table(
        "suppressions",
        sa.Column("id", ID, nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("audit_id", ID, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.ForeignKeyConstraint(["audit_id"], ["privacy_audit.id"],
                                name=op.f("fk_suppressions_audit_id_privacy_audit"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suppressions")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_suppressions_key_hash")),
    )
    op.create_table(
        "retention_policies",
        sa.Column("id", ID, nullable=False),
        sa.Column("scope_kind", sa.String(length=16), nullable=False),
        sa.Column("scope_value", sa.String(length=100), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("updated_by_id", ID, nullable=True),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("last_run_at", TS, nullable=True),
        sa.Column("last_run_deleted", sa.Integer(), nullable=False, server_default="0"),
        sa.ForeignKeyConstraint(["updated_by_id"], ["users.id"],
                                name=op.f("fk_retention_policies_updated_by_id_users"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_policies")),
        sa.UniqueConstraint("scope_kind", "scope_value", name=op.f("uq_retention_policies_scope_kind_scope_value")),
    )
    with op.batch_alter_table("import_runs") as batch:
        batch.add_column(sa.Column("suppressed_count", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("poll_runs") as batch:
        batch.add_column(sa.Column("suppressed", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("merge_audit") as batch:
        batch.alter_column("kept_member_id", existing_type=ID, nullable=True)
        batch.drop_constraint("fk_merge_audit_kept_member_id_members", type_="foreignkey")
        batch.create_foreign_key("fk_merge_audit_kept_member_id_members", "members", ["kept_member_id"], ["id"],
                                 ondelete="SET NULL")

    op.create_table(
        "webhook_subscriptions",
        sa.Column("id", ID, nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("secret", sa.String(length=128), nullable=False),
        sa.Column("events", sa.JSON(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("disabled_reason", sa.Text(), nullable=True),
        sa.Column("disabled_at", TS, nullable=True),
        sa.Column("created_by_id", ID, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"],
                                name=op.f("fk_webhook_subscriptions_created_by_id_users"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_subscriptions")),
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", ID, nullable=False),
        sa.Column("subscription_id", ID, nullable=False),
        sa.Column("event", sa.String(length=40), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("dedupe_key", sa.String(length=200), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("member_id", ID, nullable=True),
        sa.Column("interaction_ids", sa.JSON(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", TS, nullable=True),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("delivered_at", TS, nullable=True),
        sa.ForeignKeyConstraint(["subscription_id"], ["webhook_subscriptions.id"],
                                name=op.f("fk_webhook_deliveries_subscription_id_webhook_subscriptions"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_deliveries")),
        sa.UniqueConstraint("subscription_id", "dedupe_key", name=op.f("uq_webhook_deliveries_subscription_id_dedupe_key")),
    )
    op.create_index("ix_webhook_deliveries_due", "webhook_deliveries", ["status", "next_attempt_at"])
    op.create_index("ix_webhook_deliveries_member", "webhook_deliveries", ["member_id"])
    op.create_index("ix_webhook_deliveries_subscription", "webhook_deliveries", ["subscription_id", "id"])

    op.create_table(
        "api_tokens",
        sa.Column("id", ID, nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("rate_limit", sa.Integer(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("last_used_at", TS, nullable=True),
        sa.Column("revoked_at", TS, nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_api_tokens_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    op.create_index("ix_api_tokens_user", "api_tokens", ["user_id"])
    op.create_table(
        "api_idempotency",
        sa.Column("id", ID, nullable=False),
        sa.Column("token_id", ID, nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.ForeignKeyConstraint(["token_id"], ["api_tokens.id"], name=op.f("fk_api_idempotency_token_id_api_tokens"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_idempotency")),
        sa.UniqueConstraint("token_id", "key", name=op.f("uq_api_idempotency_token_id_key")),
    )
    op.create_index("ix_api_idempotency_created_at", "api_idempotency", ["created_at"])


def downgrade() -> None:
    op.drop_table("api_idempotency")
    op.drop_table("api_tokens")
    op.drop_table("webhook_deliveries")
    op.drop_table("webhook_subscriptions")
    with op.batch_alter_table("merge_audit") as batch:
        batch.drop_constraint("fk_merge_audit_kept_member_id_members", type_="foreignkey")
        batch.create_foreign_key("fk_merge_audit_kept_member_id_members", "members", ["kept_member_id"], ["id"])
        batch.alter_column("kept_member_id", existing_type=ID, nullable=False)
    with op.batch_alter_table("poll_runs") as batch:
        batch.drop_column("suppressed")
    with op.batch_alter_table("import_runs") as batch:
        batch.drop_column("suppressed_count")
    op.drop_table("retention_policies")
    op.drop_table("suppressions")
    op.drop_table("privacy_audit")
