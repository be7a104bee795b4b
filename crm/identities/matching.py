"""Finding the accounts of one person: features, blocking keys and evidence scoring.

Pure functions, no database. Normalisation (names, handles, links) is in
:mod:`crm.identities.normalise`, an account's features and keys in :mod:`crm.identities.features`.

**Blocking.** Every identity gets a few keys (below); only identities sharing a key are
compared, and blocks larger than ``MAX_BLOCK`` are skipped (a key shared by hundreds of
accounts says nothing about any two of them). This keeps candidate generation near-linear.
"t:" keys (one per name word) and "u:" keys (the handle) are never compared: they only
count how common a word or a handle is.

**Rarity.** The same keys, counted over the stored population (:class:`Stats`), say how rare
a handle, a name or a link is: a long handle nobody else uses is strong evidence, "admin",
"max" or "anna" weak; a full name is as strong as the expected number of other people who
would carry it by chance (how many accounts use its first word times how many use its last,
over the population) is small; a link many accounts point at (a brand, a group blog) says
nothing about any one of them.

**Scoring.** Each piece of evidence has a documented weight in (-1, 1) (``WEIGHTS``, scaled
by rarity). The positive weights combine as a noisy-or, ``1 - prod(1 - w)``, so independent
hints add up but never exceed 1; each negative weight then scales the result by ``1 + w``.
Items that say the same thing are counted once (a handle that only spells the name both
accounts show adds little to the name). Every item is kept with its weight and a sentence.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from crm.identities.features import Features, Stats, blocking_keys, features
from crm.identities.name_evidence import handle_items, name_items, without_the_name
from crm.identities.normalise import fold, fold_handle, normalise_url, skeleton
from crm.identities.weights import WEIGHTS, evidence_item, platform_label

__all__ = ["WEIGHTS", "Features", "Stats", "blocking_keys", "features", "fold", "fold_handle", "normalise_url", "skeleton"]

# Suggestions at or above this score are shown. One strong, uncontradicted piece of evidence
# (a long unique handle, a rare full name, a link to the other profile plus a matching name)
# reaches it; weak hints need to agree with each other.
DEFAULT_THRESHOLD = 0.7
MAX_BLOCK = 25
MAX_LINK_BLOCK = 50
SHARED_LINK = 3  # a link held by more identities than this is a group's or a brand's
HUB_LINKERS = 3  # a profile linked to by this many others is a brand or a public figure

CERTAIN = ("verified_email", "mutual_links")
_EMAILS = frozenset({"same_email", "verified_email"})
IDENTITY_CODES = frozenset({
    "same_handle_long", "same_handle", "handle_variant", "handle_is_name", "same_rare_name", "same_name",
    "similar_name", "initial_name", "same_email", "verified_email",
})
CONCENTRATED = 0.6  # posts this close around one hour of day (mean resultant length) show a habit
SAME_HOURS = 1.5  # hours apart, at most, for "the same times of day"
DIFFERENT_HOURS = 4.5  # ... at least, for "different times": one person keeps one rhythm
RIVAL_FLOOR = 0.5  # matches from this score on compete with each other (one account per platform)
RIVAL_MARGIN = 0.05  # ... a rival this close or closer makes the match ambiguous


def block_cap(key: str) -> int:
    """How many identities a block may hold before it is skipped (0: never compared)."""
    if key[0] in "tuw":
        return 0
    return MAX_LINK_BLOCK if key[0] in "lea" else MAX_BLOCK


def _platform_of_link(url: str) -> str | None:
    """The platform a canonical profile link belongs to ("x.com/anna" -> "x"), if it is one."""
    if url.startswith("x.com/"):
        return "x"
    if url.startswith("reddit.com/user/"):
        return "reddit"
    if url.startswith("bsky.app/profile/"):
        return "bluesky"
    if "/@" in url:
        return "mastodon"
    return None


def _own_elsewhere(src: Features, dst: Features, stats: Stats) -> str | None:
    """A profile link of ``src`` to an account on ``dst``'s platform that is not ``dst``: the
    person's account there is another one (one person rarely keeps two on one platform)."""
    if src.platform == dst.platform:
        return None
    for url in sorted(src.links):
        if url not in dst.own_urls and _platform_of_link(url) == dst.platform and _link_strength(url, stats):
            return url
    return None


def _link_strength(url: str, stats: Stats) -> bool:
    """Whether a link identifies one person (few accounts hold it)."""
    return stats.n(f"l:{url}") <= SHARED_LINK


