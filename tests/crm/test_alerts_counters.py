"""Volume counters: recomputed from interactions per (scope, bucket), idempotent, monotone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.alerts import counters
from crm.alerts.models import AlertRule, VolumeBucket
from crm.sources.models import Source
from tests.factories import BASE_TIME, ingest, mention

B0 = BASE_TIME  # 12:00, a bucket boundary


def buckets(db: Session, key: str) -> dict[datetime, tuple[int, int]]:
    rows = db.scalars(select(VolumeBucket).where(VolumeBucket.scope_key == key))
    return {r.bucket_start: (r.count, r.negative) for r in rows}


def test_bucket_start_floors_to_five_minutes() -> None:
    assert counters.bucket_start(datetime(2026, 3, 1, 12, 9, 59, 999, tzinfo=UTC)) == datetime(
        2026, 3, 1, 12, 5, tzinfo=UTC
    )
    assert counters.bucket_start(datetime(2026, 3, 1, 12, 10)) == datetime(2026, 3, 1, 12, 10, tzinfo=UTC)


def test_batch_updates_all_platform_and_source_scopes(db: Session) -> None:
    source = Source(name="s", platform="reddit", kind="search", query="nimbus")
    db.add(source)
    db.flush()
    result = ingest(
        db,
        mention(minutes=0, text="I hate this, terrible outage"),
        mention(minutes=4, text="nice"),
        mention(minutes=7, platform="x"),
        source_id=source.id,
    )
    touched = counters.update_counters(db, result.new_ids)
    assert touched.scopes == {"all", "platform:reddit", "platform:x", f"source:{source.id}"}
    assert touched.buckets == {B0, B0 + timedelta(minutes=5)}
    assert buckets(db, "all") == {B0: (2, 1), B0 + timedelta(minutes=5): (1, 0)}
    assert buckets(db, "platform:x") == {B0 + timedelta(minutes=5): (1, 0)}
    assert buckets(db, f"source:{source.id}")[B0] == (2, 1)


def test_running_twice_changes_nothing_and_later_batches_add_up(db: Session) -> None:
    first = ingest(db, *(mention(minutes=1) for _ in range(3)))
    counters.update_counters(db, first.new_ids)
    counters.update_counters(db, first.new_ids)
    assert buckets(db, "all") == {B0: (3, 0)}
    second = ingest(db, mention(minutes=2), mention(minutes=3))
    counters.update_counters(db, second.new_ids)
    assert buckets(db, "all") == {B0: (5, 0)}
    # A job that counted before the second batch and writes late cannot lower the count.
    counters.upsert_buckets(
        db, [{"scope_key": "all", "bucket_start": B0, "count": 3, "negative": 0, "sentiment_sum": 0.0}]
    )
    db.expire_all()
    assert buckets(db, "all") == {B0: (5, 0)}


def test_query_scope_counts_matching_interactions_only(db: Session) -> None:
    rule = AlertRule(name="outage", scope_kind="query", scope_value="outage", recipients=[], channels=[])
    db.add(rule)
    db.flush()
    result = ingest(db, mention(text="big outage again"), mention(text="all fine here"))
    touched = counters.update_counters(db, result.new_ids)
    assert f"query:{rule.id}" in touched.scopes
    assert buckets(db, f"query:{rule.id}") == {B0: (1, 0)}
    # A batch without a match leaves the query scope alone.
    other = ingest(db, mention(minutes=10, text="nothing to see"))
    assert f"query:{rule.id}" not in counters.update_counters(db, other.new_ids).scopes


def test_rebuild_scope_replaces_counts(db: Session) -> None:
    result = ingest(db, *(mention(minutes=m, platform="x") for m in (0, 5, 61)))
    counters.upsert_buckets(
        db, [{"scope_key": "platform:x", "bucket_start": B0, "count": 99, "negative": 0, "sentiment_sum": 0.0}]
    )
    written = counters.rebuild_scope(db, "platform:x", B0 - timedelta(hours=1), B0 + timedelta(hours=2))
    db.expire_all()
    assert written == 3 and result.new == 3
    assert buckets(db, "platform:x") == {
        B0: (1, 0), B0 + timedelta(minutes=5): (1, 0), B0 + timedelta(minutes=60): (1, 0)
    }


def test_unknown_or_unavailable_scopes_count_nothing(db: Session) -> None:
    assert counters.scope_filter(db, "query:999999") is None
    assert counters.scope_filter(db, "nonsense") is None
    assert counters.count_scope(db, "segment:999999", [(B0, B0 + timedelta(minutes=5))]) == []
