"""Merge suggestions in the database: full rebuild, incremental update, automatic merges.

``update_suggestions(session, identity_ids)`` is the incremental path, called after an ingest
batch with the identities it created or changed: it refreshes their blocking keys, looks up
the identities that share a key (one indexed query), rescores the member pairs involved and
applies the automatic-merge rules that are switched on. ``rebuild_suggestions`` does the same
for everyone from scratch (``crm members suggest --rebuild``).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, func, insert, select, text, update
from sqlalchemy.orm import Session

from crm.db import chunks, dialect_name, utcnow
from crm.identities import matching
from crm.identities.loading import (
    CHUNK,
    FEATURE_COLUMNS,
    count_keys,
    load_activity,
    load_features,
    team_identities,
)
from crm.identities.merge import merge_members
from crm.identities.models import (
    RULES,
    IdentityMatchKey,
    IdentityRule,
    MergeDecision,
    MergeSuggestion,
)
from crm.members.models import Identity, Member

Pair = tuple[int, int]


@dataclass
class SuggestResult:
    """What an update did: pairs scored, suggestions written or removed, automatic merges."""

    identities: int = 0
    pairs: int = 0
    created: int = 0
    updated: int = 0
    removed: int = 0
    auto_merges: list[int] = field(default_factory=list)  # MergeAudit ids


def _insert_rows(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert many rows: COPY on PostgreSQL for plain columns (executemany sends one statement
    per row, ~10x slower for the hundreds of thousands of keys a rebuild writes)."""
    if not rows:
        return
    if dialect_name(session) == "postgresql" and table.name == "identity_match_keys":
        from psycopg import sql

        raw = session.connection().connection.driver_connection
        cols = list(rows[0])
        stmt = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(table.name), sql.SQL(", ").join(map(sql.Identifier, cols))
        )
        with raw.cursor() as cur, cur.copy(stmt) as copy:  # type: ignore[union-attr]
            for r in rows:
                copy.write_row([r[c] for c in cols])
        return
    for i in range(0, len(rows), 5000):
        session.execute(insert(table), list(rows[i : i + 5000]))


def rules(session: Session) -> dict[str, bool]:
    """Every automatic-merge rule and whether it is on (rules are on unless switched off)."""
    stored = {r.name: r.enabled for r in session.scalars(select(IdentityRule))}
    return {name: stored.get(name, True) for name in RULES}


def _mark_team(feats: dict[int, matching.Features], team: set[int]) -> None:
    for i in team & set(feats):
        feats[i].team = True


def _blocked(session: Session, member_of: dict[int, int] | None = None) -> set[Pair]:
    """Member pairs a teammate said are different people (via any of their identities)."""
    rows = session.execute(select(MergeDecision.identity_a_id, MergeDecision.identity_b_id)).all()
    if not rows:
        return set()
    if member_of is None or any(a not in member_of or b not in member_of for a, b in rows):
        wanted = sorted({i for r in rows for i in r})
        member_of = dict(member_of or {})
        for chunk in chunks(wanted, CHUNK):
            member_of.update(session.execute(select(Identity.id, Identity.member_id).where(Identity.id.in_(chunk))).all())
    return {tuple(sorted((member_of[a], member_of[b]))) for a, b in rows}  # type: ignore[misc]


def _score(
    pairs: Iterable[Pair], feats: dict[int, matching.Features], stats: matching.Stats
) -> dict[Pair, tuple[float, int, int, list[dict[str, Any]]]]:
    """Best-scoring identity pair per member pair: (score, identity a, identity b, evidence).

    Pairs with one of our team accounts are never scored: they are not members' accounts.
    """
    found: list[tuple[matching.Features, matching.Features, list[dict[str, Any]], float]] = []
    # The two best matches of each account on each other platform: one person keeps one account
    # per platform, so a second account there that matches as well means the evidence does
    # not say which (namesakes, a handle two people chose).
    top: dict[tuple[int, str], list[tuple[float, int]]] = defaultdict(list)
    for ia, ib in pairs:
        a, b = feats[ia], feats[ib]
        if a.member_id == b.member_id or a.team or b.team:
            continue
        if a.member_id > b.member_id:
            a, b = b, a
        items = matching.evidence(a, b, stats)
        score = matching.combine(items)
        found.append((a, b, items, score))
        if score >= matching.RIVAL_FLOOR:
            for x, y in ((a, b), (b, a)):
                two = top[(x.id, y.platform)]
                two.append((score, y.member_id))
                two.sort(reverse=True)
                del two[2:]
    best: dict[Pair, tuple[float, int, int, list[dict[str, Any]]]] = {}
    for a, b, items, score in found:
        rival = max((s for x, y in ((a, b), (b, a)) for s, m in top.get((x.id, y.platform), ()) if m != y.member_id),
                    default=0.0)
        if score >= matching.RIVAL_FLOOR and rival >= score - matching.RIVAL_MARGIN:
            items = [*items, matching.rival_item(a, b, rival)]
            score = matching.combine(items)
        key = (a.member_id, b.member_id)
        if key not in best or score > best[key][0]:
            best[key] = (score, a.id, b.id, items)
    return best


