"""Alert rules, the alert workflow (acknowledge, assign, note, resolve), mutes and listings.

Functions take a Session first and never commit. Detection itself is crm/alerts/evaluation.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlparse

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from crm.alerts.models import (
    CHANNELS,
    SCOPE_KINDS,
    SENSITIVITIES,
    SIGNALS,
    WEBHOOK_FORMATS,
    Alert,
    AlertEvent,
    AlertMute,
    AlertRule,
    Delivery,
    DeliveryAttempt,
)
from crm.db import as_id, utcnow
from crm.errors import Conflict, InvalidInput, NotFound
from crm.interactions.search import parse_query
from crm.users.models import User
from crm.users.services import EMAIL, can
from crm.webhooks import events as webhook_events

MAX_NOTE = 5_000
COUNTER_HISTORY = timedelta(days=22)  # enough for every seasonal lag of the detector


@dataclass(frozen=True)
class RuleInput:
    """The editable fields of a rule, as a form or the API gives them."""

    name: str
    scope_kind: str = "all"
    scope_value: str = ""
    signal: str = "volume"
    sensitivity: str = "medium"
    min_volume: int = 30
    recipients: tuple[str, ...] = ()
    channels: tuple[str, ...] = ("email",)
    webhook_url: str | None = None
    webhook_format: str = "slack"
    enabled: bool = True
    detect_silence: bool = False


def _check(data: RuleInput) -> None:
    if not data.name.strip() or len(data.name) > 120:
        raise InvalidInput("Give the rule a name of at most 120 characters.", field="name")
    for value, allowed, name in (
        (data.scope_kind, SCOPE_KINDS, "scope_kind"),
        (data.signal, SIGNALS, "signal"),
        (data.sensitivity, SENSITIVITIES, "sensitivity"),
        (data.webhook_format, WEBHOOK_FORMATS, "webhook_format"),
    ):
        if value not in allowed:
            raise InvalidInput(f"{name} must be one of {', '.join(allowed)}.", field=name)
    value = data.scope_value.strip()
    if data.scope_kind == "platform" and not value:
        raise InvalidInput("Name the platform to watch, e.g. reddit.", field="scope_value")
    if data.scope_kind in ("source", "segment") and as_id(value) is None:
        raise InvalidInput(f"Choose the {data.scope_kind} to watch.", field="scope_value")
    if data.scope_kind == "query":
        parse_query(value)  # raises InvalidInput with the search box's own message
    if not 1 <= data.min_volume <= 100_000:
        raise InvalidInput("Minimum volume must be between 1 and 100,000.", field="min_volume")
    for email in data.recipients:
        if not EMAIL.match(email):
            raise InvalidInput(f"{email!r} is not an e-mail address.", field="recipients")
    unknown = set(data.channels) - set(CHANNELS)
    if unknown:
        raise InvalidInput(f"Unknown channel {sorted(unknown)[0]!r}.", field="channels")
    if "webhook" in data.channels:
        url = urlparse(data.webhook_url or "")
        if url.scheme not in ("http", "https") or not url.netloc:
            raise InvalidInput("The webhook needs an http(s):// URL.", field="webhook_url")


def save_rule(session: Session, data: RuleInput, *, rule_id: int | None = None) -> AlertRule:
    """Create or update a rule; returns it (flushed). A changed query starts a fresh series."""
    _check(data)
    rule = get_rule(session, rule_id) if rule_id is not None else AlertRule()
    if rule_id is None:
        session.add(rule)
    scope_changed = (rule.scope_kind, rule.scope_value) != (data.scope_kind, data.scope_value.strip())
    rule.name = data.name.strip()
    rule.scope_kind, rule.scope_value = data.scope_kind, data.scope_value.strip()
    rule.signal, rule.sensitivity, rule.min_volume = data.signal, data.sensitivity, data.min_volume
    rule.recipients = [e.strip().lower() for e in data.recipients]
    rule.channels = [c for c in CHANNELS if c in data.channels]
    rule.webhook_url = (data.webhook_url or "").strip() or None
    rule.webhook_format = data.webhook_format
    rule.enabled = data.enabled
    rule.detect_silence = data.detect_silence
    if scope_changed:
        rule.evaluated_through = None
    session.flush()
    return rule


def needs_counter_rebuild(rule: AlertRule) -> bool:
    """Query and segment scopes have counters only once a rule asks for them."""
    return rule.scope_kind in ("query", "segment")


def get_rule(session: Session, rule_id: int) -> AlertRule:
    """A rule by id, or NotFound."""
    rule = session.get(AlertRule, rule_id)
    if rule is None:
        raise NotFound(f"There is no alert rule {rule_id}.")
    return rule


def delete_rule(session: Session, rule_id: int) -> None:
    """Delete a rule with its alerts; built-in rules can only be disabled."""
    rule = get_rule(session, rule_id)
    if rule.builtin_key:
        raise Conflict("Built-in rules cannot be deleted; disable the rule instead.")
    session.delete(rule)
    session.flush()


def list_rules(session: Session) -> list[AlertRule]:
    """All rules, built-in first."""
    return list(session.scalars(select(AlertRule).order_by(AlertRule.builtin_key.is_(None), AlertRule.name)))


def mute_rule(session: Session, rule_id: int, until: datetime | None) -> AlertRule:
    """Mute (until a time) or unmute (None) a rule for everyone: alerts still show in the app."""
    rule = get_rule(session, rule_id)
    rule.muted_until = until
    session.flush()
    return rule


def mute_for_user(
    session: Session, user_id: int, rule_id: int | None, until: datetime | None
) -> AlertMute:
    """A user's own mute of one rule (or every rule); replaces an earlier one."""
    if rule_id is not None:
        get_rule(session, rule_id)
    unmute_for_user(session, user_id, rule_id)
    mute = AlertMute(user_id=user_id, rule_id=rule_id, until=until)
    session.add(mute)
    session.flush()
    return mute


