"""What alert evaluation reads: a rule's detector settings and its signal from stored counters.

The detector needs, per bucket, the seasonal lags and the last hours of one scope's counts; this
module says which bucket ranges those are, loads them (and where the scope's data begins), turns
counts into the rule's signal (volume, negative volume, negative share, negativity), and keeps
the per-bucket baseline cache. Evaluation (evaluation.py) and the incident explanation
(explain.py) both read through it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import BigInteger, Integer, cast, func, literal, or_, select, union_all
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from crm.alerts.detector import seasonal_lags
from crm.alerts.models import AlertRule, RuleBaseline, VolumeBucket, scope_key_of
from crm.alerts.types import BUCKET_SECONDS, Baseline, Params
from crm.db import dialect_name

RATIO_SIGNALS = frozenset({"negative_share", "mean_sentiment"})
# bucket number -> (count, negative, sentiment sum, mentions with a sentiment)
Counts = dict[int, tuple[int, int, float, int]]


@dataclass(frozen=True)
class RuleView:
    """The columns of a rule that evaluation reads: loaded without the ORM, because a round
    after every batch touches up to thousands of rules and ORM objects cost ~0.1 ms each."""

    id: int
    scope_kind: str
    scope_value: str
    signal: str
    sensitivity: str
    min_volume: int
    evaluated_through: datetime | None
    detect_silence: bool = False

    @property
    def scope_key(self) -> str:
        return scope_key_of(self.id, self.scope_kind, self.scope_value)


def params_for(rule: AlertRule | RuleView) -> Params:
    """Detector settings of a rule.

    Ratio signals are fed to the detector as percentage points per bucket (share of negative
    mentions, or negativity = -100 x mean sentiment), so their minimum volume is applied to the
    underlying mentions instead (see :func:`signal_values`), and the ratio steps are smaller: a
    share cannot grow tenfold the way a count can.
    """
    ratio = rule.signal in RATIO_SIGNALS
    silence = bool(rule.detect_silence) and rule.signal == "volume"  # silence is of mentions
    return _params(ratio, rule.sensitivity, 30 if ratio else rule.min_volume, silence)


@lru_cache(maxsize=256)
def _params(ratio: bool, sensitivity: str, min_volume: int, silence: bool = False) -> Params:
    if ratio:
        return Params(
            sensitivity=sensitivity,
            min_volume=min_volume,
            ratio_thresholds=(2.0, 3.0, 5.0),
            volume_multipliers=(1, 2, 4),
        )
    return Params(sensitivity=sensitivity, min_volume=min_volume, detect_silence=silence)


lags_for = lru_cache(maxsize=256)(seasonal_lags)


def at_bucket(number: int) -> datetime:
    """Start of a bucket number as an aware UTC datetime."""
    return datetime.fromtimestamp(number * BUCKET_SECONDS, UTC)


def needed_ranges(start: int, end: int, params: Params) -> list[tuple[int, int]]:
    """Inclusive bucket ranges the detector reads to judge buckets start..end."""
    width = params.smooth_buckets
    pad = 2 * width  # the window itself, and the trailing window of ratio signals
    spans = [(start - params.recent_buckets - pad, end)]
    lags = seasonal_lags(params)
    run_lo = run_hi = lags[0]
    for lag in [*lags[1:], None]:
        if lag is not None and lag == run_hi + 1:
            run_hi = lag
            continue
        spans.append((start - run_hi - pad, end - run_lo))
        if lag is not None:
            run_lo = run_hi = lag
    spans.sort()
    merged = [spans[0]]
    for lo, hi in spans[1:]:
        if lo <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(hi, merged[-1][1]))
        else:
            merged.append((lo, hi))
    return merged


def _bucket_column(session: Session, column: Any = VolumeBucket.bucket_start) -> Any:
    if dialect_name(session) == "postgresql":
        return cast(func.floor(func.extract("epoch", column) / BUCKET_SECONDS), BigInteger)
    return cast(func.strftime("%s", column), Integer) // BUCKET_SECONDS


def load_counts(
    session: Session, keys: Sequence[str], ranges: Sequence[tuple[int, int]], *, anchors: bool = True
) -> tuple[dict[str, Counts], dict[str, int]]:
    """Stored counters of scopes within bucket ranges, and where each scope's data begins.

    The start matters: before it a bucket is "no data yet", after it a missing row is zero.
    Only scopes whose rows do not reach back to the first needed bucket are asked for it.
    """
    counts: dict[str, Counts] = {key: {} for key in keys}
    bucket = _bucket_column(session)
    time_filter = or_(
        *(VolumeBucket.bucket_start.between(at_bucket(lo), at_bucket(hi)) for lo, hi in ranges)
    )
    for i in range(0, len(keys), 500):
        stmt = select(
            VolumeBucket.scope_key,
            bucket,
            VolumeBucket.count,
            VolumeBucket.negative,
            VolumeBucket.sentiment_sum,
            VolumeBucket.scored,
        ).where(VolumeBucket.scope_key.in_(keys[i : i + 500]), time_filter)
        for key, number, n, neg, total, scored in session.execute(stmt):
            counts[key][int(number)] = (n, neg, total, scored)
    earliest = ranges[0][0]
    first = {key: min(rows) for key, rows in counts.items() if rows}
    unsure = [key for key in keys if anchors and first.get(key, earliest + 1) > earliest]
    for i in range(0, len(unsure), 400):  # SQLite allows 500 terms in a compound SELECT
        parts = [
            select(literal(key), func.count()).where(
                VolumeBucket.scope_key == key, VolumeBucket.bucket_start < at_bucket(earliest)
            )
            for key in unsure[i : i + 400]
        ]
        for key, older in session.execute(union_all(*parts)):
            if older:
                first[key] = earliest
    return counts, first


def signal_values(
    rule: AlertRule | RuleView, counts: Counts, ranges: Sequence[tuple[int, int]]
) -> dict[int, int]:
    """The rule's signal per bucket within the ranges (missing buckets are zero)."""
    if rule.signal == "volume":
        return {b: c[0] for b, c in counts.items()}
    if rule.signal == "negative_volume":
        return {b: c[1] for b, c in counts.items()}
    width = params_for(rule).smooth_buckets
    values: dict[int, int] = {}
    for b in (b for lo, hi in ranges for b in range(lo, hi + 1)):
        window = [counts[x] for x in range(b - width + 1, b + 1) if x in counts]
        # Shares and means are over the mentions with a sentiment: a burst of French posts
        # (not scored) neither dilutes a negative share nor counts as neutral.
        total = sum(w[3] for w in window)
        if total < max(rule.min_volume, 1):
            continue  # too few scored mentions for a share to mean anything
        if rule.signal == "negative_share":
            value = 100 * sum(w[1] for w in window) / total
        else:
            value = max(0.0, -100 * sum(w[2] for w in window) / total)
        values[b] = round(value)
    return values


