"""Bring the freshly loaded demo to life: team accounts, inbox, merge suggestions, alert history.

The demo's data arrives through the real import path (demo.loader); this runs, once, the
work that follows ingest in production, over the whole history at once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from crm.alerts import counters
from crm.alerts.evaluation import evaluate_rules
from crm.errors import Conflict
from crm.identities.suggestions import rebuild_suggestions
from crm.inbox.actions import mark_handled
from crm.inbox.models import InboxItem
from crm.inbox.services import add_team_account
from crm.interactions.models import Interaction
from crm.users.models import User
from demo.loader import DEMO_EMAIL
from listeners.inbox import triage_backlog
from listeners.runtime import transaction

TEAM_ACCOUNTS = (("reddit", "nimbus_team"), ("x", "nimbus_team"), ("mastodon", "nimbus_team@fosstodon.org"))
HISTORY = timedelta(days=92)


def _handle_old_items(now: datetime) -> str:
    """A team that has used the product for a while: items older than two weeks were handled,
    each a few minutes to a day after it arrived (so the metrics have response times)."""
    with transaction() as s:
        admin = s.scalar(select(User).where(User.email == DEMO_EMAIL))
        if admin is None:
            return "Inbox: no demo user; nothing marked handled."
        old = s.execute(
            select(InboxItem.id, InboxItem.occurred_at)
            .where(InboxItem.status == "open", InboxItem.occurred_at < now - timedelta(days=14))
        ).all()
        for item_id, occurred_at in old:
            delay = timedelta(minutes=20 + (item_id * 7919) % 1400)
            mark_handled(s, [item_id], actor=admin, now=occurred_at + delay)
    return f"Inbox: {len(old)} items older than two weeks marked handled by the demo team."


def prepare_demo(now: datetime) -> list[str]:
    """Run the follow-up work over the demo's history; return one line per step for the CLI."""
    lines = []
    with transaction() as s:
        for platform, handle in TEAM_ACCOUNTS:
            try:
                add_team_account(s, platform=platform, handle=handle)
            except Conflict:
                pass
    totals = triage_backlog()
    lines.append(f"Inbox: {totals.created} items needed a human; {totals.auto_handled} were answered by a team account.")
    lines.append(_handle_old_items(now))
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
