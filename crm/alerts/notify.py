"""Who hears about an alert event, over which channel, now or in the digest.

In-app needs no delivery: every alert is on the alerts page and in the badge. E-mail and
webhook deliveries are rows, created in the evaluation's transaction and sent by a job after
the commit. Warning and crisis go out at once; watch waits for the digest. A rule-wide mute or
a recipient's own mute still records the delivery (as "muted"), so the log says who was spared.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from crm.alerts.models import Alert, AlertEvent, AlertMute, AlertRule, Delivery, DeliveryAttempt
from crm.alerts.notices import Notice, notice
from crm.db import utcnow
from crm.errors import Conflict, NotFound
from crm.users.models import User

IMMEDIATE = frozenset({"warning", "crisis"})
DEFAULT_RECIPIENT_ROLES = ("admin", "manager")


def recipients(session: Session, rule: AlertRule) -> list[tuple[str, int | None]]:
    """(e-mail, user id or None) of everyone a rule's e-mails go to."""
    users = {
        u.email.lower(): u.id
        for u in session.scalars(select(User).where(User.active.is_(True)))
    }
    if rule.recipients:
        return [(email, users.get(email.lower())) for email in rule.recipients]
    stmt = select(User).where(User.active.is_(True), User.role.in_(DEFAULT_RECIPIENT_ROLES))
    return [(u.email, u.id) for u in session.scalars(stmt.order_by(User.id))]


def muted_users(session: Session, rule_id: int, now: datetime) -> set[int]:
    """Users who muted this rule (or every rule) and whose mute has not run out."""
    stmt = select(AlertMute.user_id).where(
        or_(AlertMute.rule_id == rule_id, AlertMute.rule_id.is_(None)),
        or_(AlertMute.until.is_(None), AlertMute.until > now),
    )
    return set(session.scalars(stmt))


def wants_notice(alert: Alert, event: AlertEvent) -> bool:
    """Resolution is news only for alerts that were loud enough to be sent at once."""
    return event.kind != "resolved" or alert.severity in IMMEDIATE


def create_deliveries(
    session: Session, rule: AlertRule, alert: Alert, event: AlertEvent, now: datetime
) -> list[int]:
    """Delivery rows for one event; returns the ids to send now (not digest, not muted)."""
    if not wants_notice(alert, event):
        return []
    status = "pending" if alert.severity in IMMEDIATE else "digest"
    if rule.is_muted(now):
        status = "muted"
    rows: list[Delivery] = []
    if "email" in rule.channels:
        muted = muted_users(session, rule.id, now)
        for email, user_id in recipients(session, rule):
            own = "muted" if user_id is not None and user_id in muted else status
            rows.append(_row(alert, event, "email", email, own, now))
    if "webhook" in rule.channels and rule.webhook_url:
        row = _row(alert, event, "webhook", rule.webhook_url, status, now)
        row.webhook_format = rule.webhook_format
        rows.append(row)
    session.add_all(rows)
    session.flush()
    return [r.id for r in rows if r.status == "pending"]


def _row(
    alert: Alert, event: AlertEvent, channel: str, target: str, status: str, now: datetime
) -> Delivery:
    return Delivery(
        alert_id=alert.id, event_id=event.id, channel=channel, target=target, status=status,
        created_at=now,
    )


def digest_groups(session: Session) -> dict[tuple[str, str, str | None], list[Delivery]]:
    """Deliveries waiting for the digest, grouped by (channel, target, webhook format)."""
    groups: dict[tuple[str, str, str | None], list[Delivery]] = defaultdict(list)
    stmt = select(Delivery).where(Delivery.status == "digest").order_by(Delivery.id)
    for row in session.scalars(stmt):
        groups[(row.channel, row.target, row.webhook_format)].append(row)
    return dict(groups)


MAX_DIGEST_ATTEMPTS = 5
DONE = frozenset({"sent", "failed", "muted", "skipped"})


def notices(session: Session, rows: Sequence[Delivery], base_url: str) -> list[Notice]:
    """The notices of deliveries (their alerts as they are now)."""
    out = []
    for row in rows:
        alert = session.get(Alert, row.alert_id)
        event = session.get(AlertEvent, row.event_id) if row.event_id is not None else None
        if alert is not None:
            out.append(notice(alert, alert.rule, event.kind if event else "opened", base_url))
    return out


def record_attempt(
    session: Session,
    row: Delivery,
    *,
    error: str | None,
    status_code: int | None = None,
    duration_ms: int = 0,
    retry: bool = False,
    skipped: bool = False,
) -> DeliveryAttempt:
    """Record one try and move the delivery on: sent, retrying (more to come), failed, skipped."""
    row.attempts += 1
    attempt = DeliveryAttempt(
        delivery_id=row.id, number=row.attempts, ok=error is None, status_code=status_code,
        error=error, duration_ms=duration_ms, created_at=utcnow(),
    )
    session.add(attempt)
    row.last_error = error
    if error is None:
        row.status, row.sent_at = "sent", attempt.created_at
    elif skipped:
        row.status = "skipped"
    elif row.status == "digest":
        row.status = "digest" if row.attempts < MAX_DIGEST_ATTEMPTS else "failed"
    else:
        row.status = "retrying" if retry else "failed"
    session.flush()
    return attempt


NOT_CONFIGURED = "not configured: set SMTP_URL"
RETRYABLE = frozenset({"failed", "skipped", "retrying", "pending"})


def explain_delivery(row: Delivery, *, email_configured: bool) -> str:
    """A delivery's state in words: what happened, and what to do when it did not go out."""
    error = f": {row.last_error}" if row.last_error else ""
    if row.channel == "email" and not email_configured and row.status in ("pending", "skipped", "retrying"):
        return f"{NOT_CONFIGURED} (MAIL_FROM too), then retry"
    if row.status == "sent":
        return f"sent{' at ' + format(row.sent_at, '%Y-%m-%d %H:%M') + ' UTC' if row.sent_at else ''}"
    if row.status == "pending":
        return "queued: a worker sends it in a moment" if not row.attempts else f"queued again{error}"
    if row.status == "retrying":
        return f"retrying with back-off after {row.attempts} attempt(s){error}"
    if row.status == "failed":
        return f"failed after {row.attempts} attempt(s){error}"
    if row.status == "skipped":
        return f"not sent{error}"
    if row.status == "digest":
        return "watch level: waits for the hourly digest"
    if row.status == "muted":
        return "muted: the rule or this recipient was muted when it happened"
    return row.status


def retry_delivery(session: Session, delivery_id: int, alert_id: int) -> Delivery:
    """Queue a delivery that did not go out for another try now; the caller sends it."""
    row = session.get(Delivery, delivery_id)
    if row is None or row.alert_id != alert_id:
        raise NotFound(f"There is no delivery {delivery_id} for alert {alert_id}.")
    if row.status not in RETRYABLE:
        raise Conflict(f"This delivery is {row.status}: nothing to retry.")
    row.status = "pending"
    session.flush()
    return row
