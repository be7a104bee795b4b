"""Timeline and full-text search over 1,000,000 interactions (quick: 100,000), both backends.

What is timed is the database: the SQL that ``search_interactions`` runs for the filter is
captured once (every statement, e.g. SQLite's probe and its search) and then replayed on the
driver's cursor many times, fetching all rows; p50/p95 over the replays. The ORM's
end-to-end time for the same call is reported next to it (``e2e``), without a target.

PostgreSQL: the engine comes from crm.db.make_engine, so prepared statements stay disabled
(``prepare_threshold=None``). psycopg would otherwise switch to a server-side prepared
statement after 5 runs, and PostgreSQL's *generic* plan for ``search_vector @@ tsquery``
cannot know whether a term is rare or common; every replay here is planned for its own
term (a custom plan), as in the product. The ``generic plan`` rows show what we avoid.

Each search row is the search page's work (issue 20): the page of results *and* the result
count (exact up to 10,000). The ``by relevance`` rows time the "best match" order (bm25 /
ts_rank_cd over the newest 2,000 matches). The right answer is computed the obvious way with
the same word forms (``search_terms``, crm/interactions/terms.py).
"""

from __future__ import annotations

import re
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, event, text

from bench import querydata
from bench.common import (
    PLANTED,
    Result,
    at_most,
    drop_pg_database,
    load_models,
    percentile,
    postgres_available,
    say,
)

TIMELINE_P95_MS = 5.0
SEARCH_P95_MS = 20.0


def capture(engine: Any, call: Any) -> tuple[list[tuple[str, Any]], Any]:
    """Run ``call()``; the (statement, parameters) it sent, and what it returned."""
    sent: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK")):
            sent.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        value = call()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return sent, value


def replay(engine: Any, statements: list[tuple[str, Any]], runs: int, warmup: int = 5) -> list[float]:
    """Milliseconds per replay of all ``statements`` on one connection, rows fetched."""
    times = []
    with engine.connect() as conn:
        cur = conn.connection.driver_connection.cursor()
        for i in range(warmup + runs):
            t0 = time.perf_counter()
            for statement, params in statements:
                cur.execute(statement, params)
                cur.fetchall()
            if i >= warmup:
                times.append((time.perf_counter() - t0) * 1000)
        cur.close()
        conn.rollback()
    return times


def reference_ids(session: Any, backend: str, word: str | None, member_id: int | None) -> list[int]:
    """The right answer the slow, obvious way: every match, then sort (a materialised CTE)."""
    where, w = _match_sql(backend, word)
    sql = (
        f"WITH m AS MATERIALIZED (SELECT id, occurred_at FROM interactions WHERE {where}) "  # noqa: S608
        "SELECT id FROM m ORDER BY occurred_at DESC, id DESC LIMIT 50"
    )
    return list(session.execute(text(sql), {"w": w, "m": member_id}).scalars())


def _bare_sql(backend: str, word: str | None, member_id: int | None) -> tuple[str, dict[str, Any]]:
    """bench/bare_app.py's query for the same page, as (statement, parameters) for replay."""
    from bench.bare_app import SEARCH, TIMELINE

    sql, params = (SEARCH[backend], {"q": word}) if word else (TIMELINE, {"id": member_id})
    # The driver's own parameter style: psycopg %(name)s, sqlite3 :name.
    return (re.sub(r"(?<!:):(\w+)", r"%(\1)s", sql) if backend == "postgresql" else sql), params


def _match_sql(backend: str, word: str | None) -> tuple[str, str | None]:
    """The WHERE clause matching ``word`` in every form the search looks for, and its parameter."""
    from crm.interactions.search import fts5_expression, parse_query, pg_tsquery

    if not word:
        return "member_id = :m", None
    if backend == "postgresql":
        return "search_vector @@ to_tsquery('simple'::regconfig, :w)", pg_tsquery(parse_query(word))
    return "id IN (SELECT rowid FROM interactions_fts WHERE interactions_fts MATCH :w)", fts5_expression(parse_query(word))


