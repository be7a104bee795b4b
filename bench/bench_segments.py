"""Segments: count latency of rules with 1-5 conditions, and export time and peak memory.

Data (quick: a tenth): 100,000 members, ~125,000 identities on 4 platforms, 1,000,000
interactions over the last 365 days (Zipf-like activity: a few very active members, many
quiet ones), tags on 10% of members, a planted word in 0.5% of texts. Rows are written
directly (COPY on PostgreSQL, executemany on SQLite) with member aggregates computed
alongside, as ingest would keep them; the full-text index is built by the migration's own
triggers / generated column.

Targets: segment count p95 <= 300 ms for rules of up to five conditions, on both backends;
export of 100,000 members with 10 columns <= 5 s to CSV and <= 30 s to XLSX, peak memory
<= 200 MB. Each export runs in a fresh Python process through the real job code
(listeners.exports.run_export), and its peak memory is that process's VmHWM (peak RSS).
"""

from __future__ import annotations

import io
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.common import (
    BACKENDS,
    Result,
    at_most,
    percentile,
    postgres_available,
    say,
    scratch_database,
)

COUNT_TARGET_MS = 300.0
CSV_TARGET_S, XLSX_TARGET_S, MEMORY_TARGET_MB = 5.0, 30.0, 200.0
PLATFORMS = ("reddit", "x", "mastodon", "forum")
WORDS = ("app update phone order delivery support team price plan account login screen battery camera "
         "refund shipping package week today still never really issue problem question help thanks "
         "love great good nice awesome bad terrible awful hate slow fast release version feature bug").split()
PLANTED = "zeppelinblau"

RULES: dict[int, list[dict[str, Any]]] = {
    1: [
        {"field": "interactions", "min": 3, "days": 30},
        {"field": "last_active", "within_days": 7},
        {"field": "platforms", "any": ["reddit"]},
        {"field": "reach", "top": 100},
        {"field": "mentioned", "query": PLANTED},
        {"field": "identities", "min": 2},
        {"field": "sentiment", "min": 0.25, "days": 90},
        {"field": "engagement", "levels": ["high", "medium"]},
    ],
    2: [
        {"op": "and", "conditions": [{"field": "interactions", "min": 2, "days": 30},
                                     {"field": "sentiment", "min": 0.25, "days": 90}]},
        {"op": "and", "conditions": [{"field": "interactions", "min": 3, "days": 120},
                                     {"field": "last_active", "older_than_days": 30}]},
    ],
    3: [
        {"op": "and", "conditions": [{"field": "interactions", "min": 3, "days": 30},
                                     {"field": "platforms", "any": ["reddit", "x"]},
                                     {"op": "not", "condition": {"field": "tags", "any": ["vip"]}}]},
    ],
    4: [
        {"op": "or", "conditions": [{"field": "tags", "all": ["customer", "vip"]},
                                    {"field": "reach", "min": 40_000},
                                    {"op": "and", "conditions": [{"field": "first_seen", "within_days": 14},
                                                                 {"field": "identities", "min": 2}]}]},
    ],
    5: [
        {"op": "and", "conditions": [{"field": "interactions", "min": 3, "days": 30},
                                     {"field": "platforms", "any": ["reddit"]},
                                     {"field": "sentiment", "min": 0.05, "days": 90},
                                     {"op": "not", "condition": {"field": "tags", "any": ["vip"]}},
                                     {"field": "last_active", "within_days": 14}]},
        {"op": "and", "conditions": [{"field": "mentioned", "query": PLANTED, "days": 180},
                                     {"field": "interactions", "min": 2, "days": 60},
                                     {"field": "identities", "min": 1},
                                     {"field": "reach", "min": 100},
                                     {"op": "not", "condition": {"field": "sentiment", "max": -0.5, "days": 30}}]},
    ],
}


