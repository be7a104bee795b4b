"""Alerts: a per-rule switch for silence alerts (a scope that suddenly goes quiet, issue 14).

Written by hand. Revision 0009 follows 0008 once that lands (another branch adds 0008); on a
branch without 0008 it follows 0007: set down_revision to "0008" when both are merged.

Revision ID: 0009
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("alert_rules") as batch:
        batch.add_column(
            sa.Column("detect_silence", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("alert_rules") as batch:
        batch.drop_column("detect_silence")
