"""The outbox and the healing step, in-process on the suite's database (inline queue).

The same failures with the real processes are in tests/e2e; these pin each rule down.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from connectors.base import Author, Mention
from crm.db import utcnow
from crm.imports import services as imports
from crm.imports.models import ImportRun
from crm.inbox.models import InboxItem
from crm.ingest import ingest_batch
from crm.outbox import services as outbox
from crm.outbox.models import OutboxEntry
from crm.sources import services as sources
from crm.sources.models import PollRun, Source
from listeners import dispatcher, followups, jobs, runtime
from listeners import imports as import_loop
from listeners.healing import heal
from listeners.polling import poll_job_id
from listeners.queue import InlineQueue

LATER = timedelta(minutes=5)  # well past HEAL_AFTER_SECONDS (60)


def _question(ext: str) -> Mention:
    return Mention(platform="reddit", external_id=ext, created_at=datetime.now(UTC) - timedelta(minutes=3),
                   author=Author(id=f"t2_{ext}", handle=f"h{ext}"), text="How do I pause the sync?")


def _inbox(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(InboxItem)) or 0


def test_a_crash_between_commit_and_enqueue_loses_no_follow_up(app, db: Session) -> None:  # type: ignore[no-untyped-def]
    ingest_batch(db, [_question("h1"), _question("h2")])
    db.commit()  # ... and the process dies here: nothing was enqueued
    assert outbox.backlog(db) == 1 and _inbox(db) == 0
    done = heal(InlineQueue(), now=utcnow() + LATER)
    assert done.drains == 1
    assert outbox.backlog(db) == 0 and _inbox(db) == 2


def test_a_failing_follow_up_keeps_its_rows_and_backs_off(app, db: Session, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    ingest_batch(db, [_question("f1")])
    db.commit()

    def broken(*_: Any) -> None:
        raise RuntimeError("the alerts step broke")

    monkeypatch.setattr(followups, "run_followups", broken)
    with pytest.raises(RuntimeError):
        followups.drain_followups()
    db.expire_all()
    row = db.scalars(select(OutboxEntry)).one()
    assert row.attempts == 1 and "alerts step broke" in (row.last_error or "")
    assert row.claimed_until is None and row.available_at is not None and row.available_at > utcnow()
    assert outbox.waiting(db) == 0  # backing off
    monkeypatch.undo()
    assert outbox.waiting(db, now=utcnow() + LATER) == 1
    heal(InlineQueue(), now=utcnow() + LATER)
    db.expire_all()
    # Still backing off in real time: the healing step only enqueues, the drain claims by the clock.
    assert outbox.backlog(db) == 1
    row.available_at = None
    db.commit()
    followups.drain_followups()
    assert outbox.backlog(db) == 0 and _inbox(db) == 1


def test_coalesced_drain_merges_many_batches(app, db: Session) -> None:  # type: ignore[no-untyped-def]
    for i in range(5):
        ingest_batch(db, [_question(f"c{i}")])
    db.commit()
    assert outbox.backlog(db) == 5
    with runtime.transaction() as s:
        claimed = outbox.claim(s)
    assert len(claimed.ids) == 5 and len(claimed.interaction_ids) == 5
    with runtime.transaction() as s:  # claimed rows are not claimed twice
        assert outbox.claim(s).ids == []


def _leased_source(db: Session) -> Source:
    source = sources.save_source(db, platform="reddit", kind="subreddit", query="nimbus", interval_seconds=60)
    db.flush()
    assert sources.claim(db, source.id, force=True)
    db.add(PollRun(source_id=source.id))
    db.commit()
    return source


def test_a_lease_with_no_live_poll_is_released_and_its_poll_closed_as_crashed(app, db: Session) -> None:  # type: ignore[no-untyped-def]
    source = _leased_source(db)
    assert db.scalar(select(PollRun.outcome)) == "running"
    done = heal(InlineQueue(), now=utcnow() + LATER)
    db.expire_all()
    assert done.leases == 1 and done.crashed_polls == 1
    assert db.get(Source, source.id).lease_until is None  # type: ignore[union-attr]
    run = db.scalars(select(PollRun)).one()
    assert run.outcome == "crashed" and run.finished_at is not None


def test_a_lease_whose_poll_is_running_is_kept(app, db: Session) -> None:  # type: ignore[no-untyped-def]
    source = _leased_source(db)
    queue = InlineQueue()
    queue._running.add(poll_job_id(source.id))  # a poll of it runs in this process
    assert heal(queue, now=utcnow() + LATER).leases == 0
    db.expire_all()
    assert db.get(Source, source.id).lease_until is not None  # type: ignore[union-attr]


def test_a_fresh_lease_is_not_touched(app, db: Session) -> None:  # type: ignore[no-untyped-def]
    _leased_source(db)
    assert heal(InlineQueue()).leases == 0


class DownQueue(InlineQueue):
    def enqueue(self, *args: Any, **kwargs: Any) -> Any:
        raise ConnectionError("Redis is down")


def test_redis_down_at_dispatch_leaves_nothing_leased(app, db: Session) -> None:  # type: ignore[no-untyped-def]
    for q in ("a", "b"):
        sources.save_source(db, platform="reddit", kind="subreddit", query=q, interval_seconds=60)
    db.commit()
    with pytest.raises(ConnectionError):
        dispatcher.tick(DownQueue())
    db.expire_all()
    assert db.scalars(select(Source.lease_until)).all() == [None, None]


def _run(db: Session, tmp_path: Path, n: int) -> int:
    path = tmp_path / "stale.jsonl"
    path.write_text("".join(json.dumps({
        "platform": "reddit", "external_id": f"t1_st{i}", "author": {"id": f"t2_s{i}", "handle": f"s{i}"},
        "text": f"line {i}", "created_at": "2026-01-01T12:00:00Z"}) + "\n" for i in range(n)))
    run = imports.create_run(db, filename=path.name, fmt="jsonl", stored_path=str(path), total_bytes=path.stat().st_size)
    db.commit()
    return run.id


def test_an_abandoned_import_is_resumed(app, db: Session, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    run_id = _run(db, tmp_path, 30)
    run = db.get(ImportRun, run_id)
    imports.mark_running(run)  # type: ignore[arg-type]
    db.commit()  # a worker started it, then died: status running, no job anywhere
    assert heal(InlineQueue()).imports == 0  # its heartbeat is fresh
    done = heal(InlineQueue(), now=utcnow() + LATER)
    db.expire_all()
    assert done.imports == 1
    assert db.get(ImportRun, run_id).status == "done"  # type: ignore[union-attr]
    assert db.get(ImportRun, run_id).new_count == 30  # type: ignore[union-attr]


def test_an_unexpected_error_marks_the_run_failed_with_its_reason(app, db: Session, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    run_id = _run(db, tmp_path, 5)

    def broken(*_: Any, **__: Any) -> None:
        raise ValueError("a bug in the batch")

    monkeypatch.setattr(import_loop, "apply_batch", broken)
    with pytest.raises(ValueError):
        jobs.import_file(run_id)
    db.expire_all()
    run = db.get(ImportRun, run_id)
    assert run is not None and run.status == "failed" and "a bug in the batch" in (run.failure or "")


def test_enqueue_after_commit_waits_for_the_commit_and_drops_on_rollback(app, db: Session) -> None:  # type: ignore[no-untyped-def]
    ran: list[str] = []
    with runtime.transaction() as s:
        runtime.enqueue_after_commit(s, ran.append, "committed")
        assert ran == []
    assert ran == ["committed"]
    with pytest.raises(RuntimeError), runtime.transaction() as s:
        runtime.enqueue_after_commit(s, ran.append, "rolled back")
        raise RuntimeError("abort")
    assert ran == ["committed"]
