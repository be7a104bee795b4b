"""SLA jobs: assignment and clocks after triage, the periodic check, escalation delivery.

The check claims warnings and breaches in one transaction; the e-mails and webhook posts go
out after its commit, through the same transports as alerts (listeners.delivery). A failed
send is recorded beside the escalation and not retried by the next check: the breach is
already visible in the inbox (escalation level "Team lead") and must never page twice.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from email.message import EmailMessage
from typing import Any

from crm.sla import checks
from crm.sla.intake import take_in
from crm.users.models import User
from listeners import runtime
from listeners.alerts import SEND_ERRORS
from listeners.delivery import _slack_escape, post_webhook, send_email
from listeners.runtime import transaction

log = logging.getLogger(__name__)
CHECK_SECONDS = 60.0


def take_in_interactions(interaction_ids: Sequence[int]) -> dict[str, int]:
    """After triage: round-robin the new items and start their SLA clocks."""
    with transaction() as s:
        result = take_in(s, list(interaction_ids))
    return {"assigned": result.assigned, "clocks": result.clocks}


def _item_url(item_id: int) -> str:
    return f"{runtime.get().settings.base_url.rstrip('/')}/inbox/{item_id}"


def escalation_email(e: checks.Escalation, user: User) -> EmailMessage:
    """The e-mail to the lead or on-call person, in their language and time zone."""
    from crm.locale import Speaker

    settings = runtime.get().settings
    s = Speaker(
        user.language or settings.default_language, user.timezone or settings.default_timezone
    )
    msg = EmailMessage()
    msg["Subject"] = s._(
        "SLA breached: inbox item %(id)s (%(platform)s)", id=e.item_id, platform=e.platform
    )
    msg["From"], msg["To"] = settings.mail_from, user.email
    msg.set_content(
        s._(
            "The response to inbox item %(id)s was due %(when)s (policy %(policy)s, team %(team)s).",
            id=e.item_id,
            when=s.when(e.due_at),
            policy=e.policy,
            team=e.team,
        )
        + f"\n\n{_item_url(e.item_id)}\n"
    )
    return msg


def escalation_body(e: checks.Escalation) -> dict[str, Any]:
    """A Slack-compatible body: our facts and a link, nothing a member wrote."""
    text = (
        f":rotating_light: SLA breached: inbox item {e.item_id} ({e.platform}), {e.kind} response due "
        f"{e.due_at:%Y-%m-%d %H:%M} UTC, policy {_slack_escape(e.policy)}, team {_slack_escape(e.team)}"
    )
    return {
        "text": text,
        "blocks": [
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": f"{text}\n<{_item_url(e.item_id)}|Open the item>",
                },
            }
        ],
    }


def deliver_escalation(e: checks.Escalation) -> str | None:
    """Send one escalation by e-mail (to the user, with SMTP_URL) and webhook; the error, if any."""
    settings = runtime.get().settings
    errors = []
    if e.user_id is not None and settings.smtp_url:
        with transaction() as s:
            user = s.get(User, e.user_id)
            msg = escalation_email(e, user) if user is not None and user.active else None
        if msg is not None:
            try:
                send_email(settings.smtp_url, msg)
            except SEND_ERRORS as exc:
                errors.append(f"e-mail: {type(exc).__name__}: {exc}")
    if e.webhook_url:
        try:
            post_webhook(e.webhook_url, escalation_body(e), allow=settings.outgoing_allow)
        except SEND_ERRORS as exc:
            errors.append(f"webhook: {type(exc).__name__}: {exc}")
    return "; ".join(errors) or None


def warning_email(item_id: int, user: User) -> EmailMessage:
    """"Nearly due" to the item's assignee, in their language."""
    from crm.locale import Speaker

    settings = runtime.get().settings
    s = Speaker(user.language or settings.default_language, user.timezone or settings.default_timezone)
    msg = EmailMessage()
    msg["Subject"] = s._("SLA warning: inbox item %(id)s is nearly due", id=item_id)
    msg["From"], msg["To"] = settings.mail_from, user.email
    msg.set_content(s._("The response target of this item is nearly reached.") + f"\n\n{_item_url(item_id)}\n")
    return msg


def send_warnings(warnings: Sequence[tuple[int, int | None]]) -> int:
    """E-mail each warned item's assignee (with SMTP_URL); the in-app badge needs nothing sent."""
    smtp_url = runtime.get().settings.smtp_url
    sent = 0
    for item_id, user_id in warnings:
        if not smtp_url or user_id is None:
            continue
        with transaction() as s:
            user = s.get(User, user_id)
            msg = warning_email(item_id, user) if user is not None and user.active else None
        if msg is None:
            continue
        try:
            send_email(smtp_url, msg)
            sent += 1
        except SEND_ERRORS as exc:  # a warning is a courtesy: the badge shows it; logged, not retried
            log.warning("SLA warning for item %s not e-mailed: %s", item_id, exc)
    return sent


def run_sla_checks() -> dict[str, int]:
    """The periodic job: clocks, settling, warnings, breaches; e-mails sent after the commit."""
    with transaction() as s:
        result = checks.run_checks(s)
    send_warnings(result.warnings)
    for e in result.escalations:
        error = deliver_escalation(e)
        if error:
            log.warning("SLA escalation of item %s not delivered: %s", e.item_id, error)
        with transaction() as s:
            checks.record_escalation_error(s, e.item_id, error)
    return {
        "started": result.started,
        "settled": result.settled,
        "warned": result.warned,
        "escalated": len(result.escalations),
    }


# Run by the dispatcher's PeriodicJobs (listeners.dispatcher): every minute.
PERIODIC = (("sla-check", run_sla_checks, CHECK_SECONDS, "default", False),)
