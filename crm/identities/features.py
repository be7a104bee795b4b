"""What identity matching looks at for one account, and the keys it is compared and counted under.

Pure functions, no database (see :mod:`crm.identities.matching` for the evidence).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from crm.identities.normalise import (
    bio_links,
    canonical_url,
    fold,
    fold_handle,
    handle_local,
    is_abjad,
    name_tokens,
    normalise_url,
    phonetic,
    profile_url_of,
    skeleton,
)


def _clock(hours: list[int]) -> tuple[float, float, int]:
    """Circular mean hour of day, how concentrated the posts are around it (0..1), and how many."""
    n = sum(hours)
    if not n:
        return 0.0, 0.0, 0
    x = sum(c * math.cos(2 * math.pi * h / 24) for h, c in enumerate(hours)) / n
    y = sum(c * math.sin(2 * math.pi * h / 24) for h, c in enumerate(hours)) / n
    return (math.degrees(math.atan2(y, x)) / 15) % 24, math.hypot(x, y), n



@dataclass
class Stats:
    """How many stored identities hold each key, and how many identities there are."""

    counts: Mapping[str, int] = field(default_factory=dict)
    total: int = 0
    asked: set[str] | None = None  # when a set: records the keys read that are not counted yet

    def n(self, key: str) -> int:
        """Identities holding ``key`` (at least the one asking)."""
        return max(1, self.held(key))

    def held(self, key: str) -> int:
        """Identities holding ``key`` (0 when none)."""
        key = key[:300]
        found = self.counts.get(key)
        if found is None:
            if self.asked is not None:
                self.asked.add(key)
            return 0
        return found


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
    handle_exact: str
    tokens: tuple[str, ...]
    own_urls: frozenset[str]
    links: frozenset[str]
    website: str | None
    email: str | None
    email_verified: bool
    avatar: str | None
    abjad: bool
    name_key: str = ""
    phon_key: str = ""
    forms: frozenset[str] = frozenset()
    words: frozenset[str] = frozenset()  # the words the handle is visibly built from
    team: bool = False
    others: frozenset[str] = frozenset()  # accounts the bio names as someone else's ("husband: …")
    threads: set[str] = field(default_factory=set)
    languages: Counter = field(default_factory=Counter)
    hours: list[int] = field(default_factory=lambda: [0] * 24)
    _clock: tuple[float, float, int] | None = field(default=None, repr=False)

    def handle_forms(self) -> frozenset[str]:
        """Handle-like spellings of the display name: "jurgenmuller", "jmuller", "mullerj"..."""
        return self.forms

    def clock(self) -> tuple[float, float, int]:
        """When this account is active (see :func:`_clock`), computed once."""
        if self._clock is None:
            self._clock = _clock(self.hours)
        return self._clock


def _forms(t: tuple[str, ...]) -> frozenset[str]:
    if len(t) >= 2:
        first, last = t[0], t[-1]
        out = {first + last, last + first, first[0] + last, first + last[0], last + first[0], last + first[0]}
        if len(t) >= 3:
            out |= {"".join(t), first + t[1], t[-2] + last}
        return frozenset(out)
    if len(t) == 1 and len(t[0]) >= 5:
        return frozenset({t[0]})
    return frozenset()


_PROFILE_HOSTS = ("x.com/", "reddit.com/user/", "bsky.app/profile/")


def _is_profile_link(url: str) -> bool:
    return url.startswith(_PROFILE_HOSTS) or "/@" in url


_AUTHOR_PATHS = ("/author/", "/authors/", "/people/", "/team/", "/u/")


def _blog_home(platform: str, profile: str | None) -> str | None:
    """The home page of a blog author's site ("blog.example/author/ann" -> "blog.example")."""
    if platform not in ("rss", "blog") or not profile:
        return None
    host, _, path = profile.partition("/")
    return host if not path or f"/{path}".startswith(_AUTHOR_PATHS) else None


_PIECES = re.compile(r"[A-Z]?[a-z\u00df-\u00ff]+|[A-Z\u00c0-\u00de]+(?![a-z])")


def handle_words(local: str) -> frozenset[str]:
    """The words a handle is visibly built from ("Salty-Badger-2665", "nightOwl_dev" ->
    salty, badger / night, owl, dev): counted over the population, they tell a handle of
    common words ("saltybyte") that several people pick from one only its owner would."""
    parts = _PIECES.findall(local or "")
    if len(parts) < 2:
        return frozenset()
    return frozenset(w for p in parts if len(w := fold(p).replace(" ", "")) >= 3)


def features(row: Any) -> Features:
    """Features of an identity row (id, member_id, platform, handle, display_name, urls...)."""
    local, _instance = handle_local(row.platform, row.handle or "")
    shown_local = (row.handle or "").strip().lstrip("@").split("@")[0].removeprefix("u/")
    handle_key = fold_handle(local)
    name = row.display_name or ""
    tokens = name_tokens(name, handle_key)
    links = {c for u in (row.links or []) if isinstance(u, str) and (c := canonical_url(u))}
    own_in_bio, others = bio_links(row.bio)
    links = (links | own_in_bio) - others
    website = canonical_url(row.website)
    if website and _is_profile_link(website):  # a profile URL in the website field is a link
        links.add(website)
        website = None
    own = {canonical_url(row.profile_url), profile_url_of(row.platform, row.handle or "")}
    own.discard(None)
    home = _blog_home(row.platform, canonical_url(row.profile_url))
    if home:  # a blog author's site: a link to its home page points at them (or at the group)
        own.add(home)
    links -= own  # type: ignore[arg-type]
    sorted_tokens = sorted(tokens)
    return Features(
        id=row.id, member_id=row.member_id, platform=row.platform, handle=row.handle or "",
        name=name, handle_key=handle_key, handle_stem=handle_key.rstrip("0123456789"), handle_exact=local,
        tokens=tokens, own_urls=frozenset(own),  # type: ignore[arg-type]
        links=frozenset(u for u in links if u and u != website), website=website, others=frozenset(others),
        email=(row.email or "").strip().lower() or None, email_verified=bool(row.email_verified),
        avatar=normalise_url(row.avatar_url), abjad=is_abjad(name),
        name_key=" ".join(sorted_tokens), phon_key=" ".join(sorted(phonetic(t) for t in tokens)),
        forms=_forms(tokens), words=handle_words(shown_local),
    )


def blocking_keys(f: Features) -> set[str]:
    """The keys under which ``f`` is compared with others (and counted for rarity)."""
    keys = set()
    for h in {f.handle_key, f.handle_stem, *f.handle_forms()}:
        if len(h) >= 3:
            keys.add(f"h:{h}"[:300])
    if len(f.tokens) >= 2:
        keys.add(f"n:{f.name_key}"[:300])
        keys.add(f"p:{f.phon_key}"[:300])
        if f.abjad:
            keys.add("s:" + " ".join(sorted(skeleton(t) for t in f.tokens))[:298])
    for t in set(f.tokens):
        keys.add(f"t:{t}"[:300])
    if f.handle_key:
        keys.add(f"u:{f.handle_key}"[:300])
    for w in f.words:
        keys.add(f"w:{w}"[:300])
    for u in f.own_urls | f.links | ({f.website} if f.website else set()):
        keys.add(f"l:{u}"[:300])
    if f.email:
        keys.add(f"e:{f.email}"[:300])
    if f.avatar:
        keys.add(f"a:{f.avatar}"[:300])
    return keys
