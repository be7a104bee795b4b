"""One engagement definition (issue 11): the score is kept by ingest in ``members.engagement``.

Written by hand.
- ``members.engagement``: the decayed engagement score in units of its epoch
  (crm/members/engagement.py), indexed: segment rules compare it with two constants. Filled
  here from every member's interactions, with the definition as it is at this revision (the
  constants are copied, so a later change of the code does not change what this step does).
- ``inbox_items.member_level`` now holds the engagement rank (0 dormant .. 4 champion) instead
  of new/occasional/regular/influential; set again for every item from the new score.
- Saved segment rules (and export records) that name the old segment levels get the new
  names: high -> engaged, medium -> active, low -> occasional, inactive -> dormant.

Revision ID: 0022_engagement
Revises: 0016_api_gdpr
"""

import json
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0022_engagement"
down_revision = "0016_api_gdpr"
branch_labels = None
depends_on = None

KIND_POINTS = {"post": 3.0, "comment": 2.0, "reply": 2.0, "message": 1.5, "mention": 1.0}
HALF_LIFE_S = 30.0 * 86400
EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
THRESHOLDS = ((4, 30.0), (3, 12.0), (2, 4.0), (1, 0.5))
OLD_TO_NEW = {"high": "engaged", "medium": "active", "low": "occasional", "inactive": "dormant"}
BATCH = 2000


def _weight(at: datetime) -> float:
    return float(2.0 ** ((at - EPOCH).total_seconds() / HALF_LIFE_S))


def _aware(value: object) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _rename_levels(node: object) -> object:
    if isinstance(node, dict):
        out = {k: _rename_levels(v) for k, v in node.items()}
        if out.get("field") == "engagement" and isinstance(out.get("levels"), list):
            out["levels"] = [OLD_TO_NEW.get(x, x) for x in out["levels"]]
        return out
    if isinstance(node, list):
        return [_rename_levels(x) for x in node]
    return node


def upgrade() -> None:
    op.add_column("members", sa.Column("engagement", sa.Float(), nullable=False, server_default="0"))
    op.create_index("ix_members_engagement", "members", ["engagement"])
    conn = op.get_bind()
    now = datetime.now(UTC)
    totals: dict[int, float] = {}
    rows = conn.execute(
        sa.text("SELECT member_id, kind, occurred_at FROM interactions").execution_options(stream_results=True)
    )
    for member_id, kind, occurred in rows:
        at = min(_aware(occurred), now)
        totals[member_id] = totals.get(member_id, 0.0) + KIND_POINTS.get(kind, 1.0) * _weight(at)
    params = [{"i": k, "e": v} for k, v in totals.items()]
    for start in range(0, len(params), BATCH):
        conn.execute(sa.text("UPDATE members SET engagement = :e WHERE id = :i"), params[start:start + BATCH])

    w = _weight(now)
    case = " ".join(f"WHEN m.engagement >= {t * w!r} THEN {rank}" for rank, t in THRESHOLDS)
    conn.execute(sa.text(
        "UPDATE inbox_items SET member_level = (SELECT CASE " + case + " ELSE 0 END"  # noqa: S608 - constants
        " FROM interactions x JOIN members m ON m.id = x.member_id WHERE x.id = inbox_items.interaction_id)"
    ))

    for name in ("segments", "export_runs"):
        table = sa.table(name, sa.column("id", sa.BigInteger()), sa.column("rule", sa.JSON()))
        for row_id, rule in conn.execute(sa.select(table.c.id, table.c.rule)).all():
            value = json.loads(rule) if isinstance(rule, str) else rule
            renamed = _rename_levels(value)
            if renamed != value:
                conn.execute(sa.update(table).where(table.c.id == row_id).values(rule=renamed))


def downgrade() -> None:
    op.drop_index("ix_members_engagement", table_name="members")
    op.drop_column("members", "engagement")