def _hub(f: matching.Features, stats: matching.Stats) -> bool:
    """A profile many others link to: a brand or a public figure (never merged automatically)."""
    return any(stats.n(f"l:{u}") - 1 >= matching.HUB_LINKERS for u in f.own_urls)


def _auto_merge(
    session: Session, scored: dict[Pair, Any], blocked: set[Pair], result: SuggestResult,
    feats: dict[int, matching.Features], stats: matching.Stats,
) -> dict[int, int]:
    """Merge the pairs with certain evidence whose rule is on; return merged -> kept.

    Never a brand's or public figure's account (many profiles link to it) and never ours.
    """
    enabled = rules(session)
    moved: dict[int, int] = {}

    def current(m: int) -> int:
        while m in moved:
            m = moved[m]
        return m

    certain = sorted(
        k for k, v in scored.items()
        if (r := matching.certain_rule(v[3])) and enabled.get(r) and k not in blocked
        and not any(f.team or _hub(f, stats) for f in (feats[v[1]], feats[v[2]]))
    )
    for ma, mb in certain:
        ka, kb = current(ma), current(mb)
        if ka == kb:
            continue
        keep, other = min(ka, kb), max(ka, kb)
        platforms = dict(session.execute(
            select(Identity.member_id, func.count(func.distinct(Identity.platform)))
            .where(Identity.member_id.in_([keep, other])).group_by(Identity.member_id)
        ).all())
        together = session.scalar(
            select(func.count(func.distinct(Identity.platform))).where(Identity.member_id.in_([keep, other]))
        )
        if together != platforms.get(keep, 0) + platforms.get(other, 0):
            continue  # never join two accounts of one platform automatically
        rule = matching.certain_rule(scored[(ma, mb)][3])
        audit = merge_members(
            session, keep_id=keep, merge_ids=[other], actor_id=None, method=f"rule:{rule}",
            reason=RULES[rule or ""], evidence=scored[(ma, mb)][3],
        )
        result.auto_merges.append(audit.id)
        moved[other] = keep
    return {m: current(m) for m in moved}


def _store(
    session: Session, scored: dict[Pair, Any], affected: set[Pair], blocked: set[Pair],
    threshold: float, result: SuggestResult,
) -> None:
    """Write suggestions for the affected pairs: insert, update, or remove when below threshold."""
    t = cast(Table, MergeSuggestion.__table__)
    existing: dict[Pair, Any] = {}
    firsts = sorted({a for a, _ in affected})
    for chunk in chunks(firsts, CHUNK):
        for r in session.execute(select(t.c.id, t.c.member_a_id, t.c.member_b_id, t.c.status).where(t.c.member_a_id.in_(chunk))):
            if (r.member_a_id, r.member_b_id) in affected:
                existing[(r.member_a_id, r.member_b_id)] = r
    now = utcnow()
    inserts, updates, removals = [], [], []
    for key in affected:
        found = scored.get(key)
        old = existing.get(key)
        if found is None or found[0] < threshold or key in blocked:
            if old is not None and old.status in ("open", "snoozed"):
                removals.append(old.id)
            continue
        score, ia, ib, items = found
        values = {"identity_a_id": ia, "identity_b_id": ib, "score": score, "evidence": items, "updated_at": now}
        if old is None:
            inserts.append({"member_a_id": key[0], "member_b_id": key[1], "status": "open", "created_at": now, **values})
        else:
            updates.append((old.id, values))
    if inserts:
        _insert_rows(session, t, inserts)
    if updates:
        # One statement, many parameter sets (pipelined by the driver), not one round trip each.
        session.execute(
            update(t).where(t.c.id == bindparam("b_id")).values(
                identity_a_id=bindparam("b_ia"), identity_b_id=bindparam("b_ib"), score=bindparam("b_score"),
                evidence=bindparam("b_evidence", type_=t.c.evidence.type), updated_at=bindparam("b_at", type_=t.c.updated_at.type),
            ),
            [{"b_id": sid, "b_ia": v["identity_a_id"], "b_ib": v["identity_b_id"], "b_score": v["score"],
              "b_evidence": v["evidence"], "b_at": v["updated_at"]} for sid, v in updates],
        )
    for chunk in chunks(removals, CHUNK):
        session.execute(delete(t).where(t.c.id.in_(chunk)))
    result.created += len(inserts)
    result.updated += len(updates)
    result.removed += len(removals)


