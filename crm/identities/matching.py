"""Finding the accounts of one person: normalisation, blocking keys and evidence scoring.

Pure functions, no database. Names and handles are folded to ASCII with transliteration
(anyascii: "Дмитрий" -> "dmitriy", "王伟" -> "wang wei") and German spellings are collapsed
("ü", "ue" and "u" all become "u"), so "Jürgen Müller", "Juergen Mueller" and "Jurgen Muller"
are one name.

**Blocking.** Every identity gets a few keys (below); only identities sharing a key are
compared, and blocks larger than ``MAX_BLOCK`` are skipped (a key shared by hundreds of
accounts says nothing about any two of them). This keeps candidate generation near-linear.

**Scoring.** Each piece of evidence has a documented weight in (-1, 1) (``WEIGHTS``). The
positive weights combine as a noisy-or, ``1 - prod(1 - w)``, so independent hints add up but
never exceed 1; each negative weight then scales the result by ``1 + w``. Every item is kept
with its weight and a sentence, so a suggestion explains itself.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from anyascii import anyascii
from rapidfuzz import fuzz

# Suggestions at or above this score are shown; chosen on the labelled synthetic population
# (crm/identity/synthetic.py; tests/crm/test_identity_population.py reports precision/recall).
DEFAULT_THRESHOLD = 0.68
MAX_BLOCK = 25
MAX_LINK_BLOCK = 50

# Evidence weights. Positive: how sure the item alone makes us; negative: how much it lowers.
WEIGHTS: dict[str, float] = {
    "mutual_links": 0.99,  # A's profile links to B's and B's links back: certain
    "verified_email": 0.99,  # the same e-mail, verified on both (from an import): certain
    "one_way_link": 0.8,  # A's profile links to B's profile
    "same_email": 0.85,  # the same e-mail, not verified
    "same_handle_long": 0.6,  # the same handle, 7+ characters
    "same_handle": 0.5,  # the same handle, 5-6 characters
    "same_handle_short": 0.3,  # the same handle, 3-4 characters
    "handle_variant": 0.35,  # the same handle but for trailing digits ("jmueller84")
    "handle_is_name": 0.45,  # one's handle spells the other's name ("jmueller", "Jürgen Müller")
    "similar_handle": 0.2,  # handles alike (rapidfuzz >= 88)
    "same_name": 0.45,  # the same full name (two or more words) after folding
    "same_rare_name": 0.65,  # ... and no other account on either platform has it
    "similar_name": 0.35,  # full names alike (token sort ratio >= 90, or same consonants)
    "initial_name": 0.35,  # "J. Müller" and "Jürgen Müller"
    "same_single_name": 0.15,  # the same one-word name of 5+ letters
    "same_website": 0.6,
    "same_link": 0.45,  # the same link in both bios
    "same_avatar": 0.5,
    "same_threads": 0.2,  # wrote in two or more of the same threads
    "same_language": 0.1,
    "same_hours": 0.1,  # active at the same times of day
    "different_names": -0.45,  # both have full names, and they are clearly different
    "different_language": -0.25,
    "different_hours": -0.2,
    "same_platform": -0.3,  # two accounts on one platform are usually two people
}
CERTAIN = ("mutual_links", "verified_email")
COMMON_NAME = 2  # a name held by more accounts than this on one platform weighs half
_CJK = re.compile("[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]")
_ABJAD = re.compile("[\u0590-\u06ff\u0750-\u077f]")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_GERMAN = (("ae", "a"), ("oe", "o"), ("ue", "u"))
_URL = re.compile(r"https?://[^\s<>\"')\]]+", re.I)


@lru_cache(maxsize=200_000)
def fold(text: str) -> str:
    """Lower-case ASCII words: transliterated, accents and German spellings folded."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text)
    if _CJK.search(text):  # one syllable per character: keep them apart as words
        text = _CJK.sub(lambda m: f" {m.group(0)} ", text)
    # anyascii writes soft signs and ayins as ' and `: part of a word, not a break.
    out = anyascii(text).lower().replace("'", "").replace("`", "")
    for a, b in _GERMAN:
        out = out.replace(a, b)
    return " ".join(_NON_ALNUM.sub(" ", out).split())


