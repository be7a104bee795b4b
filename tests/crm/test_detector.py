"""Spike detector: seasonality, near-zero guard, incidents, escalation, cool-down, resolution."""

import math
import random
from datetime import datetime, timedelta

import pytest

from crm.alerts.streaming import ScopeState, evaluate
from crm.alerts.types import DAY_BUCKETS, EventKind, IncidentKind, Params, Severity

START = datetime(2024, 3, 4)  # a Monday, midnight UTC
STEP = timedelta(minutes=5)


def seasonal(days: float, seed: int = 7, mean: float = 40.0) -> list[int]:
    """Counts with a daily rhythm (quiet nights, busy evenings) and Poisson-like noise."""
    rng = random.Random(seed)
    counts = []
    for i in range(int(days * DAY_BUCKETS)):
        level = mean * (1 + 0.7 * math.sin(2 * math.pi * (i % DAY_BUCKETS) / DAY_BUCKETS - 2))
        counts.append(max(0, round(rng.gauss(level, math.sqrt(level) + 1))))
    return counts


def at(i: int) -> datetime:
    return START + i * STEP


def feed(state: ScopeState, counts: list[int], offset: int = 0) -> list:
    events = []
    for i, count in enumerate(counts):
        event = state.observe(at(offset + i), count)
        if event is not None:
            events.append(event)
    return events


def with_spike(counts: list[int], start: int, length: int, extra: int) -> list[int]:
    out = list(counts)
    for i in range(start, start + length):
        out[i] += extra
    return out


def opened(events: list) -> list:
    return [e for e in events if e.kind is EventKind.OPENED]


def assert_opened_soon_after(events: list, starts: list[int]) -> None:
    """One incident per start, each opened within 15 minutes (3 buckets) of it."""
    times = [e.incident.opened_at for e in opened(events)]
    assert len(times) == len(starts), times
    for opened_at, start in zip(times, starts, strict=True):
        assert at(start) <= opened_at <= at(start + 2)


def test_quiet_seasonal_series_raises_nothing() -> None:
    state = ScopeState()
    assert feed(state, seasonal(6)) == []
    assert state.incident is None


def test_spike_is_found_early_and_opens_one_incident() -> None:
    spike_at = 5 * DAY_BUCKETS + 150
    counts = with_spike(seasonal(6), spike_at, 12, 900)
    events = feed(ScopeState(), counts)
    assert len(opened(events)) == 1
    incident = opened(events)[0].incident
    assert at(spike_at) <= incident.opened_at <= at(spike_at + 2)  # within 15 minutes
    assert incident.kind is IncidentKind.SPIKE
    # The rest of the spike updates that incident: no storm of alerts.
    assert all(e.kind is not EventKind.OPENED for e in events[1:])
    assert events[-1].kind is EventKind.RESOLVED


@pytest.mark.parametrize("blip", [3, 12])
def test_near_zero_series_with_a_blip_raises_nothing(blip: int) -> None:
    # 12 is far beyond Poisson noise around ~0, but below the minimum volume worth an alert.
    counts = [1 if i % 7 == 0 else 0 for i in range(4 * DAY_BUCKETS)]
    counts[3 * DAY_BUCKETS] = blip
    state = ScopeState()
    assert feed(state, counts) == []


def test_near_zero_series_with_a_real_burst_alerts() -> None:
    counts = [1 if i % 7 == 0 else 0 for i in range(4 * DAY_BUCKETS)]
    counts[3 * DAY_BUCKETS] = 40
    assert len(opened(feed(ScopeState(), counts))) == 1


def test_baseline_is_not_dragged_up_by_a_past_spike() -> None:
    first = 3 * DAY_BUCKETS + 150
    second = first + 2 * DAY_BUCKETS  # same time of day, two days later (past the cool-down)
    counts = with_spike(with_spike(seasonal(6), first, 24, 1200), second, 24, 1200)
    assert_opened_soon_after(feed(ScopeState(), counts), [first, second])


def test_baseline_reads_same_time_of_day() -> None:
    state = ScopeState()
    counts = seasonal(4)
    feed(state, counts)
    night, evening = at(4 * DAY_BUCKETS + 12), at(4 * DAY_BUCKETS + 200)
    base_night, base_evening = state.baseline(night), state.baseline(evening)
    assert base_night is not None and base_evening is not None
    assert base_night.seasonal and base_evening.seasonal
    assert base_evening.median > 3 * base_night.median


