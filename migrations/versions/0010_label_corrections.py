"""Sentiment: the team's label corrections, and means and shares without unscored texts (issue 13).

Written by hand.
- ``label_corrections``: the team's label of an interaction with the analyzer's label and score.
- ``interactions.label_corrected``: the label and score hold the team's verdict.
- ``volume_buckets.scored``: mentions with a sentiment, the denominator of negative shares and
  mean-sentiment alerts. Existing buckets get ``scored = count`` (how they were read before);
  the next rebuild of a rule's counters makes them exact.
- The two covering indexes of per-member windowed means gain the label column, which a mean
  without unscored texts needs.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

import crm.db

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = crm.db.UTCDateTime(timezone=True)
# The covering indexes of per-member windowed means, without the label column.
INDEXES = {
    "ix_interactions_member_time": ["member_id", "occurred_at", "sentiment"],
    "ix_interactions_time_member_sentiment": ["occurred_at", "member_id", "sentiment"],
}


def upgrade() -> None:
    op.create_table(
        "label_corrections",
        sa.Column("id", ID, nullable=False),
        sa.Column("interaction_id", ID, nullable=False),
        sa.Column("label", sa.String(length=8), nullable=False),
        sa.Column("analyzer_label", sa.String(length=8), nullable=False),
        sa.Column("analyzer_score", sa.Float(), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=True),
        sa.Column("user_id", ID, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["interaction_id"], ["interactions.id"],
            name=op.f("fk_label_corrections_interaction_id_interactions"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_label_corrections_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_label_corrections")),
        sa.UniqueConstraint("interaction_id", name=op.f("uq_label_corrections_interaction_id")),
    )
    # Plain ALTERs, never a batch on interactions: on SQLite a batch would copy the table and
    # lose the full-text triggers that keep interactions_fts in step.
    op.add_column(
        "interactions", sa.Column("label_corrected", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    for name, columns in INDEXES.items():
        op.drop_index(name, table_name="interactions")
        op.create_index(name, "interactions", [*columns, "sentiment_label"])
    with op.batch_alter_table("volume_buckets") as batch:
        batch.add_column(sa.Column("scored", sa.Integer(), nullable=False, server_default="0"))
    op.execute("UPDATE volume_buckets SET scored = count")


def downgrade() -> None:
    with op.batch_alter_table("volume_buckets") as batch:
        batch.drop_column("scored")
    for name, columns in INDEXES.items():
        op.drop_index(name, table_name="interactions")
        op.create_index(name, "interactions", columns)
    op.drop_column("interactions", "label_corrected")  # SQLite >= 3.35 drops it in place
    op.drop_table("label_corrections")
