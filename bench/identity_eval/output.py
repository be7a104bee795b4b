"""Posts with threads and active hours, and the three files of a seed (mentions, profiles, truth)."""

from __future__ import annotations

import json
import random
import re
from collections import defaultdict, deque
from datetime import UTC, datetime, timedelta
from itertools import combinations
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.identity_eval.accounts import Account, Person, ascii_fold
from bench.identity_eval.names import GENERIC_HANDLES
from bench.identity_eval.text import post_text

if TYPE_CHECKING:
    from bench.identity_eval.builder import Builder

START = datetime(2026, 8, 1, tzinfo=UTC)
DAYS = 120
B36 = "0123456789abcdefghijklmnopqrstuvwxyz"
REPLY_SHARE = {"reddit": 0.6, "x": 0.4, "mastodon": 0.45, "rss": 0.0}


def _when(rng: random.Random, p: Person, a: Account) -> datetime:
    """A time in the person's active hours (most posts), or any time (some)."""
    day = START + timedelta(days=rng.randrange(DAYS))
    hour = (p.peak_hour + a.hour_shift + rng.gauss(0, p.spread)) if rng.random() < 0.85 else rng.uniform(0, 24)
    return day + timedelta(hours=hour % 24, seconds=rng.randrange(3600))


def _b36(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(B36) for _ in range(n))


def posts(b: Builder) -> list[dict[str, Any]]:
    """Every mention of the seed, in time order; friends and partners reply to each other."""
    rng = b.rng
    items = [(_when(rng, p, a), a, p) for p in b.people for a in p.accounts for _ in range(a.n_posts)]
    items.sort(key=lambda x: (x[0], x[1].key))
    close: dict[str, set[str]] = defaultdict(set)
    for r in b.relations:
        if r["kind"] in ("friend", "couple", "group_blog"):
            close[r["a"]].add(r["b"])
            close[r["b"]].add(r["a"])
    team = {a.key for a in b.team}
    recent: dict[str, deque[dict[str, Any]]] = defaultdict(lambda: deque(maxlen=80))
    last_of: dict[tuple[str, str], dict[str, Any]] = {}
    out = []
    for t, a, p in items:
        plat = a.platform
        share = 0.9 if a.key in team and plat != "rss" else REPLY_SHARE[plat]
        parent = None
        if recent[plat] and rng.random() < share:
            mine = [last_of[(plat, q)] for q in sorted(close.get(p.pid, ())) if (plat, q) in last_of]
            parent = rng.choice(mine) if mine and rng.random() < 0.5 else rng.choice(list(recent[plat]))
        m = _mention(rng, t, a, parent)
        if plat == "reddit" and parent is None:
            m["channel"] = rng.choice(["fernbox", "fernbox", "selfhosted", "DataHoarder", "de", "linux", "sysadmin"])
        elif plat == "reddit":
            m["channel"] = parent["channel"]
        brand = {"x": "@fernbox", "mastodon": "@fernbox@mastodon.social"}.get(plat, "")
        m["text"], m["title"] = post_text(rng, a.lang, plat, brand, reply=parent is not None)
        if m["text"] and brand and brand in m["text"] and parent is None:
            m["kind"] = "mention"
        out.append(m)
        recent[plat].append(m)
        last_of[(plat, p.pid)] = m
    return out


def _mention(rng: random.Random, t: datetime, a: Account, parent: dict[str, Any] | None) -> dict[str, Any]:
    ms = int(t.timestamp() * 1000)
    user = a.handle.split("@")[0]
    if a.platform == "reddit":
        ext = f"t1_{_b36(rng, 7)}" if parent else f"t3_{_b36(rng, 6)}"
        root = parent["thread_id"] if parent else ext
        url = f"https://www.reddit.com/r/{{sub}}/comments/{root[3:]}/" + (f"comment/{ext[3:]}/" if parent else "")
        kind = "comment" if parent else "post"
    elif a.platform == "x":
        ext = str(((ms - 1288834974657) << 22) | rng.randrange(1 << 22))
        root = parent["thread_id"] if parent else ext
        url, kind = f"https://x.com/{a.handle}/status/{ext}", "reply" if parent else "post"
    elif a.platform == "mastodon":
        ext = str((ms << 16) | rng.randrange(1 << 16))
        root = parent["thread_id"] if parent else ext
        url, kind = f"https://{a.instance}/@{user}/{ext}", "reply" if parent else "post"
    else:
        slug = _b36(rng, 8)
        ext = url = f"https://{a.domain}/{t:%Y/%m}/{slug}/"
        root, kind = ext, "post"
    author: dict[str, Any] = {"id": a.external_id, "handle": a.handle}
    if a.display_name:
        author["display_name"] = a.display_name
    for k in ("profile_url", "avatar_url", "followers"):
        if getattr(a, k) is not None:
            author[k] = getattr(a, k)
    m: dict[str, Any] = {
        "platform": a.platform, "external_id": ext, "kind": kind, "author": author,
        "created_at": t.strftime("%Y-%m-%dT%H:%M:%SZ"), "url": url, "thread_id": root,
        "parent_id": parent["external_id"] if parent else None,
    }
    if a.platform in ("x", "mastodon") or (a.platform == "rss" and rng.random() < 0.5):
        m["language"] = a.lang  # Reddit does not say; blogs' feeds sometimes do
    if a.platform == "rss":
        m["channel"] = a.domain
    return m


