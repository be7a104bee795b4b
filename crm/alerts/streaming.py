"""The detector driven over counts held in memory: backtests, the bench, and one-shot checks.

:class:`ScopeState` keeps a ring buffer of recent counts per scope and is fed one completed
bucket at a time; :func:`evaluate` runs the detector over stored (time, count) rows without a
cached state. Both use the same steps as the live evaluation (crm/alerts/evaluation.py):
``compute_baseline``, ``read_bucket`` and ``advance`` of crm/alerts/detector.py.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from crm.alerts.detector import Lookup, advance, compute_baseline, read_bucket, seasonal_lags
from crm.alerts.types import BUCKET_SECONDS, Baseline, Event, Incident, Params, bucket_number


@dataclass
class ScopeState:
    """Per-scope detector state: a ring buffer of recent counts and the latest incident.

    Keep one per scope in memory and call observe() for each completed bucket; an observation
    costs about a hundred array reads and two sorts of ~27 numbers, whatever the history length.
    """

    params: Params = field(default_factory=Params)
    incident: Incident | None = None
    _lags: tuple[int, ...] = field(init=False, repr=False)
    _counts: array = field(init=False, repr=False)
    _first: int | None = field(default=None, init=False, repr=False)
    _last: int | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self._lags = seasonal_lags(self.params)
        size = max(self._lags) + self.params.smooth_buckets + self.params.silence_buckets
        self._counts = array("q", bytes(8 * size))

    def _lookup(self, bucket: int) -> int | None:
        if self._first is None or self._last is None or bucket < self._first:
            return None
        if bucket > self._last or self._last - bucket >= len(self._counts):
            return None
        return self._counts[bucket % len(self._counts)]

    def _store(self, bucket: int, count: int) -> None:
        size = len(self._counts)
        if self._first is None or self._last is None:
            self._first = self._last = bucket
        elif bucket > self._last:
            for gap in range(max(self._last + 1, bucket - size + 1), bucket):
                self._counts[gap % size] = 0  # no mentions arrived in skipped buckets
            self._last = bucket
        elif bucket < self._first or self._last - bucket >= size:
            return  # older than what we keep: ignore rather than corrupt the ring
        self._counts[bucket % size] = count

    def prime(self, history: Sequence[tuple[datetime, int]]) -> None:
        """Load stored (time, count) rows without evaluating them, e.g. after a restart."""
        rows = history[-len(self._counts) :]
        if not rows:
            return
        first, last = bucket_number(rows[0][0]), bucket_number(rows[-1][0])
        if self._first is None and last - first == len(rows) - 1:  # fresh and gap-free: bulk
            size = len(self._counts)
            for offset, (_, count) in enumerate(rows):
                self._counts[(first + offset) % size] = count
            self._first, self._last = first, last
            return
        for at, count in rows:
            self._store(bucket_number(at), count)

    def baseline(self, bucket_start: datetime) -> Baseline | None:
        """Baseline of the smoothed level ending at a bucket, from the history held here."""
        bucket = bucket_number(bucket_start)
        return compute_baseline(
            self._lookup, bucket, self.params, self._lags, self.params.smooth_buckets
        )

    def observe(self, bucket_start: datetime, count: int, *, complete: bool = True) -> Event | None:
        """Feed one bucket's count; complete=False for the live, still-filling bucket."""
        if complete:
            self._store(bucket_number(bucket_start), count)
        reading = read_bucket(self._lookup, bucket_start, count, self.params, self._lags)
        if reading is None:
            return None
        self.incident, event = advance(self.incident, reading, self.params, complete=complete)
        return event


def history_lookup(history: Sequence[tuple[datetime, int]], until: int | None = None) -> Lookup:
    """Lookup over stored (time, count) rows sorted by time; missing buckets count as zero."""
    first = bucket_number(history[0][0])
    last = bucket_number(history[-1][0])
    end = last if until is None else max(last, until)
    if last - first == len(history) - 1:  # gap-free: the row index is the bucket offset

        def direct(bucket: int) -> int | None:
            if first <= bucket <= last:
                return history[bucket - first][1]
            return 0 if last < bucket <= end else None

        return direct

    def search(bucket: int) -> int | None:
        if bucket < first or bucket > end:
            return None
        i = bisect_left(history, bucket, key=lambda row: bucket_number(row[0]))
        if i < len(history) and bucket_number(history[i][0]) == bucket:
            return history[i][1]
        return 0

    return search


def evaluate(
    history: Sequence[tuple[datetime, int]],
    params: Params,
    incident: Incident | None = None,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
) -> tuple[Incident | None, list[Event]]:
    """Evaluate stored counts (rows sorted by time, complete buckets) without a cached state.

    Evaluates every bucket after `since` up to `until` (default: the last row's bucket only);
    buckets without a row had no mentions. Baselines are read by index or bisection, so the cost
    does not grow with the length of the history. Pass the scope's latest incident (open, or
    recently resolved for the cool-down) and persist the returned one.
    """
    if not history:
        return incident, []
    lags = seasonal_lags(params)
    origin, first = history[0][0], bucket_number(history[0][0])
    end = bucket_number(until) if until is not None else bucket_number(history[-1][0])
    lookup = history_lookup(history, end)
    start = end if since is None else bucket_number(since) + 1
    events = []
    for bucket in range(max(start, first), end + 1):
        at = origin + timedelta(seconds=BUCKET_SECONDS * (bucket - first))
        reading = read_bucket(lookup, at, lookup(bucket) or 0, params, lags)
        if reading is None:
            continue
        incident, event = advance(incident, reading, params)
        if event is not None:
            events.append(event)
    return incident, events
