"""Answering from the CRM (issue 18): outgoing replies, saved replies, presence.

Written by hand.
- ``outgoing_replies``: every reply we post, recorded before it is sent (state machine and
  idempotency key), so a retry never posts twice.
- ``saved_replies``: canned answers (English, German) with variables, shared or personal.
- ``presence``: who has an item open or is replying to it (rows with a short life).

Revision ID: 0019_replies
Revises: 0020_sla
"""

import sqlalchemy as sa
from alembic import op

import crm.db

revision = "0019_replies"
down_revision = "0020_sla"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = crm.db.UTCDateTime(timezone=True)


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"),
                                   ondelete=ondelete)


def upgrade() -> None:
    op.create_table(
        "outgoing_replies",
        sa.Column("id", ID, nullable=False),
        sa.Column("idempotency_key", sa.String(length=120), nullable=False),
        sa.Column("interaction_id", ID, nullable=False),
        sa.Column("item_id", ID, nullable=True),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("author_id", ID, nullable=True),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("retry_after", TS, nullable=True),
        sa.Column("external_id", sa.String(length=255), nullable=True),
        sa.Column("url", sa.String(length=2000), nullable=True),
        sa.Column("sent_interaction_id", ID, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("sent_at", TS, nullable=True),
        _fk("outgoing_replies", "interaction_id", "interactions", "CASCADE"),
        _fk("outgoing_replies", "item_id", "inbox_items", "SET NULL"),
        _fk("outgoing_replies", "author_id", "users", "SET NULL"),
        _fk("outgoing_replies", "sent_interaction_id", "interactions", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outgoing_replies")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_outgoing_replies_idempotency_key")),
    )
    op.create_index("ix_outgoing_replies_interaction", "outgoing_replies", ["interaction_id", "created_at"])
    op.create_index("ix_outgoing_replies_state", "outgoing_replies", ["state", "updated_at"])
    op.create_table(
        "saved_replies",
        sa.Column("id", ID, nullable=False),
        sa.Column("shortcut", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("owner_id", ID, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        _fk("saved_replies", "owner_id", "users", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_replies")),
    )
    op.create_index("ix_saved_replies_shortcut", "saved_replies", ["shortcut", "language"])
    op.create_table(
        "presence",
        sa.Column("id", ID, nullable=False),
        sa.Column("item_id", ID, nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("activity", sa.String(length=12), nullable=False),
        sa.Column("seen_at", TS, nullable=False),
        _fk("presence", "item_id", "inbox_items", "CASCADE"),
        _fk("presence", "user_id", "users", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_presence")),
        sa.UniqueConstraint("item_id", "user_id", name=op.f("uq_presence_item_id_user_id")),
    )
    op.create_index("ix_presence_seen", "presence", ["seen_at"])


def downgrade() -> None:
    op.drop_table("presence")
    op.drop_table("saved_replies")
    op.drop_table("outgoing_replies")
