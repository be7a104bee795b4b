"""Evaluation from stored counters: one alert per spike, updated, escalated, resolved, re-opened."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.alerts import counters
from crm.alerts.evaluation import evaluate_rules
from crm.alerts.models import Alert, AlertEvent, AlertRule, Delivery
from crm.alerts.series import needed_ranges
from crm.alerts.services import RuleInput, save_rule
from crm.alerts.types import DAY_BUCKETS, Params, bucket_number
from crm.users.services import create_user
from tests.factories import ingest, mention

STEP = timedelta(minutes=5)
NOW = datetime(2026, 3, 9, 12, 2, tzinfo=UTC)  # 2 minutes into the 12:00 bucket
CURRENT = counters.bucket_start(NOW)


def seed_history(db: Session, key: str = "all", days: int = 3, mean: float = 20.0, seed: int = 5,
                 negative_share: float = 0.1) -> None:
    """Stored counters with a daily rhythm for the days before the current bucket."""
    rng = random.Random(seed)
    rows = []
    n = days * DAY_BUCKETS
    for i in range(n):
        at = CURRENT - (n - i) * STEP
        phase = (bucket_number(at) % DAY_BUCKETS) / DAY_BUCKETS
        level = mean * (1 + 0.5 * math.sin(2 * math.pi * phase))
        count = max(0, round(rng.gauss(level, math.sqrt(level))))
        neg = round(count * negative_share)
        rows.append({"scope_key": key, "bucket_start": at, "count": count, "negative": neg,
                     "sentiment_sum": 0.05 * count - 0.5 * neg, "scored": count})
    counters.upsert_buckets(db, rows)


def default_rule(db: Session, key: str = "volume") -> AlertRule:
    return db.scalars(select(AlertRule).where(AlertRule.builtin_key == key)).one()


def spike(db: Session, n: int, at: datetime = NOW, **fields: object) -> None:
    minute = (at - datetime(2026, 3, 1, 12, 0, tzinfo=UTC)).total_seconds() / 60
    result = ingest(db, *(mention(minutes=int(minute), **fields) for _ in range(n)))
    counters.update_counters(db, result.new_ids)


def alerts(db: Session) -> list[Alert]:
    return list(db.scalars(select(Alert).order_by(Alert.id)))


def test_fresh_install_has_the_default_rules(db: Session) -> None:
    rules = {r.builtin_key: r for r in db.scalars(select(AlertRule).where(AlertRule.builtin_key.is_not(None)))}
    assert {k: (r.scope_key, r.signal, r.enabled) for k, r in rules.items()} == {
        "volume": ("all", "volume", True),
        "negative": ("all", "negative_volume", True),
    }


def test_quiet_history_raises_nothing(db: Session) -> None:
    seed_history(db)
    outcome = evaluate_rules(db, NOW)
    assert outcome.rules >= 2 and outcome.events == [] and alerts(db) == []


def test_spike_in_the_live_bucket_opens_one_alert_at_once(db: Session) -> None:
    seed_history(db)
    spike(db, 900)
    outcome = evaluate_rules(db, NOW, scopes={"all"})
    [alert] = alerts(db)
    assert outcome.opened == [alert.id]
    assert alert.rule_id == default_rule(db).id and alert.status == "open"
    assert alert.opened_at == CURRENT and alert.current >= 900 and alert.peak >= 900
    assert alert.severity in ("warning", "crisis")
    # The next batch in the same bucket updates the same alert: no storm.
    spike(db, 100, NOW + timedelta(minutes=1))
    evaluate_rules(db, NOW + timedelta(minutes=1), scopes={"all"})
    assert len(alerts(db)) == 1
    db.refresh(alert)
    assert alert.current >= 1000
    kinds = [e.kind for e in db.scalars(select(AlertEvent).where(AlertEvent.alert_id == alert.id))]
    assert kinds.count("opened") == 1


def test_small_wobble_does_not_alert_and_negative_rule_sees_negative_spikes(db: Session) -> None:
    seed_history(db)
    spike(db, 15)
    assert evaluate_rules(db, NOW).events == []
    spike(db, 200, NOW + timedelta(minutes=5), text="terrible awful outage, I hate it, worst")
    evaluate_rules(db, NOW + timedelta(minutes=6))
    rules = {a.rule_id for a in alerts(db)}
    assert default_rule(db, "negative").id in rules


def test_grows_escalates_then_resolves_after_quiet_buckets(db: Session) -> None:
    seed_history(db)
    spike(db, 70)  # level ~190 against ~120: not yet
    spike(db, 350, NOW + STEP)
    evaluate_rules(db, NOW + STEP, scopes={"all"})
    [alert] = alerts(db)
    first = alert.severity
    spike(db, 3000, NOW + 2 * STEP)
    evaluate_rules(db, NOW + 2 * STEP, scopes={"all"})
    db.refresh(alert)
    assert alert.severity == "crisis" and first != "crisis"
    kinds = [e.kind for e in db.scalars(select(AlertEvent).where(AlertEvent.alert_id == alert.id))]
    assert [k for k in kinds if k != "graded"] == ["opened", "escalated"]
    # No more mentions: the timer evaluation sees the silence that follows and resolves.
    evaluate_rules(db, NOW + 16 * STEP)
    db.refresh(alert)
    assert alert.status == "resolved" and alert.resolved_at is not None
    assert alert.resolution_reason == "back to baseline"
    assert alert.resolved_at - alert.opened_at >= timedelta(minutes=30)


def test_a_second_wave_in_the_cooldown_reopens_the_same_alert(db: Session) -> None:
    seed_history(db)
    spike(db, 600)
    evaluate_rules(db, NOW, scopes={"all"})
    evaluate_rules(db, NOW + 16 * STEP)
    [alert] = alerts(db)
    assert alert.status == "resolved"
    spike(db, 900, NOW + 30 * STEP)
    evaluate_rules(db, NOW + 30 * STEP)
    db.refresh(alert)
    assert len(alerts(db)) == 1 and alert.status == "open" and alert.resolved_at is None


def test_near_zero_scope_ignores_a_blip(db: Session) -> None:
    seed_history(db, key="platform:mastodon", mean=0.3)
    rule = save_rule(db, RuleInput(name="mastodon", scope_kind="platform", scope_value="mastodon"))
    spike(db, 8, platform="mastodon")
    evaluate_rules(db, NOW, scopes={"platform:mastodon"})
    assert [a for a in alerts(db) if a.rule_id == rule.id] == []
    spike(db, 60, platform="mastodon")
    evaluate_rules(db, NOW, scopes={"platform:mastodon"})
    assert [a.rule_id for a in alerts(db) if a.rule_id == rule.id] == [rule.id]


def test_negative_share_rule_alerts_on_a_shift_without_more_volume(db: Session) -> None:
    seed_history(db, negative_share=0.1)
    rule = save_rule(db, RuleInput(name="share", signal="negative_share", min_volume=30))
    for k in range(6):  # half an hour at the usual volume, but 60 % negative
        at = NOW + k * STEP
        spike(db, 12, at, text="terrible awful outage, I hate it, worst")
        spike(db, 8, at)
        evaluate_rules(db, at)
    assert [a.rule_id for a in alerts(db) if a.rule_id == rule.id] == [rule.id]


def test_warning_goes_out_at_once_watch_waits_for_digest_mutes_are_recorded(db: Session) -> None:
    lead = create_user(db, email="lead@example.com", password="x" * 10, role="manager")
    create_user(db, email="viewer@example.com", password="x" * 10, role="viewer")
    quiet = create_user(db, email="quiet@example.com", password="x" * 10, role="admin")
    from crm.alerts.services import mute_for_user

    mute_for_user(db, quiet.id, None, None)
    rule = default_rule(db)
    rule.channels = ["email", "webhook"]
    rule.webhook_url = "http://127.0.0.1:9/hook"
    seed_history(db)
    spike(db, 900)
    outcome = evaluate_rules(db, NOW, scopes={"all"})
    rows = list(db.scalars(select(Delivery)))
    by_target = {(r.channel, r.target): r.status for r in rows}
    assert by_target == {
        ("email", lead.email): "pending",
        ("email", quiet.email): "muted",
        ("webhook", "http://127.0.0.1:9/hook"): "pending",
    }
    assert sorted(outcome.deliveries) == sorted(r.id for r in rows if r.status == "pending")


def test_watch_level_deliveries_wait_for_the_digest(db: Session) -> None:
    create_user(db, email="lead@example.com", password="x" * 10, role="manager")
    seed_history(db)
    spike(db, 520)  # level about 5x usual: watch
    outcome = evaluate_rules(db, NOW, scopes={"all"})
    [alert] = alerts(db)
    assert alert.severity == "watch"
    assert outcome.deliveries == []
    assert [r.status for r in db.scalars(select(Delivery))] == ["digest"]


def test_muted_rule_still_opens_alert_but_sends_nothing(db: Session) -> None:
    create_user(db, email="lead@example.com", password="x" * 10, role="manager")
    rule = default_rule(db)
    rule.muted_until = NOW + timedelta(hours=1)
    seed_history(db)
    spike(db, 900)
    outcome = evaluate_rules(db, NOW, scopes={"all"})
    assert len(alerts(db)) == 1 and outcome.deliveries == []
    assert [r.status for r in db.scalars(select(Delivery))] == ["muted"]


def test_needed_ranges_cover_lags_and_recent_window() -> None:
    end = 1_000_000
    ranges = needed_ranges(end - 1, end, Params())
    assert ranges == sorted(ranges) and ranges[-1][1] == end
    covered = {b for lo, hi in ranges for b in range(lo, hi + 1)}
    for lag in (DAY_BUCKETS, 7 * DAY_BUCKETS, 21 * DAY_BUCKETS):
        assert all(end - lag - k in covered for k in range(6))
    assert sum(hi - lo + 1 for lo, hi in ranges) < 250  # a few hundred rows, not 22 days


@pytest.mark.parametrize("signal", ["volume", "mean_sentiment"])
def test_disabled_rules_are_not_evaluated(db: Session, signal: str) -> None:
    for rule in db.scalars(select(AlertRule)):
        rule.enabled = False
    save_rule(db, RuleInput(name="off", signal=signal, enabled=False))
    seed_history(db)
    spike(db, 900)
    assert evaluate_rules(db, NOW).rules == 0 and alerts(db) == []


def test_a_scope_that_goes_quiet_raises_a_silence_alert_only_where_switched_on(db: Session) -> None:
    watched = save_rule(db, RuleInput(name="Mastodon feed", scope_kind="platform",
                                      scope_value="mastodon", detect_silence=True))
    plain = save_rule(db, RuleInput(name="Mastodon volume", scope_kind="platform", scope_value="mastodon"))
    seed_history(db, key="platform:mastodon")
    evaluate_rules(db, NOW)
    # Nothing arrives for 40 minutes: a broken connector.
    evaluate_rules(db, NOW + 8 * STEP)
    found = {a.rule_id: a for a in alerts(db)}
    assert plain.id not in found
    alert = found[watched.id]
    assert alert.kind == "silence" and alert.severity == "warning"