# --- data ----------------------------------------------------------------------------------
def _ts(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%d %H:%M:%S.%f")


def generate(n_members: int, n_interactions: int, seed: int = 5) -> dict[str, list[tuple[Any, ...]]]:
    """Deterministic rows for members, identities, member_tags and interactions."""
    rng = random.Random(seed)
    now = datetime.now(UTC).replace(microsecond=0)
    sentences = []
    for i in range(400):
        words = rng.choices(WORDS, k=rng.randint(6, 14))
        if i % 200 == 0:
            words.append(PLANTED)
        sentences.append(" ".join(words))
    weights = [1.0 / (r + 1) ** 0.8 for r in range(n_members)]
    picks = rng.choices(range(n_members), weights=weights, k=n_interactions)
    # Interactions arrive roughly in time order (ids follow occurred_at), except 10% that are
    # back-filled at a random older time, as imports and slow platforms do.
    span = 365 * 86400
    when = sorted(rng.randint(0, span) for _ in range(n_interactions))
    seconds_ago = [span - w if rng.random() >= 0.1 else rng.randint(0, span) for w in when]
    per_member: list[list[int]] = [[] for _ in range(n_members)]
    for i, m in enumerate(picks):
        per_member[m].append(i)
    members, identities, tags, interactions = [], [], [], []
    ident_id = 0
    for m in range(n_members):
        mid = m + 1
        n_ids = 2 if rng.random() < 0.25 else 1
        plats = rng.sample(PLATFORMS, n_ids)
        followers = [int(rng.paretovariate(1.2) * 20) for _ in plats]
        first_ident = ident_id + 1
        for p, f in zip(plats, followers, strict=True):
            ident_id += 1
            identities.append((ident_id, mid, p, f"{p}-{mid}", f"user_{mid}_{p}", f"User {mid}", f))
        times, sents = [], []
        for i in per_member[m]:
            at = now - timedelta(seconds=seconds_ago[i])
            s = round(max(-1.0, min(1.0, rng.gauss(0.1, 0.45))), 3)
            label = "positive" if s >= 0.05 else "negative" if s <= -0.05 else "neutral"
            interactions.append((i + 1, plats[0], f"i{i}", "comment", sentences[i % len(sentences)], _ts(at), s,
                                 label, first_ident, mid))
            times.append(at)
            sents.append(s)
        if rng.random() < 0.1:
            tags.append((mid, "customer"))
            if rng.random() < 0.3:
                tags.append((mid, "vip"))
        members.append((
            mid, f"User {mid}", f"user {mid}", _ts(min(times)) if times else None, _ts(max(times)) if times else None,
            len(sents), sum(sents), (sum(sents) / len(sents)) if sents else None,
            sum(s >= 0.05 for s in sents), sum(s <= -0.05 for s in sents), sum(-0.05 < s < 0.05 for s in sents),
            max(followers), ",".join(sorted(plats)), _ts(now), _ts(now),
        ))
    return {"members": members, "identities": identities, "member_tags": tags, "interactions": interactions}


COLUMNS = {
    "members": ("id", "display_name", "search_name", "first_seen", "last_seen", "interaction_count",
                "sentiment_sum", "sentiment_mean", "positive_count", "negative_count", "neutral_count",
                "followers_max", "platforms", "created_at", "updated_at"),
    "identities": ("id", "member_id", "platform", "external_id", "handle", "display_name", "followers"),
    "member_tags": ("member_id", "tag"),
    "interactions": ("id", "platform", "external_id", "kind", "text", "occurred_at", "sentiment",
                     "sentiment_label", "identity_id", "member_id"),
}
EXTRA = {  # NOT NULL columns the rows above leave to a constant
    "identities": {"created_at": "now", "updated_at": "now"},
    "member_tags": {"created_at": "now"},
    "interactions": {"created_at": "now"},
}


def load(url: str, data: dict[str, list[tuple[Any, ...]]]) -> None:
    """Write the rows; PostgreSQL by COPY, SQLite by executemany in one transaction."""
    now = _ts(datetime.now(UTC))
    if url.startswith("postgresql"):
        import psycopg

        with psycopg.connect(url.replace("postgresql+psycopg", "postgresql")) as conn:
            for table, cols in COLUMNS.items():
                extra = EXTRA.get(table, {})
                with conn.cursor() as cur, cur.copy(
                    f"COPY {table} ({', '.join(cols + tuple(extra))}) FROM STDIN"  # noqa: S608 - our constants
                ) as copy:
                    for row in data[table]:
                        copy.write_row(row + tuple(now for _ in extra))
            conn.execute("SELECT setval('members_id_seq', (SELECT max(id) FROM members))")
        # Autovacuum would get there on a live system; index-only scans need the visibility map.
        with psycopg.connect(url.replace("postgresql+psycopg", "postgresql"), autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")
        return
    import sqlite3

    conn = sqlite3.connect(url.split("sqlite:///", 1)[1])
    with conn:
        for table, cols in COLUMNS.items():
            extra = EXTRA.get(table, {})
            names = cols + tuple(extra)
            marks = ", ".join("?" for _ in names)
            conn.executemany(f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks})",  # noqa: S608
                             (row + tuple(now for _ in extra) for row in data[table]))
    conn.execute("ANALYZE")
    conn.close()


# --- measurements --------------------------------------------------------------------------
def measure_counts(url: str, runs: int) -> dict[int, list[tuple[float, int]]]:
    """{conditions: [(p95 ms, members) per rule]}."""
    from crm.engine import make_engine, make_session_factory
    from crm.segments.rules import parse_rule
    from crm.segments.services import count_members

    engine = make_engine(url)
    factory = make_session_factory(engine)
    out: dict[int, list[tuple[float, int]]] = {}
    with factory() as s:
        for n, rules in RULES.items():
            for raw in rules:
                rule = parse_rule(raw)
                count = count_members(s, rule)  # warm-up
                times = []
                for _ in range(runs):
                    t0 = time.perf_counter()
                    count_members(s, rule)
                    times.append((time.perf_counter() - t0) * 1000)
                out.setdefault(n, []).append((percentile(times, 95), count))
    engine.dispose()
    return out


