"""Choose the spike detector's settings by leave-one-series-out cross-validation, NAB-scored.

The pool: the three development series (real tweet counts with labelled windows) and synthetic
series generated here with daily and weekly rhythm, trend, over-dispersed noise, unlabelled
chatter bursts, and labelled anomalies (bursts, level shifts, slow ramps) in NAB-style windows
(10 % of the series' length shared by its anomalies, centred on each onset).

For each development series, the settings are chosen on every *other* series of the pool
(the other two development series and all synthetic ones) and the left-out series is scored
with them: the reported numbers are never a series' own fit. The criterion is the sum of the
combined standard and reward_low_FP scores of the real training series plus the same of the
synthetic ones (two equal groups). The shipped default is the choice on the whole pool.

Run: .venv/bin/python -m bench.cv_detector [--data DIR] [--synthetic N] [--quick]
"""

from __future__ import annotations

import argparse
import itertools
import math
import random
import time
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

from cli.backtest import load_series, load_windows
from crm.alerts import nab
from crm.alerts.detector import advance, read_bucket, seasonal_lags
from crm.alerts.streaming import history_lookup
from crm.alerts.types import DAY_BUCKETS, Incident, Params, Reading

DATA = Path("/work/shared/data/spikes-dev")
FILES = ["Twitter_volume_AAPL.csv", "Twitter_volume_CVS.csv", "Twitter_volume_FB.csv"]
PROFILES = ("standard", "reward_low_FP_rate")
LENGTH = 15_900
START = datetime(2015, 2, 26, 21, 42, 53)
Series = list[tuple[datetime, int]]
Windows = list[tuple[datetime, datetime]]


@dataclass
class Case:
    name: str
    series: Series
    windows: Windows
    real: bool


