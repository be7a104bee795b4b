"""Export runs: the audit record of every export, created before any data leaves, and its progress."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from crm.db import utcnow
from crm.errors import NotFound
from crm.segments.export import validate_columns, validate_format
from crm.segments.models import ExportRun, Segment
from crm.segments.services import validate_rule
from crm.webhooks import events as webhook_events


def create_export(
    session: Session, segment: Segment, *, fmt: str, columns: Sequence[str], delimiter: str = ",",
    user_id: int | None = None, actor: str, channel: str = "web",
) -> ExportRun:
    """Record an export of ``segment`` (queued); the rule is copied so the record outlives edits."""
    fmt, delimiter = validate_format(fmt, delimiter)
    run = ExportRun(
        segment_id=segment.id, segment_name=segment.name,
        rule=validate_rule(session, segment.rule, segment_id=segment.id),
        user_id=user_id, actor=actor[:320], channel=channel, format=fmt, delimiter=delimiter,
        columns=validate_columns(columns), status="queued", total_rows=0, row_count=0,
    )
    session.add(run)
    session.flush()
    return run


def get_export(session: Session, run_id: int) -> ExportRun:
    """The export run with this id; NotFound otherwise."""
    run = session.get(ExportRun, run_id)
    if run is None:
        raise NotFound(f"There is no export {run_id}.")
    return run


def list_exports(session: Session, *, limit: int = 200, segment_id: int | None = None) -> Sequence[ExportRun]:
    """The newest export runs first (the audit page)."""
    stmt = select(ExportRun).order_by(ExportRun.id.desc()).limit(limit)
    if segment_id is not None:
        stmt = stmt.where(ExportRun.segment_id == segment_id)
    return session.scalars(stmt).all()


def mark_running(run: ExportRun, total_rows: int) -> None:
    """Started (or restarted after a crash: the file is written again from the start)."""
    run.status, run.total_rows, run.row_count, run.failure = "running", total_rows, 0, None
    run.started_at, run.finished_at = utcnow(), None


def mark_done(run: ExportRun, *, rows: int, path: str, size: int) -> None:
    """Finished: how many rows went out, and where the file is."""
    run.status, run.row_count, run.file_path, run.file_size = "done", rows, path, size
    run.finished_at = utcnow()
    session = object_session(run)
    if session is not None:
        webhook_events.export_finished(session, run)


def mark_failed(run: ExportRun, failure: str) -> None:
    """Failed with a reason; a partial file is never offered for download."""
    run.status, run.failure, run.file_path, run.finished_at = "failed", failure[:2000], None, utcnow()


def record_api_page(
    session: Session, segment: Segment, *, columns: Sequence[str], rows: int, user_id: int | None, actor: str,
) -> ExportRun:
    """Record one page of rows read through the JSON export endpoint (it is an export too)."""
    now = utcnow()
    run = ExportRun(
        segment_id=segment.id, segment_name=segment.name, rule=segment.rule, user_id=user_id, actor=actor[:320],
        channel="api", format="json", delimiter=",", columns=list(columns), status="done", total_rows=rows,
        row_count=rows, started_at=now, finished_at=now,
    )
    session.add(run)
    session.flush()
    return run
