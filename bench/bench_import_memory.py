"""Peak memory and throughput of ``crm import FILE --quiet`` on a 1,000,000-line JSONL file.

The file (quick: 100,000 lines) is generated into a temp dir; the import runs in its own
process against a scratch SQLite database (DATA_DIR and DATABASE_URL point into the temp
dir, migrated first). A small wrapper process starts ``crm import`` and reports
``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss``: the peak RSS of the import alone.

Target: peak RSS <= 300 MB.
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from bench.common import PLATFORMS, START, Result, TextMaker, at_most, env_for_subprocess, say

TARGET_MB = 300
_WRAPPER = (
    "import resource, subprocess, sys\n"
    "rc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode\n"
    "print(rc, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
)


def write_jsonl(path: Path, n: int, n_authors: int, seed: int = 11) -> None:
    """``n`` import lines in the public schema; ~0.1% are broken (bad JSON, missing fields)."""
    rng = random.Random(seed)
    texts = TextMaker(seed)
    with open(path, "w", encoding="utf-8") as f:
        for i in range(n):
            a = rng.randrange(n_authors)
            p = PLATFORMS[a % len(PLATFORMS)]
            body, _ = texts.text()
            r = rng.random()
            if r < 0.0005:
                f.write('{"platform": "x", "external_id": broken\n')
                continue
            obj = {
                "platform": p, "external_id": f"{p[0]}{i}", "created_at":
                (START + timedelta(seconds=30 * i)).isoformat().replace("+00:00", "Z"),
                "text": body, "kind": "comment" if i % 3 else "post", "url": f"https://{p}.example/p/{i}",
                "author": {"id": f"u{a}", "handle": f"user_{a}", "display_name": f"User {a}",
                           "followers": (a * 7919) % 50_000},
            }
            if r < 0.001:
                del obj["author"]
            f.write(json.dumps(obj, ensure_ascii=False) + "\n")


def main(quick: bool = False) -> list[Result]:
    from crm.migrate import upgrade

    n = 100_000 if quick else 1_000_000
    work = Path(tempfile.mkdtemp(prefix="crm_bench_import_"))
    try:
        path = work / "mentions.jsonl"
        say(f"writing {n:,} JSONL lines")
        write_jsonl(path, n, max(1000, n // 5))
        size_mb = path.stat().st_size / 1e6
        url = f"sqlite:///{work / 'crm.sqlite3'}"
        upgrade(url)
        crm = Path(sys.executable).parent / "crm"
        cmd = [sys.executable, "-c", _WRAPPER, str(crm), "import", str(path), "--quiet"]
        env = env_for_subprocess(DATA_DIR=str(work), DATABASE_URL=url, REDIS_URL="")
        say(f"crm import {size_mb:,.0f} MB")
        t0 = time.perf_counter()
        out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
        secs = time.perf_counter() - t0
        rc, maxrss_kb = (int(x) for x in out.stdout.split()[-2:])
        if rc != 0:
            raise RuntimeError(f"crm import exited {rc}: {out.stderr[-500:]}")
        peak = maxrss_kb / 1024
        say(f"crm import: {n / secs:,.0f} lines/s, peak RSS {peak:,.0f} MB")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    target, ok = at_most(peak, TARGET_MB)
    return [
        Result("import_memory", f"crm import {n:,} lines: peak RSS", "sqlite", round(peak), "MB", target, ok,
               f"{size_mb:,.0f} MB file, max RSS of the import process (getrusage RUSAGE_CHILDREN)"),
        Result("import_memory", f"crm import {n:,} lines: throughput", "sqlite", round(n / secs), "lines/s",
               "(report)", None, f"{secs:,.0f} s wall, process start and migration check included"),
    ]
