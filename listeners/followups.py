"""The work that follows a committed ingest batch, drained from the outbox (crm.outbox).

``ingest_batch`` writes each batch's follow-ups into the outbox in the batch's own transaction;
whoever committed the batch then calls :func:`kick` (or the dispatcher's healing step does, for
rows left behind by a crash or a lost enqueue). :func:`drain_followups` claims waiting rows,
merges their work (one step covers many small batches) and runs every follow-up:

1. inbox triage of the new interactions (listeners.inbox), then the assignment rules and SLA
   clocks of the items it made (listeners.sla);
2. alert counters for the touched scopes and buckets, and evaluation of their rules;
3. identity keys and merge suggestions for the members involved;
4. mention.created webhook deliveries, in batches (listeners.webhooks).

Each follow-up is idempotent (upserts, recounts, UNIQUE keys), so a drain that dies half way
and is repeated changes nothing twice. A failing drain gives its rows back with a back-off and
raises, so RQ records the failure and retries it.
"""

from __future__ import annotations

import logging
from typing import Any

from crm.outbox import services as outbox
from listeners import runtime
from listeners.alerts import evaluate_after_ingest
from listeners.identity import update_suggestions_for
from listeners.inbox import triage_interactions
from listeners.queue import RetryPolicy
from listeners.runtime import transaction
from listeners.sla import take_in_interactions
from listeners.webhooks import emit_mentions

log = logging.getLogger(__name__)
DRAIN_JOB_ID = "drain-followups"
DRAIN_RETRY = RetryPolicy(max=3, intervals=(5, 30, 120))
# One drain job stops after this many steps and hands over to the next (fairness on RQ).
MAX_STEPS = 50


def run_followups(interaction_ids: list[int], member_ids: list[int]) -> dict[str, Any]:
    """Every follow-up for these interactions and members, each in its own transaction."""

    return {
        "inbox": triage_interactions(interaction_ids),
        "sla": take_in_interactions(interaction_ids),  # assignment rules and SLA clocks of the new items
        "alerts": evaluate_after_ingest(interaction_ids),
        "identity": update_suggestions_for(member_ids),
        "webhooks": emit_mentions(interaction_ids),
    }


def drain_followups() -> dict[str, int]:
    """Claim and run waiting follow-ups until none are left (or MAX_STEPS); the counts done."""
    done = {"rows": 0, "interactions": 0}
    for _ in range(MAX_STEPS):
        with transaction() as s:
            claimed = outbox.claim(s)
        if not claimed.ids:
            return done
        try:
            run_followups(claimed.interaction_ids, claimed.member_ids)
        except Exception as exc:
            with transaction() as s:
                outbox.give_back(s, claimed.ids, f"{type(exc).__name__}: {exc}")
            raise
        with transaction() as s:
            outbox.finish(s, claimed.ids)
        done["rows"] += len(claimed.ids)
        done["interactions"] += len(claimed.interaction_ids)
    kick()  # more waiting: hand over to a fresh job
    return done


def kick() -> None:
    """Make sure a drain runs soon (after a commit that wrote outbox rows)."""
    try:
        runtime.queue().enqueue(drain_followups, queue="default", job_id=DRAIN_JOB_ID, retry=DRAIN_RETRY)
    except Exception:  # noqa: BLE001 - the rows are committed; the dispatcher re-enqueues the drain
        log.warning("could not enqueue the follow-up drain; the dispatcher will", exc_info=True)
