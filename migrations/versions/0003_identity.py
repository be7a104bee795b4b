"""Identity resolution: merge suggestions, decisions and the merge audit log (issue 4).

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

import crm.db

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.add_column(sa.Column("merged_into_id", BigId, nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_members_merged_into_id_members"), "members", ["merged_into_id"], ["id"]
        )
        batch_op.create_index(batch_op.f("ix_members_merged_into_id"), ["merged_into_id"], unique=False)

    with op.batch_alter_table("identities", schema=None) as batch_op:
        batch_op.add_column(sa.Column("bio", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("website", sa.String(length=2000), nullable=True))
        batch_op.add_column(sa.Column("links", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("email", sa.String(length=320), nullable=True))
        batch_op.add_column(
            sa.Column("email_verified", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.create_index("ix_identities_email", ["email"], unique=False)

    op.create_table(
        "identity_match_keys",
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("identity_id", BigId, nullable=False),
        sa.ForeignKeyConstraint(
            ["identity_id"], ["identities.id"],
            name=op.f("fk_identity_match_keys_identity_id_identities"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("key", "identity_id", name=op.f("pk_identity_match_keys")),
    )
    op.create_index("ix_identity_match_keys_identity_id", "identity_match_keys", ["identity_id"])

    op.create_table(
        "merge_suggestions",
        sa.Column("id", BigId, nullable=False),
        sa.Column("member_a_id", BigId, nullable=False),
        sa.Column("member_b_id", BigId, nullable=False),
        sa.Column("identity_a_id", BigId, nullable=False),
        sa.Column("identity_b_id", BigId, nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("snoozed_until", crm.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["member_a_id"], ["members.id"],
                                name=op.f("fk_merge_suggestions_member_a_id_members"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["member_b_id"], ["members.id"],
                                name=op.f("fk_merge_suggestions_member_b_id_members"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["identity_a_id"], ["identities.id"],
                                name=op.f("fk_merge_suggestions_identity_a_id_identities"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["identity_b_id"], ["identities.id"],
                                name=op.f("fk_merge_suggestions_identity_b_id_identities"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_merge_suggestions")),
        sa.UniqueConstraint("member_a_id", "member_b_id",
                            name=op.f("uq_merge_suggestions_member_a_id_member_b_id")),
    )
    op.create_index("ix_merge_suggestions_status_score", "merge_suggestions", ["status", "score"])
    op.create_index("ix_merge_suggestions_member_b_id", "merge_suggestions", ["member_b_id"])

    op.create_table(
        "merge_decisions",
        sa.Column("identity_a_id", BigId, nullable=False),
        sa.Column("identity_b_id", BigId, nullable=False),
        sa.Column("decided_by_id", BigId, nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["identity_a_id"], ["identities.id"],
                                name=op.f("fk_merge_decisions_identity_a_id_identities"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["identity_b_id"], ["identities.id"],
                                name=op.f("fk_merge_decisions_identity_b_id_identities"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["decided_by_id"], ["users.id"],
                                name=op.f("fk_merge_decisions_decided_by_id_users"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("identity_a_id", "identity_b_id", name=op.f("pk_merge_decisions")),
    )
    op.create_index("ix_merge_decisions_identity_b_id", "merge_decisions", ["identity_b_id"])

    op.create_table(
        "merge_audit",
        sa.Column("id", BigId, nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("kept_member_id", BigId, nullable=False),
        sa.Column("merged_member_ids", sa.JSON(), nullable=False),
        sa.Column("actor_id", BigId, nullable=True),
        sa.Column("method", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=True),
        sa.Column("snapshot", sa.JSON(), nullable=True),
        sa.Column("undone_by_id", BigId, nullable=True),
        sa.Column("undoes_id", BigId, nullable=True),
        sa.Column("created_at", crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["kept_member_id"], ["members.id"],
                                name=op.f("fk_merge_audit_kept_member_id_members")),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"],
                                name=op.f("fk_merge_audit_actor_id_users"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["undone_by_id"], ["merge_audit.id"],
                                name=op.f("fk_merge_audit_undone_by_id_merge_audit")),
        sa.ForeignKeyConstraint(["undoes_id"], ["merge_audit.id"],
                                name=op.f("fk_merge_audit_undoes_id_merge_audit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_merge_audit")),
    )
    op.create_index("ix_merge_audit_created_at", "merge_audit", ["created_at"])
    op.create_index(op.f("ix_merge_audit_kept_member_id"), "merge_audit", ["kept_member_id"])

    op.create_table(
        "identity_rules",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("updated_by_id", BigId, nullable=True),
        sa.Column("updated_at", crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["updated_by_id"], ["users.id"],
                                name=op.f("fk_identity_rules_updated_by_id_users"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_identity_rules")),
    )


def downgrade() -> None:
    op.drop_table("identity_rules")
    op.drop_index(op.f("ix_merge_audit_kept_member_id"), table_name="merge_audit")
    op.drop_index("ix_merge_audit_created_at", table_name="merge_audit")
    op.drop_table("merge_audit")
    op.drop_index("ix_merge_decisions_identity_b_id", table_name="merge_decisions")
    op.drop_table("merge_decisions")
    op.drop_index("ix_merge_suggestions_member_b_id", table_name="merge_suggestions")
    op.drop_index("ix_merge_suggestions_status_score", table_name="merge_suggestions")
    op.drop_table("merge_suggestions")
    op.drop_index("ix_identity_match_keys_identity_id", table_name="identity_match_keys")
    op.drop_table("identity_match_keys")
    with op.batch_alter_table("identities", schema=None) as batch_op:
        batch_op.drop_index("ix_identities_email")
        batch_op.drop_column("email_verified")
        batch_op.drop_column("email")
        batch_op.drop_column("links")
        batch_op.drop_column("website")
        batch_op.drop_column("bio")
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_members_merged_into_id"))
        batch_op.drop_constraint(batch_op.f("fk_members_merged_into_id_members"), type_="foreignkey")
        batch_op.drop_column("merged_into_id")