def export_child(url: str, fmt: str, out: str) -> None:
    """In a fresh process: export every member with the 10 default columns; print JSON."""
    from crm.segments import runs, services
    from crm.segments.export import DEFAULT_COLUMNS
    from crm.settings import Settings
    from listeners.exports import run_export
    from listeners.runtime import configure, transaction

    configure(Settings(database_url=url, data_dir=Path(out).parent, secret_key="bench" * 8))
    with transaction() as s:
        seg = services.create_segment(s, name=f"All {fmt}", rule={"field": "platforms", "any": list(PLATFORMS)})
        run_id = runs.create_export(s, seg, fmt=fmt, columns=DEFAULT_COLUMNS, actor="bench").id
    t0 = time.perf_counter()
    run_export(run_id, target=Path(out))
    seconds = time.perf_counter() - t0
    peak_mb = _vm_hwm_mb()
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb, "bytes": Path(out).stat().st_size}))


def _vm_hwm_mb() -> float:
    """This process's peak RSS. Not ru_maxrss: Linux carries that over fork+exec from the parent."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure_export(url: str, fmt: str, workdir: Path) -> dict[str, float]:
    out = workdir / f"all.{fmt}"
    proc = subprocess.run([sys.executable, "-m", "bench.bench_segments", "--export-child", url, fmt, str(out)],
                          capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def run_backend(backend: str, data: dict[str, list[tuple[Any, ...]]], runs: int, n_members: int) -> list[Result]:
    results: list[Result] = []
    with scratch_database(backend) as url:
        t0 = time.perf_counter()
        load(url, data)
        say(f"{backend}: loaded in {time.perf_counter() - t0:.0f} s")
        counts = measure_counts(url, runs)
        for n, per_rule in counts.items():
            worst = max(p for p, _ in per_rule)
            target, ok = at_most(worst, COUNT_TARGET_MS)
            results.append(Result("segments", f"count p95, {n} condition{'s' if n > 1 else ''} (worst rule)", backend,
                                  round(worst, 1), "ms", target, ok,
                                  note=f"{len(per_rule)} rules; p95s " + ", ".join(f"{p:.0f}" for p, _ in per_rule),
                                  details={"members": [c for _, c in per_rule]}))
            say(f"{backend}: {n} conditions: p95 {', '.join(f'{p:.1f} ms ({c:,})' for p, c in per_rule)}")
        with tempfile.TemporaryDirectory(prefix="crm_bench_export_") as tmp:
            for fmt, limit in (("csv", CSV_TARGET_S), ("xlsx", XLSX_TARGET_S)):
                m = measure_export(url, fmt, Path(tmp))
                target, ok = at_most(m["seconds"], limit)
                results.append(Result("segments", f"export {n_members:,} members x 10 columns to {fmt}", backend,
                                      round(m["seconds"], 2), "s", target, ok, note=f"{m['bytes'] / 1e6:.1f} MB file"))
                mem_target, mem_ok = at_most(m["peak_mb"], MEMORY_TARGET_MB)
                results.append(Result("segments", f"export to {fmt}: peak memory (process RSS)", backend,
                                      round(m["peak_mb"], 1), "MB", mem_target, mem_ok))
                say(f"{backend}: export {fmt}: {m['seconds']:.2f} s, peak {m['peak_mb']:.0f} MB")
    return results


def main(quick: bool = False) -> list[Result]:
    """Run on PostgreSQL (when reachable) and SQLite; print and return the numbers."""
    n_members, n_interactions = (10_000, 100_000) if quick else (100_000, 1_000_000)
    runs = 10 if quick else 20
    t0 = time.perf_counter()
    data = generate(n_members, n_interactions)
    say(f"generated {n_members:,} members, {len(data['identities']):,} identities, "
        f"{len(data['interactions']):,} interactions in {time.perf_counter() - t0:.0f} s")
    results: list[Result] = []
    for backend in BACKENDS:
        if backend == "postgresql" and (reason := postgres_available()):
            say(reason)
            continue
        results += run_backend(backend, data, runs, n_members)
    buf = io.StringIO()
    for r in results:
        mark = "ok" if r.passed else ("MISSED" if r.passed is False else "")
        print(f"{r.backend:10} {r.metric:55} {r.measured:>9} {r.unit:3} {r.target:>8} {mark}", file=buf)
    print(buf.getvalue(), end="")
    return results


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--export-child":
        export_child(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        main(quick="--quick" in sys.argv)
