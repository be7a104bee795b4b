"""Alerts: rules, volume counters, incidents, deliveries (issue 7).

Written by hand. The two default rules (overall volume, negative volume over everything) are
inserted here, so a fresh install alerts without any configuration; ``builtin_key`` keeps them
identifiable (they can be edited or disabled like any other rule).

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

import crm.db

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = crm.db.UTCDateTime(timezone=True)
DEFAULT_RULES = (
    ("volume", "Overall volume", "volume"),
    ("negative", "Negative volume", "negative_volume"),
)


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def upgrade() -> None:
    op.create_table(
        "alert_rules",
        sa.Column("id", ID, nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("scope_kind", sa.String(length=16), nullable=False),
        sa.Column("scope_value", sa.String(length=300), nullable=False),
        sa.Column("signal", sa.String(length=20), nullable=False),
        sa.Column("sensitivity", sa.String(length=8), nullable=False),
        sa.Column("min_volume", sa.Integer(), nullable=False),
        sa.Column("recipients", sa.JSON(), nullable=False),
        sa.Column("channels", sa.JSON(), nullable=False),
        sa.Column("webhook_url", sa.String(length=2000), nullable=True),
        sa.Column("webhook_format", sa.String(length=8), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("muted_until", TS, nullable=True),
        sa.Column("builtin_key", sa.String(length=32), nullable=True),
        sa.Column("evaluated_through", TS, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_rules")),
        sa.UniqueConstraint("builtin_key", name=op.f("uq_alert_rules_builtin_key")),
    )
    op.create_table(
        "volume_buckets",
        sa.Column("id", ID, nullable=False),
        sa.Column("scope_key", sa.String(length=100), nullable=False),
        sa.Column("bucket_start", TS, nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("negative", sa.Integer(), nullable=False),
        sa.Column("sentiment_sum", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volume_buckets")),
        sa.UniqueConstraint(
            "scope_key", "bucket_start", name=op.f("uq_volume_buckets_scope_key_bucket_start")
        ),
    )
    op.create_table(
        "alert_baselines",
        sa.Column("id", ID, nullable=False),
        sa.Column("rule_id", ID, nullable=False),
        sa.Column("bucket_start", TS, nullable=False),
        sa.Column("median", sa.Float(), nullable=False),
        sa.Column("sigma", sa.Float(), nullable=False),
        sa.Column("samples", sa.Integer(), nullable=False),
        sa.Column("seasonal", sa.Boolean(), nullable=False),
        _fk("alert_baselines", "rule_id", "alert_rules", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_baselines")),
        sa.UniqueConstraint(
            "rule_id", "bucket_start", name=op.f("uq_alert_baselines_rule_id_bucket_start")
        ),
    )
    op.create_table(
        "alerts",
        sa.Column("id", ID, nullable=False),
        sa.Column("rule_id", ID, nullable=False),
        sa.Column("scope_key", sa.String(length=100), nullable=False),
        sa.Column("signal", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("severity", sa.String(length=8), nullable=False),
        sa.Column("opened_at", TS, nullable=False),
        sa.Column("peak", sa.Integer(), nullable=False),
        sa.Column("peak_at", TS, nullable=False),
        sa.Column("current", sa.Integer(), nullable=False),
        sa.Column("baseline_at_open", sa.Float(), nullable=False),
        sa.Column("last_updated", TS, nullable=False),
        sa.Column("resolved_at", TS, nullable=True),
        sa.Column("quiet_buckets", sa.Integer(), nullable=False),
        sa.Column("assignee_id", ID, nullable=True),
        sa.Column("acknowledged_at", TS, nullable=True),
        sa.Column("acknowledged_by_id", ID, nullable=True),
        sa.Column("resolution_reason", sa.Text(), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        _fk("alerts", "rule_id", "alert_rules", "CASCADE"),
        _fk("alerts", "assignee_id", "users", "SET NULL"),
        _fk("alerts", "acknowledged_by_id", "users", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
    )
    with op.batch_alter_table("alerts") as batch_op:
        batch_op.create_index("ix_alerts_rule_opened", ["rule_id", "opened_at"], unique=False)
        batch_op.create_index("ix_alerts_status_opened", ["status", "opened_at"], unique=False)

    op.create_table(
        "alert_events",
        sa.Column("id", ID, nullable=False),
        sa.Column("alert_id", ID, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("severity", sa.String(length=8), nullable=True),
        sa.Column("actor_id", ID, nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=True),
        sa.Column("baseline", sa.Float(), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        _fk("alert_events", "alert_id", "alerts", "CASCADE"),
        _fk("alert_events", "actor_id", "users", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_events")),
    )
    with op.batch_alter_table("alert_events") as batch_op:
        batch_op.create_index("ix_alert_events_alert", ["alert_id", "created_at"], unique=False)

    op.create_table(
        "alert_deliveries",
        sa.Column("id", ID, nullable=False),
        sa.Column("alert_id", ID, nullable=False),
        sa.Column("event_id", ID, nullable=True),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("target", sa.String(length=2000), nullable=False),
        sa.Column("webhook_format", sa.String(length=8), nullable=True),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("sent_at", TS, nullable=True),
        sa.Column("digest_key", sa.String(length=64), nullable=True),
        _fk("alert_deliveries", "alert_id", "alerts", "CASCADE"),
        _fk("alert_deliveries", "event_id", "alert_events", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_deliveries")),
    )
    with op.batch_alter_table("alert_deliveries") as batch_op:
        batch_op.create_index("ix_alert_deliveries_alert", ["alert_id"], unique=False)
        batch_op.create_index("ix_alert_deliveries_status", ["status", "created_at"], unique=False)

    op.create_table(
        "alert_delivery_attempts",
        sa.Column("id", ID, nullable=False),
        sa.Column("delivery_id", ID, nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        _fk("alert_delivery_attempts", "delivery_id", "alert_deliveries", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_delivery_attempts")),
    )
    with op.batch_alter_table("alert_delivery_attempts") as batch_op:
        batch_op.create_index(
            "ix_alert_delivery_attempts_delivery", ["delivery_id", "number"], unique=False
        )

    op.create_table(
        "alert_mutes",
        sa.Column("id", ID, nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("rule_id", ID, nullable=True),
        sa.Column("until", TS, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        _fk("alert_mutes", "user_id", "users", "CASCADE"),
        _fk("alert_mutes", "rule_id", "alert_rules", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_mutes")),
    )
    with op.batch_alter_table("alert_mutes") as batch_op:
        batch_op.create_index("ix_alert_mutes_user", ["user_id", "rule_id"], unique=False)

    rules = sa.table(
        "alert_rules",
        *(
            sa.column(name)
            for name in (
                "name",
                "scope_kind",
                "scope_value",
                "signal",
                "sensitivity",
                "min_volume",
                "webhook_format",
                "enabled",
                "builtin_key",
            )
        ),
        sa.column("recipients", sa.JSON()),
        sa.column("channels", sa.JSON()),
        sa.column("created_at", TS),
        sa.column("updated_at", TS),
    )
    now = crm.db.utcnow()
    op.bulk_insert(
        rules,
        [
            {
                "name": name,
                "scope_kind": "all",
                "scope_value": "",
                "signal": signal,
                "sensitivity": "medium",
                "min_volume": 30,
                "webhook_format": "slack",
                "enabled": True,
                "builtin_key": key,
                "recipients": [],
                "channels": ["email"],
                "created_at": now,
                "updated_at": now,
            }
            for key, name, signal in DEFAULT_RULES
        ],
    )


def downgrade() -> None:
    op.drop_table("alert_mutes")
    op.drop_table("alert_delivery_attempts")
    op.drop_table("alert_deliveries")
    op.drop_table("alert_events")
    op.drop_table("alerts")
    op.drop_table("alert_baselines")
    op.drop_table("volume_buckets")
    op.drop_table("alert_rules")
