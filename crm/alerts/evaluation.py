"""Evaluate alert rules from stored counters: the live side of the detector.

Stateless between runs: each evaluation reads the few stored buckets the baseline needs (the
seasonal lags and the last hours, never the whole history) and the rule's latest Alert row
(the open incident, or a recently resolved one for the cool-down), steps the detector over the
complete buckets since the last run and over the live, still-filling bucket, and writes the
incident back. A spike therefore opens its alert on the batch that carries it, not when its
5-minute bucket ends.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from crm.alerts import notify, severity
from crm.alerts.detector import advance, compute_baseline, lead_peak, read_bucket
from crm.alerts.models import Alert, AlertEvent, AlertRule, RuleBaseline
from crm.alerts.series import (
    RuleView,
    at_bucket,
    cached_baselines,
    lags_for,
    load_counts,
    needed_ranges,
    params_for,
    save_baselines,
    signal_values,
)
from crm.alerts.types import (
    AUTO_RESOLVED,
    BUCKET_SECONDS,
    DAY_BUCKETS,
    Baseline,
    Event,
    EventKind,
    Incident,
    IncidentKind,
    Params,
    Reading,
    Severity,
    bucket_number,
)
from crm.db import dialect_name
from crm.webhooks import events as webhook_events

MAX_CATCHUP = DAY_BUCKETS  # after downtime, re-read at most the last day of buckets
MAX_CACHED = 12  # cached baselines are kept for an hour
NOTIFY_KINDS = (EventKind.OPENED, EventKind.REOPENED, EventKind.ESCALATED, EventKind.RESOLVED)
GRADED = (EventKind.OPENED, EventKind.ESCALATED)  # when the detector's volume grade is fresh


@dataclass
class Outcome:
    """What an evaluation did: detector events per alert, and deliveries to send after commit."""

    rules: int = 0
    events: list[tuple[int, str]] = field(default_factory=list)
    opened: list[int] = field(default_factory=list)
    deliveries: list[int] = field(default_factory=list)


def to_incident(alert: Alert) -> Incident:
    """The detector's view of a stored alert."""
    return Incident(
        kind=IncidentKind(alert.kind),
        opened_at=alert.opened_at,
        severity=Severity[alert.severity.upper()],
        peak=alert.peak,
        peak_at=alert.peak_at,
        current=alert.current,
        baseline_at_open=alert.baseline_at_open,
        last_updated=alert.last_updated,
        resolved_at=alert.resolved_at,
        quiet_buckets=alert.quiet_buckets,
        by_hand=alert.status == "resolved" and alert.resolution_reason != AUTO_RESOLVED,
    )


def _store(alert: Alert, incident: Incident) -> None:
    alert.kind = str(incident.kind)
    alert.severity = str(incident.severity)
    alert.opened_at, alert.peak, alert.peak_at = incident.opened_at, incident.peak, incident.peak_at
    alert.current, alert.last_updated = incident.current, incident.last_updated
    alert.baseline_at_open, alert.quiet_buckets = incident.baseline_at_open, incident.quiet_buckets
    alert.resolved_at = incident.resolved_at


def _latest_alerts(session: Session, rule_ids: Sequence[int], now: datetime) -> dict[int, Alert]:
    """Each rule's latest alert that is open or was resolved recently enough to re-open."""
    horizon = now - Params().cooldown - timedelta(seconds=BUCKET_SECONDS * (MAX_CATCHUP + 1))
    latest: dict[int, Alert] = {}
    for i in range(0, len(rule_ids), 500):
        stmt = (
            select(Alert)
            .where(
                Alert.rule_id.in_(rule_ids[i : i + 500]),
                or_(Alert.resolved_at.is_(None), Alert.resolved_at >= horizon),
            )
            .order_by(Alert.rule_id, Alert.opened_at)
        )
        for alert in session.scalars(stmt):
            latest[alert.rule_id] = alert
    return latest


def happened_at(event: Event, now: datetime) -> datetime:
    """When a detector event happened: its bucket's start, or now for the live bucket.

    History rows carry this time, so a replay or a catch-up after downtime tells when things
    happened, not when they were evaluated.
    """
    incident = event.incident
    if event.kind is EventKind.RESOLVED and incident.resolved_at is not None:
        return min(incident.resolved_at, now)
    at = incident.last_updated
    return now if bucket_number(at) >= bucket_number(now) else at


