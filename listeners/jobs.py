"""Jobs: module-level functions that take ids, re-fetch their rows and are safe to run twice.

Unknown exceptions propagate so RQ records the failure; a job never catches, logs and returns.
A lost database connection is not unknown: imports wait for the database with a back-off and
resume after the last committed line (polls are simply polled again).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from sqlalchemy.exc import DBAPIError, OperationalError

from connectors.files import ImportFileError, iter_file
from crm.db import utcnow
from crm.imports import services as imports
from crm.imports.models import ImportRun
from listeners import imports as import_loop
from listeners.followups import kick
from listeners.queue import RetryPolicy
from listeners.runtime import get, transaction

log = logging.getLogger(__name__)
IMPORT_RETRY = RetryPolicy(max=5, intervals=(10, 30, 60, 120, 300))
# How long an import waits for a database that went away before it gives up (and RQ retries).
DB_WAIT_SECONDS = 300.0
# Inline (no Redis), follow-ups run in this process: drain once per this many new interactions,
# so one drain step covers several batches (the outbox merges them). With Redis every batch
# kicks the drain at once, and a busy drainer coalesces on its own.
COALESCE_INLINE = 10_000


def import_job_id(run_id: int) -> str:
    """The deterministic job id of an import run (one job per run at a time)."""
    return f"import-run-{run_id}"


def is_connection_lost(exc: BaseException) -> bool:
    """The database went away (restart, failover, a killed backend): worth waiting for."""
    if isinstance(exc, OperationalError):
        return True
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)


def import_file(run_id: int, on_progress: Callable[[ImportRun], None] | None = None) -> str:
    """Import the file of an ImportRun, one transaction per batch; resume after a crash.

    A dropped database connection is waited out (back-off up to DB_WAIT_SECONDS) and the
    import resumes after its last committed line. Any other error marks the run failed with
    the reason and propagates.
    """
    waited, pause = 0.0, 1.0
    while True:
        try:
            return _import(run_id, on_progress)
        except Exception as exc:
            if is_connection_lost(exc) and waited < DB_WAIT_SECONDS:
                log.warning("import %s: database unavailable (%s); retrying in %.0f s",
                            run_id, type(exc).__name__, pause)
                time.sleep(pause)
                waited += pause
                pause = min(pause * 2, 30.0)
                continue
            if not is_connection_lost(exc):
                _mark_failed(run_id, f"{type(exc).__name__}: {exc}")
            raise


def _mark_failed(run_id: int, reason: str) -> None:
    with transaction() as s:
        run = s.get(ImportRun, run_id)
        if run is not None and run.status != "done":
            imports.mark_finished(run, failure=f"Unexpected error: {reason[:1000]}")


def _import(run_id: int, on_progress: Callable[[ImportRun], None] | None) -> str:
    with transaction() as s:
        run = s.get(ImportRun, run_id)
        if run is None or run.status in ("done", "failed"):
            return "nothing to do"
        imports.mark_running(run)
        path, fmt, name, resume = run.stored_path, run.format, run.filename, run.lines_read
    origin = f"import:{name}"
    size = get().settings.ingest_batch_size
    try:
        reader = iter_file(path, fmt)  # type: ignore[arg-type]
    except (ImportFileError, OSError) as exc:
        with transaction() as s:
            imports.mark_finished(s.get(ImportRun, run_id), failure=str(exc))  # type: ignore[arg-type]
        return "failed"
    unkicked = 0  # new interactions whose follow-ups have not been kicked yet
    with reader:
        try:
            for mentions, rejected, report, last in import_loop.batches(reader, size, origin=origin, skip_through=resume):
                with transaction() as s:
                    run = s.get(ImportRun, run_id)
                    if run is None:
                        return "deleted"
                    result = import_loop.apply_batch(
                        s, run, mentions, rejected, report, last_line=last,
                        bytes_read=reader.bytes_read, origin=origin,
                    )
                    run.heartbeat_at = utcnow()
                unkicked += result.new
                if unkicked and (not get().settings.jobs_inline or unkicked >= COALESCE_INLINE):
                    kick()
                    unkicked = 0
                if on_progress:
                    on_progress(run)
        except ImportFileError as exc:
            with transaction() as s:
                imports.mark_finished(s.get(ImportRun, run_id), failure=str(exc))  # type: ignore[arg-type]
            return "failed"
    if unkicked:
        kick()
    with transaction() as s:
        run = s.get(ImportRun, run_id)
        imports.mark_finished(run)  # type: ignore[arg-type]
        if run is not None and run.new_count >= 10_000:
            imports.refresh_statistics(s)
        if on_progress:
            on_progress(run)  # type: ignore[arg-type]
    return "done"


def enqueue_import(queue: object, run_id: int) -> object:
    """Put an import run on the ingest queue: one job per run, retried, resumable."""
    return queue.enqueue(  # type: ignore[attr-defined]
        import_file, run_id, queue="ingest", job_id=import_job_id(run_id), job_timeout=6 * 3600,
        retry=IMPORT_RETRY,
    )
