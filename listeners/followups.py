"""Work that follows a committed ingest batch, enqueued after the commit, never before.

Every entry that ingests (a poll, a file import, the API) calls :func:`after_ingest` once per
committed batch. Each area adds its job to :data:`FOLLOW_UPS`; jobs take ids only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from crm.ingest import IngestResult
from listeners import runtime


def _follow_ups() -> list[tuple[Callable[..., Any], str, Callable[[IngestResult], tuple[Any, ...]]]]:
    """(job, queue, arguments from the result) for every follow-up; imported lazily."""
    jobs: list[tuple[Callable[..., Any], str, Callable[[IngestResult], tuple[Any, ...]]]] = []
    from listeners.inbox import triage_interactions

    jobs.append((triage_interactions, "default", lambda r: (list(r.new_ids),)))
    from listeners.alerts import evaluate_after_ingest

    # Alerts: recount the touched (scope, bucket) counters and evaluate those scopes' rules.
    jobs.append((evaluate_after_ingest, "alerts", lambda r: (list(r.new_ids),)))
    from listeners.identity import update_suggestions_for

    # Identity resolution: key the new identities, refresh suggestions, apply auto-merge rules.
    jobs.append((update_suggestions_for, "default", lambda r: (sorted(r.member_ids),)))
    return jobs


def after_ingest(result: IngestResult) -> None:
    """Enqueue every follow-up for a batch that has been committed (nothing if nothing was new)."""
    if not result.new:
        return
    queue = runtime.queue()
    for job, queue_name, args in _follow_ups():
        queue.enqueue(job, *args(result), queue=queue_name)