def _apply(
    session: Session, rule: RuleView, alert: Alert | None, event: Event, now: datetime
) -> tuple[Alert, AlertEvent | None]:
    """Persist one detector event: the alert row, and a history row unless it is an update."""
    incident = event.incident
    previous = None
    if alert is None or event.kind is EventKind.OPENED:
        previous = alert
        alert = Alert(rule_id=rule.id, scope_key=rule.scope_key, signal=rule.signal, status="open")
        session.add(alert)
    _store(alert, incident)
    if event.kind is EventKind.REOPENED:  # the same story again: whoever was on it still is
        alert.status = "acknowledged" if alert.acknowledged_at is not None else "open"
        alert.resolution_reason = None
    elif event.kind is EventKind.RESOLVED:
        alert.status, alert.resolution_reason = "resolved", AUTO_RESOLVED
    if event.kind is EventKind.UPDATED:
        return alert, None
    session.flush()
    when = happened_at(event, now)
    usual = event.baseline.median / params_for(rule).smooth_buckets if event.baseline else None
    row = AlertEvent(
        alert_id=alert.id,
        kind=str(event.kind),
        severity=str(incident.severity),
        level=incident.current,
        baseline=usual,
        detail=f"{incident.current} in 5 minutes"
        + (f", usually {usual:.1f}" if usual is not None else ""),
        created_at=when,
    )
    session.add(row)
    if incident.kind is IncidentKind.SPIKE and event.kind in GRADED:
        _grade(session, alert, incident.severity, when)
        row.severity = alert.severity
    if previous is not None and previous.status == "resolved" and previous.resolution_reason != AUTO_RESOLVED:
        _link(session, previous, alert, when)
    session.flush()
    webhook_events.alert_changed(session, alert, row.kind, event_id=row.id)
    return alert, row


def _grade(session: Session, alert: Alert, volume: Severity, when: datetime) -> None:
    """Raise the grade by who and where (severity.py) and record why, in the history."""
    grade, because = severity.assess(volume, severity.impact(session, alert))
    if grade > Severity[alert.severity.upper()]:
        alert.severity = str(grade)
    session.add(AlertEvent(alert_id=alert.id, kind="graded", severity=alert.severity,
                           detail=because, created_at=when))


def _link(session: Session, previous: Alert, alert: Alert, when: datetime) -> None:
    """A new rise after a person's resolve: each alert's history names the other."""
    resolved = previous.resolved_at.strftime("%H:%M") if previous.resolved_at else "earlier"
    session.add_all([
        AlertEvent(alert_id=alert.id, kind="follows", severity=alert.severity, created_at=when,
                   detail=f"follows alert #{previous.id}, resolved by hand at {resolved}: "
                   "a new rise, above what the team saw"),
        AlertEvent(alert_id=previous.id, kind="followed", severity=alert.severity, created_at=when,
                   detail=f"followed by alert #{alert.id}: a new rise after this was resolved"),
    ])


def evaluate_rules(
    session: Session, now: datetime, *, scopes: Iterable[str] | None = None
) -> Outcome:
    """Evaluate enabled rules (all, or those on the given scopes) up to ``now``; never commits.

    Rules whose baselines for the buckets at hand are cached read only their last few
    counters; the others read what the seasonal baseline needs, and cache the baselines of
    these buckets and of the next one (so the next batches and buckets take the light path).
    """
    t = AlertRule
    stmt = select(
        t.id, t.scope_kind, t.scope_value, t.signal, t.sensitivity, t.min_volume, t.evaluated_through,
        t.detect_silence,
    ).where(t.enabled.is_(True)).order_by(t.id)
    if dialect_name(session) == "postgresql":
        stmt = stmt.with_for_update()  # one evaluation of a rule at a time
    wanted = set(scopes) if scopes is not None else None
    rules = [RuleView(*row) for row in session.execute(stmt)]
    rules = [r for r in rules if wanted is None or r.scope_key in wanted]
    outcome = Outcome(rules=len(rules))
    if not rules:
        return outcome
    end = bucket_number(now)
    starts = {}
    for rule in rules:
        done = rule.evaluated_through
        start = end - 1 if done is None else bucket_number(done) + 1
        starts[rule.id] = max(start, end - MAX_CATCHUP)
    cached = cached_baselines(session, [r.id for r in rules], min(starts.values()))
    groups: dict[tuple[int, bool], list[RuleView]] = defaultdict(list)
    for rule in rules:
        start, known = starts[rule.id], cached.get(rule.id, {})
        light = not params_for(rule).detect_silence and all(b in known for b in range(start, end + 1))
        groups[(start, light)].append(rule)
    latest = _latest_alerts(session, [r.id for r in rules], now)
    fresh: list[dict[str, Any]] = []
    width = Params().smooth_buckets
    for (start, light), group in sorted(groups.items()):
        keys = sorted({r.scope_key for r in group})
        if light:
            ranges = [(start - 2 * width, end)]
            counts, _ = load_counts(session, keys, ranges, anchors=False)
            first = dict.fromkeys(keys, ranges[0][0])
        else:
            ranges = needed_ranges(start, end + 1, Params())
            counts, first = load_counts(session, keys, ranges)
        for rule in group:
            values = signal_values(rule, counts[rule.scope_key], ranges)
            run = _Run(rule, values, first.get(rule.scope_key), (start, end), cached.get(rule.id, {}))
            _evaluate_rule(session, run, latest.get(rule.id), now, outcome)
            fresh += [
                {"rule_id": rule.id, "bucket_start": at_bucket(b), "median": base.median,
                 "sigma": base.sigma, "samples": base.samples, "seasonal": base.seasonal}
                for b, base in run.computed.items()
            ]
    save_baselines(session, fresh)
    through = at_bucket(end - 1)
    moved = [r.id for r in rules if r.evaluated_through != through]
    for i in range(0, len(moved), 500):
        session.execute(
            update(AlertRule).where(AlertRule.id.in_(moved[i : i + 500])).values(evaluated_through=through)
        )
    if scopes is None:  # the timer prunes what no evaluation will read again
        session.execute(
            delete(RuleBaseline).where(RuleBaseline.bucket_start < at_bucket(end - MAX_CACHED))
        )
    return outcome


