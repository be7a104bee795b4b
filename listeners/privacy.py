"""Privacy jobs: the daily retention run, in short batches that let ingest write in between."""

from __future__ import annotations

import logging
import time

from crm.db import utcnow
from crm.privacy import retention
from crm.privacy.audit import record
from listeners.runtime import transaction

log = logging.getLogger(__name__)
RETENTION_JOB_ID = "privacy-retention"
# A breath between batches so a waiting ingest transaction gets the (SQLite) write lock.
PAUSE_SECONDS = 0.05


def run_retention(*, force: bool = False, batch: int = retention.BATCH) -> dict[str, int]:
    """Apply every policy due today (or every policy, ``force``); the number deleted per policy."""
    now = utcnow()
    with transaction() as s:
        ids = [p.id for p in retention.list_policies(s)] if force else retention.due_policies(s, now=now)
    done: dict[str, int] = {}
    for pid in ids:
        total, after = 0, 0
        while True:
            with transaction() as s:
                done_now = retention.delete_batch(s, pid, now=now, limit=batch, after_id=after)
            retention.unlink_quietly(done_now.files)  # after the commit: a rollback keeps its files
            total, after = total + done_now.deleted, done_now.last_id
            if done_now.deleted < batch:
                break
            time.sleep(PAUSE_SECONDS)
        with transaction() as s:
            retention.finish_run(s, pid, total, now=now)
            if total:
                record(s, "retention_run", actor="retention job", channel="job", subject=f"policy #{pid}",
                       detail={"deleted": total})
        done[str(pid)] = total
        log.info("retention policy %s: %d deleted", pid, total)
    return done


# (job id, function, every N seconds, queue, delay the first run): see listeners.dispatcher.
# Hourly, but each policy runs once a day (retention.RUN_EVERY): a restart never skips a day.
PERIODIC = ((RETENTION_JOB_ID, run_retention, 3600.0, "default", False),)
