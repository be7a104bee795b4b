"""Inbox jobs: triage new interactions (auto-handling on team replies), wake snoozed items,
deliver due reminders. Each takes ids or nothing, re-reads the database, and is safe to run twice.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict
from datetime import datetime
from typing import Any

from crm.inbox import reminders, services
from crm.inbox.triage import TriageResult, triage
from crm.replies.services import reconcile_from_team_posts
from listeners.runtime import get, transaction


def triage_interactions(interaction_ids: Sequence[int]) -> dict[str, int]:
    """Put new interactions that need a human into the inbox; team replies handle items."""
    with transaction() as s:
        result = triage(s, list(interaction_ids))
        # Our own reply polled back settles a send whose outcome we could not read ("unknown").
        reconcile_from_team_posts(s, list(interaction_ids))
    return asdict(result)


def triage_backlog(
    since: datetime | None = None, batch: int = 2000,
    on_batch: Callable[[TriageResult], Any] | None = None,
) -> TriageResult:
    """Triage every interaction not yet triaged (since ``since``), one transaction per batch.

    Idempotent and resumable: a crash repeats at most one batch, which is a no-op.
    ``on_batch`` gets the running totals after each batch (for a progress line).
    """
    after, totals = 0, TriageResult()
    while True:
        with transaction() as s:
            ids = services.untriaged_ids(s, after_id=after, since=since, limit=batch)
            if not ids:
                return totals
            r = triage(s, ids)
        after = ids[-1]
        totals.seen += r.seen
        totals.created += r.created
        totals.auto_handled += r.auto_handled
        if on_batch is not None:
            on_batch(totals)


def wake_snoozed_items() -> int:
    """Reopen items whose snooze ran out."""
    with transaction() as s:
        return services.wake_snoozed(s)


def deliver_due_reminders(
    send: Callable[[reminders.ReminderMessage], Any] | None = None, now: datetime | None = None,
) -> list[int]:
    """Deliver every due reminder once; returns the ids delivered.

    In-app delivery is the ``delivered_at`` mark itself (My tasks and its badge show it). Other
    channels pass ``send`` (e.g. an e-mail sender): it is called after the claim is committed,
    once per reminder, so a failing sender never re-delivers the in-app notice.
    """
    with transaction() as s:
        ids = reminders.claim_due_reminders(s, now)
    if send is not None:
        for reminder_id in ids:
            with transaction() as s:
                message = reminders.reminder_message(s, reminder_id)
            if message is not None:
                send(message)
    return ids


def email_reminder(message: reminders.ReminderMessage) -> None:
    """Send a due reminder to its user over SMTP_URL, like an alert."""
    from email.message import EmailMessage

    from listeners.delivery import send_email

    settings = get().settings
    if not settings.smtp_url:
        return
    from crm.locale import Speaker

    s = Speaker(message.language or settings.default_language, message.timezone or settings.default_timezone)
    msg = EmailMessage()
    msg["Subject"] = s._("Reminder: check in with %(name)s", name=message.member_name)
    msg["From"] = settings.mail_from
    msg["To"] = message.user_email
    msg.set_content(
        s._("Hello %(name)s,", name=message.user_name) + "\n\n"
        + s._("you asked to be reminded (due %(when)s):", when=s.when(message.due_at)) + "\n\n"
        + (message.note or s._("(no note)")) + f"\n\n{settings.base_url.rstrip('/')}{message.path}\n"
    )
    send_email(settings.smtp_url, msg)


def run_due_work() -> dict[str, int]:
    """The periodic part of the inbox (``crm inbox due`` from cron, or a scheduler tick).

    Reminders are delivered in-app (My tasks) and, with SMTP_URL set, by e-mail to their user.
    """
    woke = wake_snoozed_items()
    delivered = deliver_due_reminders(send=email_reminder if get().settings.smtp_url else None)
    return {"woke": woke, "delivered": len(delivered)}


# Run by the dispatcher's PeriodicJobs: reopen expired snoozes and deliver due reminders.
PERIODIC = (("inbox-due", run_due_work, 60.0, "default", False),)
