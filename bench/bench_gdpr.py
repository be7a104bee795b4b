"""GDPR: erase one member with 10,000 interactions; retention over a large table while ingest runs.

The dataset (not timed) is loaded straight into the tables: ``TOTAL`` interactions (1,000,000;
quick: 100,000) by 20,000 members over 120 days on four platforms, one member with 10,000 of
them (with inbox items and notes), plus quarantine rows. Then:

* ``api``: the v1 list endpoints (members, interactions, search) with a token, 40 pages in a
  row following ``next_cursor``; p95 per endpoint. Target <= 50 ms at 1M.
* ``erase``: ``erase_member`` on that member and the commit. Target <= 2 s.
* ``retention``: a policy "reddit: keep 30 days" (about 3/16 of the table goes), applied by the
  job in batches of 2,000, each its own transaction. Target <= 60 s for the 1M table. Meanwhile
  a thread ingests a 50-mention batch every 0.2 s through the real ingest path; the slowest
  batch is reported: retention must not block ingest for more than a batch's deletion.
"""

from __future__ import annotations

import random
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text

from bench.common import (
    BACKENDS,
    Result,
    TextMaker,
    at_most,
    postgres_available,
    say,
    scratch_database,
)

TARGET_ERASE_S = 2.0
TARGET_RETENTION_S = 60.0
TARGET_API_P95_MS = 50.0
VICTIM_ITEMS = 10_000
MEMBERS = 20_000
PLATFORMS = ("reddit", "x", "mastodon", "forum")
DAYS = 120


def _load(session: Any, total: int) -> int:
    """Members, identities, interactions, inbox items, notes and quarantine rows; the victim's id."""
    from crm.db import utcnow
    from crm.inbox.models import InboxItem
    from crm.interactions.models import Interaction, QuarantinedItem
    from crm.members.models import Identity, Member, Note

    rng = random.Random(7)
    texts = TextMaker(7)
    now = utcnow()
    members = session.execute(
        insert(Member.__table__).returning(Member.__table__.c.id, sort_by_parameter_order=True),
        [{"display_name": f"Person {i}", "search_name": f"person {i} user_{i}", "platforms": PLATFORMS[i % 4],
          "created_at": now, "updated_at": now, "interaction_count": 0} for i in range(MEMBERS)],
    ).scalars().all()
    idents = session.execute(
        insert(Identity.__table__).returning(Identity.__table__.c.id, sort_by_parameter_order=True),
        [{"member_id": m, "platform": PLATFORMS[i % 4], "external_id": f"u{i}", "handle": f"user_{i}",
          "display_name": f"Person {i}", "created_at": now, "updated_at": now} for i, m in enumerate(members)],
    ).scalars().all()
    victim = 0  # member 0 (on reddit) writes VICTIM_ITEMS of the interactions
    rows: list[dict[str, Any]] = []
    span = timedelta(days=DAYS).total_seconds()
    end = now
    for k in range(total):
        who = victim if k < VICTIM_ITEMS else rng.randrange(1, MEMBERS)
        body, lang = texts.text()
        rows.append({
            "platform": PLATFORMS[who % 4], "external_id": f"e{k}", "kind": "comment", "text": body,
            "occurred_at": end - timedelta(seconds=rng.random() * span), "language": lang, "sentiment": 0.0,
            "sentiment_label": "neutral", "identity_id": idents[who], "member_id": members[who],
            "raw": {"author": f"u{who}"}, "created_at": now,
        })
        if len(rows) == 10_000:
            session.execute(insert(Interaction.__table__), rows)
            rows = []
    if rows:
        session.execute(insert(Interaction.__table__), rows)
    first_ids = session.execute(text("SELECT id, occurred_at FROM interactions WHERE member_id = :m LIMIT 1000"),
                                {"m": members[victim]}).all()
    session.execute(insert(InboxItem.__table__), [
        {"interaction_id": i, "platform": "reddit", "sentiment_label": "neutral", "occurred_at": at if not isinstance(at, str) else now,
         "thread_root": f"t{i}", "reasons": "question", "priority": 1, "status": "open", "created_at": now, "updated_at": now}
        for i, at in first_ids])
    session.execute(insert(Note.__table__), [{"member_id": members[victim], "body": f"note {n}", "created_at": now}
                                             for n in range(20)])
    session.execute(insert(QuarantinedItem.__table__), [
        {"origin": "bench", "platform": "reddit", "external_id": f"q{n}", "reason": "bad",
         "raw": {"author": f"u{n % 50}"}, "created_at": now} for n in range(2_000)])
    return int(members[victim])


def _ingest_while(stop: threading.Event, factory: Any, latencies: list[float]) -> None:
    from connectors.base import Author, Mention
    from crm.db import utcnow
    from crm.ingest import ingest_batch

    n = 0
    while not stop.is_set():
        batch = [Mention(platform="reddit", external_id=f"live{n}-{j}", author=Author(id=f"live{j % 7}", handle=f"live{j % 7}"),
                         created_at=utcnow(), text="live item while retention runs", kind="comment") for j in range(50)]
        n += 1
        t0 = time.perf_counter()
        with factory.begin() as s:
            ingest_batch(s, batch, origin="bench")
        latencies.append(time.perf_counter() - t0)
        stop.wait(0.2)