def measure(backend: str, url: str, runs: int) -> list[Result]:
    from crm.engine import make_engine, make_session_factory
    from crm.interactions.services import InteractionFilter, search_interactions

    load_models()
    engine = make_engine(url)
    factory = make_session_factory(engine)
    cases: list[tuple[str, InteractionFilter, str | None, float]] = [
        (f"timeline: newest 50 of a member with {querydata.TIMELINE_ROWS:,}",
         InteractionFilter(member_id=querydata.TIMELINE_MEMBER), None, TIMELINE_P95_MS),
    ]
    for kind, (word, _rate) in PLANTED.items():
        # With the result count, as the search page shows it.
        cases.append((f"search {kind} word", InteractionFilter(q=word), word, SEARCH_P95_MS))
    for kind, (word, _rate) in PLANTED.items():
        cases.append((f"search {kind} word by relevance", InteractionFilter(q=word, sort="relevance"), word,
                      SEARCH_P95_MS))
    out = []
    for label, flt, word, target_ms in cases:
        with factory() as s:
            if word:
                where, w = _match_sql(backend, word)
                hits = s.execute(text(f"SELECT count(*) FROM interactions WHERE {where}"), {"w": w}).scalar_one()  # noqa: S608
                label = f"{label} ({hits:,} hits)"
            statements, page = capture(
                engine, lambda s=s, flt=flt: search_interactions(s, flt, per_page=50, count=bool(flt.q))
            )
            got = [i.id for i in page.items]
            if flt.sort == "relevance":
                # Ranked: every row shown matches, and a full page when there are enough.
                where, w = _match_sql(backend, word)
                check = text(f"SELECT id FROM interactions WHERE {where} AND id IN :ids").bindparams(  # noqa: S608
                    bindparam("ids", expanding=True))
                ok_ids = set(s.execute(check, {"w": w, "ids": list(got) or [0]}).scalars())
                assert set(got) == ok_ids and len(got) == min(50, hits), f"{backend} {label}: wrong results"
            else:
                want = reference_ids(s, backend, word, flt.member_id)
                assert got == want, f"{backend} {label}: wrong result order/content"
            if flt.q:
                assert page.total == min(hits, 10_001) or (page.more_than and hits > 10_000), f"{label}: count"
            e2e = []
            for _ in range(max(10, runs // 5)):
                s.expunge_all()
                t0 = time.perf_counter()
                search_interactions(s, flt, per_page=50, count=bool(flt.q))
                e2e.append((time.perf_counter() - t0) * 1000)
        times = replay(engine, statements, runs)
        p50, p95 = percentile(times, 50), percentile(times, 95)
        target, ok = at_most(p95, target_ms)
        # The baseline, replayed in the same run: the one plain query a bare app would send
        # (bench/bare_app.py: newest 50 matches, no count, no word forms, no rows joined).
        bare = percentile(replay(engine, [_bare_sql(backend, word, flt.member_id)], runs), 95)
        out.append(Result(
            "queries", f"{label} p95", backend, round(p95, 2), "ms", target, ok,
            f"p50 {p50:.2f} ms, bare query p95 {bare:.2f} ms, e2e p50 {percentile(e2e, 50):.2f} ms, "
            f"{len(statements)} statement(s), {runs} runs, result checked against a full sort",
            {"p50": p50, "p95": p95, "bare_p95": bare, "e2e_p50": percentile(e2e, 50),
             "sql": [st for st, _ in statements]},
        ))
        say(f"{backend} {label}: p50 {p50:.2f} ms p95 {p95:.2f} ms (bare query p95 {bare:.2f} ms)")
    if backend == "postgresql":
        out.append(_generic_plan(engine, runs))
    engine.dispose()
    return out


def _generic_plan(engine: Any, runs: int) -> Result:
    """The rare-word search once PostgreSQL uses a generic plan (what prepare_threshold avoids)."""
    from crm.interactions.services import InteractionFilter, filtered

    word = PLANTED["rare"][0]
    with engine.connect() as conn:
        raw = conn.connection.driver_connection
        from sqlalchemy.orm import Session

        with Session(bind=conn) as s:
            stmt = filtered(s, InteractionFilter(q=word)).limit(51)
            compiled = stmt.compile(dialect=engine.dialect)
        sql = str(compiled)
        params = compiled.params
        cur = raw.cursor()
        cur.execute("SET plan_cache_mode = force_generic_plan")
        times = []
        for i in range(5 + max(10, runs // 5)):
            t0 = time.perf_counter()
            cur.execute(sql, params, prepare=True)
            cur.fetchall()
            if i >= 5:
                times.append((time.perf_counter() - t0) * 1000)
        cur.execute("RESET plan_cache_mode")
        conn.rollback()
    p95 = percentile(times, 95)
    return Result("queries", "search rare word, generic plan (avoided) p95", "postgresql", round(p95, 2), "ms",
                  "(info)", None, "why crm/db.py sets prepare_threshold=None: a prepared statement's "
                  "generic plan does not see how rare the term is", {"times": times})


def main(quick: bool = False) -> list[Result]:
    n, runs = (100_000, 40) if quick else (1_000_000, 200)
    results: list[Result] = []
    if why := postgres_available():
        results.append(Result("queries", "timeline and search", "postgresql", None, "", "", False, why))
    else:
        name, url = querydata.load_postgres(n)
        try:
            results.extend(measure("postgresql", url, runs))
        finally:
            drop_pg_database(name)
    work = Path(tempfile.mkdtemp(prefix="crm_bench_"))
    try:
        url = querydata.sqlite_file(n, work)
        results.extend(measure("sqlite", url, runs))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return results
