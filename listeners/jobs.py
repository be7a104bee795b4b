"""Jobs: module-level functions that take ids, re-fetch their rows and are safe to run twice.

Unknown exceptions propagate so RQ records the failure; a job never catches, logs and returns.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from connectors.files import ImportFileError, iter_file
from crm.imports import services as imports
from crm.imports.models import ImportRun
from listeners.followups import after_ingest
from listeners.runtime import get, transaction

log = logging.getLogger(__name__)


def import_file(run_id: int, on_progress: Callable[[ImportRun], None] | None = None) -> str:
    """Import the file of an ImportRun, one transaction per batch; resume after a crash."""
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
    with reader:
        try:
            for mentions, rejected, report, last in imports.batches(reader, size, origin=origin, skip_through=resume):
                with transaction() as s:
                    run = s.get(ImportRun, run_id)
                    if run is None:
                        return "deleted"
                    result = imports.apply_batch(
                        s, run, mentions, rejected, report, last_line=last,
                        bytes_read=reader.bytes_read, origin=origin,
                    )
                after_ingest(result)
                if on_progress:
                    on_progress(run)
        except ImportFileError as exc:
            with transaction() as s:
                imports.mark_finished(s.get(ImportRun, run_id), failure=str(exc))  # type: ignore[arg-type]
            return "failed"
    with transaction() as s:
        run = s.get(ImportRun, run_id)
        imports.mark_finished(run)  # type: ignore[arg-type]
        if run is not None and run.new_count >= 10_000:
            imports.refresh_statistics(s)
        if on_progress:
            on_progress(run)  # type: ignore[arg-type]
    return "done"
