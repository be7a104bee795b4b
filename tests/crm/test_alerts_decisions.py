"""The team's decisions stand: a resolve by hand is not undone by the same spike, and an
acknowledgement or assignment survives escalation. Tried as a team lead would, on stored counters."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.alerts import services
from crm.alerts.evaluation import evaluate_rules
from crm.alerts.models import Alert, AlertEvent, Delivery
from crm.users.services import create_user
from tests.crm.test_alerts_evaluation import NOW, STEP, alerts, default_rule, seed_history, spike

NEGATIVE = "terrible awful outage, I hate it, worst service ever"
MINUTE = timedelta(minutes=1)


def negative_posts(db: Session, n: int, minutes: int, start: int = 0) -> None:
    """n negative posts spread over `minutes` minutes, evaluated after each minute's batch."""
    for m in range(minutes):
        share = n // minutes + (1 if m < n % minutes else 0)
        at = NOW + (start + m) * MINUTE
        spike(db, share, at, text=NEGATIVE)
        evaluate_rules(db, at)


def history_kinds(db: Session, alert: Alert) -> list[str]:
    rows = db.scalars(select(AlertEvent).where(AlertEvent.alert_id == alert.id).order_by(AlertEvent.id))
    return [e.kind for e in rows]


def test_resolve_by_hand_is_not_undone_by_the_same_spike(db: Session) -> None:
    lead = create_user(db, email="lead@example.com", password="x" * 10, role="manager")
    seed_history(db)
    negative_posts(db, 90, 20)
    rule = default_rule(db, "negative")
    [alert] = [a for a in alerts(db) if a.rule_id == rule.id]
    assert alert.severity in ("warning", "crisis")
    services.acknowledge(db, alert.id, lead, now=NOW + 20 * MINUTE)
    services.resolve(db, alert.id, "Known outage, status page is up", lead, now=NOW + 20 * MINUTE)
    mails = db.scalar(select(Delivery.id).order_by(Delivery.id.desc()).limit(1))
    count = len(alerts(db))
    # One minute later, and for the next half hour, the same spike goes on.
    negative_posts(db, 60, 30, start=21)
    db.refresh(alert)
    assert alert.status == "resolved" and alert.resolution_reason == "Known outage, status page is up"
    assert alert.acknowledged_by_id == lead.id
    assert "reopened" not in history_kinds(db, alert)
    assert len(alerts(db)) == count  # no second incident
    assert db.scalar(select(Delivery.id).order_by(Delivery.id.desc()).limit(1)) == mails  # no e-mail


def test_after_a_quiet_spell_a_new_rise_opens_a_linked_alert(db: Session) -> None:
    lead = create_user(db, email="lead@example.com", password="x" * 10, role="manager")
    seed_history(db)
    negative_posts(db, 90, 20)
    rule = default_rule(db, "negative")
    [alert] = [a for a in alerts(db) if a.rule_id == rule.id]
    services.resolve(db, alert.id, "Known outage", lead, now=NOW + 20 * MINUTE)
    evaluate_rules(db, NOW + 80 * MINUTE)  # an hour without posts: the spike is over
    negative_posts(db, 120, 10, start=90)
    new = [a for a in alerts(db) if a.rule_id == rule.id and a.id != alert.id]
    assert len(new) == 1 and new[0].status == "open"
    assert "follows" in history_kinds(db, new[0]) and "followed" in history_kinds(db, alert)
    db.refresh(alert)
    assert alert.status == "resolved"
    assert db.scalars(select(Delivery).where(Delivery.alert_id == new[0].id)).first() is not None


def test_acknowledgement_and_assignment_survive_escalation_and_reopen(db: Session) -> None:
    lead = create_user(db, email="lead@example.com", password="x" * 10, role="manager")
    seed_history(db)
    spike(db, 600)
    evaluate_rules(db, NOW, scopes={"all"})
    [alert] = alerts(db)
    assert alert.severity != "crisis"
    services.acknowledge(db, alert.id, lead, now=NOW)
    services.assign(db, alert.id, lead.id, lead)
    spike(db, 3000, NOW + STEP)
    evaluate_rules(db, NOW + STEP, scopes={"all"})
    db.refresh(alert)
    assert alert.severity == "crisis" and "escalated" in history_kinds(db, alert)
    assert alert.status == "acknowledged" and alert.assignee_id == lead.id
    evaluate_rules(db, NOW + 16 * STEP)  # back to baseline by itself
    spike(db, 900, NOW + 30 * STEP)
    evaluate_rules(db, NOW + 30 * STEP)
    db.refresh(alert)
    assert "reopened" in history_kinds(db, alert)
    assert alert.status == "acknowledged" and alert.assignee_id == lead.id


def test_history_carries_the_time_things_happened(db: Session) -> None:
    seed_history(db)
    evaluate_rules(db, NOW - STEP)
    spike(db, 900)
    # Evaluated an hour late (a catch-up, or a replay): the history says when it happened.
    evaluate_rules(db, NOW + timedelta(hours=1), scopes={"all"})
    [alert] = alerts(db)
    rows = list(db.scalars(select(AlertEvent).where(AlertEvent.alert_id == alert.id).order_by(AlertEvent.id)))
    assert rows[0].kind == "opened" and rows[0].created_at == alert.opened_at
    resolved = [r for r in rows if r.kind == "resolved"]
    assert resolved and resolved[0].created_at == alert.resolved_at
