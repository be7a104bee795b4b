"""Reliability: the follow-up outbox and the import runs' heartbeat (issue 10).

Written by hand.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

import crm.db

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = crm.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", ID, nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("available_at", TS, nullable=True),
        sa.Column("claimed_until", TS, nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
    )
    op.create_index("ix_outbox_kind_id", "outbox", ["kind", "id"])
    with op.batch_alter_table("import_runs") as batch_op:
        batch_op.add_column(sa.Column("heartbeat_at", TS, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("import_runs") as batch_op:
        batch_op.drop_column("heartbeat_at")
    op.drop_index("ix_outbox_kind_id", table_name="outbox")
    op.drop_table("outbox")
