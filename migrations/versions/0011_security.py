"""Security: a session token per user, rotated to end every session (issue 16).

Written by hand. ``users.session_token`` is part of every session and remember-me cookie.
Existing users get none: cookies issued before this revision (which held the plain user id)
stop working, and the next sign-in sets a token.

Revision ID: 0011_security
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_security"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("session_token", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("session_token")