def _api_p95(url: str, factory: Any, tmp: Path) -> dict[str, tuple[float, int]]:
    """p95 of the v1 list endpoints (first page and 20 pages deep), in-process with a token."""
    from crm.settings import Settings
    from crm.tokens.models import SCOPES
    from crm.tokens.services import create_token
    from crm.users.services import create_user
    from listeners.queue import InlineQueue
    from web import create_app

    with factory.begin() as s:
        user = create_user(s, email="bench@example.com", password="bench password 1", role="admin")
        _t, raw = create_token(s, user, name="bench", scopes=SCOPES, rate_limit=100_000)
    app = create_app({"SETTINGS": Settings(data_dir=tmp, database_url=url, secret_key="bench-secret-key-0123456789"),
                      "SESSION_FACTORY": factory, "JOB_QUEUE": InlineQueue()})
    client = app.test_client()
    headers = {"Authorization": f"Bearer {raw}"}
    out = {}
    for path in ("/api/v1/members?limit=50", "/api/v1/interactions?limit=50", "/api/v1/search?q=support&limit=50"):
        times, cursor = [], None
        for _ in range(40):
            t0 = time.perf_counter()
            resp = client.get(path + (f"&cursor={cursor}" if cursor else ""), headers=headers)
            times.append(time.perf_counter() - t0)
            assert resp.status_code == 200, resp.data[:200]
            cursor = resp.get_json()["next_cursor"]
        times.sort()
        out[path] = (times[int(len(times) * 0.95) - 1], len(times))
    return out


def run_backend(backend: str, total: int) -> list[Result]:
    from crm.engine import make_engine, make_session_factory
    from crm.privacy import retention
    from crm.privacy.erase import erase_member
    from crm.settings import Settings
    from listeners import runtime
    from listeners.privacy import run_retention
    from listeners.queue import InlineQueue

    out = []
    with scratch_database(backend) as url:
        engine = make_engine(url)
        factory = make_session_factory(engine)
        say(f"{backend}: loading {total:,} interactions")
        t0 = time.perf_counter()
        with factory.begin() as s:
            victim = _load(s, total)
        say(f"{backend}: loaded in {time.perf_counter() - t0:.0f} s")
        if backend == "postgresql":
            with engine.connect() as conn:
                conn.exec_driver_sql("ANALYZE")
                conn.commit()
        tmp = Path(tempfile.mkdtemp(prefix="crm_bench_gdpr_"))
        for path, (p95, n) in _api_p95(url, factory, tmp).items():
            target, ok = at_most(p95 * 1000, TARGET_API_P95_MS)
            out.append(Result("gdpr", f"API {path.split('?')[0]} p95 ({n} pages in a row)", backend,
                              round(p95 * 1000, 1), "ms", target, ok if total >= 1_000_000 else None,
                              f"at {total:,} interactions, 50 a page, following next_cursor"))
        t0 = time.perf_counter()
        with factory.begin() as s:
            report = erase_member(s, victim, actor="bench")
        erase_s = time.perf_counter() - t0
        target, ok = at_most(erase_s, TARGET_ERASE_S)
        out.append(Result("gdpr", f"erase a member with {VICTIM_ITEMS:,} interactions", backend, round(erase_s, 2), "s",
                          target, ok, f"of {total:,}; {report.counts['quarantine']} quarantine rows, "
                          f"{report.counts['interactions']:,} interactions"))
        with factory.begin() as s:
            retention.set_policy(s, scope_kind="platform", scope_value="reddit", days=30, actor="bench")
        with factory() as s:
            due = sum(p.count for p in retention.preview(s))
        runtime.configure(Settings(data_dir=tmp, database_url=url, secret_key="bench-secret-key-0123456789"),
                          factory, InlineQueue())
        stop, latencies = threading.Event(), []
        live = threading.Thread(target=_ingest_while, args=(stop, factory, latencies))
        live.start()
        time.sleep(0.5)
        t0 = time.perf_counter()
        done = run_retention(force=True)
        ret_s = time.perf_counter() - t0
        stop.set()
        live.join()
        deleted = sum(done.values())
        scaled = ret_s * (1_000_000 / total) if total < 1_000_000 else ret_s
        target, ok = at_most(scaled, TARGET_RETENTION_S)
        out.append(Result("gdpr", f"retention over {total:,} interactions", backend, round(ret_s, 2), "s", target,
                          ok if total >= 1_000_000 else None,
                          f"{deleted:,} deleted (dry-run said {due:,}) in batches of {retention.BATCH:,}"
                          + ("" if total >= 1_000_000 else f"; x{1_000_000 // total} = {scaled:.0f} s if linear")))
        worst = max(latencies) if latencies else 0.0
        out.append(Result("gdpr", "slowest ingest batch (50) during retention", backend, round(worst * 1000), "ms", "",
                          None, f"{len(latencies)} batches; median {sorted(latencies)[len(latencies) // 2] * 1000:.0f} ms"
                          if latencies else "no batch ran"))
        engine.dispose()
    for res in out:
        print(f"  {res.metric:45} {res.backend:10} {res.measured} {res.unit}  {res.target}  {res.note}")
    return out


def main(quick: bool = False, backends: tuple[str, ...] = BACKENDS) -> list[Result]:
    total = 100_000 if quick else 1_000_000
    results: list[Result] = []
    for backend in backends:
        if backend == "postgresql" and (why := postgres_available()):
            results.append(Result("gdpr", "erase", backend, None, "", "", False, why))
            continue
        results.extend(run_backend(backend, total))
    return results


if __name__ == "__main__":
    import sys

    chosen = tuple(b for b in BACKENDS if f"--{b}" in sys.argv) or BACKENDS
    main(quick="--quick" in sys.argv, backends=chosen)