def cached_baselines(
    session: Session, rule_ids: Sequence[int], since: int
) -> dict[int, dict[int, Baseline]]:
    """Baselines already computed for these rules from bucket ``since`` on."""
    cached: dict[int, dict[int, Baseline]] = defaultdict(dict)
    bucket = _bucket_column(session, RuleBaseline.bucket_start)
    for i in range(0, len(rule_ids), 500):
        stmt = select(
            RuleBaseline.rule_id, bucket, RuleBaseline.median, RuleBaseline.sigma,
            RuleBaseline.samples, RuleBaseline.seasonal,
        ).where(
            RuleBaseline.rule_id.in_(rule_ids[i : i + 500]),
            RuleBaseline.bucket_start >= at_bucket(since),
        )
        for rule_id, number, median, sigma, samples, seasonal in session.execute(stmt):
            cached[rule_id][int(number)] = Baseline(median, sigma, samples, bool(seasonal))
    return cached


def save_baselines(session: Session, rows: list[dict[str, Any]]) -> None:
    """Cache computed baselines (a bucket already cached keeps its row)."""
    dialect = postgresql if dialect_name(session) == "postgresql" else sqlite
    for i in range(0, len(rows), 500):
        stmt = dialect.insert(RuleBaseline.__table__).values(rows[i : i + 500])
        session.execute(stmt.on_conflict_do_nothing(index_elements=["rule_id", "bucket_start"]))
