"""Identity resolution (issue 15): the member's avatar, chosen with its name on a merge.

Written by hand.
- ``members.avatar_url``: the picture of the profile that leads the member (like
  ``display_name``). Existing members get none until their next merge or new identity.

Revision ID: 0014_identity
Revises: 0013_channels_b
"""

import sqlalchemy as sa
from alembic import op

revision = "0014_identity"
down_revision = "0013_channels_b"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("members", sa.Column("avatar_url", sa.String(length=2000), nullable=True))


def downgrade() -> None:
    op.drop_column("members", "avatar_url")  # SQLite >= 3.35 drops it in place
