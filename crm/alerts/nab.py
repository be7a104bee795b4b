"""NAB (Numenta Anomaly Benchmark) scoring of binary alerts against labelled windows.

Follows NAB's Sweeper: the first min(15 %, 750) points are probationary and not scored; in a
window only the best (earliest) alert counts, weighted by a scaled sigmoid of its position
(+A_TP at the left edge, near 0 at the right edge); a window without alert costs A_FN; an alert
outside every window costs up to A_FP, less just after a window.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Profile:
    """Cost matrix of a NAB profile (all weights positive, as in NAB's profiles.json)."""

    tp_weight: float
    fp_weight: float
    fn_weight: float


PROFILES = {
    "standard": Profile(1.0, 0.11, 1.0),
    "reward_low_FP_rate": Profile(1.0, 0.22, 1.0),
    "reward_low_FN_rate": Profile(1.0, 0.11, 2.0),
}
PROFILE_ALIASES = {"low_fp": "reward_low_FP_rate", "low_fn": "reward_low_FN_rate"}


def get_profile(name: str) -> Profile:
    """Profile by NAB name or short alias (standard, low_fp, low_fn)."""
    return PROFILES[PROFILE_ALIASES.get(name, name)]


@dataclass(frozen=True)
class NabResult:
    """Raw NAB score of one series with its parts, and the normalised score."""

    raw: float
    windows: int
    detected: int
    false_positives: int
    profile: Profile

    @property
    def null(self) -> float:
        """Score of a detector that never alerts."""
        return -self.profile.fn_weight * self.windows

    @property
    def perfect(self) -> float:
        """Score of a detector that alerts once at the left edge of every window."""
        return self.profile.tp_weight * self.windows

    @property
    def normalised(self) -> float:
        """100 x (S - S_null) / (S_perfect - S_null)."""
        return normalise(self.raw, self.null, self.perfect)


def normalise(raw: float, null: float, perfect: float) -> float:
    """NAB normalisation to 0 (null detector) .. 100 (perfect detector)."""
    if perfect == null:
        return 0.0
    return 100.0 * (raw - null) / (perfect - null)


def combine(results: Iterable[NabResult]) -> float:
    """Normalised score of several series together: sum raw, null and perfect, then normalise."""
    parts = list(results)
    return normalise(
        sum(r.raw for r in parts), sum(r.null for r in parts), sum(r.perfect for r in parts)
    )


def scaled_sigmoid(position: float) -> float:
    """NAB's 2*sigmoid(-5y) - 1, clamped to -1 from three window-widths past a window."""
    if position >= 3.0:
        return -1.0
    return 2.0 / (1.0 + math.exp(5.0 * position)) - 1.0


def probation_length(n: int, percent: float = 0.15) -> int:
    """Points at the start that are not scored: min(floor(15 % of n), 750)."""
    return int(min(math.floor(percent * n), percent * 5000))


def score(
    timestamps: Sequence[datetime],
    alerts: Iterable[datetime],
    windows: Sequence[tuple[datetime, datetime]],
    profile: Profile | str = "standard",
) -> NabResult:
    """Score alert times over a series' timestamps (sorted) against inclusive windows."""
    costs = get_profile(profile) if isinstance(profile, str) else profile
    probation = probation_length(len(timestamps))
    spans = []  # (left index, right index) of each window, in order
    for start, end in sorted(windows):
        left, right = bisect_left(timestamps, start), bisect_right(timestamps, end) - 1
        if left <= right:
            spans.append((left, right))
    lefts = [left for left, _ in spans]
    max_tp = scaled_sigmoid(-1.0)
    best: dict[int, float] = {
        w: -costs.fn_weight for w, (_, r) in enumerate(spans) if r >= probation
    }
    fp_total = 0.0
    false_positives = 0
    for alert in sorted(set(alerts)):
        i = bisect_left(timestamps, alert)
        if i >= len(timestamps) or timestamps[i] != alert or i < probation:
            continue
        w = bisect_right(lefts, i) - 1  # the last window starting at or before i
        if w >= 0 and i <= spans[w][1]:
            left, right = spans[w]
            position = -(right - i + 1) / (right - left + 1)
            best[w] = max(best[w], scaled_sigmoid(position) * costs.tp_weight / max_tp)
            continue
        if w < 0:
            position = 3.0
        else:
            left, right = spans[w]
            position = abs(right - i) / max(right - left, 1)  # NAB: / (width - 1)
        fp_total += scaled_sigmoid(position) * costs.fp_weight
        false_positives += 1
    detected = sum(1 for w, value in best.items() if value > -costs.fn_weight)
    return NabResult(sum(best.values()) + fp_total, len(best), detected, false_positives, costs)
