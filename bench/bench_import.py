"""A real ``crm import FILE`` (one process, no Redis: follow-ups inline) against stock VADER.

The same JSONL file (60,000 lines, quick: 15,000, ~0.1 % broken) is imported by the ``crm``
command into a fresh database of each backend, then imported again. In the same run, stock
vaderSentiment scores the same texts in this process: the baseline. Rows: import lines/s as
a ratio to VADER's texts/s (target >= 1.0x on PostgreSQL), and re-import against the first
import (target >= 10x faster). Medians of 3 rounds (quick: 1).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.bench_import_memory import write_jsonl
from bench.common import (
    BACKENDS,
    Result,
    at_least,
    env_for_subprocess,
    median,
    postgres_available,
    say,
    scratch_database,
)

RATIO_TARGET = 1.0
REIMPORT_TARGET = 10.0
CRM = Path(sys.executable).parent / "crm"


def vader_per_s(texts: list[str]) -> float:
    """Stock vaderSentiment's texts/s on ``texts`` (compound of each)."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()
    t0 = time.perf_counter()
    for t in texts:
        analyzer.polarity_scores(t)
    return len(texts) / (time.perf_counter() - t0)


def crm_import(path: Path, url: str, data_dir: Path) -> float:
    """Seconds of one ``crm import`` process (start-up included)."""
    env = env_for_subprocess(DATA_DIR=str(data_dir), DATABASE_URL=url, REDIS_URL="")
    t0 = time.perf_counter()
    done = subprocess.run([str(CRM), "import", str(path), "--quiet"], env=env, capture_output=True, text=True)
    secs = time.perf_counter() - t0
    if done.returncode != 0:
        raise RuntimeError(f"crm import exited {done.returncode}: {done.stderr[-500:]}")
    return secs


def main(quick: bool = False) -> list[Result]:
    n, rounds = (15_000, 1) if quick else (60_000, 3)
    work = Path(tempfile.mkdtemp(prefix="crm_bench_imp_"))
    results: list[Result] = []
    try:
        path = work / "mentions.jsonl"
        write_jsonl(path, n, max(1000, n // 5))
        texts = []
        with open(path, encoding="utf-8") as f:
            for line in f:
                try:
                    texts.append(json.loads(line)["text"])
                except (ValueError, KeyError):
                    continue
        for backend in BACKENDS:
            if backend == "postgresql" and (why := postgres_available()):
                results.append(Result("import", "crm import", backend, None, "", "", False, why))
                continue
            firsts, agains, vaders = [], [], []
            for r in range(rounds):
                with scratch_database(backend) as url:
                    vaders.append(vader_per_s(texts))
                    first = crm_import(path, url, work)
                    again = crm_import(path, url, work)
                firsts.append(n / first)
                agains.append(first / again)
                say(f"import/{backend} round {r + 1}: {n / first:,.0f} lines/s, re-import {again:.1f} s, "
                    f"VADER {vaders[-1]:,.0f} texts/s")
            ratio = median(firsts) / median(vaders)
            target, ok = at_least(ratio, RATIO_TARGET) if backend == "postgresql" else ("(report)", None)
            results.append(Result(
                "import", f"crm import {n:,} lines / stock VADER, same texts", backend, round(ratio, 2), "x", target, ok,
                f"crm import {median(firsts):,.0f} lines/s (follow-ups inline), VADER {median(vaders):,.0f} texts/s, "
                f"median of {rounds}",
            ))
            target, ok = at_least(median(agains), REIMPORT_TARGET)
            results.append(Result(
                "import", "re-import: first import / re-import time", backend, round(median(agains), 1), "x",
                target, ok, "the same file again: every line a duplicate",
            ))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return results