# --- synthetic series -----------------------------------------------------------------------
def synthetic(seed: int) -> Case:
    """A labelled series: seasonal over-dispersed counts, chatter bursts and 2-4 anomalies."""
    rng = random.Random(seed)
    base = math.exp(rng.uniform(math.log(0.5), math.log(300)))  # 0.5 .. 300 per 5 minutes
    daily_amp, weekly_amp = rng.uniform(0.2, 0.9), rng.uniform(0.0, 0.5)
    phase = rng.uniform(0, 2 * math.pi)
    trend = rng.uniform(-0.5, 0.8)  # relative change over the whole series
    dispersion = rng.uniform(2.0, 20.0)  # gamma shape: smaller is burstier
    level = [1.0] * LENGTH
    labels: list[int] = []
    n_anomalies = rng.randint(2, 4)
    slots = sorted(rng.sample(range(1, 8), n_anomalies))
    for slot in slots:  # anomalies spread over the scored part of the series
        onset = int(LENGTH * (0.1 + 0.85 * slot / 8)) + rng.randint(-300, 300)
        labels.append(onset)
        kind = rng.choice(["burst", "burst", "shift", "ramp"])
        if kind == "burst":
            size, length = rng.uniform(4, 25), rng.randint(4, 36)
            for i in range(onset, min(LENGTH, onset + length)):
                level[i] *= 1 + size * math.exp(-(i - onset) / max(length / 3, 1))
        elif kind == "shift":
            size = rng.uniform(2.5, 5)
            for i in range(onset, LENGTH):
                level[i] *= size
        else:
            size, rise = rng.uniform(4, 10), rng.randint(24, 96)
            for i in range(onset, min(LENGTH, onset + 3 * rise)):
                t = i - onset
                level[i] *= 1 + (size - 1) * (t / rise if t < rise else max(0.0, 1 - (t - rise) / (2 * rise)))
    for _ in range(rng.randint(5, 25)):  # unlabelled chatter: small, short bursts
        at, size = rng.randrange(LENGTH), rng.uniform(0.5, 2.5)
        for i in range(at, min(LENGTH, at + rng.randint(1, 6))):
            level[i] *= 1 + size
    series: Series = []
    for i in range(LENGTH):
        t = i / DAY_BUCKETS
        mean = base * (1 + trend * i / LENGTH) * level[i]
        mean *= 1 + daily_amp * math.sin(2 * math.pi * t + phase)
        mean *= 1 - weekly_amp * (1 if (i // DAY_BUCKETS) % 7 in (5, 6) else 0)
        lam = rng.gammavariate(dispersion, max(mean, 0.0) / dispersion) if mean > 0 else 0.0
        series.append((START + timedelta(minutes=5 * i), _poisson(rng, lam)))
    width = int(0.1 * LENGTH / len(labels))
    windows = [
        (series[max(0, c - width // 2)][0], series[min(LENGTH - 1, c + width // 2)][0]) for c in labels
    ]
    return Case(f"synthetic-{seed}", series, windows, real=False)


def _poisson(rng: random.Random, lam: float) -> int:
    if lam > 50:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


# --- scoring -------------------------------------------------------------------------------
def readings(series: Series, params: Params) -> list[Reading | None]:
    """The detector's reading of every bucket (depends only on the baseline settings)."""
    lookup = history_lookup(series)
    lags = seasonal_lags(params)
    return [read_bucket(lookup, at, count, params, lags) for at, count in series]


def alerts(reads: list[Reading | None], params: Params) -> list[datetime]:
    """Opening times of the incidents the detector raises over precomputed readings."""
    incident: Incident | None = None
    opened = []
    for reading in reads:
        if reading is None:
            continue
        incident, event = advance(incident, reading, params)
        if event is not None and event.kind == "opened":
            opened.append(event.incident.opened_at)
    return opened


def results(case: Case, times: list[datetime]) -> dict[str, nab.NabResult]:
    stamps = [at for at, _ in case.series]
    return {p: nab.score(stamps, times, case.windows, p) for p in PROFILES}


# --- the search space ------------------------------------------------------------------------
BASELINE_GRID = {"tail_quantile": (0.75, 0.9, 0.95), "smooth_buckets": (6, 12)}
DECISION_GRID = {
    "z_scale": (1.0, 1.5, 2.0),
    "ratio_scale": (1.0, 1.5, 2.0),
    "cooldown_hours": (12, 24),
}


def configurations(quick: bool) -> list[tuple[dict[str, float], Params]]:
    base_keys, decision_keys = list(BASELINE_GRID), list(DECISION_GRID)
    out = []
    for b in itertools.product(*BASELINE_GRID.values()):
        for d in itertools.product(*DECISION_GRID.values()):
            knobs = dict(zip(base_keys + decision_keys, (*b, *d), strict=True))
            if quick and (knobs["smooth_buckets"] != 6 or knobs["cooldown_hours"] != 12):
                continue
            default = Params()
            params = replace(
                default,
                tail_quantile=knobs["tail_quantile"],
                smooth_buckets=int(knobs["smooth_buckets"]),
                min_volume=round(default.min_volume * knobs["smooth_buckets"] / 6),
                z_thresholds=tuple(z * knobs["z_scale"] for z in default.z_thresholds),  # type: ignore[arg-type]
                ratio_thresholds=tuple(r * knobs["ratio_scale"] for r in default.ratio_thresholds),  # type: ignore[arg-type]
                cooldown=timedelta(hours=knobs["cooldown_hours"]),
            )
            out.append((knobs, params))
    return out


def combined(parts: list[dict[str, nab.NabResult]], profile: str) -> float:
    return nab.combine(p[profile] for p in parts)


def criterion(score: dict[str, dict[str, nab.NabResult]], pool: list[Case], names: list[str]) -> float:
    """What a choice maximises on its training series: both profiles, real and synthetic
    series weighed as two equal groups (the real ones are what matters, the synthetic ones
    keep the choice from fitting two or three files)."""
    total = 0.0
    for real in (True, False):
        parts = [score[c.name] for c in pool if c.real is real and c.name in names]
        if parts:
            total += sum(combined(parts, profile) for profile in PROFILES)
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--synthetic", type=int, default=8)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    started = time.perf_counter()
    pool = [
        Case(name, load_series(args.data / name), load_windows(args.data / "windows.json", name), True)
        for name in FILES
    ]
    pool += [synthetic(seed) for seed in range(1, args.synthetic + 1)]
    configs = configurations(args.quick)
    # scores[config index][case name] -> results per profile
    scores: list[dict[str, dict[str, nab.NabResult]]] = [{} for _ in configs]
    by_baseline: dict[tuple[float, int], list[int]] = {}
    for i, (knobs, _) in enumerate(configs):
        by_baseline.setdefault((knobs["tail_quantile"], int(knobs["smooth_buckets"])), []).append(i)
    for case in pool:
        for indices in by_baseline.values():
            reads = readings(case.series, configs[indices[0]][1])
            for i in indices:
                scores[i][case.name] = results(case, alerts(reads, configs[i][1]))
    print(f"{len(configs)} configurations x {len(pool)} series in {time.perf_counter() - started:.0f} s")
    held_out: list[dict[str, nab.NabResult]] = []
    for left in (c for c in pool if c.real):
        train = [c.name for c in pool if c.name != left.name]

        best = max(range(len(configs)), key=lambda i, names=train: criterion(scores[i], pool, names))
        result = scores[best][left.name]
        held_out.append(result)
        print(
            f"left out {left.name:<26} chosen {configs[best][0]}  ->  "
            f"standard {result['standard'].normalised:5.1f}  low-FP "
            f"{result['reward_low_FP_rate'].normalised:5.1f}  "
            f"({result['standard'].detected}/{result['standard'].windows} windows, "
            f"{result['standard'].false_positives} FP)"
        )
    for profile in PROFILES:
        per = [r[profile].normalised for r in held_out]
        print(
            f"held-out {profile}: mean {sum(per) / len(per):.1f}, "
            f"combined {combined(held_out, profile):.1f}"
        )
    everything = [c.name for c in pool]
    best = max(range(len(configs)), key=lambda i: criterion(scores[i], pool, everything))
    print(f"choice on the whole pool (the shipped default): {configs[best][0]}")
    synth = [c.name for c in pool if not c.real]
    for profile in PROFILES:
        print(f"synthetic series, {profile} with that choice: "
              f"{combined([scores[best][n] for n in synth], profile):.1f}")


if __name__ == "__main__":
    main()