def fold_handle(handle: str) -> str:
    """A handle without separators, case or accents ("J_Müller" -> "jmuller")."""
    return fold(handle or "").replace(" ", "")


def skeleton(word: str) -> str:
    """Consonants only: matches spellings that differ in vowels ("dmitriy"/"dmitry", abjads)."""
    out = re.sub(r"[aeiouy0-9]", "", word)
    return re.sub(r"(.)\1+", r"\1", out)


_SIMPLE_URL = re.compile(r"^(?:https?://)?(?:www\.|m\.)?([a-z0-9.-]+\.[a-z]{2,})(?::\d+)?(/[^?#\s]*)?(?:[?#]\S*)?$", re.I)


def normalise_url(url: str | None) -> str | None:
    """Host (without www.) and path, lower-cased, without scheme, query or trailing slash."""
    if not url:
        return None
    simple = _SIMPLE_URL.match(url.strip())
    if simple:  # the common case, without urlsplit's cost
        return f"{simple.group(1)}{(simple.group(2) or '').rstrip('/')}".lower()[:280]
    if any(ch.isspace() for ch in url.strip()):
        return None
    try:
        parts = urlsplit(url.strip() if "://" in url else f"https://{url.strip()}")
    except ValueError:
        return None
    host = (parts.hostname or "").lower().removeprefix("www.").removeprefix("m.")
    if not host or "." not in host:
        return None
    path = parts.path.rstrip("/").lower()
    return f"{host}{path}"[:280]


@dataclass
class Features:
    """What matching looks at for one identity."""

    id: int
    member_id: int
    platform: str
    handle: str
    name: str
    handle_key: str
    handle_stem: str
    tokens: tuple[str, ...]
    own_urls: frozenset[str]
    links: frozenset[str]
    website: str | None
    email: str | None
    email_verified: bool
    avatar: str | None
    abjad: bool
    name_key: str = ""
    forms: frozenset[str] = frozenset()
    threads: set[str] = field(default_factory=set)
    languages: Counter = field(default_factory=Counter)
    hours: list[int] = field(default_factory=lambda: [0] * 6)

    def handle_forms(self) -> frozenset[str]:
        """Handle-like spellings of the display name: "jurgenmuller", "jmuller", "mullerj"..."""
        return self.forms


def _forms(t: tuple[str, ...]) -> frozenset[str]:
    if len(t) >= 2:
        first, last = t[0], t[-1]
        return frozenset({first + last, last + first, first[0] + last, first + last[0], last + first[0]})
    if len(t) == 1 and len(t[0]) >= 5:
        return frozenset({t[0]})
    return frozenset()


def features(row: Any) -> Features:
    """Features of an identity row (id, member_id, platform, handle, display_name, urls...)."""
    handle_key = fold_handle(row.handle or "")
    name = row.display_name or ""
    tokens = tuple(fold(name).split())
    links = {normalise_url(u) for u in (row.links or []) if isinstance(u, str)}
    links |= {normalise_url(u) for u in _URL.findall(row.bio or "")}
    website = normalise_url(row.website)
    own = {normalise_url(row.profile_url)}
    return Features(
        id=row.id, member_id=row.member_id, platform=row.platform, handle=row.handle or "",
        name=name, handle_key=handle_key, handle_stem=handle_key.rstrip("0123456789"),
        tokens=tokens, own_urls=frozenset(u for u in own if u),
        links=frozenset(u for u in links if u and u != website), website=website,
        email=(row.email or "").strip().lower() or None, email_verified=bool(row.email_verified),
        avatar=normalise_url(row.avatar_url), abjad=bool(_ABJAD.search(name)),
        name_key=" ".join(sorted(tokens)), forms=_forms(tokens),
    )