def _drop_merged(session: Session, merged: Iterable[int]) -> None:
    """Suggestions about members that no longer exist on their own."""
    t = cast(Table, MergeSuggestion.__table__)
    ids = sorted(set(merged))
    for chunk in chunks(ids, CHUNK):
        session.execute(delete(t).where(t.c.member_a_id.in_(chunk) | t.c.member_b_id.in_(chunk)))


def candidate_pairs(feats: dict[int, matching.Features]) -> tuple[set[Pair], matching.Stats]:
    """Blocking: the identity pairs (of different members) that share a usable key, and the
    key counts of the population (for rarity). Also used to measure blocking's pair recall."""
    groups: dict[str, list[int]] = defaultdict(list)
    for f in feats.values():
        for k in matching.blocking_keys(f):
            groups[k].append(f.id)
    counts = {k: len(v) for k, v in groups.items()}
    for k, ids in groups.items():
        if k.startswith(("n:", "p:")):
            counts[k[0].upper() + k[1:]] = max(Counter(feats[i].platform for i in ids).values())
    pairs: set[Pair] = set()
    for k, ids in groups.items():
        if 2 <= len(ids) <= matching.block_cap(k):
            for a, b in combinations(ids, 2):
                if feats[a].member_id != feats[b].member_id:
                    pairs.add((a, b) if a < b else (b, a))
    return pairs, matching.Stats(counts, len(feats))


def rebuild_suggestions(
    session: Session, *, threshold: float = matching.DEFAULT_THRESHOLD, auto_merge: bool = True
) -> SuggestResult:
    """Recompute every blocking key and suggestion from scratch; apply the automatic rules."""
    result = SuggestResult()
    session.flush()
    feats = load_features(session)
    result.identities = len(feats)
    key_rows = [{"key": k, "identity_id": f.id} for f in feats.values() for k in matching.blocking_keys(f)]
    if dialect_name(session) == "postgresql":
        # Emptying a table of a million keys row by row costs minutes; TRUNCATE is instant and
        # transactional (it holds the table until the commit, as the rebuild does anyway).
        session.execute(text("TRUNCATE identity_match_keys"))
    else:
        session.execute(delete(cast(Table, IdentityMatchKey.__table__)))
    _insert_rows(session, cast(Table, IdentityMatchKey.__table__), key_rows)
    del key_rows
    pairs, stats = candidate_pairs(feats)
    _mark_team(feats, team_identities(session))
    involved = {i for p in pairs for i in p}
    load_activity(session, {i: feats[i] for i in involved})
    result.pairs = len(pairs)
    scored = _score(pairs, feats, stats)
    blocked = _blocked(session, {i: f.member_id for i, f in feats.items()})
    if auto_merge:
        moved = _auto_merge(session, scored, blocked, result, feats, stats)
        if moved:
            scored = _remap(scored, moved)
            blocked = _blocked(session)
    t = cast(Table, MergeSuggestion.__table__)
    stale = {(r.member_a_id, r.member_b_id) for r in session.execute(
        select(t.c.member_a_id, t.c.member_b_id).where(t.c.status.in_(("open", "snoozed"))))}
    _store(session, scored, set(scored) | stale, blocked, threshold, result)
    return result


def _remap(scored: dict[Pair, Any], moved: dict[int, int]) -> dict[Pair, Any]:
    out: dict[Pair, Any] = {}
    for (a, b), v in scored.items():
        a, b = moved.get(a, a), moved.get(b, b)
        if a == b:
            continue
        key = (min(a, b), max(a, b))
        if key not in out or v[0] > out[key][0]:
            out[key] = v
    return out


