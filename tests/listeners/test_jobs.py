"""listeners.jobs.import_file end to end through listeners.runtime, and the inline queue."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from crm.imports.models import ImportRun
from crm.interactions.models import Interaction, QuarantinedItem
from crm.settings import Settings
from listeners import jobs, runtime
from listeners.queue import InlineQueue
from tests.factories import count, import_run


def item(n: int, **overrides: object) -> dict[str, object]:
    """One valid line of the public JSONL import schema."""
    line: dict[str, object] = {
        "platform": "reddit", "external_id": f"job-{n}", "kind": "comment",
        "created_at": f"2026-02-01T10:{n:02d}:00Z", "text": f"Imported comment number {n}",
        "author": {"id": f"u{n % 3}", "handle": f"user{n % 3}"},
    }
    line.update(overrides)
    return line


def write_jsonl(path: Path, lines: list[object]) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        for line in lines:
            fh.write((line if isinstance(line, str) else json.dumps(line)) + "\n")
    return path


@pytest.fixture()
def configure_runtime(
    app, settings: Settings, session_factory: sessionmaker[Session]  # type: ignore[no-untyped-def]
) -> Iterator[Callable[..., None]]:
    """The app fixture configured listeners.runtime; this lets a test shrink the batch size."""
    before = runtime._runtime

    def do(**changes: object) -> None:
        runtime.configure(replace(settings, **changes), session_factory)  # type: ignore[arg-type]

    yield do
    runtime._runtime = before


@pytest.fixture()
def mixed_file(tmp_path: Path) -> Path:
    """Lines 1-2 good, 3 broken JSON, 4 good, 5 an invalid item (bad kind), 6-7 good."""
    return write_jsonl(tmp_path / "mixed.jsonl", [
        item(1), item(2), '{"platform": "reddit", "external_id": ', item(4),
        item(5, kind="tweet"), item(6), item(7),
    ])


def test_import_file_end_to_end(app, db: Session, mixed_file: Path) -> None:  # type: ignore[no-untyped-def]
    run = import_run(db, str(mixed_file))
    db.commit()

    assert jobs.import_file(run.id) == "done"

    db.expire_all()
    run = db.get(ImportRun, run.id)
    assert run.status == "done" and run.failure is None
    assert (run.new_count, run.duplicate_count, run.quarantined_count) == (5, 0, 2)
    assert run.lines_read == 7
    assert run.processed_bytes == run.total_bytes == mixed_file.stat().st_size
    assert run.started_at is not None and run.finished_at >= run.started_at
    by_line = {e["line"]: e["reason"] for e in run.errors}
    assert sorted(by_line) == [3, 5]
    assert "invalid JSON" in by_line[3]
    assert "kind 'tweet' is not one of" in by_line[5]
    ids = set(db.scalars(select(Interaction.external_id)))
    assert ids == {f"job-{n}" for n in (1, 2, 4, 6, 7)}
    origins = set(db.scalars(select(QuarantinedItem.origin)))
    assert origins == {f"import:{run.filename}:line 3", f"import:{run.filename}:line 5"}
    assert any("tweet" in r for r in db.scalars(select(QuarantinedItem.reason)))


def test_progress_is_committed_batch_by_batch(  # type: ignore[no-untyped-def]
    configure_runtime, db: Session, mixed_file: Path
) -> None:
    configure_runtime(ingest_batch_size=2)
    run = import_run(db, str(mixed_file))
    db.commit()
    seen: list[tuple[str, int, int, int]] = []

    jobs.import_file(run.id, on_progress=lambda r: seen.append(
        (r.status, r.lines_read, r.processed_bytes, r.new_count)
    ))

    assert len(seen) >= 4  # four batches of two, then the finish
    assert all(status == "running" for status, *_ in seen[:-1]) and seen[-1][0] == "done"
    line_marks = [s[1] for s in seen]
    byte_marks = [s[2] for s in seen]
    assert line_marks == sorted(line_marks) and line_marks[0] < 7 and line_marks[-1] == 7
    assert byte_marks == sorted(byte_marks) and 0 < byte_marks[0] < mixed_file.stat().st_size
    assert seen[0][3] < seen[-1][3] == 5


def test_resumes_after_a_crash(app, db: Session, mixed_file: Path) -> None:  # type: ignore[no-untyped-def]
    # A run that crashed after committing lines 1-4: those lines are already in the database.
    run = import_run(db, str(mixed_file), status="running", lines_read=4, new_count=3,
                     quarantined_count=1)
    db.commit()

    assert jobs.import_file(run.id) == "done"

    db.expire_all()
    run = db.get(ImportRun, run.id)
    assert run.status == "done"
    # Lines 1-4 were skipped (nothing of theirs is here); 5-7 were read.
    assert set(db.scalars(select(Interaction.external_id))) == {"job-6", "job-7"}
    assert (run.new_count, run.quarantined_count, run.lines_read) == (5, 2, 7)
    assert count(db, QuarantinedItem) == 1


def test_running_twice_changes_nothing(app, db: Session, mixed_file: Path) -> None:  # type: ignore[no-untyped-def]
    first = import_run(db, str(mixed_file))
    db.commit()
    jobs.import_file(first.id)
    assert jobs.import_file(first.id) == "nothing to do"  # a finished run is not redone
    second = import_run(db, str(mixed_file))
    db.commit()
    jobs.import_file(second.id)
    db.expire_all()
    second = db.get(ImportRun, second.id)
    assert (second.new_count, second.duplicate_count) == (0, 5)
    assert count(db, Interaction) == 5


def test_missing_file_fails_the_run_with_a_reason(app, db: Session, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = write_jsonl(tmp_path / "gone.jsonl", [item(1)])
    run = import_run(db, str(path))
    db.commit()
    path.unlink()

    assert jobs.import_file(run.id) == "failed"

    db.expire_all()
    run = db.get(ImportRun, run.id)
    assert run.status == "failed" and "gone.jsonl" in (run.failure or "")


def test_a_deleted_run_is_nothing_to_do(app) -> None:  # type: ignore[no-untyped-def]
    assert jobs.import_file(10**9) == "nothing to do"


def test_inline_queue_drops_a_second_job_with_the_same_id_while_the_first_runs() -> None:
    queue = InlineQueue(background=False)
    calls: list[str] = []

    def job(name: str) -> str:
        calls.append(name)
        if name == "outer":
            # Re-entrant enqueue of the same id while this one runs: dropped.
            assert queue.enqueue(job, "inner", job_id="same") is None
            assert queue.enqueue(job, "other-id", job_id="different") == "other-id"
        return name

    assert queue.enqueue(job, "outer", job_id="same") == "outer"
    assert calls == ["outer", "other-id"]
    assert queue.enqueue(job, "again", job_id="same") == "again"  # free once the first finished


def test_inline_queue_in_the_background_deduplicates_by_job_id() -> None:
    queue = InlineQueue(background=True)
    started, release = threading.Event(), threading.Event()
    calls: list[int] = []

    def slow(n: int) -> int:
        calls.append(n)
        started.set()
        assert release.wait(5)
        return n

    first = queue.enqueue(slow, 1, job_id="poll-source-1")
    assert started.wait(5)
    assert queue.enqueue(slow, 2, job_id="poll-source-1") is None
    release.set()
    assert first.result(timeout=5) == 1
    assert calls == [1]
    third = queue.enqueue(slow, 3, job_id="poll-source-1")
    assert third is not None and third.result(timeout=5) == 3
    with pytest.raises(ValueError):
        queue.enqueue(slow, 4, queue="no-such-queue")
