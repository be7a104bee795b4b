"""Import runs: created, marked running and finished, and the planner statistics after one.

The loop that feeds a file's lines through ingest is listeners/imports.py.
"""

from __future__ import annotations

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from crm.db import utcnow
from crm.errors import InvalidInput
from crm.imports.models import ImportRun

FORMATS = ("jsonl", "csv")


def create_run(
    session: Session, *, filename: str, fmt: str, stored_path: str | None, total_bytes: int,
    user_id: int | None = None,
) -> ImportRun:
    """Record a new import run (status queued)."""
    if fmt not in FORMATS:
        raise InvalidInput(f"The format must be one of {', '.join(FORMATS)}.", field="format")
    run = ImportRun(
        filename=filename[:500], format=fmt, stored_path=stored_path, total_bytes=total_bytes,
        created_by_id=user_id, status="queued", errors=[],
    )
    session.add(run)
    session.flush()
    return run


def refresh_statistics(session: Session) -> None:
    """Refresh the planner's statistics after a large import.

    PostgreSQL's search picks its query shape from the column statistics of search_vector
    (crm.interactions.search); before autovacuum catches up, every word looks rare.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("ANALYZE interactions"))
        session.execute(text("ANALYZE members"))
    else:
        session.execute(text("PRAGMA optimize"))


def mark_running(run: ImportRun) -> None:
    """The run has started (or restarted after a crash)."""
    run.status = "running"
    run.started_at = run.started_at or utcnow()
    run.heartbeat_at = utcnow()


def mark_finished(run: ImportRun, failure: str | None = None) -> None:
    """The run is done, or failed with a reason a user can read."""
    run.status = "failed" if failure else "done"
    run.failure = failure
    run.finished_at = utcnow()
    if not failure:
        run.processed_bytes = run.total_bytes


def recent_runs(session: Session, limit: int = 50) -> list[ImportRun]:
    """The latest import runs, newest first."""
    return list(session.scalars(select(ImportRun).order_by(ImportRun.id.desc()).limit(limit)))
