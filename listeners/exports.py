"""The export job: write a segment's members to a file, a chunk per short transaction, with progress.

``export_segment(run_id)`` is what the web enqueues after committing the ExportRun; the CLI
calls :func:`run_export` directly with its own output path. Running a run twice is safe: a
finished run is left alone, an interrupted one is written again from the start, to a
temporary name that replaces the file only when complete.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from crm.db import chunks
from crm.segments import runs
from crm.segments.export import CHUNK as EXPORT_CHUNK
from crm.segments.export import collect_member_ids, fetch_rows, open_writer
from crm.segments.models import ExportRun
from crm.users.models import User
from listeners.runtime import get, transaction

log = logging.getLogger(__name__)
PROGRESS_EVERY_S = 0.5


def exports_dir() -> Path:
    """DATA_DIR/exports, where web exports are written and downloaded from."""
    path = get().settings.data_dir / "exports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def export_segment(run_id: int) -> str:
    """Job: export the run's segment to DATA_DIR/exports; returns the final status."""
    return run_export(run_id)


def enqueue_export(queue: Any, run_id: int) -> None:
    """Queue the job of a committed ExportRun (the web form and the API both start exports so)."""
    queue.enqueue(export_segment, run_id, queue="default", job_id=f"export-{run_id}", job_timeout=3 * 3600)


def run_export(
    run_id: int, *, target: Path | None = None, on_progress: Callable[[int, int], None] | None = None
) -> str:
    """Write the export of ``run_id`` to ``target`` (default: DATA_DIR/exports/export-<id>.<format>)."""
    factory = get().session_factory
    with transaction() as s:
        run = s.get(ExportRun, run_id)
        if run is None or run.status in ("done", "failed"):
            return "nothing to do"
        rule, segment_id, fmt = run.rule, run.segment_id, run.format
        columns, delimiter = list(run.columns), run.delimiter
        user = s.get(User, run.user_id) if run.user_id else None
        language = (user.language if user else None) or get().settings.default_language
    target = target or exports_dir() / f"export-{run_id}.{fmt}"
    partial = target.with_name(target.name + ".part")
    try:
        with factory() as s:
            ids = collect_member_ids(s, rule, segment_id=segment_id)
        with transaction() as s:
            runs.mark_running(_run(s, run_id), len(ids))
        writer = open_writer(fmt, partial, columns, delimiter, language)
        written, reported = 0, time.monotonic()
        try:
            for chunk in chunks(ids, EXPORT_CHUNK):
                with factory() as s:
                    rows = fetch_rows(s, chunk, columns)
                writer.write(rows)
                written += len(rows)
                if on_progress:
                    on_progress(written, len(ids))
                if time.monotonic() - reported >= PROGRESS_EVERY_S:
                    with transaction() as s:
                        _run(s, run_id).row_count = written
                    reported = time.monotonic()
        finally:
            writer.close()
        partial.replace(target)
    except Exception as exc:
        # Record why, then fail loudly so RQ (or the CLI) shows the error too.
        partial.unlink(missing_ok=True)
        with transaction() as s:
            found = s.get(ExportRun, run_id)
            if found is not None:
                runs.mark_failed(found, f"{type(exc).__name__}: {exc}")
        raise
    with transaction() as s:
        runs.mark_done(_run(s, run_id), rows=written, path=str(target), size=target.stat().st_size)
    log.info("export %s: %s rows to %s", run_id, written, target)
    return "done"


def _run(session: Session, run_id: int) -> ExportRun:
    run = session.get(ExportRun, run_id)
    if run is None:
        raise LookupError(f"export run {run_id} was deleted while it ran")
    return run
