"""SLAs and assignment rules (issue 18, parts 4-5).

Written with autogenerate, checked by hand.
- ``sla_teams``, ``sla_business_hours``, ``sla_holidays``: teams with weekly hours in their
  IANA time zone and holiday dates.
- ``sla_policies``: first/next-response targets per priority, reason, platform or segment.
- ``sla_item_clocks``: each inbox item's due time, warning, breach and escalation.
- ``sla_agents``, ``sla_agent_hours``, ``sla_agent_away``: agents' shifts for round-robin.

Revision ID: 0020_sla
Revises: 0022_engagement
"""

import sqlalchemy as sa
from alembic import op

import crm.db

revision = "0020_sla"
down_revision = "0022_engagement"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sla_agents",
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("languages", sa.String(length=64), nullable=False),
        sa.Column("platforms", sa.String(length=255), nullable=False),
        sa.Column("in_rotation", sa.Boolean(), nullable=False),
        sa.Column("last_assigned_at", crm.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_turn", sa.Integer(), nullable=False),
        sa.Column("assigned_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_sla_agents_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_sla_agents")),
    )
    op.create_table(
        "sla_teams",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("lead_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("oncall_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("webhook_url", sa.String(length=2000), nullable=True),
        sa.Column("created_at", crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["lead_id"], ["users.id"], name=op.f("fk_sla_teams_lead_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["oncall_id"],
            ["users.id"],
            name=op.f("fk_sla_teams_oncall_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_teams")),
        sa.UniqueConstraint("name", name=op.f("uq_sla_teams_name")),
    )
    op.create_table(
        "sla_agent_away",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["sla_agents.user_id"],
            name=op.f("fk_sla_agent_away_user_id_sla_agents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_agent_away")),
    )
    with op.batch_alter_table("sla_agent_away", schema=None) as batch_op:
        batch_op.create_index("ix_sla_agent_away_user", ["user_id", "last_day"], unique=False)

    op.create_table(
        "sla_agent_hours",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("weekday", sa.SmallInteger(), nullable=False),
        sa.Column("start_minute", sa.Integer(), nullable=False),
        sa.Column("end_minute", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["sla_agents.user_id"],
            name=op.f("fk_sla_agent_hours_user_id_sla_agents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_agent_hours")),
    )
    with op.batch_alter_table("sla_agent_hours", schema=None) as batch_op:
        batch_op.create_index("ix_sla_agent_hours_user", ["user_id", "weekday"], unique=False)

    op.create_table(
        "sla_business_hours",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("team_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("weekday", sa.SmallInteger(), nullable=False),
        sa.Column("start_minute", sa.Integer(), nullable=False),
        sa.Column("end_minute", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["sla_teams.id"],
            name=op.f("fk_sla_business_hours_team_id_sla_teams"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_business_hours")),
    )
    with op.batch_alter_table("sla_business_hours", schema=None) as batch_op:
        batch_op.create_index("ix_sla_business_hours_team", ["team_id", "weekday"], unique=False)

    op.create_table(
        "sla_holidays",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("team_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["sla_teams.id"],
            name=op.f("fk_sla_holidays_team_id_sla_teams"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_holidays")),
        sa.UniqueConstraint("team_id", "day", name=op.f("uq_sla_holidays_team_id_day")),
    )
    op.create_table(
        "sla_policies",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("team_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("min_priority", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=16), nullable=True),
        sa.Column("platform", sa.String(length=32), nullable=True),
        sa.Column(
            "segment_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("first_response_minutes", sa.Integer(), nullable=False),
        sa.Column("next_response_minutes", sa.Integer(), nullable=True),
        sa.Column("warn_percent", sa.SmallInteger(), nullable=False),
        sa.Column("created_at", crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["segment_id"],
            ["segments.id"],
            name=op.f("fk_sla_policies_segment_id_segments"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["sla_teams.id"],
            name=op.f("fk_sla_policies_team_id_sla_teams"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_policies")),
    )
    op.create_table(
        "sla_item_clocks",
        sa.Column("item_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("policy_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("team_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("target_minutes", sa.Integer(), nullable=True),
        sa.Column("warn_percent", sa.SmallInteger(), nullable=False),
        sa.Column("due_at", crm.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("warn_at", crm.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("warned_at", crm.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("breached_at", crm.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("escalated_at", crm.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "escalated_to_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("escalation_error", sa.Text(), nullable=True),
        sa.Column("response_business_seconds", sa.Integer(), nullable=True),
        sa.Column("met", sa.Boolean(), nullable=True),
        sa.Column("computed_at", crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["escalated_to_id"],
            ["users.id"],
            name=op.f("fk_sla_item_clocks_escalated_to_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["inbox_items.id"],
            name=op.f("fk_sla_item_clocks_item_id_inbox_items"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["policy_id"],
            ["sla_policies.id"],
            name=op.f("fk_sla_item_clocks_policy_id_sla_policies"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["sla_teams.id"],
            name=op.f("fk_sla_item_clocks_team_id_sla_teams"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("item_id", name=op.f("pk_sla_item_clocks")),
    )
    with op.batch_alter_table("sla_item_clocks", schema=None) as batch_op:
        batch_op.create_index(
            "ix_sla_item_clocks_due", ["met", "breached_at", "due_at"], unique=False
        )
        batch_op.create_index(
            "ix_sla_item_clocks_warn", ["met", "warned_at", "warn_at"], unique=False
        )


    op.create_index("ix_inbox_items_updated_at", "inbox_items", ["updated_at"])


def downgrade() -> None:
    op.drop_index("ix_inbox_items_updated_at", table_name="inbox_items")
    with op.batch_alter_table("sla_item_clocks", schema=None) as batch_op:
        batch_op.drop_index("ix_sla_item_clocks_warn")
        batch_op.drop_index("ix_sla_item_clocks_due")

    op.drop_table("sla_item_clocks")
    op.drop_table("sla_policies")
    op.drop_table("sla_holidays")
    with op.batch_alter_table("sla_business_hours", schema=None) as batch_op:
        batch_op.drop_index("ix_sla_business_hours_team")

    op.drop_table("sla_business_hours")
    with op.batch_alter_table("sla_agent_hours", schema=None) as batch_op:
        batch_op.drop_index("ix_sla_agent_hours_user")

    op.drop_table("sla_agent_hours")
    with op.batch_alter_table("sla_agent_away", schema=None) as batch_op:
        batch_op.drop_index("ix_sla_agent_away_user")

    op.drop_table("sla_agent_away")
    op.drop_table("sla_teams")
    op.drop_table("sla_agents")
