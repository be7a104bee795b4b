"""Ingest end to end through crm.ingest.ingest_batch, then the same mentions again.

200,000 mentions (quick: 20,000) from 40,000 authors (quick: 4,000) on 4 platforms, text of
10-60 words in English and German, in batches of INGEST_BATCH_SIZE (2,000), one transaction
per batch, one process. The clock covers everything ingest does: validation, duplicate
checks, sentiment, identities and members, the insert, aggregates and the commit; not the
generation of the synthetic mentions.

Target: >= 3,000 mentions/s on PostgreSQL. Re-ingest must be faster and change nothing.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import func, select, text

from bench.common import (
    BACKENDS,
    Result,
    at_least,
    load_models,
    make_mentions,
    median,
    postgres_available,
    say,
    scratch_database,
)

TARGET_PER_S = 3_000
BATCH = 2_000
COUNT_SQL = {
    "interactions": "SELECT count(*), coalesce(sum(sentiment), 0) FROM interactions",
    "members": "SELECT count(*), coalesce(sum(interaction_count), 0), coalesce(sum(positive_count), 0) FROM members",
    "identities": "SELECT count(*), coalesce(sum(followers), 0) FROM identities",
    "quarantine": "SELECT count(*), 0 FROM quarantine",
}


def _counts(session_factory: Any) -> dict[str, tuple[Any, ...]]:
    with session_factory() as s:
        return {k: tuple(round(v, 6) if isinstance(v, float) else v for v in s.execute(text(q)).one())
                for k, q in COUNT_SQL.items()}


def ingest_all(session_factory: Any, mentions: list[Any]) -> tuple[float, dict[str, int]]:
    """Ingest in batches, one transaction each; (seconds, summed counts)."""
    from crm.ingest import ingest_batch

    totals = {"new": 0, "duplicate": 0, "quarantined": 0, "new_members": 0}
    t0 = time.perf_counter()
    for i in range(0, len(mentions), BATCH):
        with session_factory.begin() as s:
            r = ingest_batch(s, mentions[i : i + BATCH], origin="bench")
        for k in totals:
            totals[k] += getattr(r, k)
    return time.perf_counter() - t0, totals


def run_backend(backend: str, mentions: list[Any], runs: int) -> list[Result]:
    from crm.engine import make_engine, make_session_factory

    load_models()
    n = len(mentions)
    firsts, agains = [], []
    for run in range(runs):
        with scratch_database(backend) as url:
            engine = make_engine(url)
            factory = make_session_factory(engine)
            secs, totals = ingest_all(factory, mentions)
            assert totals["new"] == n and totals["quarantined"] == 0, totals
            before = _counts(factory)
            secs2, totals2 = ingest_all(factory, mentions)
            after = _counts(factory)
            assert totals2["new"] == 0 and totals2["duplicate"] == n, totals2
            assert before == after, (before, after)
            with factory() as s:
                members = s.scalar(select(func.count()).select_from(text("members")))
            assert before["members"][1] == n  # every interaction counted once in aggregates
            engine.dispose()
        firsts.append(n / secs)
        agains.append(n / secs2)
        say(f"{backend} run {run + 1}/{runs}: ingest {n / secs:,.0f}/s ({secs:.1f} s), "
            f"re-ingest {n / secs2:,.0f}/s ({secs2:.1f} s), {members:,} members")
    first, again = median(firsts), median(agains)
    out = []
    if backend == "postgresql":
        target, ok = at_least(first, TARGET_PER_S)
    else:
        target, ok = "(report)", None
    out.append(Result("ingest", f"ingest {n:,} mentions", backend, round(first), "mentions/s",
                      target, ok, f"median of {runs} runs", {"runs": firsts}))
    out.append(Result("ingest", f"re-ingest same {n:,} (no changes)", backend, round(again), "mentions/s",
                      "> first ingest", again > first, "counts and aggregates asserted unchanged",
                      {"runs": agains}))
    return out


def main(quick: bool = False) -> list[Result]:
    n, authors, runs = (20_000, 4_000, 2) if quick else (200_000, 40_000, 3)
    say(f"generating {n:,} mentions from {authors:,} authors")
    mentions = make_mentions(n, authors)
    results: list[Result] = []
    for backend in BACKENDS:
        if backend == "postgresql" and (why := postgres_available()):
            results.append(Result("ingest", "ingest", backend, None, "", "", False, why))
            continue
        results.extend(run_backend(backend, mentions, runs))
    return results
