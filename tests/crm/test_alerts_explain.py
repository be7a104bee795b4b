"""Incident facts agree: team posts and copies are out of top posts and drivers; the chart's
highlighted span holds the incident's one peak."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.alerts import counters, explain
from crm.alerts.models import Alert, AlertRule
from crm.db import utcnow
from crm.inbox.services import add_team_account
from tests.factories import author, ingest, mention


def _alert(db: Session, peak: int, opened_offset: int = 10) -> Alert:
    rule = db.scalars(select(AlertRule).where(AlertRule.builtin_key == "volume")).one()
    opened = counters.bucket_start(utcnow()) - timedelta(minutes=opened_offset)
    alert = Alert(
        rule_id=rule.id, scope_key="all", signal="volume", kind="spike", status="open",
        severity="warning", opened_at=opened, peak=peak, peak_at=opened, current=peak,
        baseline_at_open=0.5, last_updated=opened,
    )
    db.add(alert)
    db.flush()
    return alert


def test_team_posts_and_copies_stay_out_of_top_posts_and_drivers(db: Session) -> None:
    opened = counters.bucket_start(utcnow()) - timedelta(minutes=10)
    team = author("nimbus_team", handle="nimbus_team", followers=90_000)
    fan, other = author("fan-1", followers=10), author("fan-2", followers=20)
    items = [
        mention(by=team, created_at=opened + timedelta(minutes=1), raw={"score": 900},
                text="Status update: we are looking into the outage"),
        mention(by=team, created_at=opened + timedelta(minutes=2), raw={"score": 800},
                text="Status update: a fix is rolling out"),
        mention(by=fan, created_at=opened + timedelta(minutes=1), raw={"score": 50},
                text="The app is down again, outage!"),
        mention(by=other, created_at=opened + timedelta(minutes=2), raw={"score": 30},
                text="the app is down again — OUTAGE"),
        mention(by=other, created_at=opened + timedelta(minutes=3), raw={"score": 5},
                text="still nothing loads"),
    ]
    result = ingest(db, *items)
    add_team_account(db, platform="reddit", handle="nimbus_team")  # links the seen identity
    counters.update_counters(db, result.new_ids)
    alert = _alert(db, 5)
    posts = explain.top_posts(db, alert)
    texts = [p.interaction.text for p in posts]
    assert texts == ["The app is down again, outage!", "still nothing loads"]
    drivers = explain.drivers(db, alert)
    assert drivers.total == 2
    assert {m.display_name for m, _, _ in drivers.members} == {"Person fan-1", "Person fan-2"}


def test_chart_span_holds_the_peak(db: Session) -> None:
    opened = counters.bucket_start(utcnow()) - timedelta(minutes=10)
    before = opened - timedelta(minutes=15)  # in the half hour that opened the alert
    items = [mention(created_at=before + timedelta(seconds=k)) for k in range(9)]
    items += [mention(created_at=opened + timedelta(seconds=k)) for k in range(4)]
    counters.update_counters(db, ingest(db, *items).new_ids)
    alert = _alert(db, 9)
    data = explain.chart_data(db, alert, utcnow())
    assert data.spike_from is not None and data.spike_to is not None
    inside = [v for t, v in zip(data.times, data.values, strict=True) if data.spike_from <= t <= data.spike_to]
    assert max(inside) == alert.peak == max(data.values)


def test_assess_raises_one_step_per_factor_and_says_why() -> None:
    from crm.alerts.severity import Impact, assess
    from crm.alerts.types import Severity

    calm = Impact(mentions=100, negative=10, reach=500, platforms=1, scored=100)
    assert assess(Severity.WATCH, calm) == (Severity.WATCH, "watch because watch by volume")
    angry = Impact(mentions=264, negative=200, reach=500, platforms=2, scored=264)
    grade, because = assess(Severity.WARNING, angry)
    assert grade is Severity.CRISIS
    assert because == "crisis because warning by volume, 76% negative, on 2 platforms"
    assert assess(Severity.WATCH, angry)[0] is Severity.CRISIS
    assert assess(Severity.CRISIS, angry)[0] is Severity.CRISIS


def test_a_negative_spike_on_two_platforms_is_graded_up_with_the_reason(db: Session) -> None:
    from crm.alerts.evaluation import evaluate_rules
    from crm.alerts.models import AlertEvent
    from tests.crm.test_alerts_evaluation import NOW, seed_history, spike

    seed_history(db)
    evaluate_rules(db, NOW)
    spike(db, 300, text="terrible awful outage, I hate it")
    spike(db, 300, platform="x", text="worst outage ever, awful")
    evaluate_rules(db, NOW, scopes={"all"})
    volume_rule = db.scalars(select(AlertRule).where(AlertRule.builtin_key == "volume")).one()
    alert = db.scalars(select(Alert).where(Alert.rule_id == volume_rule.id)).one()
    graded = db.scalars(
        select(AlertEvent).where(AlertEvent.alert_id == alert.id, AlertEvent.kind == "graded")
    ).one()
    assert "negative" in graded.detail and "on 2 platforms" in graded.detail
    assert graded.detail.startswith(f"{alert.severity} because ")
    assert alert.severity == "crisis"
