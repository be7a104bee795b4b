"""Time the backtest over the development series and one live evaluation round of 1,000 scopes.

Run: .venv/bin/python bench/bench_backtest.py [DATA_DIR]
"""

from __future__ import annotations

import math
import random
import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

from cli.backtest import load_series, load_windows
from crm.alerts import nab
from crm.alerts.backtest import nab_result, run_backtest
from crm.alerts.streaming import ScopeState, evaluate
from crm.alerts.types import DAY_BUCKETS, Params

DATA = Path("/work/shared/data/spikes-dev")
FILES = ["Twitter_volume_AAPL.csv", "Twitter_volume_CVS.csv", "Twitter_volume_FB.csv"]
PROFILES = ["standard", "reward_low_FP_rate"]
RUNS = 5
SCOPES = 1_000


def bench_backtests(data: Path) -> None:
    """Backtest time per series (median of RUNS) and NAB scores per file and combined."""
    results: dict[str, list[nab.NabResult]] = {p: [] for p in PROFILES}
    for name in FILES:
        series = load_series(data / name)
        windows = load_windows(data / "windows.json", name)
        times = []
        for _ in range(RUNS):
            start = time.perf_counter()
            incidents = run_backtest(series)
            times.append(time.perf_counter() - start)
        scores = []
        for profile in PROFILES:
            result = nab_result(incidents, series, windows, profile)
            results[profile].append(result)
            scores.append(f"{profile} {result.normalised:6.1f}")
        print(
            f"{name:<26} {len(series):>6} points  backtest {statistics.median(times):.3f} s  "
            f"{len(incidents):>3} incidents  " + "  ".join(scores)
        )
    print("combined:", "  ".join(f"{p} {nab.combine(results[p]):.1f}" for p in PROFILES))


def synthetic(days: int, rng: random.Random) -> list[int]:
    """A scope's counts with a daily rhythm; the mean varies across scopes."""
    mean = rng.choice([0.3, 2, 10, 50, 300])
    out = []
    for i in range(days * DAY_BUCKETS):
        level = mean * (1 + 0.6 * math.sin(2 * math.pi * (i % DAY_BUCKETS) / DAY_BUCKETS))
        out.append(max(0, round(rng.gauss(level, math.sqrt(level) + 0.5))))
    return out


def bench_live_round() -> None:
    """Cost of one round after an ingest batch: one new bucket for each of 1,000 scopes."""
    rng = random.Random(1)
    start = datetime(2024, 1, 1)
    step = timedelta(minutes=5)
    days = 22  # enough for every daily and weekly lag
    templates = [synthetic(days, rng) for _ in range(20)]
    states = []
    t0 = time.perf_counter()
    for k in range(SCOPES):
        state = ScopeState(Params())
        counts = templates[k % len(templates)]
        state.prime([(start + i * step, c) for i, c in enumerate(counts[:-3])])
        states.append(state)
    print(f"priming {SCOPES} scopes with {days} days each: {time.perf_counter() - t0:.1f} s")
    rounds = []
    for r in range(3):
        i = days * DAY_BUCKETS - 3 + r
        at = start + i * step
        t0 = time.perf_counter()
        for k, state in enumerate(states):
            state.observe(at, templates[k % len(templates)][i])
        rounds.append(time.perf_counter() - t0)
    best = statistics.median(rounds)
    print(
        f"live round, cached ScopeState.observe: {best * 1000:.1f} ms for {SCOPES} scopes "
        f"({best / SCOPES * 1e6:.0f} us per scope)"
    )
    # Without cached state: evaluate() reads baselines from stored rows by index or bisection.
    histories = [[(start + i * step, c) for i, c in enumerate(t)] for t in templates]
    t0 = time.perf_counter()
    for k in range(SCOPES):
        evaluate(histories[k % len(histories)], Params())
    cold = time.perf_counter() - t0
    print(
        f"live round, stateless evaluate(history): {cold * 1000:.1f} ms for {SCOPES} scopes "
        f"({cold / SCOPES * 1e6:.0f} us per scope)"
    )


def main(argv: list[str] | None = None) -> None:
    """Print backtest timings and scores, then the live-round cost."""
    bench_backtests(Path(argv[0]) if argv else DATA)
    bench_live_round()


if __name__ == "__main__":
    main(sys.argv[1:])