def test_escalates_watch_warning_crisis_in_one_incident() -> None:
    spike_at = 4 * DAY_BUCKETS + 150
    counts = seasonal(5)
    state = ScopeState()
    events = feed(state, counts[:spike_at])
    baseline = state.baseline(at(spike_at))
    assert baseline is not None
    per_bucket = baseline.median / Params().smooth_buckets
    # Three stages of 30 minutes each at about 4x, 7x and 21x the usual level.
    for stage, factor in enumerate([3, 6, 20]):
        for k in range(6):
            counts[spike_at + 6 * stage + k] += round(factor * per_bucket)
    events = feed(state, counts[spike_at:], offset=spike_at)
    kinds = [e.kind for e in events]
    assert kinds.count(EventKind.OPENED) == 1
    assert opened(events)[0].incident.severity is Severity.WATCH
    escalations = [e.incident.severity for e in events if e.kind is EventKind.ESCALATED]
    assert escalations == [Severity.WARNING, Severity.CRISIS]
    final = events[-1].incident
    assert final.severity is Severity.CRISIS
    top = max(range(spike_at, spike_at + 18), key=lambda i: counts[i])
    assert final.peak == counts[top] and final.peak_at == at(top)


def test_resolves_after_quiet_spell_and_reports_duration() -> None:
    spike_at = 4 * DAY_BUCKETS + 150
    counts = with_spike(seasonal(5), spike_at, 12, 1200)
    state = ScopeState()
    events = feed(state, counts)
    resolved = [e for e in events if e.kind is EventKind.RESOLVED]
    assert len(resolved) == 1
    incident = resolved[0].incident
    # The level sums 30 minutes, so it stays high for 5 buckets after the burst, then needs
    # resolve_after quiet buckets.
    last_high = spike_at + 12 - 1 + Params().smooth_buckets - 1
    assert incident.resolved_at == at(last_high + Params().resolve_after + 1)
    assert at(spike_at) <= incident.opened_at <= at(spike_at + 2)
    assert incident.duration == incident.resolved_at - incident.opened_at
    assert not incident.is_open


def test_cooldown_reopens_instead_of_opening_another() -> None:
    first = 4 * DAY_BUCKETS + 100
    again = first + 36  # 3 hours later: same story
    later = first + 24 * 12 + 60  # well after the 24-hour cool-down
    counts = seasonal(7)
    for start in (first, again, later):
        counts = with_spike(counts, start, 6, 1200)
    events = feed(ScopeState(), counts)
    assert_opened_soon_after(events, [first, later])
    reopened = [e for e in events if e.kind is EventKind.REOPENED]
    assert len(reopened) == 1
    assert reopened[0].incident.opened_at == opened(events)[0].incident.opened_at


def test_no_cooldown_opens_a_second_incident() -> None:
    first = 4 * DAY_BUCKETS + 100
    counts = with_spike(with_spike(seasonal(5), first, 6, 400), first + 36, 6, 400)
    events = feed(ScopeState(Params(cooldown=timedelta(0))), counts)
    assert len(opened(events)) == 2


def test_partial_bucket_can_open_but_not_resolve() -> None:
    state = ScopeState()
    base = seasonal(4)
    feed(state, base)
    now = len(base)
    event = state.observe(at(now), 1500, complete=False)
    assert event is not None and event.kind is EventKind.OPENED
    # The completed bucket updates the same incident; a partial low count does not resolve it.
    assert state.observe(at(now), 1600).kind is EventKind.UPDATED
    for k in range(1, 20):
        assert state.observe(at(now + k), 0, complete=False) is None
    assert state.incident is not None and state.incident.is_open


def test_evaluate_from_stored_counts_matches_streaming() -> None:
    spike_at = 4 * DAY_BUCKETS + 150
    counts = with_spike(seasonal(5), spike_at, 12, 300)
    history = [(at(i), c) for i, c in enumerate(counts)]
    streamed = feed(ScopeState(), counts)
    incident, events = evaluate(history, Params(), since=at(spike_at - 50))
    assert [(e.kind, e.incident.last_updated) for e in events] == [
        (e.kind, e.incident.last_updated) for e in streamed
    ]
    assert incident is not None and incident.resolved_at == streamed[-1].incident.resolved_at


def test_evaluate_one_bucket_at_a_time_carries_the_incident() -> None:
    spike_at = 4 * DAY_BUCKETS + 150
    counts = with_spike(seasonal(5), spike_at, 12, 300)
    history = [(at(i), c) for i, c in enumerate(counts)]
    incident, kinds = None, []
    for end in range(spike_at, spike_at + 30):
        incident, events = evaluate(history[: end + 1], Params(), incident)
        kinds += [e.kind for e in events]
    assert kinds.count(EventKind.OPENED) == 1
    assert kinds[-1] is EventKind.RESOLVED


