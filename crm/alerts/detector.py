"""Streaming spike / silence detector for mention volume per scope.

A scope (a brand, a search, a source) is observed as counts per 5-minute bucket. Each bucket is
compared with a seasonal baseline: the median and MAD of the counts at the same time of day on the
previous days and at the same time of week on the previous weeks. Medians are not dragged up by
past spikes; the MAD is floored by Poisson noise so near-zero series do not alert on 1 -> 3 blips.

One open incident per scope: it is updated while the spike lasts, escalated if it grows, resolved
after a quiet spell, and a re-trigger during the cool-down re-opens it instead of opening another.
A person's resolve stands: the same spike goes on without re-opening it, and only a new rise
(clearly above the peak the team saw, or after a quiet spell) opens a new incident.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from functools import lru_cache
from statistics import NormalDist

from crm.alerts.types import (
    BUCKET_SECONDS,
    DAY_BUCKETS,
    MAD_TO_SIGMA,
    OUTLIER_FENCE_Z,
    WEEK_BUCKETS,
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

# Lookup of a count by absolute bucket number; None means "before this scope had any data".
Lookup = Callable[[int], int | None]


def _quantile(ordered: Sequence[float], q: float) -> float:
    """Linear-interpolated quantile of sorted values."""
    pos = q * (len(ordered) - 1)
    low = math.floor(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def _robust(samples: list[int], seasonal: bool, tail: float = 0.75) -> Baseline:
    samples.sort()
    median = _quantile(samples, 0.5)
    deviations = sorted(abs(x - median) for x in samples)
    # Poisson floor: counts of mean m vary by sqrt(m) even when past days agreed exactly.
    sigma = max(MAD_TO_SIGMA * _quantile(deviations, 0.5), math.sqrt(max(median, 1.0)))
    # Counts are right-skewed and bursty, so the spread of upward moves is read from an upper
    # quantile too, after fencing off past spikes: they must not widen the band for the next one.
    fence = median + OUTLIER_FENCE_Z * sigma
    kept = [x for x in samples if x <= fence]
    upper = (_quantile(kept, tail) - median) / _normal_z(tail)
    return Baseline(float(median), max(sigma, upper), len(samples), seasonal)


@lru_cache(maxsize=16)
def _normal_z(q: float) -> float:
    return NormalDist().inv_cdf(q)


def seasonal_lags(params: Params) -> tuple[int, ...]:
    """Bucket offsets into the past used for the seasonal baseline."""
    centres = [d * DAY_BUCKETS for d in range(1, params.season_days + 1)]
    centres += [w * WEEK_BUCKETS for w in range(2, params.season_weeks + 1)]
    spread = range(-params.slot_spread, params.slot_spread + 1)
    return tuple(sorted({c + s for c in centres for s in spread}))


def window_sum(lookup: Lookup, bucket: int, width: int) -> int | None:
    """Sum of the `width` buckets ending at `bucket`; None if any lies before the scope's data."""
    total = 0
    for b in range(bucket - width + 1, bucket + 1):
        count = lookup(b)
        if count is None:
            return None
        total += count
    return total


def compute_baseline(
    lookup: Lookup, bucket: int, params: Params, lags: Sequence[int], width: int
) -> Baseline | None:
    """Baseline of the `width`-bucket sum ending at `bucket`; recent fallback if history is short."""
    samples = [x for lag in lags if (x := window_sum(lookup, bucket - lag, width)) is not None]
    if len(samples) >= params.min_seasonal_samples:
        return _robust(samples, True, params.tail_quantile)
    recent = [
        x
        for k in range(width, params.recent_buckets + 1)
        if (x := window_sum(lookup, bucket - k, width)) is not None
    ]
    if len(recent) >= params.min_recent_samples:
        return _robust(recent, False, params.tail_quantile)
    return None


def spike_severity(level: float, base: Baseline, params: Params) -> Severity | None:
    """Severity of a level against its baseline: z-score, ratio and absolute volume must agree."""
    z = (level - base.median) / base.sigma
    ratio = level / max(base.median, 1.0)
    found = None
    for severity in Severity:
        i = severity - 1
        if (
            z >= params.z_for(severity)
            and ratio >= params.ratio_thresholds[i]
            and level >= params.min_volume * params.volume_multipliers[i]
        ):
            found = severity
    return found


def is_quiet(level: float, base: Baseline, params: Params) -> bool:
    """True when a level is back within the normal band (or below the minimum volume)."""
    return level < params.min_volume or level <= base.median + params.resolve_z * base.sigma