def blocking_keys(f: Features) -> set[str]:
    """The keys under which ``f`` is compared with others."""
    keys = set()
    for h in {f.handle_key, f.handle_stem, *f.handle_forms()}:
        if len(h) >= 3:
            keys.add(f"h:{h}"[:300])
    if len(f.tokens) >= 2:
        keys.add(f"n:{f.name_key}"[:300])
        keys.add("p:" + " ".join(sorted(skeleton(t) for t in f.tokens))[:298])
    for u in f.own_urls | f.links | ({f.website} if f.website else set()):
        keys.add(f"l:{u}"[:300])
    if f.email:
        keys.add(f"e:{f.email}"[:300])
    if f.avatar:
        keys.add(f"a:{f.avatar}"[:300])
    return keys


def block_cap(key: str) -> int:
    """How many identities a block may hold before it is skipped as uninformative."""
    return MAX_LINK_BLOCK if key[0] in "lea" else MAX_BLOCK


def _item(code: str, text: str, weight: float | None = None) -> dict[str, Any]:
    return {"code": code, "weight": round(WEIGHTS[code] if weight is None else weight, 3), "text": text}


_LABELS = {"x": "X", "reddit": "Reddit", "mastodon": "Mastodon", "bluesky": "Bluesky"}


def _label(platform: str) -> str:
    return _LABELS.get(platform) or platform.title()


def _name_evidence(a: Features, b: Features, name_count: int) -> list[dict[str, Any]]:
    ta, tb = a.tokens, b.tokens
    if not ta or not tb:
        return []
    common = name_count > COMMON_NAME
    scale = 0.5 if common else 1.0
    note = f" (a common name: {name_count} accounts on one platform)" if common else ""
    shown = f"“{a.name}” and “{b.name}”"
    if len(ta) >= 2 and len(tb) >= 2:
        if a.name_key == b.name_key:
            if name_count <= 1:
                return [_item("same_rare_name", f"The same name, held by no other account on either platform: {shown}")]
            return [_item("same_name", f"The same name: {shown}{note}", WEIGHTS["same_name"] * scale)]
        ratio = fuzz.token_sort_ratio(" ".join(ta), " ".join(tb))
        if ratio >= 90 or (
            (a.abjad or b.abjad) and sorted(map(skeleton, ta)) == sorted(map(skeleton, tb))
        ):
            return [_item("similar_name", f"Similar names: {shown}{note}", WEIGHTS["similar_name"] * scale)]
        if ta[1:] == tb[1:] and ta[0][0] == tb[0][0] and min(len(ta[0]), len(tb[0])) == 1:
            return [_item("initial_name", f"Names agree up to an initial: {shown}")]
        if ratio < 60 and not (set(ta) & set(tb)):
            return [_item("different_names", f"Clearly different names: {shown}")]
        return []
    if len(ta) == 1 and ta == tb and len(ta[0]) >= 5:
        return [_item("same_single_name", f"The same one-word name: {shown}")]
    return []


def _handle_evidence(a: Features, b: Features) -> list[dict[str, Any]]:
    ha, hb = a.handle_key, b.handle_key
    if len(ha) < 3 or len(hb) < 3:
        return []
    pa, pb = _label(a.platform), _label(b.platform)
    if ha == hb:
        code = "same_handle_long" if len(ha) >= 7 else "same_handle" if len(ha) >= 5 else "same_handle_short"
        return [_item(code, f"The same handle “{a.handle}” on {pa} and “{b.handle}” on {pb}")]
    if len(a.handle_stem) >= 5 and a.handle_stem == b.handle_stem:
        return [_item("handle_variant", f"Handles differ only in digits: “{a.handle}” and “{b.handle}”")]
    if ha in b.handle_forms() and len(ha) >= 5:
        return [_item("handle_is_name", f"The handle “{a.handle}” spells the name “{b.name}”")]
    if hb in a.handle_forms() and len(hb) >= 5:
        return [_item("handle_is_name", f"The handle “{b.handle}” spells the name “{a.name}”")]
    if min(len(ha), len(hb)) >= 6 and fuzz.ratio(ha, hb) >= 88:
        return [_item("similar_handle", f"Similar handles: “{a.handle}” and “{b.handle}”")]
    return []


def _spells_name(a: Features, b: Features) -> bool:
    forms = a.handle_forms() | b.handle_forms()
    return a.handle_stem in forms and b.handle_stem in forms and not (
        a.handle_key == b.handle_key and a.handle_key != a.handle_stem  # "aschmidt8672" twice
    )


