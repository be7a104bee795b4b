"""Per-scope volume counters per 5-minute bucket: mentions, negatives, summed sentiment and
how many mentions have a sentiment at all (texts in a language without an analyzer do not).

Counters are recomputed, never incremented: after a batch, the (scope, bucket) pairs it touched
are counted again from the interactions table and upserted as absolute values, so a follow-up
job that runs twice (or two that overlap) cannot double-count. The upsert keeps the larger count
because interactions are only ever added: a job that counted before a concurrent batch
committed must not overwrite the newer, larger count of a job that counted after. A label the
team corrects leaves the count as it is and recounts the bucket's negatives and sentiment.

Our team's own posts count in the volume (they are part of the conversation the team leads
watch); the explanations of an alert leave them out (crm/alerts/explain.py).

Scope keys: ``all``, ``platform:<name>``, ``source:<id>`` (always kept), and ``query:<rule id>``,
``segment:<id>`` (kept while an enabled rule watches them).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger, Integer, Select, case, cast, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from crm.alerts.models import AlertRule, VolumeBucket
from crm.alerts.types import BUCKET_SECONDS
from crm.db import chunks, dialect_name, table_of
from crm.interactions.models import Interaction
from crm.interactions.search import apply_text_search
from crm.segments.compile import member_ids
from crm.segments.models import Segment
from crm.sentiment import NOT_SCORED

CHUNK = 500
BUCKET = timedelta(seconds=BUCKET_SECONDS)
# Fewer intervals per statement keep the OR list readable for the planner.
INTERVALS_PER_QUERY = 100


@dataclass
class Touched:
    """What a batch changed: the scopes and the bucket starts whose counters were recomputed."""

    scopes: set[str] = field(default_factory=set)
    buckets: set[datetime] = field(default_factory=set)

    @property
    def latest(self) -> datetime | None:
        return max(self.buckets) if self.buckets else None


def bucket_start(moment: datetime) -> datetime:
    """Start of the 5-minute bucket holding a moment (timezone-aware UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    seconds = int(moment.timestamp()) // BUCKET_SECONDS * BUCKET_SECONDS
    return datetime.fromtimestamp(seconds, UTC)


def segment_member_ids(session: Session, segment_id: int) -> Select[Any] | None:
    """SELECT of the segment's member ids, or None when the segment is gone.

    Membership is evaluated lazily, at counting time: a segment is a rule over members, never a
    stored list.
    """
    segment = session.get(Segment, segment_id)
    if segment is None:
        return None
    return member_ids(session, segment.rule, segment_id=segment_id)


def scope_filter(session: Session, key: str) -> Callable[[Select[Any]], Select[Any]] | None:
    """A function restricting a select over Interaction to a scope; None if the scope is gone."""
    kind, _, value = key.partition(":")
    if kind == "all":
        return lambda stmt: stmt
    if kind == "platform":
        return lambda stmt: stmt.where(Interaction.platform == value)
    if kind == "source" and value.isdigit():
        return lambda stmt: stmt.where(Interaction.source_id == int(value))
    if kind == "query" and value.isdigit():
        rule = session.get(AlertRule, int(value))
        if rule is None or not rule.scope_value.strip():
            return None
        query = rule.scope_value
        return lambda stmt: apply_text_search(session, stmt, query)
    if kind == "segment" and value.isdigit():
        members = segment_member_ids(session, int(value))
        if members is None:
            return None
        return lambda stmt: stmt.where(Interaction.member_id.in_(members))
    return None


def _bucket_expr(session: Session) -> Any:
    """The bucket number of Interaction.occurred_at, computed by the database."""
    if dialect_name(session) == "postgresql":
        epoch = func.extract("epoch", Interaction.occurred_at)
        return cast(func.floor(epoch / BUCKET_SECONDS), BigInteger)
    # SQLite stores 'YYYY-MM-DD HH:MM:SS.ffffff' (UTC); %s drops the fraction; integer division.
    return cast(func.strftime("%s", Interaction.occurred_at), Integer) // BUCKET_SECONDS


def _intervals(buckets: Iterable[datetime]) -> list[tuple[datetime, datetime]]:
    """Touched buckets merged into [start, end) intervals."""
    out: list[tuple[datetime, datetime]] = []
    for start in sorted(set(buckets)):
        if out and out[-1][1] == start:
            out[-1] = (out[-1][0], start + BUCKET)
        else:
            out.append((start, start + BUCKET))
    return out


def count_scope(
    session: Session, key: str, intervals: Sequence[tuple[datetime, datetime]]
) -> list[dict[str, Any]]:
    """Counter rows of one scope over time intervals, computed from the interactions table."""
    restrict = scope_filter(session, key)
    if restrict is None or not intervals:
        return []
    bucket = _bucket_expr(session).label("bucket")
    negative = func.sum(case((Interaction.sentiment_label == "negative", 1), else_=0))
    has_score = Interaction.sentiment_label != NOT_SCORED
    scored = func.sum(case((has_score, 1), else_=0))
    total = func.coalesce(func.sum(case((has_score, Interaction.sentiment), else_=0.0)), 0.0)
    rows: list[dict[str, Any]] = []
    for i in range(0, len(intervals), INTERVALS_PER_QUERY):
        part = intervals[i : i + INTERVALS_PER_QUERY]
        stmt = select(bucket, func.count(), negative, total, scored)
        stmt = stmt.where(
            or_(*(Interaction.occurred_at.between(lo, hi - timedelta(microseconds=1)) for lo, hi in part))
        )
        stmt = restrict(stmt).group_by(bucket)
        for number, n, neg, summed, with_score in session.execute(stmt):
            rows.append(
                {
                    "scope_key": key,
                    "bucket_start": datetime.fromtimestamp(int(number) * BUCKET_SECONDS, UTC),
                    "count": int(n),
                    "negative": int(neg or 0),
                    "sentiment_sum": float(summed or 0.0),
                    "scored": int(with_score or 0),
                }
            )
    return rows


def upsert_buckets(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Upsert absolute counter values; an existing larger count wins (see the module docstring)."""
    table = VolumeBucket.__table__
    dialect = postgresql if dialect_name(session) == "postgresql" else sqlite
    greatest = func.greatest if dialect is postgresql else func.max
    for part in chunks(rows, CHUNK):
        stmt = dialect.insert(table).values(list(part))
        newer = stmt.excluded.count >= table.c.count
        stmt = stmt.on_conflict_do_update(
            index_elements=["scope_key", "bucket_start"],
            set_={
                "count": greatest(table.c.count, stmt.excluded.count),
                "negative": case((newer, stmt.excluded.negative), else_=table.c.negative),
                "sentiment_sum": case(
                    (newer, stmt.excluded.sentiment_sum), else_=table.c.sentiment_sum
                ),
                "scored": case((newer, stmt.excluded.scored), else_=table.c.scored),
            },
        )
        session.execute(stmt)


def watched_scopes(session: Session) -> list[str]:
    """Scopes that exist only because an enabled rule watches them (queries, segments)."""
    rules = session.scalars(
        select(AlertRule).where(
            AlertRule.enabled.is_(True), AlertRule.scope_kind.in_(("query", "segment"))
        )
    )
    return sorted({rule.scope_key for rule in rules})


def _matches_any(session: Session, key: str, ids: Sequence[int]) -> bool:
    """Whether any of the interaction ids belongs to a (query or segment) scope."""
    restrict = scope_filter(session, key)
    if restrict is None:
        return False
    for chunk in chunks(ids, CHUNK):
        stmt = restrict(select(Interaction.id).where(Interaction.id.in_(chunk)))
        if session.execute(stmt.limit(1)).first() is not None:
            return True
    return False


def update_counters(session: Session, interaction_ids: Sequence[int]) -> Touched:
    """Recompute the counters of every (scope, bucket) the given interactions fall in."""
    touched = Touched()
    ids = sorted(set(interaction_ids))
    for i in range(0, len(ids), CHUNK):
        rows = session.execute(
            select(Interaction.occurred_at, Interaction.platform, Interaction.source_id).where(
                Interaction.id.in_(ids[i : i + CHUNK])
            )
        )
        for occurred_at, platform, source_id in rows:
            touched.buckets.add(bucket_start(occurred_at))
            touched.scopes.add(f"platform:{platform}")
            if source_id is not None:
                touched.scopes.add(f"source:{source_id}")
    if not touched.buckets:
        return touched
    touched.scopes.add("all")
    touched.scopes.update(key for key in watched_scopes(session) if _matches_any(session, key, ids))
    intervals = _intervals(touched.buckets)
    for key in sorted(touched.scopes):
        upsert_buckets(session, count_scope(session, key, intervals))
    return touched


def rebuild_scope(session: Session, key: str, since: datetime, until: datetime) -> int:
    """Replace a scope's counters between two times (a new or changed rule); rows written."""
    session.execute(
        table_of(VolumeBucket).delete().where(
            VolumeBucket.scope_key == key,
            VolumeBucket.bucket_start >= bucket_start(since),
            VolumeBucket.bucket_start <= until,
        )
    )
    rows = count_scope(session, key, [(bucket_start(since), bucket_start(until) + BUCKET)])
    upsert_buckets(session, rows)
    return len(rows)
