"""Score what the product stored (merges, suggestions, match keys) against the truth of a seed."""

from __future__ import annotations

from collections import Counter, defaultdict
from itertools import combinations
from typing import Any

from sqlalchemy import create_engine, text

THRESHOLDS = (0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95)
# What the issue calls linkable: a reused handle, full names on both sides, or a profile link.
PLATFORMS = {"x", "reddit", "mastodon", "rss"}
STRICT = {"same_handle", "handle_variant", "full_names", "profile_link"}


def read_db(url: str) -> dict[str, Any]:
    """The rows the evaluation needs, read with plain SQL (SQLite or PostgreSQL)."""
    eng = create_engine(url)
    with eng.connect() as c:
        out = {
            "identities": [dict(r._mapping) for r in c.execute(text(
                "SELECT id, platform, external_id, member_id FROM identities"))],
            "suggestions": [dict(r._mapping) for r in c.execute(text(
                "SELECT id, member_a_id, member_b_id, identity_a_id, identity_b_id, score, status, evidence "
                "FROM merge_suggestions"))],
            "audits": [dict(r._mapping) for r in c.execute(text(
                "SELECT id, action, method, kept_member_id, merged_member_ids, undone_by_id, evidence, snapshot "
                "FROM merge_audit"))],
            "keys": [tuple(r) for r in c.execute(text("SELECT key, identity_id FROM identity_match_keys"))],
            "team": [r[0] for r in c.execute(text(
                "SELECT identity_id FROM team_accounts WHERE identity_id IS NOT NULL"))],
        }
    eng.dispose()
    return out


def _json(v: Any) -> Any:
    import json

    return json.loads(v) if isinstance(v, str) else v


def _pr(tp: int, fp: int, fn: int) -> dict[str, Any]:
    return {"precision": round(tp / (tp + fp), 3) if tp + fp else None,
            "recall": round(tp / (tp + fn), 3) if tp + fn else None, "tp": tp, "fp": fp, "fn": fn}


