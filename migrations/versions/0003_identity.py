"""Identity resolution: merge suggestions, decisions and the merge audit log (issue 4).

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import crm.db  # noqa: F401  (UTCDateTime, BigId)

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
