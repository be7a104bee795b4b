"""Identity resolution: merge suggestions from scratch, and the incremental update.

100,000 identities (quick: 10,000) of the labelled synthetic population
(crm/identity/synthetic.py: people with one to three accounts, name and handle variants,
namesakes), two interactions each, loaded straight into the tables (not timed). Then:

* ``rebuild``: ``rebuild_suggestions`` from an empty key table, and the commit. Target <= 60 s.
* ``incremental``: 1,000 more identities arrive; ``update_suggestions`` on them, and the commit.
  Target <= 2 s.

Both run in one process, on one core. Precision and recall at the default threshold are
measured on the same population and printed alongside.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import insert, select

from bench.common import BACKENDS, Result, at_most, postgres_available, say, scratch_database

TARGET_REBUILD_S = 60.0
TARGET_INCREMENTAL_S = 2.0
NEW = 1_000


def _load(session: Any, accounts: list[Any], mentions_of: dict[str, list[Any]]) -> list[int]:
    """Members, identities and interactions for these accounts (bulk inserts); identity ids."""
    from crm.db import utcnow
    from crm.interactions.models import Interaction
    from crm.members.models import Identity, Member

    now = utcnow()
    members = session.execute(
        insert(Member.__table__).returning(Member.__table__.c.id, sort_by_parameter_order=True),
        [{"display_name": a.display_name, "search_name": a.display_name.casefold(), "platforms": a.platform,
          "created_at": now, "updated_at": now, "interaction_count": 2} for a in accounts],
    ).scalars().all()
    idents = session.execute(
        insert(Identity.__table__).returning(Identity.__table__.c.id, sort_by_parameter_order=True),
        [{"member_id": m, "platform": a.platform, "external_id": a.external_id, "handle": a.handle,
          "display_name": a.display_name, "profile_url": a.url, "avatar_url": a.avatar,
          "website": a.profile.get("website"), "links": a.profile.get("links"), "email": a.profile.get("email"),
          "email_verified": bool(a.profile.get("email_verified")), "created_at": now, "updated_at": now}
         for m, a in zip(members, accounts, strict=True)],
    ).scalars().all()
    rows = []
    for m, i, a in zip(members, idents, accounts, strict=True):
        for x in mentions_of[a.external_id]:
            rows.append({"platform": x.platform, "external_id": x.external_id, "kind": x.kind, "text": x.text,
                         "occurred_at": x.created_at, "language": x.language, "sentiment": 0.0,
                         "sentiment_label": "neutral", "thread_external_id": x.thread_id, "identity_id": i,
                         "member_id": m, "created_at": now})
    for k in range(0, len(rows), 5_000):
        session.execute(insert(Interaction.__table__), rows[k : k + 5_000])
    return list(idents)


def _analyze(engine: Any) -> None:
    """Planner statistics, as autovacuum (or a periodic ANALYZE) keeps them in a live database."""
    with engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
        conn.commit()


def _quality(session: Any, pop: Any) -> tuple[float, float, int]:
    from crm.identities.models import MergeSuggestion
    from crm.members.models import Identity

    person_of = pop.person_of()
    person = {i: person_of[(p, e)] for i, p, e in session.execute(
        select(Identity.id, Identity.platform, Identity.external_id))}
    truth = len(pop.true_pairs())
    got = session.execute(select(MergeSuggestion.identity_a_id, MergeSuggestion.identity_b_id)).all()
    tp = sum(person[a] == person[b] for a, b in got)
    return tp / max(1, len(got)), tp / max(1, truth), len(got)


def run_backend(backend: str, total: int) -> list[Result]:
    from crm.engine import make_engine, make_session_factory
    from crm.identities.suggestions import rebuild_suggestions, update_suggestions
    from demo import synthetic

    people = int(total / 1.8)
    pop = synthetic.build(people, seed=3)
    accounts = pop.accounts[: total + NEW]
    mentions_of: dict[str, list[Any]] = {}
    for m in synthetic.mentions(synthetic.Population(accounts), per_account=2, seed=3):
        mentions_of.setdefault(m.author.id, []).append(m)
    base, new = accounts[:-NEW], accounts[-NEW:]
    out = []
    with scratch_database(backend) as url:
        engine = make_engine(url)
        factory = make_session_factory(engine)
        say(f"{backend}: loading {len(base):,} identities")
        with factory.begin() as s:
            _load(s, base, mentions_of)
        _analyze(engine)
        say(f"{backend}: rebuilding suggestions")
        t0, c0 = time.perf_counter(), time.process_time()
        with factory.begin() as s:
            r = rebuild_suggestions(s, auto_merge=False)
        rebuild_s, rebuild_cpu = time.perf_counter() - t0, time.process_time() - c0
        target, ok = at_most(rebuild_s, TARGET_REBUILD_S)
        out.append(Result("identity", f"rebuild {len(base):,} identities", backend, round(rebuild_s, 2), "s",
                          target, ok, f"{r.pairs:,} candidate pairs, {r.created:,} suggestions; "
                          f"{rebuild_cpu:.1f} s CPU in this process (the rest is the database and other load)"))
        with factory.begin() as s:
            new_ids = _load(s, new, mentions_of)
        _analyze(engine)
        t0, c0 = time.perf_counter(), time.process_time()
        with factory.begin() as s:
            r2 = update_suggestions(s, new_ids, auto_merge=False)
        inc_s, inc_cpu = time.perf_counter() - t0, time.process_time() - c0
        target, ok = at_most(inc_s, TARGET_INCREMENTAL_S)
        out.append(Result("identity", f"incremental {NEW:,} new identities", backend, round(inc_s, 2), "s",
                          target, ok, f"{r2.pairs:,} pairs scored, {r2.created:,} new suggestions; "
                          f"{inc_cpu:.2f} s CPU in this process"))
        with factory() as s:
            p, rc, n = _quality(s, synthetic.Population(accounts))
        out.append(Result("identity", "suggestion precision (default threshold)", backend, round(p, 3), "",
                          "", None, f"recall {rc:.3f}, {n:,} suggestions"))
        engine.dispose()
    for res in out:
        print(f"  {res.metric:45} {res.backend:10} {res.measured} {res.unit}  {res.target}  {res.note}")
    return out


def main(quick: bool = False) -> list[Result]:
    total = 10_000 if quick else 100_000
    results: list[Result] = []
    for backend in BACKENDS:
        if backend == "postgresql" and (why := postgres_available()):
            results.append(Result("identity", "rebuild", backend, None, "", "", False, why))
            continue
        results.extend(run_backend(backend, total))
    return results


if __name__ == "__main__":
    main()
