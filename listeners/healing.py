"""Healing: take up, without a person, what a crashed process or a lost queue left behind.

Run by the dispatcher every few seconds (``crm scheduler``, or the thread in ``crm serve``).
Everything that must survive is in the database, so each case is found there and checked
against the queue, which knows whether a live job is on it:

- a source leased for longer than HEAL_AFTER_SECONDS whose poll job is neither queued nor
  running on a live worker (Redis flushed, a worker killed mid-poll, an enqueue that failed):
  the lease is released and its unfinished poll closed as "crashed", so the next tick polls it;
- an import run queued or running whose heartbeat is older than HEAL_AFTER_SECONDS and that has
  no live job: enqueued again; it resumes after its last committed line;
- outbox rows waiting for a drain: the drain is enqueued (a crash between a batch's commit and
  its enqueue, or Redis down at that moment).

On RQ the registries' own maintenance runs first, so an abandoned job with retries left is
retried by RQ itself.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from crm.db import utcnow
from crm.imports.models import ImportRun
from crm.outbox import services as outbox
from crm.sources import services as sources
from crm.sources.models import PollRun, Source
from listeners.followups import DRAIN_JOB_ID, DRAIN_RETRY, drain_followups
from listeners.jobs import enqueue_import, import_job_id
from listeners.polling import poll_job_id
from listeners.runtime import get, transaction

log = logging.getLogger(__name__)
# Outbox rows younger than this are left to the kick of the process that wrote them.
OUTBOX_GRACE = timedelta(seconds=2)


@dataclass
class Healed:
    """What one healing step took up."""

    leases: int = 0
    crashed_polls: int = 0
    imports: int = 0
    drains: int = 0


def heal(queue: Any, now: datetime | None = None) -> Healed:
    """One healing step (see the module docstring); returns what it did."""

    now = now or utcnow()
    after = timedelta(seconds=get().settings.heal_after_seconds)
    done = Healed()
    clean_up = getattr(queue, "clean_up", None)
    if clean_up is not None:
        clean_up()

    with transaction() as s:
        leased = sources.leases_taken_before(s, now - after, now)
    for source_id in leased:
        if queue.is_active(poll_job_id(source_id)):
            continue
        with transaction() as s:
            done.crashed_polls += sources.reclaim_lease(s, source_id)
        done.leases += 1
        log.warning("source %s: its lease had no live poll behind it; released", source_id)
    with transaction() as s:
        # A poll record left open on a source nobody holds (its crash handler could not write).
        done.crashed_polls += _close_orphaned_polls(s, now - after)

    with transaction() as s:
        stale = s.scalars(
            select(ImportRun.id).where(
                ImportRun.status.in_(("queued", "running")),
                func.coalesce(ImportRun.heartbeat_at, ImportRun.created_at) < now - after,
            )
        ).all()
    for run_id in stale:
        if queue.is_active(import_job_id(run_id)):
            continue
        enqueue_import(queue, run_id)
        done.imports += 1
        log.warning("import run %s: no live job and no heartbeat since %s; resumed", run_id, after)

    with transaction() as s:
        waiting = outbox.waiting(s, now=now, older_than=OUTBOX_GRACE)
    if waiting and not queue.is_active(DRAIN_JOB_ID):
        queue.enqueue(drain_followups, queue="default", job_id=DRAIN_JOB_ID, retry=DRAIN_RETRY)
        done.drains += 1
    return done


def _close_orphaned_polls(session: Any, started_before: datetime) -> int:

    orphaned = session.scalars(
        select(PollRun.source_id).join(Source, Source.id == PollRun.source_id)
        .where(PollRun.finished_at.is_(None), PollRun.started_at < started_before, Source.lease_until.is_(None))
        .distinct()
    ).all()
    return sum(
        sources.close_crashed_runs(session, source_id=sid, started_before=started_before) for sid in orphaned
    )