def profile_rows(b: Builder) -> list[dict[str, Any]]:
    """The profile facts of every account that shows any (``crm members profiles`` format)."""
    rows = []
    for p in b.people:
        for a in p.accounts:
            if not (a.bio or a.website or a.links or a.email):
                continue
            row: dict[str, Any] = {"platform": a.platform, "external_id": a.external_id}
            if a.bio:
                row["bio"] = a.bio
            if a.website:
                row["website"] = a.website
            if a.links:
                row["links"] = list(dict.fromkeys(a.links))
            if a.email:
                row["email"], row["email_verified"] = a.email, a.email_verified
            rows.append(row)
    return rows


# --- the truth -----------------------------------------------------------------------------------
def _letters(h: str) -> str:
    s = re.sub(r"[^a-z]", "", ascii_fold(h).lower())
    for x, y in (("ae", "a"), ("oe", "o"), ("ue", "u")):
        s = s.replace(x, y)
    return s


def _hkey(a: Account) -> str:
    return a.handle.lower().lstrip("@").split("@")[0]


def _name_forms(p: Person) -> set[str]:
    firsts = p.first[1:] if p.origin in ("el", "ru") else p.first
    lasts = p.last[1:] if p.origin in ("el", "ru") else p.last
    return {_letters(f + la) for f in firsts for la in lasts} | {_letters(la + f) for f in firsts for la in lasts}


def link_reasons(p: Person, a: Account, c: Account) -> list[str]:
    """What a careful person could link two accounts of one person by, from what is stored."""
    reasons = []
    ha, hc = _hkey(a), _hkey(c)
    if ha and ha == hc and ha not in GENERIC_HANDLES and len(ha) >= 5:
        reasons.append("same_handle")
    elif ha and hc and len(_letters(ha)) >= 6 and _letters(ha) == _letters(hc):
        reasons.append("handle_variant")
    if a.full_name_shown and c.full_name_shown:
        reasons.append("full_names")
    forms = _name_forms(p)
    spells = [bool(x) and _letters(x) in forms for x in (ha, hc)]
    if "handle_variant" not in reasons and "same_handle" not in reasons and (
        (spells[0] and (c.full_name_shown or spells[1])) or (spells[1] and a.full_name_shown)
    ):
        reasons.append("name_in_handle")
    if any(k == c.key for k, _ in a.refs) or any(k == a.key for k, _ in c.refs):
        reasons.append("profile_link")
    if a.site_listed and c.site_listed:
        reasons.append("same_personal_link")
    if a.email and a.email == c.email:
        reasons.append("same_email")
    return reasons


def look_alikes(b: Builder) -> list[dict[str, str]]:
    """Pairs of people who were not made look-alikes on purpose but share a name or a handle."""
    related = {frozenset((r["a"], r["b"])) for r in b.relations}
    out = []
    by: dict[tuple[str, str], list[str]] = defaultdict(list)
    for p in b.people:
        if p.kind == "team":
            continue
        i = 1 if p.origin in ("el", "ru") else 0
        by[("namesake", _letters(p.first[i] + " " + p.last[i]))].append(p.pid)
        for h in sorted({_hkey(a) for a in p.accounts if _hkey(a)}):
            by[("same_handle_other_person", h)].append(p.pid)
    for (kind, _), pids in by.items():
        for x, y in combinations(sorted(set(pids)), 2):
            if frozenset((x, y)) not in related:
                related.add(frozenset((x, y)))
                out.append({"a": x, "b": y, "kind": kind})
    return out


def truth(b: Builder, seed: int) -> dict[str, Any]:
    """Accounts with their person and kind, relations, team accounts and every true pair."""
    team = {a.key for a in b.team}
    pairs = []
    for p in b.people:
        if p.kind == "team":
            continue
        for a, c in combinations(p.accounts, 2):
            pairs.append({"a": a.key, "b": c.key, "person": p.pid, "kind": p.kind,
                          "reasons": link_reasons(p, a, c)})
    return {
        "seed": seed,
        "relations": b.relations + look_alikes(b),
        "note": "seed 1 is for development; seed 2 is held out for final reporting only",
        "people": {p.pid: p.kind for p in b.people},
        "accounts": [{"key": a.key, "platform": a.platform, "external_id": a.external_id, "handle": a.handle,
                      "display_name": a.display_name, "person": p.pid, "kind": p.kind, "team": a.key in team}
                     for p in b.people for a in p.accounts],
        "team": [{"platform": a.platform, "handle": a.handle, "key": a.key} for a in b.team],
        "pairs": pairs,
    }


def write_all(b: Builder, seed: int, out: Path) -> dict[str, int]:
    """Write mentions.jsonl, profiles.jsonl and truth.json into ``out``; return the counts."""
    out.mkdir(parents=True, exist_ok=True)
    mentions = posts(b)
    with (out / "mentions.jsonl").open("w", encoding="utf-8") as fh:
        for m in mentions:
            if m["platform"] == "reddit":
                m["url"] = m["url"].replace("{sub}", m.get("channel") or "fernbox")
            fh.write(json.dumps({k: v for k, v in m.items() if v is not None}, ensure_ascii=False) + "\n")
    rows = profile_rows(b)
    with (out / "profiles.jsonl").open("w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    t = truth(b, seed)
    (out / "truth.json").write_text(json.dumps(t, ensure_ascii=False, indent=1), encoding="utf-8")
    return {"people": len(b.people), "accounts": len(t["accounts"]), "mentions": len(mentions),
            "profiles": len(rows), "true pairs": len(t["pairs"]),
            "linkable pairs": sum(1 for x in t["pairs"] if x["reasons"])}