@dataclass
class _Run:
    """One rule's evaluation: its signal values, known baselines, and baselines computed now."""

    rule: RuleView
    values: dict[int, int]
    first: int | None
    span: tuple[int, int]
    known: dict[int, Baseline]
    computed: dict[int, Baseline] = field(default_factory=dict)

    def reading(self, bucket: int, params: Params, lags: Sequence[int]) -> Reading | None:
        """The detector's reading of a bucket, from a cached baseline when there is one."""
        values, first, end = self.values, self.first or 0, self.span[1]
        count = values.get(bucket, 0)
        base = None if params.detect_silence else self.known.get(bucket)  # silence reads more
        if base is not None:
            width = params.smooth_buckets
            level = count + sum(values.get(b, 0) for b in range(bucket - width + 1, bucket))
            lead = lead_peak(lambda b: values.get(b, 0), bucket, width)
            return Reading(at_bucket(bucket), count, level, base, lead=lead)

        def lookup(b: int) -> int | None:
            return None if b < first or b > end else values.get(b, 0)

        reading = read_bucket(lookup, at_bucket(bucket), count, params, lags)
        if reading is not None:
            self.computed[bucket] = reading.baseline
        if bucket == end:  # the next bucket's baseline is already fixed: cache it too
            ahead = compute_baseline(lookup, end + 1, params, lags, params.smooth_buckets)
            if ahead is not None:
                self.computed[end + 1] = ahead
        return reading


def _evaluate_rule(
    session: Session, run: _Run, alert: Alert | None, now: datetime, outcome: Outcome
) -> None:
    rule, (start, end) = run.rule, run.span
    if run.first is None:
        return  # no data in this scope yet
    params = params_for(rule)
    lags = lags_for(params)
    incident = to_incident(alert) if alert is not None else None
    to_notify: dict[int, tuple[Alert, AlertEvent]] = {}
    for bucket in range(max(start, run.first), end + 1):
        reading = run.reading(bucket, params, lags)
        if reading is None:
            continue
        incident, event = advance(incident, reading, params, complete=bucket < end)
        if event is None:
            continue
        alert, row = _apply(session, rule, alert, event, now)
        if incident is not None and alert.severity != str(incident.severity):  # raised by impact
            incident.severity = max(incident.severity, Severity[alert.severity.upper()])
        if row is None:
            continue
        outcome.events.append((alert.id, row.kind))
        if event.kind is EventKind.OPENED:
            outcome.opened.append(alert.id)
        if event.kind in NOTIFY_KINDS and alert.id not in to_notify:
            to_notify[alert.id] = (alert, row)
    if alert is not None and incident is not None and _changed(alert, incident):
        _store(alert, incident)  # a live bucket moves the current level without an event
    if to_notify:
        full_rule = session.get(AlertRule, rule.id)
        assert full_rule is not None
        for alert_row, event_row in to_notify.values():
            outcome.deliveries += notify.create_deliveries(session, full_rule, alert_row, event_row, now)


def _changed(alert: Alert, incident: Incident) -> bool:
    return (alert.current, alert.peak, alert.last_updated, alert.quiet_buckets, alert.resolved_at) != (
        incident.current, incident.peak, incident.last_updated, incident.quiet_buckets,
        incident.resolved_at,
    )
