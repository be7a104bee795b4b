"""Member aggregates: the one place that defines them, folded in by ingest, recomputed on change.

A member row carries what lists, segments, the profile and the inbox read without touching
interactions: counts, the sentiment sum and mean over *scored* interactions (a text in a
language without an analyzer counts as an interaction, not as a mood), first and last seen,
and the engagement score (crm/members/engagement.py). Two ways to keep them:

- :func:`fold` adds a batch of new interactions (ingest: one UPDATE for all members of the
  batch, relative to what the row holds, so concurrent batches add up);
- :func:`recompute` sets them from the member's interactions (merge, unmerge, a corrected
  sentiment label: whatever moved or changed interactions). Both give the same row.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Float, Integer, Table, bindparam, case, func, select, update
from sqlalchemy.orm import Session

from crm import sentiment
from crm.db import as_utc, chunks, table_of, utcnow
from crm.interactions.models import Interaction
from crm.members import engagement
from crm.members.models import Identity, Member
from crm.upsert import bulk_update

# The columns both functions write; a merge empties them on the merged-away rows.
AGGREGATES = (
    "interaction_count", "sentiment_sum", "sentiment_mean", "positive_count", "negative_count",
    "neutral_count", "first_seen", "last_seen", "engagement",
)
EMPTY: dict[str, Any] = {
    "interaction_count": 0, "sentiment_sum": 0.0, "sentiment_mean": None, "positive_count": 0,
    "negative_count": 0, "neutral_count": 0, "first_seen": None, "last_seen": None, "engagement": 0.0,
}
CHUNK = 500
_M = cast(Table, Member.__table__)
_X = cast(Table, Interaction.__table__)


def _label_column(label: str) -> str | None:
    """Which count a sentiment label adds to (None: not scored, no count)."""
    if label == sentiment.NOT_SCORED:
        return None
    return f"{label}_count" if label in ("positive", "negative") else "neutral_count"


def fold(session: Session, inserted: Sequence[Any], now: datetime | None = None) -> None:
    """Add newly inserted interactions (rows with member_id, identity_id, kind, occurred_at,
    sentiment, sentiment_label) to their members' and identities' aggregates."""
    if not inserted:
        return
    now = now or utcnow()
    per_member: dict[int, dict[str, Any]] = {}
    per_identity: dict[int, list[datetime]] = {}
    for r in inserted:
        agg = per_member.setdefault(
            r.member_id,
            {"b_id": r.member_id, "n": 0, "s": 0.0, "positive_count": 0, "negative_count": 0,
             "neutral_count": 0, "scored": 0, "e": 0.0, "first": r.occurred_at, "last": r.occurred_at},
        )
        agg["n"] += 1
        agg["e"] += engagement.points(r.kind, r.occurred_at, now)
        column = _label_column(r.sentiment_label)
        if column is not None:
            agg["s"] += r.sentiment
            agg["scored"] += 1
            agg[column] += 1
        agg["first"] = min(agg["first"], r.occurred_at)
        agg["last"] = max(agg["last"], r.occurred_at)
        span = per_identity.setdefault(r.identity_id, [r.occurred_at, r.occurred_at])
        span[0] = min(span[0], r.occurred_at)
        span[1] = max(span[1], r.occurred_at)
    t = table_of(Member)
    bulk_update(
        session, t, list(per_member.values()),
        {"b_id": t.c.id.type, "n": Integer(), "s": Float(), "positive_count": Integer(),
         "negative_count": Integer(), "neutral_count": Integer(), "scored": Integer(), "e": Float(),
         "first": t.c.first_seen.type, "last": t.c.last_seen.type},
        lambda v: {
            "interaction_count": t.c.interaction_count + v["n"],
            "sentiment_sum": t.c.sentiment_sum + v["s"],
            # The mean over scored interactions only (positive + negative + neutral).
            "sentiment_mean": (t.c.sentiment_sum + v["s"]) / func.nullif(
                t.c.positive_count + t.c.negative_count + t.c.neutral_count + v["scored"], 0
            ),
            "positive_count": t.c.positive_count + v["positive_count"],
            "negative_count": t.c.negative_count + v["negative_count"],
            "neutral_count": t.c.neutral_count + v["neutral_count"],
            "engagement": func.coalesce(t.c.engagement, 0.0) + v["e"],
            "first_seen": _earlier(t.c.first_seen, v["first"]),
            "last_seen": _later(t.c.last_seen, v["last"]),
        },
    )
    it = table_of(Identity)
    bulk_update(
        session, it, [{"b_id": k, "first": v[0], "last": v[1]} for k, v in per_identity.items()],
        {"b_id": it.c.id.type, "first": it.c.first_seen.type, "last": it.c.last_seen.type},
        lambda v: {"first_seen": _earlier(it.c.first_seen, v["first"]), "last_seen": _later(it.c.last_seen, v["last"])},
    )


def _earlier(column: Any, value: Any) -> Any:
    return case((column.is_(None) | (column > value), value), else_=column)


def _later(column: Any, value: Any) -> Any:
    return case((column.is_(None) | (column < value), value), else_=column)


def recompute(session: Session, member_ids: Sequence[int], now: datetime | None = None) -> None:
    """Set the members' aggregates to what :func:`fold` gives for all their interactions."""
    now = now or utcnow()
    stats: dict[int, dict[str, Any]] = {m: dict(EMPTY) for m in member_ids}
    for chunk in chunks(list(member_ids), CHUNK):
        rows = session.execute(
            select(_X.c.member_id, _X.c.sentiment_label, func.count(), func.sum(_X.c.sentiment),
                   func.min(_X.c.occurred_at), func.max(_X.c.occurred_at))
            .where(_X.c.member_id.in_(chunk)).group_by(_X.c.member_id, _X.c.sentiment_label)
        )
        for mid, label, n, total, first, last in rows:
            s = stats[mid]
            s["interaction_count"] += n
            column = _label_column(label)
            if column is not None:
                s["sentiment_sum"] += float(total or 0.0)
                s[column] += n
            first, last = as_utc(first), as_utc(last)
            s["first_seen"] = first if s["first_seen"] is None else min(s["first_seen"], first)
            s["last_seen"] = last if s["last_seen"] is None else max(s["last_seen"], last)
        # The score needs each interaction's age: kind and date, no text.
        for mid, kind, at in session.execute(
            select(_X.c.member_id, _X.c.kind, _X.c.occurred_at).where(_X.c.member_id.in_(chunk))
        ):
            stats[mid]["engagement"] += engagement.points(kind, as_utc(at) or now, now)
    params = []
    for mid, s in stats.items():
        scored = s["positive_count"] + s["negative_count"] + s["neutral_count"]
        if scored:
            s["sentiment_mean"] = s["sentiment_sum"] / scored
        params.append({"b_id": mid, **{f"v_{k}": v for k, v in s.items()}})
    if params:
        session.execute(
            update(_M).where(_M.c.id == bindparam("b_id"))
            .values({k: bindparam(f"v_{k}", type_=_M.c[k].type) for k in AGGREGATES}),
            params,
        )