def update_suggestions(
    session: Session, identity_ids: Collection[int], *, threshold: float = matching.DEFAULT_THRESHOLD,
    auto_merge: bool = True,
) -> SuggestResult:
    """Refresh keys and suggestions for new or changed identities (the incremental path)."""
    result = SuggestResult()
    if not identity_ids:
        return result
    session.flush()
    fresh = load_features(session, identity_ids)
    result.identities = len(fresh)
    kt = cast(Table, IdentityMatchKey.__table__)
    keys_of = {i: matching.blocking_keys(f) for i, f in fresh.items()}
    for chunk in chunks(sorted(fresh), CHUNK):
        session.execute(delete(kt).where(kt.c.identity_id.in_(chunk)))
    rows = [{"key": k, "identity_id": i} for i, ks in keys_of.items() for k in ks]
    _insert_rows(session, kt, rows)
    # Only the keys that can form blocks; "t:"/"u:" counts are read when scoring needs them.
    all_keys = sorted({k for ks in keys_of.values() for k in ks if matching.block_cap(k)})
    sizes = count_keys(session, all_keys)
    usable = [k for k in all_keys if 2 <= sizes.get(k, 0) <= matching.block_cap(k)]
    sharing: dict[str, list[int]] = defaultdict(list)
    for key_chunk in chunks(usable, CHUNK):
        for k, iid in session.execute(select(kt.c.key, kt.c.identity_id).where(kt.c.key.in_(key_chunk))):
            sharing[k].append(iid)
    candidates = {iid for ids in sharing.values() for iid in ids}
    feats = dict(fresh)
    feats.update(load_features(session, candidates - set(fresh)))
    member_pairs: set[Pair] = set()
    for i, ks in keys_of.items():
        for k in ks:
            for j in sharing.get(k, ()):
                ma, mb = feats[i].member_id, feats[j].member_id
                if ma != mb:
                    member_pairs.add((min(ma, mb), max(ma, mb)))
    # Existing suggestions of these members are rescored too (a profile may have changed).
    t = cast(Table, MergeSuggestion.__table__)
    members = sorted({f.member_id for f in fresh.values()})
    for chunk in chunks(members, CHUNK):
        member_pairs |= {(r[0], r[1]) for r in session.execute(
            select(t.c.member_a_id, t.c.member_b_id).where(
                (t.c.member_a_id.in_(chunk) | t.c.member_b_id.in_(chunk)) & t.c.status.in_(("open", "snoozed"))))}
    # Score every identity pair across each member pair (members have few identities).
    involved = sorted({m for p in member_pairs for m in p})
    by_member: dict[int, list[int]] = defaultdict(list)
    for chunk in chunks(involved, CHUNK):
        for row in session.execute(select(*FEATURE_COLUMNS).where(Identity.member_id.in_(chunk))):
            if row.id not in feats:
                feats[row.id] = matching.features(row)
            by_member[row.member_id].append(row.id)
    load_activity(session, {i: feats[i] for m in involved for i in by_member[m]})
    pairs = [(x, y) for ma, mb in member_pairs for x in by_member[ma] for y in by_member[mb]]
    result.pairs = len(pairs)
    total = session.scalar(select(func.count()).select_from(Identity)) or 0
    _mark_team(feats, team_identities(session))
    # Score once to learn which counts the evidence reads (most pairs need few), count
    # those in one pass over the key table, then score for real.
    probe = matching.Stats(sizes, total, asked=set())
    _score(pairs, feats, probe)
    stats = matching.Stats(count_keys(session, probe.asked or (), sizes), total)
    scored = _score(pairs, feats, stats)
    blocked = _blocked(session, {i: f.member_id for i, f in feats.items()})
    affected = set(member_pairs)
    if auto_merge:
        moved = _auto_merge(session, scored, blocked, result, feats, stats)
        if moved:
            _drop_merged(session, moved)
            scored = _remap(scored, moved)
            affected = {(min(moved.get(a, a), moved.get(b, b)), max(moved.get(a, a), moved.get(b, b)))
                        for a, b in affected if moved.get(a, a) != moved.get(b, b)}
            blocked = _blocked(session)
    _store(session, scored, affected, blocked, threshold, result)
    return result


def update_after_ingest(session: Session, member_ids: Collection[int]) -> SuggestResult:
    """The incremental update for an ingest batch, given its ``IngestResult.member_ids``.

    Picks the identities of those members that have no blocking keys yet (the new ones) and
    calls :func:`update_suggestions` on them. Profile changes of known identities are picked up
    by passing their ids to ``update_suggestions`` directly, or by the nightly rebuild.
    """
    kt = cast(Table, IdentityMatchKey.__table__)
    ids: list[int] = []
    for chunk in chunks(sorted(member_ids), CHUNK):
        ids.extend(session.scalars(
            select(Identity.id).where(Identity.member_id.in_(chunk), Identity.id.not_in(select(kt.c.identity_id)))
        ))
    return update_suggestions(session, ids)


def live_member(session: Session, member_id: int) -> Member | None:
    """The member, or None when it does not exist or was merged away."""
    m = session.get(Member, member_id)
    return m if m is not None and m.merged_into_id is None else None