@pytest.mark.parametrize("detect", [False, True])
def test_silence_only_when_enabled(detect: bool) -> None:
    counts = seasonal(5, mean=80)
    gap = 4 * DAY_BUCKETS + 180
    for i in range(gap, gap + 24):
        counts[i] = 0
    events = feed(ScopeState(Params(detect_silence=detect)), counts)
    silences = [e for e in opened(events) if e.incident.kind is IncidentKind.SILENCE]
    assert len(silences) == (1 if detect else 0)


def test_sensitivity_changes_thresholds() -> None:
    assert Params(sensitivity="high").z_for(Severity.WATCH) < Params().z_for(Severity.WATCH)
    assert Params(sensitivity="low").z_for(Severity.CRISIS) > Params().z_for(Severity.CRISIS)


def test_primed_state_detects_like_a_streamed_one() -> None:
    spike_at = 4 * DAY_BUCKETS + 150
    counts = with_spike(seasonal(5), spike_at, 12, 300)
    primed = ScopeState()
    primed.prime([(at(i), c) for i, c in enumerate(counts[:spike_at])])
    streamed = ScopeState()
    feed(streamed, counts[:spike_at])
    rest = counts[spike_at:]
    kinds = [(e.kind, e.incident.last_updated) for e in feed(primed, rest, offset=spike_at)]
    assert kinds and kinds == [
        (e.kind, e.incident.last_updated) for e in feed(streamed, rest, offset=spike_at)
    ]


def test_missing_buckets_count_as_zero() -> None:
    counts = seasonal(5, mean=80)
    history = [(at(i), c) for i, c in enumerate(counts)]
    sparse = [row for row in history if row[1] != 0 or row[0] < at(4 * DAY_BUCKETS)]
    gap = [(at(i), 0) for i in range(4 * DAY_BUCKETS + 180, 4 * DAY_BUCKETS + 204)]
    sparse = [row for row in sparse if row[0] not in {t for t, _ in gap}]
    params = Params(detect_silence=True)
    incident, _ = evaluate(sparse, params, since=at(4 * DAY_BUCKETS + 170))
    assert incident is not None and incident.kind is IncidentKind.SILENCE


def _resolve_by_hand(state: ScopeState, when: datetime) -> None:
    incident = state.incident
    assert incident is not None and incident.is_open
    incident.resolved_at, incident.by_hand, incident.quiet_buckets = when, True, 0


def test_a_resolve_by_hand_holds_for_the_rest_of_the_same_spike() -> None:
    first = 4 * DAY_BUCKETS + 100
    counts = with_spike(seasonal(5), first, 24, 400)  # two hours of the same spike
    state = ScopeState()
    events = feed(state, counts[: first + 3])
    [opened_event] = opened(events)
    _resolve_by_hand(state, at(first + 3))
    later = feed(state, counts[first + 3 :], offset=first + 3)
    assert later == []  # neither re-opened nor a second incident
    assert state.incident is not None and not state.incident.is_open


def test_after_a_resolve_by_hand_a_new_rise_opens_a_new_incident() -> None:
    first = 4 * DAY_BUCKETS + 100
    counts = with_spike(seasonal(5), first, 12, 1200)
    counts = with_spike(counts, first + 12, 6, 3000)  # clearly above the peak the team saw
    counts = with_spike(counts, first + 60, 6, 1200)  # after a quiet spell: new again
    state = ScopeState()
    feed(state, counts[: first + 3])
    held = state.incident
    _resolve_by_hand(state, at(first + 3))
    events = feed(state, counts[first + 3 : first + 14], offset=first + 3)
    [rise] = opened(events)
    assert at(first + 12) <= rise.incident.opened_at <= at(first + 13) and state.incident is not held
    _resolve_by_hand(state, at(first + 14))
    events = feed(state, counts[first + 14 :], offset=first + 14)
    # The 1400 goes on without re-opening; the rise after the quiet spell is a new incident.
    assert [e.kind for e in events if e.kind is EventKind.REOPENED] == []
    [again] = opened(events)
    assert at(first + 60) <= again.incident.opened_at <= at(first + 62)


def test_an_incident_opened_on_a_level_keeps_the_peak_inside_that_level() -> None:
    start = 4 * DAY_BUCKETS + 100
    counts = with_spike(with_spike(seasonal(5), start, 1, 700), start + 1, 1, 500)
    [event] = opened(feed(ScopeState(), counts))
    assert event.incident.opened_at == at(start + 1)  # the level crosses on the second bucket
    assert event.incident.peak == counts[start] and event.incident.peak_at == at(start)
