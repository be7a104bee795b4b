"""Inbox: handling state, assignment, team accounts, reminders (issue 6).

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

import crm.db

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = crm.db.UTCDateTime(timezone=True)
# (name, equality columns) of the queue indexes; each ends in priority DESC, occurred_at.
QUEUE_INDEXES = (
    ("ix_inbox_items_queue", ("status",)),
    ("ix_inbox_items_platform_queue", ("status", "platform")),
    ("ix_inbox_items_source_queue", ("status", "source_id")),
    ("ix_inbox_items_sentiment_queue", ("status", "sentiment_label")),
    ("ix_inbox_items_level_queue", ("status", "member_level")),
    ("ix_inbox_items_assignee_queue", ("assignee_id", "status")),
    ("ix_inbox_items_escalated_queue", ("status", "escalation_level")),
)


def upgrade() -> None:
    op.create_table(
        "inbox_items",
        sa.Column("id", ID, nullable=False),
        sa.Column("interaction_id", ID, nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("source_id", ID, nullable=True),
        sa.Column("sentiment_label", sa.String(length=8), nullable=False),
        sa.Column("member_level", sa.SmallInteger(), nullable=False),
        sa.Column("occurred_at", TS, nullable=False),
        sa.Column("thread_root", sa.String(length=255), nullable=False),
        sa.Column("reasons", sa.String(length=64), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("assignee_id", ID, nullable=True),
        sa.Column("snoozed_until", TS, nullable=True),
        sa.Column("escalation_level", sa.SmallInteger(), nullable=False),
        sa.Column("escalation_reason", sa.Text(), nullable=True),
        sa.Column("first_response_at", TS, nullable=True),
        sa.Column("first_response_seconds", sa.Integer(), nullable=True),
        sa.Column("handled_at", TS, nullable=True),
        sa.Column("handled_by_id", ID, nullable=True),
        sa.Column("handled_via", sa.String(length=16), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.ForeignKeyConstraint(["interaction_id"], ["interactions.id"],
                                name=op.f("fk_inbox_items_interaction_id_interactions"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["assignee_id"], ["users.id"],
                                name=op.f("fk_inbox_items_assignee_id_users"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["handled_by_id"], ["users.id"],
                                name=op.f("fk_inbox_items_handled_by_id_users"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbox_items")),
        sa.UniqueConstraint("interaction_id", name=op.f("uq_inbox_items_interaction_id")),
    )
    with op.batch_alter_table("inbox_items") as batch_op:
        for name, cols in QUEUE_INDEXES:
            batch_op.create_index(name, [*cols, sa.text("priority DESC"), "occurred_at"], unique=False)
        batch_op.create_index("ix_inbox_items_status_time", ["status", "occurred_at"], unique=False)
        batch_op.create_index("ix_inbox_items_thread", ["platform", "thread_root", "status"], unique=False)
        batch_op.create_index("ix_inbox_items_snoozed", ["status", "snoozed_until"], unique=False)
        batch_op.create_index("ix_inbox_items_handled_at", ["handled_at"], unique=False)

    op.create_table(
        "inbox_events",
        sa.Column("id", ID, nullable=False),
        sa.Column("item_id", ID, nullable=False),
        sa.Column("actor_id", ID, nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["inbox_items.id"],
                                name=op.f("fk_inbox_events_item_id_inbox_items"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"],
                                name=op.f("fk_inbox_events_actor_id_users"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbox_events")),
    )
    with op.batch_alter_table("inbox_events") as batch_op:
        batch_op.create_index("ix_inbox_events_item", ["item_id", "created_at"], unique=False)

    op.create_table(
        "team_accounts",
        sa.Column("id", ID, nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("handle", sa.String(length=255), nullable=False),
        sa.Column("identity_id", ID, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.ForeignKeyConstraint(["identity_id"], ["identities.id"],
                                name=op.f("fk_team_accounts_identity_id_identities"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_team_accounts")),
        sa.UniqueConstraint("platform", "handle", name=op.f("uq_team_accounts_platform_handle")),
    )
    with op.batch_alter_table("team_accounts") as batch_op:
        batch_op.create_index("ix_team_accounts_identity", ["identity_id"], unique=False)

    op.create_table(
        "reminders",
        sa.Column("id", ID, nullable=False),
        sa.Column("member_id", ID, nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("due_at", TS, nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("delivered_at", TS, nullable=True),
        sa.Column("done_at", TS, nullable=True),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"],
                                name=op.f("fk_reminders_member_id_members"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_reminders_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminders")),
    )
    with op.batch_alter_table("reminders") as batch_op:
        batch_op.create_index("ix_reminders_user_due", ["user_id", "done_at", "due_at"], unique=False)
        batch_op.create_index("ix_reminders_undelivered", ["delivered_at", "due_at"], unique=False)
        batch_op.create_index("ix_reminders_member", ["member_id"], unique=False)


def downgrade() -> None:
    op.drop_table("reminders")
    op.drop_table("team_accounts")
    op.drop_table("inbox_events")
    op.drop_table("inbox_items")