def advance(
    incident: Incident | None, reading: Reading, params: Params, *, complete: bool = True
) -> tuple[Incident | None, Event | None]:
    """Step a scope's latest incident by one bucket; returns the (new) incident and the event.

    An incomplete bucket (live, still filling) can only open or escalate a spike: its count can
    only grow, so crossing a threshold is already certain, but quietness is not.
    """
    base = reading.baseline
    severity = spike_severity(reading.level, base, params)
    kind = IncidentKind.SPIKE
    if severity is None and reading.silence is not None and complete:
        severity, kind = reading.silence, IncidentKind.SILENCE
    if incident is not None and incident.is_open:
        same_kind = severity is not None and kind is incident.kind
        escalated = _touch(incident, reading, severity if same_kind else None)
        if not complete:
            return incident, Event(
                EventKind.ESCALATED, replace(incident), base
            ) if escalated else None
        if incident.kind is IncidentKind.SPIKE:
            quiet = is_quiet(reading.level, base, params)
        else:
            quiet = not same_kind
        incident.quiet_buckets = incident.quiet_buckets + 1 if quiet else 0
        if incident.quiet_buckets >= params.resolve_after:
            incident.resolved_at = reading.at + timedelta(seconds=BUCKET_SECONDS)
            return incident, Event(EventKind.RESOLVED, replace(incident), base)
        event_kind = EventKind.ESCALATED if escalated else EventKind.UPDATED
        return incident, Event(event_kind, replace(incident), base)
    held = (
        incident is not None
        and incident.by_hand
        and incident.resolved_at is not None
        and reading.at - incident.resolved_at < params.cooldown
    )
    if held and incident is not None and not _new_rise(incident, reading, params, severity, kind, complete):
        return incident, None
    if severity is None:
        return incident, None
    if (
        not held  # a new rise after a person's resolve opens a new incident, never re-opens
        and incident is not None
        and incident.kind is kind
        and incident.resolved_at is not None
        and reading.at - incident.resolved_at < params.cooldown
    ):
        incident.resolved_at = None
        incident.quiet_buckets = 0
        _touch(incident, reading, severity)
        return incident, Event(EventKind.REOPENED, replace(incident), base)
    at, count = reading.at, reading.count
    per_bucket = base.median / params.smooth_buckets
    incident = Incident(kind, at, severity, count, at, count, per_bucket, at)
    if kind is IncidentKind.SPIKE and reading.lead[0] > count:  # one peak: the chart's too
        incident.peak = reading.lead[0]
        incident.peak_at = at - timedelta(seconds=BUCKET_SECONDS * reading.lead[1])
    return incident, Event(EventKind.OPENED, replace(incident), base)


def _new_rise(
    incident: Incident,
    reading: Reading,
    params: Params,
    severity: Severity | None,
    kind: IncidentKind,
    complete: bool,
) -> bool:
    """After a person resolved `incident`: is this trigger a new rise, not the same spike?

    Counts the quiet buckets since the resolve; a trigger after a quiet spell, or a count
    clearly above the peak the team saw (new_rise_ratio), is a new rise.
    """
    triggered = severity is not None and kind is incident.kind
    if complete and incident.quiet_buckets < params.resolve_after:
        if incident.kind is IncidentKind.SPIKE:
            quiet = is_quiet(reading.level, reading.baseline, params)
        else:
            quiet = not triggered
        incident.quiet_buckets = incident.quiet_buckets + 1 if quiet else 0
    if not triggered:
        return False
    if incident.quiet_buckets >= params.resolve_after:
        return True
    return kind is IncidentKind.SPIKE and reading.count >= params.new_rise_ratio * max(incident.peak, 1)


def _touch(incident: Incident, reading: Reading, severity: Severity | None) -> bool:
    """Record the current count and peak; True if the severity went up."""
    at, count = reading.at, reading.count
    incident.current = count
    incident.last_updated = at
    spike = incident.kind is IncidentKind.SPIKE
    if (spike and count > incident.peak) or (not spike and count < incident.peak):
        incident.peak, incident.peak_at = count, at
    if severity is not None and severity > incident.severity:
        incident.severity = severity
        return True
    return False


def silence_severity(
    lookup: Lookup, bucket: int, params: Params, lags: Sequence[int]
) -> Severity | None:
    """WATCH/WARNING when the last silence_buckets are far below their seasonal expectation."""
    observed = window_sum(lookup, bucket, params.silence_buckets)
    base = compute_baseline(lookup, bucket, params, lags, params.silence_buckets)
    if observed is None or base is None or not base.seasonal:
        return None
    if base.median < params.silence_min_expected or observed > params.silence_ratio * base.median:
        return None
    return Severity.WARNING if observed == 0 else Severity.WATCH


def read_bucket(
    lookup: Lookup, at: datetime, count: int, params: Params, lags: Sequence[int]
) -> Reading | None:
    """Reading of one bucket whose count may not be in `lookup` yet (live partial bucket)."""
    bucket = bucket_number(at)
    width = params.smooth_buckets
    base = compute_baseline(lookup, bucket, params, lags, width)
    before = window_sum(lookup, bucket - 1, width - 1) if width > 1 else 0
    if base is None:
        return None
    level = count + (before or 0)
    silence = None
    if params.detect_silence and lookup(bucket) == count:
        silence = silence_severity(lookup, bucket, params, lags)
    return Reading(at, count, level, base, silence, lead_peak(lookup, bucket, width))


def lead_peak(lookup: Lookup, bucket: int, width: int) -> tuple[int, int]:
    """Highest count in the width-1 buckets before `bucket`, and how many buckets back."""
    best = (0, 0)
    for back in range(1, width):
        value = lookup(bucket - back) or 0
        if value > best[0]:
            best = (value, back)
    return best
