"""Bring the freshly loaded demo to life: team accounts, inbox, merge suggestions, alert history.

The demo's data arrives through the real import path (crm.demo.loader); this runs, once, the
work that follows ingest in production, over the whole history at once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from crm.alerts import counters
from crm.alerts.evaluation import evaluate_rules
from crm.errors import Conflict
from crm.identity.suggestions import rebuild_suggestions
from crm.inbox.services import add_team_account, triage, untriaged_ids
from crm.interactions.models import Interaction
from listeners.runtime import transaction

TEAM_ACCOUNTS = (("reddit", "nimbus_team"), ("x", "nimbus_team"), ("mastodon", "nimbus_team@fosstodon.org"))
HISTORY = timedelta(days=92)


def prepare_demo(now: datetime) -> list[str]:
    """Run the follow-up work over the demo's history; return one line per step for the CLI."""
    lines = []
    with transaction() as s:
        for platform, handle in TEAM_ACCOUNTS:
            try:
                add_team_account(s, platform=platform, handle=handle)
            except Conflict:
                pass
    created = handled = after = 0
    while True:
        with transaction() as s:
            ids = untriaged_ids(s, after_id=after, limit=2000)
            if not ids:
                break
            result = triage(s, ids)
            created, handled = created + result.created, handled + result.auto_handled
            after = ids[-1]
    lines.append(f"Inbox: {created} items needed a human; {handled} were answered by a team account.")
    with transaction() as s:
        found = rebuild_suggestions(s)
    lines.append(f"Identity: {found.created} merge suggestions, {len(found.auto_merges)} automatic merges.")
    since = now - HISTORY
    last = 0
    while True:
        with transaction() as s:
            ids = list(s.scalars(
                select(Interaction.id).where(Interaction.id > last).order_by(Interaction.id).limit(2000)
            ))
            if not ids:
                break
            counters.update_counters(s, ids)
            last = ids[-1]
    # Replay the alert rules through the history, half a day at a time (the evaluator catches
    # up at most a day of buckets per call), so the demo's outage shows as a past incident.
    opened, at = 0, since + timedelta(days=1)
    while at <= now:
        with transaction() as s:
            opened += len(evaluate_rules(s, at).opened)
        at += timedelta(hours=12)
    with transaction() as s:
        opened += len(evaluate_rules(s, now).opened)
    lines.append(f"Alerts: replayed 90 days of history, {opened} incident(s) opened.")
    return lines
