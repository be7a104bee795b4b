"""Give the freshly imported demo a past: what a team that has used the product for a while
would have done, and the alert rules replayed through the 90 days as they would have run live.

The work that follows ingest (inbox triage, alert counters, merge suggestions) already ran
during the import, as follow-ups of the import job; nothing here repeats it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from crm.alerts.evaluation import evaluate_rules
from crm.errors import DomainError
from crm.identities.models import MergeSuggestion
from crm.identities.services import merge_suggestion
from crm.inbox.actions import mark_handled
from crm.inbox.models import InboxItem
from crm.users.models import User
from demo.loader import DEMO_EMAIL
from demo.sla import settle_sla
from listeners.runtime import transaction

HISTORY = timedelta(days=92)
REPLAY_STEP = timedelta(hours=12)
# The team merged the clearest suggestions earlier; the rest wait on the merge page.
MERGED_SHARE = 0.5


def _admin_id() -> int | None:
    with transaction() as s:
        return s.scalar(select(User.id).where(User.email == DEMO_EMAIL))


def handle_old_items(now: datetime) -> str:
    """Items older than two weeks were handled, each a few minutes to a day after it arrived
    (so the inbox metrics have response times)."""
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
        still_open = s.scalar(select(InboxItem.id).where(InboxItem.status == "open").limit(1))
    return (f"Inbox: {len(old)} items older than two weeks marked handled by the demo team"
            f"{'' if still_open else ' (none left open)'}.")


def merge_clear_suggestions() -> str:
    """Accept the best-scored half of the open merge suggestions, as the team did before.

    Having merged two accounts of someone, the team also merges that person's third account
    when it is suggested just as clearly (the merge moved that suggestion to the kept member).
    """
    admin_id = _admin_id()
    with transaction() as s:
        found = list(s.execute(
            select(MergeSuggestion.id, MergeSuggestion.score).where(MergeSuggestion.status == "open")
            .order_by(MergeSuggestion.score.desc(), MergeSuggestion.id)
        ))
    merged = 0
    for suggestion_id, score in found[: int(len(found) * MERGED_SHARE)]:
        try:
            with transaction() as s:
                kept = merge_suggestion(s, suggestion_id, actor_id=admin_id, reason="Merged by the demo team").kept_member_id
                third = s.scalar(select(MergeSuggestion.id).where(
                    MergeSuggestion.status == "open", MergeSuggestion.score >= score - 0.1,
                    (MergeSuggestion.member_a_id == kept) | (MergeSuggestion.member_b_id == kept),
                ).order_by(MergeSuggestion.score.desc()).limit(1))
            merged += 1
            if third is not None:
                with transaction() as s:
                    merge_suggestion(s, third, actor_id=admin_id, reason="Merged by the demo team")
                merged += 1
        except DomainError:  # an earlier merge in this loop already took one of its members
            continue
    with transaction() as s:
        left = s.scalar(select(func.count()).select_from(MergeSuggestion).where(MergeSuggestion.status == "open"))
    return f"Identity: {len(found)} merge suggestions; the demo team merged {merged}, {left} wait for review."


def replay_alerts(now: datetime) -> str:
    """Evaluate the alert rules through the history, half a day at a time (the evaluator
    catches up at most a day of buckets per call), so past incidents are in the history and
    what is going on now is open."""
    opened, at = 0, now - HISTORY + timedelta(days=1)
    while at <= now:
        with transaction() as s:
            opened += len(evaluate_rules(s, at).opened)
        at += REPLAY_STEP
    with transaction() as s:
        opened += len(evaluate_rules(s, now).opened)
    return f"Alerts: replayed 90 days of history, {opened} incident(s) opened."


def prepare_demo(now: datetime) -> list[str]:
    """Give the demo its past; one line per step for the CLI."""
    return [handle_old_items(now), merge_clear_suggestions(), replay_alerts(now), *settle_sla(now)]