def _link_evidence(a: Features, b: Features) -> list[dict[str, Any]]:
    if not (a.links or b.links or (a.website and b.website) or (a.email and b.email) or (a.avatar and b.avatar)):
        return []
    out = []
    a_to_b, b_to_a = a.links & b.own_urls, b.links & a.own_urls
    if a_to_b and b_to_a:
        out.append(_item("mutual_links", f"The profiles link to each other ({_label(a.platform)} ↔ {_label(b.platform)})"))
    elif a_to_b or b_to_a:
        src, dst = (a, b) if a_to_b else (b, a)
        out.append(_item("one_way_link", f"The {_label(src.platform)} profile links to the {_label(dst.platform)} profile"))
    if a.website and a.website == b.website:
        out.append(_item("same_website", f"The same website: {a.website}"))
    shared = (a.links & b.links) - a.own_urls - b.own_urls
    if shared:
        out.append(_item("same_link", f"The same link in both profiles: {sorted(shared)[0]}"))
    if a.email and a.email == b.email:
        if a.email_verified and b.email_verified:
            out.append(_item("verified_email", "The same verified e-mail address"))
        else:
            out.append(_item("same_email", "The same e-mail address (not verified)"))
    if a.avatar and a.avatar == b.avatar:
        out.append(_item("same_avatar", "The same profile picture"))
    return out


def _cosine(x: list[int], y: list[int]) -> float:
    dot = sum(p * q for p, q in zip(x, y, strict=True))
    nx, ny = math.sqrt(sum(p * p for p in x)), math.sqrt(sum(q * q for q in y))
    return dot / (nx * ny) if nx and ny else 0.0


def _activity_evidence(a: Features, b: Features) -> list[dict[str, Any]]:
    out = []
    shared = a.threads & b.threads
    if len(shared) >= 2:
        out.append(_item("same_threads", f"Both wrote in the same {len(shared)} threads"))
    na, nb = sum(a.languages.values()), sum(b.languages.values())
    if na >= 3 and nb >= 3:
        la, lb = a.languages.most_common(1)[0][0], b.languages.most_common(1)[0][0]
        if la == lb:
            out.append(_item("same_language", f"Both write mostly in the same language ({la})"))
        elif a.languages[lb] == 0 and b.languages[la] == 0:
            out.append(_item("different_language", f"They write in different languages ({la} and {lb})"))
    if sum(a.hours) >= 3 and sum(b.hours) >= 3:
        c = _cosine(a.hours, b.hours)
        if c >= 0.9:
            out.append(_item("same_hours", "Active at the same times of day"))
        elif c <= 0.3:
            out.append(_item("different_hours", "Active at different times of day"))
    return out


def evidence(a: Features, b: Features, name_count: int = 1) -> list[dict[str, Any]]:
    """Everything that speaks for or against ``a`` and ``b`` being one person."""
    handle = _handle_evidence(a, b)
    name = _name_evidence(a, b, name_count)
    if handle and name and name_count > 1 and _spells_name(a, b):
        # The handles only spell the name two accounts share, and namesakes pick the same
        # handles: the handle adds little to the name (the items are not independent).
        handle = [_item(it["code"], it["text"] + " (it spells the shared name)", it["weight"] * 0.5) for it in handle]
    items = _link_evidence(a, b) + handle + name
    items += _activity_evidence(a, b)
    if a.platform == b.platform:
        items.append(_item("same_platform", f"Both accounts are on {_label(a.platform)}"))
    return items


def combine(items: Iterable[dict[str, Any]]) -> float:
    """Noisy-or of the positive weights, scaled down by each negative one."""
    miss, scale = 1.0, 1.0
    for it in items:
        w = it["weight"]
        if w > 0:
            miss *= 1.0 - w
        else:
            scale *= 1.0 + w
    return round((1.0 - miss) * scale, 4)


def certain_rule(items: Iterable[dict[str, Any]]) -> str | None:
    """The automatic-merge rule the evidence satisfies, if any ("mutual_links", ...)."""
    codes = {it["code"] for it in items}
    return next((c for c in CERTAIN if c in codes), None)
