"""Inbound API sources: their credentials and the signatures already used (issue 17).

Written by hand.
- ``inbound_credentials``: one row per inbound source; the bearer token only as SHA-256, and
  the salt from which the HMAC signing secret is derived with SECRET_KEY (nothing secret is
  stored in the clear).
- ``inbound_signatures``: accepted signatures (SHA-256) for the replay guard; rows older than
  ten minutes are deleted as new ones arrive.

Revision ID: 0013_channels_b
Revises: 0011_security
"""

import sqlalchemy as sa
from alembic import op

import crm.db

revision = "0013_channels_b"
down_revision = "0011_security"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = crm.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "inbound_credentials",
        sa.Column("id", ID, nullable=False),
        sa.Column("source_id", ID, nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("token_hint", sa.String(length=16), nullable=False),
        sa.Column("signing_salt", sa.String(length=64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("rotated_at", TS, nullable=True),
        sa.ForeignKeyConstraint(
            ["source_id"], ["sources.id"], name=op.f("fk_inbound_credentials_source_id_sources"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_credentials")),
        sa.UniqueConstraint("source_id", name=op.f("uq_inbound_credentials_source_id")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_inbound_credentials_token_hash")),
    )
    op.create_table(
        "inbound_signatures",
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("source_id", ID, nullable=False),
        sa.Column("seen_at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["source_id"], ["sources.id"], name=op.f("fk_inbound_signatures_source_id_sources"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("digest", name=op.f("pk_inbound_signatures")),
    )
    op.create_index("ix_inbound_signatures_seen_at", "inbound_signatures", ["seen_at"])


def downgrade() -> None:
    op.drop_index("ix_inbound_signatures_seen_at", table_name="inbound_signatures")
    op.drop_table("inbound_signatures")
    op.drop_table("inbound_credentials")
