"""Listening: poll records and source health (issue 3).

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

import crm.db

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sources") as batch_op:
        batch_op.add_column(sa.Column("lease_until", crm.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("backfill_hours", sa.Integer(), nullable=False, server_default="24"))
        batch_op.create_index("ix_sources_due", ["enabled", "next_poll_at"], unique=False)
    op.create_table(
        "poll_runs",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("source_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("started_at", crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", crm.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("fetched", sa.Integer(), nullable=False),
        sa.Column("new", sa.Integer(), nullable=False),
        sa.Column("duplicates", sa.Integer(), nullable=False),
        sa.Column("quarantined", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["source_id"], ["sources.id"], name=op.f("fk_poll_runs_source_id_sources"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_poll_runs")),
    )
    with op.batch_alter_table("poll_runs") as batch_op:
        batch_op.create_index("ix_poll_runs_source_started", ["source_id", "started_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("poll_runs") as batch_op:
        batch_op.drop_index("ix_poll_runs_source_started")
    op.drop_table("poll_runs")
    with op.batch_alter_table("sources") as batch_op:
        batch_op.drop_index("ix_sources_due")
        batch_op.drop_column("backfill_hours")
        batch_op.drop_column("lease_until")
