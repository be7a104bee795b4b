"""Segments and exports (issue 5): saved rules, the export audit log, the built-in segments.

The built-in segments are inserted here, so a fresh install has them. Their rules are a
frozen copy of crm/segments/builtins.py (a migration never imports application code);
tests/crm/test_segments_models.py checks the two agree.

Revision ID: 0004
Revises: 0003
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import crm.db

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
BUILTINS = [
    ("newcomers", "Newcomers", "First seen within the last 14 days.",
     {"field": "first_seen", "within_days": 14}),
    ("contributors", "Contributors", "At least 5 interactions in the last 30 days.",
     {"field": "interactions", "min": 5, "days": 30}),
    ("advocates", "Advocates",
     "Active (2+ interactions in 30 days) and positive (mean sentiment ≥ 0.25 over 90 days).",
     {"op": "and", "conditions": [{"field": "interactions", "min": 2, "days": 30},
                                  {"field": "sentiment", "min": 0.25, "days": 90}]}),
    ("detractors", "Detractors", "Negative lately: 2+ interactions in 30 days with a mean sentiment ≤ -0.05.",
     {"op": "and", "conditions": [{"field": "interactions", "min": 2, "days": 30},
                                  {"field": "sentiment", "max": -0.05, "days": 30}]}),
    ("slipping_away", "Slipping away", "Were active (3+ interactions in 120 days) but silent for the last 30 days.",
     {"op": "and", "conditions": [{"field": "interactions", "min": 3, "days": 120},
                                  {"field": "last_active", "older_than_days": 30}]}),
    ("influencers", "Influencers", "The 100 members with the highest reach (followers of their largest account).",
     {"field": "reach", "top": 100}),
]


def upgrade() -> None:
    segments = op.create_table(
        "segments",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("rule", sa.JSON(), nullable=False),
        sa.Column("builtin_key", sa.String(length=32), nullable=True),
        sa.Column("created_by_id", BIG_ID, nullable=True),
        sa.Column("created_at", crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_segments_created_by_id_users"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_segments")),
        sa.UniqueConstraint("name", name=op.f("uq_segments_name")),
        sa.UniqueConstraint("builtin_key", name=op.f("uq_segments_builtin_key")),
    )
    op.create_table(
        "export_runs",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("segment_id", BIG_ID, nullable=True),
        sa.Column("segment_name", sa.String(length=120), nullable=False),
        sa.Column("rule", sa.JSON(), nullable=False),
        sa.Column("user_id", BIG_ID, nullable=True),
        sa.Column("actor", sa.String(length=320), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("format", sa.String(length=8), nullable=False),
        sa.Column("delimiter", sa.String(length=1), nullable=False),
        sa.Column("columns", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("total_rows", sa.Integer(), nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("file_path", sa.String(length=2000), nullable=True),
        sa.Column("file_size", sa.BigInteger(), nullable=True),
        sa.Column("failure", sa.Text(), nullable=True),
        sa.Column("created_at", crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("started_at", crm.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", crm.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["segment_id"], ["segments.id"], name=op.f("fk_export_runs_segment_id_segments"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_export_runs_user_id_users"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_export_runs")),
    )
    with op.batch_alter_table("export_runs") as batch_op:
        batch_op.create_index("ix_export_runs_created_at", ["created_at"], unique=False)
        batch_op.create_index("ix_export_runs_segment_id", ["segment_id"], unique=False)

    # Covers windowed aggregates (see crm/segments/models.py).
    with op.batch_alter_table("interactions") as batch_op:
        batch_op.create_index("ix_interactions_time_member_sentiment", ["occurred_at", "member_id", "sentiment"],
                              unique=False)

    now = datetime.now(UTC)
    op.bulk_insert(segments, [
        {"builtin_key": key, "name": name, "description": description, "rule": rule,
         "created_at": now, "updated_at": now}
        for key, name, description, rule in BUILTINS
    ])


def downgrade() -> None:
    with op.batch_alter_table("interactions") as batch_op:
        batch_op.drop_index("ix_interactions_time_member_sentiment")
    with op.batch_alter_table("export_runs") as batch_op:
        batch_op.drop_index("ix_export_runs_segment_id")
        batch_op.drop_index("ix_export_runs_created_at")
    op.drop_table("export_runs")
    op.drop_table("segments")
