"""Alerts: one evaluation round of 1,000 scopes from stored counters, and the backtest.

Evaluation: 1,000 rules, each on its own scope (platform:p0 .. p999), with stored 5-minute
counters (quick: only the buckets the detector reads; full: 8 days dense plus the 14- and
21-day lags), evaluated the way the job after a batch does it (``evaluate_rules`` for the
touched scopes: read the counters the baselines need, read the open incidents, step the
detector over the last complete and the live bucket, write back). A few scopes carry a spike,
so alerts are opened and written too. Target: <= 200 ms for 1,000 scopes.

Backtest: ``crm alerts backtest`` on a 16,000-point series (the development series when
present, else a synthetic one of 16,000 points). Target: <= 2 s.
"""

from __future__ import annotations

import math
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.common import (
    BACKENDS,
    Result,
    at_most,
    median,
    postgres_available,
    say,
    scratch_database,
)

SCOPES = 1_000
TARGET_EVAL_S = 0.200
TARGET_BACKTEST_S = 2.0
DEV_SERIES = Path("/work/shared/data/spikes-dev/Twitter_volume_CVS.csv")
STEP = timedelta(minutes=5)


def _seed(session: Any, now: datetime, quick: bool) -> dict[int, float]:
    from sqlalchemy import insert

    from crm.alerts.models import AlertRule, VolumeBucket
    from crm.alerts.series import needed_ranges
    from crm.alerts.types import DAY_BUCKETS, Params, bucket_number

    end = bucket_number(now)
    wanted = {b for lo, hi in needed_ranges(end - 1, end, Params()) for b in range(lo, hi + 1) if b < end}
    if not quick:
        wanted |= set(range(end - 8 * DAY_BUCKETS, end))
    buckets = sorted(wanted)
    rng = random.Random(7)
    session.execute(
        insert(AlertRule),
        [
            {"name": f"scope {k}", "scope_kind": "platform", "scope_value": f"p{k}", "signal": "volume",
             "sensitivity": "medium", "min_volume": 30, "recipients": [], "channels": [],
             "webhook_format": "slack", "enabled": True,
             "evaluated_through": datetime.fromtimestamp((end - 2) * 300, UTC)}
            for k in range(SCOPES)
        ],
    )
    rows = []
    means: dict[int, float] = {}
    for k in range(SCOPES):
        mean = means[k] = rng.choice([0.3, 2, 10, 50, 300])
        for b in buckets:
            level = mean * (1 + 0.6 * math.sin(2 * math.pi * (b % DAY_BUCKETS) / DAY_BUCKETS))
            count = max(0, round(rng.gauss(level, math.sqrt(level) + 0.5)))
            if count:
                rows.append({"scope_key": f"platform:p{k}", "bucket_start": datetime.fromtimestamp(b * 300, UTC),
                             "count": count, "negative": count // 10, "sentiment_sum": 0.0,
                             "scored": count})
        if len(rows) >= 50_000:
            session.execute(insert(VolumeBucket), rows)
            rows = []
    if rows:
        session.execute(insert(VolumeBucket), rows)
    return means


def _spike(session: Any, now: datetime, means: dict[int, float]) -> None:
    """The batch: the live bucket of every scope gets counts, ten of them a spike.

    A spike is sized to its scope: at least 600 mentions, and at least three times the
    scope's usual 30-minute volume (600 on a scope that usually sees 300 per bucket is no spike).
    """
    from crm.alerts.counters import bucket_start, upsert_buckets

    rng = random.Random(11)
    upsert_buckets(session, [
        {"scope_key": f"platform:p{k}", "bucket_start": bucket_start(now),
         "count": (max(600, int(means[k] * 6 * 3)) if k % 100 == 0 else rng.randint(0, 20)),
         "negative": 0, "sentiment_sum": 0.0}
        for k in range(SCOPES)
    ])


def bench_evaluation(backend: str, quick: bool) -> list[Result]:
    from crm.alerts.evaluation import evaluate_rules
    from crm.engine import make_engine, make_session_factory

    now = datetime.now(UTC).replace(second=30, microsecond=0)
    with scratch_database(backend) as url:
        engine = make_engine(url)
        factory = make_session_factory(engine)
        t0 = time.perf_counter()
        with factory.begin() as s:
            means = _seed(s, now, quick)
        say(f"{backend}: seeded {SCOPES} scopes in {time.perf_counter() - t0:.1f} s")
        scopes = {f"platform:p{k}" for k in range(SCOPES)}
        # The timer's round (once a minute): reads the seasonal lags, caches the baselines.
        with factory.begin() as s:
            start = time.perf_counter()
            evaluate_rules(s, now - timedelta(seconds=20))
            cold = time.perf_counter() - start
        with factory.begin() as s:
            _spike(s, now, means)
        times, opened = [], 0
        for _ in range(3 if quick else 5):
            with factory() as s:
                s.begin()
                start = time.perf_counter()
                outcome = evaluate_rules(s, now, scopes=scopes)
                s.flush()
                times.append(time.perf_counter() - start)
                opened = len(outcome.opened)
                s.rollback()  # the next run evaluates the same round again
        engine.dispose()
    best = median(times)
    target, passed = at_most(best * 1000, TARGET_EVAL_S * 1000)
    return [
        Result("alerts", f"evaluate {SCOPES:,} scopes after a batch", backend, round(best * 1000, 1), "ms",
               target + " ms", passed and opened == SCOPES // 100,
               f"{opened} alerts opened (expected {SCOPES // 100})", {"runs_ms": [round(t * 1000, 1) for t in times]}),
        Result("alerts", f"timer round, {SCOPES:,} scopes, cold baselines", backend, round(cold * 1000, 1), "ms",
               note="once per bucket, in the background: reads the seasonal lags and caches baselines"),
    ]


def bench_backtest(quick: bool) -> Result:
    from cli.backtest import backtest_command

    path = DEV_SERIES
    tmp = None
    if not path.exists():
        tmp = Path(tempfile.mkdtemp(prefix="crm_bench_")) / "series.csv"
        rng = random.Random(3)
        start = datetime(2024, 1, 1)
        lines = ["timestamp,value"]
        for i in range(16_000):
            level = 30 * (1 + 0.6 * math.sin(2 * math.pi * (i % 288) / 288))
            lines.append(f"{start + i * STEP:%Y-%m-%d %H:%M:%S},{max(0, round(rng.gauss(level, math.sqrt(level))))}")
        tmp.write_text("\n".join(lines) + "\n")
        path = tmp
    times = []
    for _ in range(2 if quick else 3):
        start_t = time.perf_counter()
        text = backtest_command(path)
        times.append(time.perf_counter() - start_t)
    best = median(times)
    target, passed = at_most(best, TARGET_BACKTEST_S)
    return Result("alerts", "backtest a 16,000-point series", "-", round(best, 3), "s", target, passed,
                  f"{path.name}: {text.splitlines()[-1]}")


def main(quick: bool = False) -> list[Result]:
    """Evaluation round on each backend, then the backtest."""
    results: list[Result] = []
    for backend in BACKENDS:
        if backend == "postgresql" and (why := postgres_available()):
            results.append(Result("alerts", "evaluate scopes", backend, None, "", "", False, why))
            continue
        results.extend(bench_evaluation(backend, quick))
    results.append(bench_backtest(quick))
    return results


if __name__ == "__main__":
    for row in main(quick=True):
        print(row.as_dict())