def _link_evidence(a: Features, b: Features, stats: Stats) -> list[dict[str, Any]]:
    if not (a.links or b.links or a.others or b.others or a.website or b.website or (a.email and b.email)
            or (a.avatar and b.avatar)):
        return []
    out = []
    for src, dst in ((a, b), (b, a)):
        if src.others & dst.own_urls:
            out.append(evidence_item("named_as_other", f"The {platform_label(src.platform)} profile names the {platform_label(dst.platform)} "
                                               "account as someone else's (a partner, friend or colleague)"))
            return out
    # The website field points at a profile too (a blog author's site).
    out_a = a.links | ({a.website} if a.website else set())
    out_b = b.links | ({b.website} if b.website else set())
    a_to_b = {u for u in out_a & b.own_urls if _link_strength(u, stats)}
    b_to_a = {u for u in out_b & a.own_urls if _link_strength(u, stats)}
    if not (a_to_b or b_to_a):
        for src, dst in ((a, b), (b, a)):
            if url := _own_elsewhere(src, dst, stats):
                out.append(evidence_item("links_other_account", f"The {platform_label(src.platform)} profile links to another "
                                                        f"{platform_label(dst.platform)} account: {url}"))
                break
    if a_to_b and b_to_a:
        out.append(evidence_item("mutual_links", f"The profiles link to each other ({platform_label(a.platform)} ↔ {platform_label(b.platform)})"))
    elif a_to_b or b_to_a:
        src, dst = (a, b) if a_to_b else (b, a)
        out.append(evidence_item("one_way_link", f"The {platform_label(src.platform)} profile links to the {platform_label(dst.platform)} profile"))
    if a.website and a.website == b.website:
        if _link_strength(a.website, stats):
            out.append(evidence_item("same_website", f"The same website: {a.website}"))
        else:
            out.append(evidence_item("shared_website", f"The same website, which {stats.n('l:' + a.website)} accounts give: {a.website}"))
    shared = {u for u in (a.links & b.links) - a.own_urls - b.own_urls if _link_strength(u, stats)}
    if shared:
        out.append(evidence_item("same_link", f"The same link in both profiles: {sorted(shared)[0]}"))
    if a.email and a.email == b.email:
        if a.email_verified and b.email_verified:
            out.append(evidence_item("verified_email", "The same verified e-mail address"))
        else:
            out.append(evidence_item("same_email", "The same e-mail address (not verified)"))
    if a.avatar and a.avatar == b.avatar and stats.n(f"a:{a.avatar}") <= SHARED_LINK:
        out.append(evidence_item("same_avatar", "The same profile picture"))
    return out


def _hour_gap(a: Features, b: Features) -> float | None:
    """Hours between the times of day two accounts are active; None when either is not
    clearly active at one time of day (too few posts, or spread over the day)."""
    ha, ra, na = a.clock()
    hb, rb, nb = b.clock()
    if na < 2 or nb < 2 or ra < CONCENTRATED or rb < CONCENTRATED:
        return None
    gap = abs(ha - hb) % 24
    return min(gap, 24 - gap)


def _activity_evidence(a: Features, b: Features) -> list[dict[str, Any]]:
    out = []
    shared = a.threads & b.threads
    if len(shared) >= 2:
        out.append(evidence_item("same_threads", f"Both wrote in the same {len(shared)} threads"))
    na, nb = sum(a.languages.values()), sum(b.languages.values())
    if na >= 3 and nb >= 3:
        # Detected languages of short posts are noisy and many people write in two: only a
        # steady difference over several posts speaks against.
        la, lb = a.languages.most_common(1)[0][0], b.languages.most_common(1)[0][0]
        if la == lb:
            out.append(evidence_item("same_language", f"Both write mostly in the same language ({la})"))
        elif a.languages[lb] == 0 and b.languages[la] == 0 and min(na, nb) >= 5:
            out.append(evidence_item("different_language", f"They write in different languages ({la} and {lb})"))
    gap = _hour_gap(a, b)
    if gap is not None:
        if gap <= SAME_HOURS and min(sum(a.hours), sum(b.hours)) >= 3:
            out.append(evidence_item("same_hours", "Active at the same times of day"))
        elif gap >= DIFFERENT_HOURS:
            out.append(evidence_item("different_hours", f"Active at different times of day ({gap:.0f} hours apart)"))
    return out


def rival_item(a: Features, b: Features, rival: float) -> dict[str, Any]:
    """Evidence against: another account on one of the two platforms matches as well (``rival``)."""
    return evidence_item("rival_account", f"Another account on {platform_label(a.platform)} or {platform_label(b.platform)} matches as well "
                                  f"(score {rival:.2f}): one person rarely keeps two")


def evidence(a: Features, b: Features, stats: Stats | None = None) -> list[dict[str, Any]]:
    """Everything that speaks for or against ``a`` and ``b`` being one person."""
    stats = stats or Stats()
    handle = handle_items(a, b, stats)
    name = name_items(a, b, stats)
    if handle and name and name[0]["weight"] > 0:
        handle = without_the_name(handle, a, b)
    items = _link_evidence(a, b, stats) + handle + name
    items += _activity_evidence(a, b)
    if a.platform == b.platform:
        items.append(evidence_item("same_platform", f"Both accounts are on {platform_label(a.platform)}"))
    return [it for it in items if it["weight"] != 0]


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
    """The automatic-merge rule the evidence satisfies, if any ("mutual_links", ...).

    Only when nothing speaks against the match, and the accounts also agree on who they are
    (a handle or a name): couples and friends link each other, and couples share a family
    e-mail address.
    """
    items = list(items)
    if any(it["weight"] < 0 for it in items):
        return None
    for rule in CERTAIN:
        if any(it["code"] == rule for it in items) and any(
            it["code"] in IDENTITY_CODES - _EMAILS and it["weight"] >= 0.3 for it in items
        ):
            return rule
    return None
