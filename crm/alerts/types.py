"""Data types of the spike detector: severities, settings, baselines, incidents and events.

Kept apart from the algorithm (detector.py) so that models, services and delivery formatting
can use them without reading the maths.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

BUCKET_SECONDS = 300
DAY_BUCKETS = 86_400 // BUCKET_SECONDS
WEEK_BUCKETS = 7 * DAY_BUCKETS
MAD_TO_SIGMA = 1.4826
OUTLIER_FENCE_Z = 5.0  # past samples this far above the median are past incidents
AUTO_RESOLVED = "back to baseline"  # the detector's own resolution reason; any other is a person's


class Severity(enum.IntEnum):
    """How loud an incident is; ordered so that max() gives the worst."""

    WATCH = 1
    WARNING = 2
    CRISIS = 3

    def __str__(self) -> str:
        return self.name.lower()


class IncidentKind(enum.StrEnum):
    """A burst of volume, or a sudden silence."""

    SPIKE = "spike"
    SILENCE = "silence"


class EventKind(enum.StrEnum):
    """What happened to a scope's incident on one observation."""

    OPENED = "opened"
    ESCALATED = "escalated"
    REOPENED = "reopened"
    UPDATED = "updated"
    RESOLVED = "resolved"


# z-score multipliers per sensitivity: high alerts earlier and more often, low only on big moves.
SENSITIVITY_SCALE = {"high": 0.75, "medium": 1.0, "low": 1.4}


@dataclass(frozen=True)
class Params:
    """Detector settings; the defaults are chosen by principle, not fitted to a data set."""

    sensitivity: str = "medium"
    """low / medium / high: scales every z threshold (x1.4, x1, x0.75)."""
    smooth_buckets: int = 6
    """The level compared with the baseline is the sum of the last 6 buckets (30 minutes): a
    burst raises it at once by its full size, but a one-bucket blip is weighed against half an
    hour of normal traffic, and a build-up over several buckets adds up."""
    min_volume: int = 30
    """Fewest mentions in the smoothing window (30 minutes) that can open an incident: under one
    a minute, a person reads them as they come and counts are too small for statistics."""
    z_thresholds: tuple[float, float, float] = (8.0, 12.0, 20.0)
    """Robust z (excess over the median in sigmas) for watch, warning, crisis. High, because the
    band comes from a few dozen heavy-tailed samples and is itself uncertain by 20-30 %."""
    ratio_thresholds: tuple[float, float, float] = (4.5, 7.5, 15.0)
    """Level / baseline ratio for watch, warning, crisis: a spike must also be big relative to
    normal, so busy scopes with a tight band do not alert on a 20 % wobble. Chosen by
    leave-one-series-out cross-validation (bench/cv_detector.py): real mention counts are
    bursty, and 3x-5x half hours happen every few days on a busy brand."""
    volume_multipliers: tuple[int, int, int] = (1, 3, 10)
    """Absolute volume (x min_volume) needed for watch, warning, crisis."""
    tail_quantile: float = 0.75
    """The band's upward spread is also read from this quantile of the (fenced) seasonal
    samples, as if they were normal: bursty scopes get a wider band than their MAD says."""
    season_days: int = 7
    """Daily lags (same time of day, 1..N days ago): captures the daily rhythm."""
    season_weeks: int = 3
    """Weekly lags (same time of week, 1..N weeks ago): captures the weekday/weekend rhythm."""
    slot_spread: int = 1
    """Neighbouring buckets (+-n) at each lag, to triple the samples and absorb jitter."""
    min_seasonal_samples: int = 6
    """Below this many seasonal samples (about two days of history) use the recent fallback."""
    recent_buckets: int = 36
    """Fallback baseline window while history is short: the previous 3 hours."""
    min_recent_samples: int = 12
    """No verdict at all with less than one hour of history."""
    resolve_z: float = 3.0
    """A bucket is quiet again when below median + resolve_z sigmas (hysteresis vs opening)."""
    resolve_after: int = 6
    """Consecutive quiet buckets (30 minutes) before an incident is resolved."""
    cooldown: timedelta = timedelta(hours=24)
    """After resolving, a re-trigger within 24 hours re-opens the same incident instead of
    opening another: a story's next wave (another time zone waking up, the next day's
    follow-up) is the same story. 24 rather than 12 hours by cross-validation."""
    new_rise_ratio: float = 1.5
    """After a person resolves an incident, the same spike never re-opens it: only a new rise
    opens a new incident (linked to the old one), that is a 5-minute count at least 1.5 times
    the peak the team saw, or any trigger after a quiet spell (resolve_after quiet buckets)."""
    detect_silence: bool = False
    """Also raise SILENCE incidents (off by default: on low volume, silence is normal)."""
    silence_buckets: int = 6
    """Silence is judged over the last 30 minutes."""
    silence_min_expected: float = 30.0
    """Only scopes expecting at least this many mentions over the silence window can go silent."""
    silence_ratio: float = 0.1
    """Observed / expected volume below which the scope counts as silent."""

    def z_for(self, severity: Severity) -> float:
        """Robust z threshold for a severity after applying the sensitivity."""
        return self.z_thresholds[severity - 1] * SENSITIVITY_SCALE[self.sensitivity]


@dataclass(frozen=True, slots=True)
class Baseline:
    """Expected level of one bucket: robust centre and spread, and where they came from."""

    median: float
    sigma: float
    samples: int
    seasonal: bool


@dataclass
class Incident:
    """One ongoing (or finished) spike or silence of a scope."""

    kind: IncidentKind
    opened_at: datetime
    severity: Severity
    peak: int
    peak_at: datetime
    current: int
    baseline_at_open: float
    last_updated: datetime
    resolved_at: datetime | None = None
    quiet_buckets: int = 0
    by_hand: bool = False
    """Resolved by a person: held against the same spike (see Params.new_rise_ratio)."""

    @property
    def is_open(self) -> bool:
        """True until the incident is resolved."""
        return self.resolved_at is None

    @property
    def duration(self) -> timedelta:
        """From opening to resolution (or to the last update while open), bucket included."""
        end = self.resolved_at or self.last_updated + timedelta(seconds=BUCKET_SECONDS)
        return end - self.opened_at


@dataclass(frozen=True)
class Event:
    """A change to a scope's incident, to notify or persist; incident is a snapshot."""

    kind: EventKind
    incident: Incident
    baseline: Baseline | None = None


@dataclass(frozen=True, slots=True)
class Reading:
    """What the detector saw at one bucket: its count, the smoothed level and its baseline."""

    at: datetime
    count: int
    level: int
    baseline: Baseline
    silence: Severity | None = None
    lead: tuple[int, int] = (0, 0)
    """The highest count among the earlier buckets of the level's window, and how many
    buckets back: an incident that opens on a level starts with the peak already inside it."""


def bucket_number(moment: datetime) -> int:
    """Absolute 5-minute bucket number of a datetime (naive datetimes are taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return math.floor(moment.timestamp()) // BUCKET_SECONDS