def unmute_for_user(session: Session, user_id: int, rule_id: int | None) -> None:
    """Remove a user's mute of one rule (or their mute of every rule)."""
    stmt = select(AlertMute).where(AlertMute.user_id == user_id)
    stmt = stmt.where(AlertMute.rule_id.is_(None) if rule_id is None else AlertMute.rule_id == rule_id)
    for mute in session.scalars(stmt):
        session.delete(mute)
    session.flush()


def user_mutes(session: Session, user_id: int, now: datetime) -> dict[int | None, AlertMute]:
    """The user's mutes in force, by rule id (None: every rule)."""
    stmt = select(AlertMute).where(
        AlertMute.user_id == user_id, or_(AlertMute.until.is_(None), AlertMute.until > now)
    )
    return {m.rule_id: m for m in session.scalars(stmt)}


# --- alerts ------------------------------------------------------------------------------
def get_alert(session: Session, alert_id: int) -> Alert:
    """An alert by id, or NotFound."""
    alert = session.get(Alert, alert_id)
    if alert is None:
        raise NotFound(f"There is no alert {alert_id}.")
    return alert


def _history(
    session: Session, alert: Alert, kind: str, actor: User | None, detail: str,
    *, at: datetime | None = None,
) -> AlertEvent:
    row = AlertEvent(
        alert_id=alert.id, kind=kind, severity=alert.severity, detail=detail,
        actor_id=actor.id if actor is not None else None, created_at=at or utcnow(),
    )
    session.add(row)
    session.flush()
    webhook_events.alert_changed(session, alert, kind, event_id=row.id)
    return row


def acknowledge(
    session: Session, alert_id: int, actor: User, *, now: datetime | None = None
) -> Alert:
    """Someone is on it: the alert stays open, and it says who and since when."""
    alert = get_alert(session, alert_id)
    if alert.status == "resolved":
        raise Conflict("This alert is already resolved.")
    if alert.status != "acknowledged":
        now = now or utcnow()
        alert.status, alert.acknowledged_at, alert.acknowledged_by_id = "acknowledged", now, actor.id
        _history(session, alert, "acknowledged", actor, "", at=now)
    return alert


def assign(session: Session, alert_id: int, assignee_id: int | None, actor: User) -> Alert:
    """Assign the alert to an active user, or unassign it (None)."""
    alert = get_alert(session, alert_id)
    name = "nobody"
    if assignee_id is not None:
        user = session.get(User, assignee_id)
        if user is None or not user.active:
            raise InvalidInput("Choose an active user.", field="assignee_id")
        if not can(user, "curate"):
            raise InvalidInput(f"{user.name or user.email} ({user.role}) may not act on alerts; "
                               "choose a manager or an admin.", field="assignee_id")
        name = user.name or user.email
    if alert.assignee_id != assignee_id:
        alert.assignee_id = assignee_id
        _history(session, alert, "assigned", actor, f"assigned to {name}")
    return alert


def add_note(session: Session, alert_id: int, text: str, actor: User) -> AlertEvent:
    """A note on the alert's history."""
    alert = get_alert(session, alert_id)
    text = (text or "").strip()
    if not text or len(text) > MAX_NOTE:
        raise InvalidInput(f"Write a note of 1 to {MAX_NOTE:,} characters.", field="text")
    return _history(session, alert, "note", actor, text)