def evaluate(db: dict[str, Any], truth: dict[str, Any]) -> dict[str, Any]:
    """Wrong automatic merges, suggestion precision/recall (overall, per kind), blocking recall."""
    person_of_key = {a["key"]: a["person"] for a in truth["accounts"]}
    kind_of = truth["people"]
    ident = {r["id"]: r for r in db["identities"]}
    person = {i: person_of_key.get(f"{r['platform']}:{r['external_id']}") for i, r in ident.items()}
    key_of = {i: f"{r['platform']}:{r['external_id']}" for i, r in ident.items()}
    id_of_key = {v: k for k, v in key_of.items()}
    team = set(db["team"]) | {id_of_key[t["key"]] for t in truth["team"] if t["key"] in id_of_key}
    members: dict[int, set[int]] = defaultdict(set)
    for i, r in ident.items():
        members[r["member_id"]].add(i)
    rel: dict[frozenset[str], str] = {}
    for r in truth["relations"]:
        rel.setdefault(frozenset((r["a"], r["b"])), r["kind"])

    def persons(m: int) -> set[str | None]:
        return {person[i] for i in members.get(m, ())}

    def why_wrong(pa: set[str | None], pb: set[str | None], ids: set[int]) -> str:
        if ids & team:
            return "team account"
        kinds = [rel[frozenset((x, y))] for x in pa for y in pb if x and y and frozenset((x, y)) in rel]
        if kinds:
            return kinds[0]
        return "no relation: " + "/".join(sorted({kind_of.get(x or "", "?") for x in pa | pb}))

    # --- automatic merges ----------------------------------------------------------------------
    joined_wrong = sum(1 for ids in members.values() for a, b in combinations(ids, 2) if person[a] != person[b])
    team_merged = sum(1 for ids in members.values() if len(ids) > 1 and ids & team)
    autos = []
    for a in db["audits"]:
        if a["action"] != "merge" or a["undone_by_id"] is not None:
            continue
        snap = _json(a["snapshot"]) or {}
        involved = _merged_identities(snap) or members.get(a["kept_member_id"], set())
        ps = {person[i] for i in involved}
        wrong = len(ps) > 1 or bool(involved & team)
        autos.append({"audit_id": a["id"], "method": a["method"], "wrong": wrong,
                      "accounts": sorted(key_of[i] for i in involved)[:6],
                      "why": why_wrong(ps, ps, involved) if wrong else "",
                      "evidence": _json(a["evidence"])})
    automatic = [x for x in autos if str(x["method"]).startswith("rule:")]

    # --- suggestions --------------------------------------------------------------------------
    sugg = [s for s in db["suggestions"] if s["status"] in ("open", "snoozed")]
    judged = []
    for s in sugg:
        pa, pb = persons(s["member_a_id"]), persons(s["member_b_id"])
        ids = members.get(s["member_a_id"], set()) | members.get(s["member_b_id"], set())
        ok = bool(pa & pb - {None}) and not (ids & team)
        judged.append((s, ok, pa | pb, "" if ok else why_wrong(pa, pb, ids)))
    pair_member = {frozenset((s["member_a_id"], s["member_b_id"])): s["score"] for s in sugg}

    true_pairs = []
    for p in truth["pairs"]:
        ia, ib = id_of_key.get(p["a"]), id_of_key.get(p["b"])
        if ia is None or ib is None:
            continue
        ma, mb = ident[ia]["member_id"], ident[ib]["member_id"]
        score = pair_member.get(frozenset((ma, mb)))
        true_pairs.append({**p, "ia": ia, "ib": ib, "merged": ma == mb, "score": score})

    def recall_of(pairs: list[dict[str, Any]], t: float | None = None) -> dict[str, Any]:
        found = sum(1 for p in pairs if p["merged"] or (p["score"] is not None and (t is None or p["score"] >= t)))
        return {"recall": round(found / len(pairs), 3) if pairs else None, "found": found, "pairs": len(pairs)}

    linkable = [p for p in true_pairs if STRICT & set(p["reasons"])]
    linkable_any = [p for p in true_pairs if p["reasons"]]
    tp = sum(1 for _, ok, _, _ in judged if ok)
    overall = {"suggestions": len(judged), "correct": tp,
               "lowest_score": min((s["score"] for s in sugg), default=None),
               "precision": round(tp / len(judged), 3) if judged else None,
               "recall_all_pairs": recall_of(true_pairs), "recall_linkable": recall_of(linkable),
               "recall_linkable_any_reason": recall_of(linkable_any)}

    per_kind: dict[str, dict[str, Any]] = {}
    kinds = sorted(set(kind_of.values()) - {"team"})
    for k in [*kinds, "team"]:
        touching = [(ok) for s, ok, ps, _ in judged if any(kind_of.get(x or "") == k for x in ps)]
        kp = [p for p in true_pairs if p["kind"] == k]
        per_kind[k] = {"people": sum(1 for v in kind_of.values() if v == k),
                       "suggestions_touching": len(touching),
                       "precision": round(sum(touching) / len(touching), 3) if touching else None,
                       "true_pairs": len(kp), "recall": recall_of(kp)["recall"],
                       "recall_linkable": recall_of([p for p in kp if STRICT & set(p["reasons"])])["recall"]}
    per_reason = {r: recall_of([p for p in true_pairs if r in p["reasons"]])
                  for r in sorted({r for p in true_pairs for r in p["reasons"]})}
    wrong_by = Counter(why for _, ok, _, why in judged if not ok)
    sweep = []
    for t in THRESHOLDS:
        sel = [(ok) for s, ok, _, _ in judged if s["score"] >= t]
        sweep.append({"threshold": t, "suggestions": len(sel),
                      "precision": round(sum(sel) / len(sel), 3) if sel else None,
                      "recall_linkable": recall_of(linkable, t)["recall"], "recall_all": recall_of(true_pairs, t)["recall"]})

    # --- blocking: pairs that share a match key are the pairs the product can compare -----------
    keys_of: dict[int, set[str]] = defaultdict(set)
    for k, i in db["keys"]:
        keys_of[i].add(k)
    blocked = [p for p in true_pairs if keys_of[p["ia"]] & keys_of[p["ib"]]]
    blocking = {
        "available": bool(db["keys"]),
        "true_pairs_sharing_a_key": len(blocked), "true_pairs": len(true_pairs),
        "pair_recall": round(len(blocked) / len(true_pairs), 3) if true_pairs and db["keys"] else None,
        "linkable_pair_recall": round(sum(1 for p in linkable if keys_of[p["ia"]] & keys_of[p["ib"]]) / len(linkable), 3)
        if linkable and db["keys"] else None,
        "candidate_pairs_upper_bound": _distinct_pairs(db["keys"]),
        "note": "a pair counts as compared when both identities share a row key in identity_match_keys "
                "(an upper bound if the product skips very common keys)",
    }
    examples = {
        "wrong_automatic_merges": [x for x in automatic if x["wrong"]][:20],
        "wrong_suggestions": [_ex(s, key_of, members, why) for s, ok, _, why in judged if not ok][:40],
        "missed_linkable": [{"a": p["a"], "b": p["b"], "kind": p["kind"], "reasons": p["reasons"]}
                            for p in linkable if not p["merged"] and p["score"] is None][:40],
    }
    return {
        "automatic_merges": {"count": len(automatic), "wrong": sum(1 for x in automatic if x["wrong"]),
                             "all_merges_logged": len(autos),
                             "wrong_identity_pairs_joined": joined_wrong, "members_joining_a_team_account": team_merged,
                             "wrong_by_reason": dict(Counter(x["why"] for x in automatic if x["wrong"]))},
        "suggestions": overall, "per_kind": per_kind, "recall_per_reason": per_reason,
        "wrong_suggestions_by_reason": dict(wrong_by.most_common()), "threshold_sweep": sweep,
        "blocking": blocking, "examples": examples,
    }


def _merged_identities(snap: dict[str, Any]) -> set[int]:
    """Identity ids on both sides of a merge, read from its snapshot (empty if it lists none).

    The snapshot keeps, per member, rows that start with (identity id, platform, ...), and the
    identity ids moved per merged member; both are used so that a later merge of the same
    member does not blur which accounts this one joined.
    """
    found: set[int] = set()

    def walk(v: Any) -> None:
        if isinstance(v, list) and len(v) >= 2 and isinstance(v[0], int) and v[1] in PLATFORMS:
            found.add(v[0])
        elif isinstance(v, list):
            for x in v:
                walk(x)
        elif isinstance(v, dict):
            for x in v.values():
                walk(x)

    if isinstance(snap, dict):
        walk(snap.get("fingerprints"))
        for ids in (snap.get("identities") or {}).values():
            found |= {x for x in ids if isinstance(x, int)} if isinstance(ids, list) else set()
    return found


def _distinct_pairs(keys: list[tuple[str, int]]) -> int:
    """How many distinct identity pairs share at least one match key."""
    by: dict[str, list[int]] = defaultdict(list)
    for k, i in keys:
        by[k].append(i)
    return len({(a, b) for ids in by.values() for a, b in combinations(sorted(ids), 2)})


def _ex(s: dict[str, Any], key_of: dict[int, str], members: dict[int, set[int]], why: str) -> dict[str, Any]:
    return {"score": s["score"], "why_wrong": why, "a": key_of.get(s["identity_a_id"]), "b": key_of.get(s["identity_b_id"]),
            "evidence": _json(s["evidence"])}
