"""Retention: uploaded import files and export files are deleted RETENTION_DAYS after they
were finished with. Personal data in bulk should not lie on a disk forever.

Run hourly by the dispatcher (a periodic job) and by ``crm files purge``. An upload is only
deleted once its import is done or failed (a queued or running import still reads it); its
run keeps the report, its ``stored_path`` is cleared. An export's run stays in the audit
history without its file. Files in the two folders that no run names (a crash between saving
and recording) are deleted by age. RETENTION_DAYS=0 keeps everything.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.db import utcnow
from crm.imports.models import ImportRun
from crm.segments.models import ExportRun
from listeners.runtime import get, transaction

log = logging.getLogger(__name__)


@dataclass
class Purged:
    """What one retention run deleted."""

    uploads: int = 0
    exports: int = 0
    orphans: int = 0


def _delete(path_text: str | None, root: Path) -> bool:
    """Delete a file if it lies directly in ``root``; True if it was there."""
    if not path_text:
        return False
    path = Path(path_text).resolve()
    if path.parent != root.resolve():
        return False  # written elsewhere (a CLI export to a path of the user's): not ours
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True


def purge_files(session: Session, data_dir: Path, retention_days: int, now: datetime | None = None) -> Purged:
    """Delete uploads and exports finished more than ``retention_days`` ago (see module doc)."""
    done = Purged()
    if retention_days <= 0:
        return done
    now = now or utcnow()
    cutoff = now - timedelta(days=retention_days)
    uploads, exports = data_dir / "uploads", data_dir / "exports"
    for run in session.scalars(select(ImportRun).where(
        ImportRun.status.in_(("done", "failed")), ImportRun.stored_path.is_not(None),
        ImportRun.created_at < cutoff,
    )):
        if (run.finished_at or run.created_at) < cutoff:
            done.uploads += _delete(run.stored_path, uploads)
            run.stored_path = None
    for export in session.scalars(select(ExportRun).where(
        ExportRun.file_path.is_not(None), ExportRun.created_at < cutoff,
    )):
        if export.status in ("done", "failed") and (export.finished_at or export.created_at) < cutoff:
            done.exports += _delete(export.file_path, exports)
            export.file_path = None
    session.flush()
    # Files no run names any more, by their age on disk.
    named = {Path(p).resolve() for p in session.scalars(select(ImportRun.stored_path).where(
        ImportRun.stored_path.is_not(None)))}
    named |= {Path(p).resolve() for p in session.scalars(select(ExportRun.file_path).where(
        ExportRun.file_path.is_not(None)))}
    oldest = time.time() - retention_days * 86400
    for folder in (uploads, exports):
        if not folder.is_dir():
            continue
        for path in folder.iterdir():
            if path.is_file() and path.resolve() not in named and path.stat().st_mtime < oldest:
                path.unlink(missing_ok=True)
                done.orphans += 1
    return done


def purge_old_files() -> Purged:
    """The periodic job: one retention run in its own transaction."""
    settings = get().settings
    with transaction() as session:
        done = purge_files(session, settings.data_dir, settings.retention_days)
    if done.uploads or done.exports or done.orphans:
        log.info("retention: deleted %s uploads, %s exports, %s stray files", done.uploads, done.exports, done.orphans)
    return done


PERIODIC = (("purge-old-files", purge_old_files, 3600.0, "default", False),)