def resolve(
    session: Session, alert_id: int, reason: str, actor: User, *, now: datetime | None = None
) -> Alert:
    """Resolve by hand with a reason. The decision stands: the same spike does not re-open it.

    Only a new rise (a count clearly above the peak seen, or a trigger after a quiet spell)
    opens a new alert, linked to this one (see detector.Params.new_rise_ratio).
    """
    alert = get_alert(session, alert_id)
    reason = (reason or "").strip()
    if not reason or len(reason) > 500:
        raise InvalidInput("Say in at most 500 characters why the alert is resolved.", field="reason")
    if alert.status == "resolved":
        raise Conflict("This alert is already resolved.")
    now = now or utcnow()
    alert.status, alert.resolution_reason, alert.resolved_at = "resolved", reason, now
    alert.quiet_buckets = 0  # the detector counts the quiet spell from the resolve on
    _history(session, alert, "closed", actor, reason, at=now)
    return alert


def history(session: Session, alert_id: int) -> list[tuple[AlertEvent, User | None]]:
    """The alert's events and notes, oldest first, with who did them."""
    stmt = (
        select(AlertEvent, User)
        .outerjoin(User, User.id == AlertEvent.actor_id)
        .where(AlertEvent.alert_id == alert_id)
        .order_by(AlertEvent.created_at, AlertEvent.id)
    )
    return [(e, u) for e, u in session.execute(stmt)]


def deliveries(session: Session, alert_id: int) -> list[tuple[Delivery, list[DeliveryAttempt]]]:
    """Deliveries of an alert with every attempt, newest first."""
    rows = list(session.scalars(select(Delivery).where(Delivery.alert_id == alert_id).order_by(Delivery.id.desc())))
    attempts: dict[int, list[DeliveryAttempt]] = {r.id: [] for r in rows}
    if rows:
        stmt = select(DeliveryAttempt).where(DeliveryAttempt.delivery_id.in_(list(attempts)))
        for a in session.scalars(stmt.order_by(DeliveryAttempt.number)):
            attempts[a.delivery_id].append(a)
    return [(r, attempts[r.id]) for r in rows]


def list_alerts(session: Session, status: str = "active", limit: int = 200) -> list[Alert]:
    """Alerts by status: active (open or acknowledged), resolved, or all; newest first."""
    stmt = select(Alert).order_by(Alert.opened_at.desc(), Alert.id.desc()).limit(limit)
    if status == "active":
        stmt = stmt.where(Alert.status != "resolved")
    elif status == "resolved":
        stmt = stmt.where(Alert.status == "resolved")
    return list(session.scalars(stmt))


def status_counts(session: Session) -> dict[str, int]:
    """How many alerts are open, acknowledged and resolved."""
    counts = dict.fromkeys(("open", "acknowledged", "resolved"), 0)
    for status, n in session.execute(select(Alert.status, func.count()).group_by(Alert.status)):
        counts[status] = n
    return counts


def badge_count(session: Session, user_id: int | None, now: datetime) -> int:
    """Open (not yet acknowledged) alerts, leaving out rules the user muted."""
    stmt = select(func.count()).select_from(Alert).where(Alert.status == "open")
    if user_id is not None:
        mutes = user_mutes(session, user_id, now)
        if None in mutes:
            return 0
        if mutes:
            stmt = stmt.where(Alert.rule_id.not_in(list(mutes)))
    return int(session.scalar(stmt) or 0)


def active_users(session: Session) -> list[User]:
    """Users an alert can be assigned to: active, with a role that may act on alerts (manager+)."""
    users = session.scalars(select(User).where(User.active.is_(True)).order_by(User.name))
    return [u for u in users if can(u, "curate")]


def rule_input(form: dict[str, Any]) -> RuleInput:
    """A RuleInput from plain form data (lists as comma/newline separated text)."""
    def split(value: Any) -> tuple[str, ...]:
        if isinstance(value, list | tuple):
            return tuple(str(v).strip() for v in value if str(v).strip())
        text = str(value or "").replace(",", "\n")
        return tuple(v.strip() for v in text.splitlines() if v.strip())

    return RuleInput(
        name=str(form.get("name") or ""),
        scope_kind=str(form.get("scope_kind") or "all"),
        scope_value=str(form.get("scope_value") or ""),
        signal=str(form.get("signal") or "volume"),
        sensitivity=str(form.get("sensitivity") or "medium"),
        min_volume=int(form.get("min_volume") or 30),
        recipients=split(form.get("recipients")),
        channels=split(form.get("channels")),
        webhook_url=str(form.get("webhook_url") or "") or None,
        webhook_format=str(form.get("webhook_format") or "slack"),
        enabled=bool(form.get("enabled", True)),
        detect_silence=bool(form.get("detect_silence", False)),
    )
