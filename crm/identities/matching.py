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

import math
from collections.abc import Iterable
from typing import Any

from rapidfuzz import fuzz

from crm.identities.features import Features, Stats, blocking_keys, features
from crm.identities.normalise import fold, fold_handle, normalise_url, phonetic, skeleton

__all__ = ["Features", "Stats", "blocking_keys", "features", "fold", "fold_handle", "normalise_url", "skeleton"]

# Suggestions at or above this score are shown. One strong, uncontradicted piece of evidence
# (a long unique handle, a rare full name, a link to the other profile plus a matching name)
# reaches it; weak hints need to agree with each other.
DEFAULT_THRESHOLD = 0.7
MAX_BLOCK = 25
MAX_LINK_BLOCK = 50
SHARED_LINK = 3  # a link held by more identities than this is a group's or a brand's
HUB_LINKERS = 3  # a profile linked to by this many others is a brand or a public figure

# Each positive weight is about how often the item alone meant one person on the development
# population (bench/identity_eval seed 1): an item passes the threshold alone when it was right
# about 9 times in 10 or more.
WEIGHTS: dict[str, float] = {
    "mutual_links": 0.9,  # A's profile links to B's and B's links back (couples do, too)
    "verified_email": 0.99,  # the same e-mail, verified on both (from an import)
    "one_way_link": 0.75,  # A's profile links to B's profile (friends do too: names and hours tell)
    "same_email": 0.85,  # the same e-mail, not verified
    "same_handle_long": 0.82,  # the same handle, 7+ characters, nobody else uses it
    "same_handle": 0.6,  # the same handle, 5-6 characters
    "same_handle_short": 0.3,  # the same handle, 3-4 characters
    "handle_variant": 0.35,  # the same handle but for digits, dots or underscores
    "handle_variant_name": 0.73,  # ... and the letters spell the name one of them shows
    "handle_is_name": 0.5,  # one's handle spells the other's (rare) name
    "similar_handle": 0.2,  # handles alike (rapidfuzz >= 88)
    "same_rare_name": 0.78,  # the same full name, and few people would carry it by chance
    "same_name": 0.72,  # the same full name, moderately common (9 in 10 are one person on the dev population)
    "same_common_name": 0.3,  # the same full name, common (namesakes are expected)
    "similar_name": 0.45,  # spellings of one name ("Dmitriy"/"Dmitry"), scaled by rarity
    "similar_rare_name": 0.72,  # ... of a rare name: one name, a little less sure than the same letters
    "initial_name": 0.7,  # "J. Müller" and "Jürgen Müller", scaled by how rare the name is
    "same_single_name": 0.15,  # the same one-word name of 5+ letters
    "same_website": 0.6,
    "shared_website": 0.1,  # ... that many accounts give (a group blog, an employer)
    "same_link": 0.45,  # the same link in both bios
    "same_avatar": 0.5,
    "same_threads": 0.2,  # wrote in two or more of the same threads
    "same_language": 0.1,
    "same_hours": 0.1,  # active at the same times of day
    "different_names": -0.45,  # both have full names, and they are clearly different
    "different_first_name": -0.35,  # "Anna" or "Anna M." and "Thomas Müller"
    "named_as_other": -0.7,
    "links_other_account": -0.35,  # one profile links to another account on the other's platform  # one bio names the other account as someone else's ("husband: …")
    "different_language": -0.05,  # detected on short posts, and people write in two: barely counts
    # (it still stops an automatic merge)
    "different_hours": -0.1,
    "same_platform": -0.3,
    "rival_account": -0.15,  # another account on the same platform matches as well or better  # two accounts on one platform are usually two people
}
CERTAIN = ("verified_email", "mutual_links")
_EMAILS = frozenset({"same_email", "verified_email"})
IDENTITY_CODES = frozenset({
    "same_handle_long", "same_handle", "handle_variant", "handle_is_name", "same_rare_name", "same_name",
    "similar_name", "initial_name", "same_email", "verified_email",
})
# Role words people and organisations use as handles: never evidence of one person.
GENERIC_HANDLES = frozenset({
    "admin", "administrator", "info", "support", "help", "contact", "hello", "news", "official", "team",
    "user", "test", "mail", "office", "press", "media", "marketing", "sales", "service", "community",
    "webmaster", "editor", "blog", "dev", "developer", "root", "guest", "anonymous", "deleted",
})
RARE_EXPECTED = 0.03  # expected namesakes below this: a rare name
COMMON_EXPECTED = 0.25  # ... above this: a common one
PRIOR_POPULATION = 2000  # rarity from a smaller population is not to be trusted
CONCENTRATED = 0.6  # posts this close around one hour of day (mean resultant length) show a habit
SAME_HOURS = 1.5  # hours apart, at most, for "the same times of day"
DIFFERENT_HOURS = 4.5  # ... at least, for "different times": one person keeps one rhythm
RIVAL_FLOOR = 0.5  # matches from this score on compete with each other (one account per platform)
RIVAL_MARGIN = 0.05  # ... a rival this close or closer makes the match ambiguous
WORD_HANDLES = 3  # a word at least this many handles are visibly built from is a common one
SEPARATORS_SCALE = 0.9  # the same handle but for separators or capitals, of the same handle
COMMON_WORDS_SCALE = 0.85  # a handle of common words counts this much of a unique one
MAX_OWN_ACCOUNTS = 3  # how many accounts one person plausibly holds under one handle or name


def block_cap(key: str) -> int:
    """How many identities a block may hold before it is skipped (0: never compared)."""
    if key[0] in "tuw":
        return 0
    return MAX_LINK_BLOCK if key[0] in "lea" else MAX_BLOCK


def _item(code: str, text: str, weight: float | None = None) -> dict[str, Any]:
    return {"code": code, "weight": round(WEIGHTS[code] if weight is None else weight, 3), "text": text}


_LABELS = {"x": "X", "reddit": "Reddit", "mastodon": "Mastodon", "bluesky": "Bluesky"}


def _label(platform: str) -> str:
    return _LABELS.get(platform) or platform.title()


def expected_namesakes(tokens: tuple[str, ...], stats: Stats, holders: int) -> float:
    """How many other identities would carry this first and last word together by chance."""
    first, last = tokens[0], tokens[-1]
    other_first = max(0, stats.n(f"t:{first}") - holders)
    other_last = max(0, stats.n(f"t:{last}") - holders)
    return (other_first + 1) * (other_last + 1) / max(stats.total, PRIOR_POPULATION)


def _rarity_scale(expected: float) -> float:
    """1 for a rare name, down to 0.4 for a very common one."""
    if expected <= RARE_EXPECTED:
        return 1.0
    return max(0.4, 1.0 - 0.6 * math.log10(expected / RARE_EXPECTED) / math.log10(COMMON_EXPECTED / RARE_EXPECTED))


def _full(t: tuple[str, ...]) -> bool:
    """A first and a family name (not "Anna M.", not one word)."""
    return len(t) >= 2 and len(t[-1]) >= 2 and len(t[0]) >= 1


def _given(t: tuple[str, ...]) -> str | None:
    """The first name a display name shows, if it shows one written out."""
    if t and t[0].isalpha() and len(t[0]) >= 3:
        return t[0]
    return None


def _same_word(x: str, y: str) -> bool:
    """One name written two ways: spelling variants, or a short form ("Alex"/"Alexander")."""
    return phonetic(x) == phonetic(y) or (min(len(x), len(y)) >= 3 and (x.startswith(y) or y.startswith(x))) or (
        min(len(x), len(y)) >= 5 and fuzz.ratio(x, y) >= 85
    )


def _tokens_alike(ta: tuple[str, ...], tb: tuple[str, ...]) -> bool:
    """Every word of one name is a spelling of a word of the other (typos, transliteration),
    not merely a similar-looking name ("Björn"/"Bjoerk", "Möller"/"Müller" are other names)."""
    if len(ta) != len(tb):
        return False
    return all(
        x == y or phonetic(x) == phonetic(y) or (min(len(x), len(y)) >= 7 and fuzz.ratio(x, y) >= 90)
        for x, y in zip(sorted(ta), sorted(tb), strict=True)
    )


def _namesakes_seen(f: Features, stats: Stats) -> int:
    """How many more accounts hold this name (or a spelling of it) than one person would."""
    return max(stats.n(f"N:{f.name_key}") - 1, stats.n(f"P:{f.phon_key}") - 1,
               stats.n(f"n:{f.name_key}") - MAX_OWN_ACCOUNTS, stats.n(f"p:{f.phon_key}") - MAX_OWN_ACCOUNTS)


def _full_names(a: Features, b: Features, stats: Stats, shown: str) -> list[dict[str, Any]]:
    ta, tb = a.tokens, b.tokens
    expected = expected_namesakes(ta, stats, 2)
    # Namesakes are seen when the name is held more than once on one platform, or by more
    # accounts than one person keeps: counted over every spelling of it ("Julia"/"Yulia"/
    # "Юлия" Popova sound alike), as each spelling may be someone else's.
    others = max(_namesakes_seen(a, stats), _namesakes_seen(b, stats))
    if a.name_key == b.name_key:
        # Namesakes are seen when the name is held more than once on one platform.
        if others <= 0 and expected <= RARE_EXPECTED:
            return [_item("same_rare_name", f"The same rare name: {shown}")]
        if others <= 0 and expected <= COMMON_EXPECTED:
            return [_item("same_name", f"The same name: {shown}")]
        return [_item("same_common_name", f"The same common name: {shown} (namesakes are likely)")]
    scale = _rarity_scale(expected) * (0.6 if others > 0 else 1.0)
    ratio = fuzz.token_sort_ratio(" ".join(ta), " ".join(tb))
    if a.phon_key == b.phon_key or _tokens_alike(ta, tb) or (
        (a.abjad or b.abjad) and sorted(map(skeleton, ta)) == sorted(map(skeleton, tb))
    ):
        w = WEIGHTS["similar_rare_name"] if scale == 1.0 else WEIGHTS["similar_name"] * scale
        return [_item("similar_name", f"Spellings of one name: {shown}", w)]
    if ta[1:] == tb[1:] and ta[0][0] == tb[0][0] and min(len(ta[0]), len(tb[0])) == 1:
        full = ta if len(ta[0]) > 1 else tb
        seen = 0.6 if stats.n("N:" + " ".join(sorted(full))) > 1 else 1.0  # namesakes seen
        w = WEIGHTS["initial_name"] * _rarity_scale(expected_namesakes(full, stats, 2)) * seen
        return [_item("initial_name", f"Names agree up to an initial: {shown}", w)]
    if ratio < 60 and not ({phonetic(t) for t in ta} & {phonetic(t) for t in tb}):
        return [_item("different_names", f"Clearly different names: {shown}")]
    ga, gb = _given(ta), _given(tb)
    if ga and gb and not _same_word(ga, gb) and ta[-1] == tb[-1]:  # "Anna Müller" and "Thomas Müller"
        return [_item("different_names", f"Different first names: {shown}")]
    return []


def _name_evidence(a: Features, b: Features, stats: Stats) -> list[dict[str, Any]]:
    ta, tb = a.tokens, b.tokens
    if not ta or not tb:
        return []
    shown = f"“{a.name}” and “{b.name}”"
    if _full(ta) and _full(tb):
        return _full_names(a, b, stats, shown)
    if len(ta) == 1 and ta == tb and len(ta[0]) >= 5:
        return [_item("same_single_name", f"The same one-word name: {shown}")]
    # One side shows only a first name, or "Anna M.": the first names must agree.
    ga, gb = _given(ta), _given(tb)
    if ga and gb and not _same_word(ga, gb) and not ({ga, gb} & (set(ta) | set(tb)) - {ga} - {gb}):
        if not any(_same_word(ga, t) for t in tb) and not any(_same_word(gb, t) for t in ta):
            return [_item("different_first_name", f"Different first names: {shown}")]
    if len(ta) == 2 and len(tb) == 2 and ta[0] == tb[0] and min(len(ta[1]), len(tb[1])) == 1:
        if ta[1][0] == tb[1][0]:
            return [_item("initial_name", f"Names agree up to an initial: {shown}", 0.25)]
        # "Holger D." and "Holger Fuchs": one first name, two family names.
        return [_item("different_first_name", f"Different family names: {shown}")]
    return []


def _handle_rarity(key: str, stats: Stats, prefix: str = "u") -> float:
    """1 for a handle nobody else uses; less when others use it or it is a common word.

    ``prefix`` "h" counts every handle, handle without digits and name form equal to ``key``
    (for the letters of a handle, "fjordwalker" of "fjordwalker51").
    """
    if key in GENERIC_HANDLES or key.rstrip("0123456789") in GENERIC_HANDLES:
        return 0.0
    # One person may reuse a handle on every platform they use: only more holders than
    # that show that several people chose it.
    holders_all = stats.n(f"{prefix}:{key}")
    scale = 1.0 if holders_all <= MAX_OWN_ACCOUNTS else MAX_OWN_ACCOUNTS / holders_all
    as_name = stats.n(f"t:{key}")
    if as_name > 3:  # a first name or a word many people show in their names ("anna", "max")
        scale *= 0.5
    return scale


def _word(piece: str, stats: Stats) -> bool:
    """A word several handles are built from, more often than names are ("salty", "owl", "dev";
    not "anna" or "fuchs")."""
    if len(piece) < 3:
        return False
    n = stats.held(f"w:{piece}")
    return n >= WORD_HANDLES and n > stats.held(f"t:{piece}")


def _of_common_words(stem: str, stats: Stats) -> bool:
    """A handle written only of two or three common words ("saltybyte", "nightowldev"), no digits:
    different people pick it independently far more often than a name or digits."""
    if not stem.isalpha() or len(stem) < 6:
        return False
    for i in range(3, len(stem) - 2):
        left, right = stem[:i], stem[i:]
        if _word(left, stats) and (_word(right, stats) or any(
            _word(right[:j], stats) and _word(right[j:], stats) for j in range(3, len(right) - 2)
        )):
            return True
    return False


def _same_handle_weight(code: str, key: str, stats: Stats) -> tuple[float, str]:
    """The weight of one handle on two platforms, by how rare it is, and a note why it is less."""
    rarity = _handle_rarity(key, stats)
    if rarity < 1.0:
        return WEIGHTS[code] * rarity, " (a common handle)"
    if _of_common_words(key, stats):
        return WEIGHTS[code] * COMMON_WORDS_SCALE, " (made of common words)"
    return WEIGHTS[code], ""


def _first_name_in(stem: str, a: Features, b: Features) -> tuple[str, ...] | None:
    """("laura", "krause") when one account shows only "Laura" (or "Laura K.") and the handle's
    letters are that first name and a family name ("laura_krause"): the handle is the name."""
    for f in (a, b):
        given = _given(f.tokens)
        if given and len(f.tokens) <= 2 and stem.startswith(given) and len(stem) - len(given) >= 3:
            rest = stem[len(given):]
            if len(f.tokens) == 1 or (len(f.tokens[1]) == 1 and rest.startswith(f.tokens[1])):
                return (given, rest)
    return None


def _handle_evidence(a: Features, b: Features, stats: Stats) -> list[dict[str, Any]]:
    ha, hb = a.handle_key, b.handle_key
    if len(ha) < 3 or len(hb) < 3:
        return []
    pa, pb = _label(a.platform), _label(b.platform)
    code = "same_handle_long" if len(ha) >= 7 else "same_handle" if len(ha) >= 5 else "same_handle_short"
    if ha == hb and a.handle_exact == b.handle_exact:
        text = f"The same handle “{a.handle}” on {pa} and “{b.handle}” on {pb}"
        w, note = _same_handle_weight(code, ha, stats)
        return [_item(code, text + note, w)] if w > 0 else []
    if len(a.handle_stem) >= 5 and a.handle_stem == b.handle_stem:
        # The same letters written differently ("anna.mueller92", "Anna_Mueller"): strong when
        # the letters spell the name one of them shows (people write their name so), weak for
        # words many choose ("happy_ninja_4877", "Happy_Ninja_425").
        stem = a.handle_stem
        named = next((f.tokens for f in (a, b) if stem in f.handle_forms() and _full(f.tokens)), None)
        named = named or _first_name_in(stem, a, b)
        if named is not None:
            w = WEIGHTS["handle_variant_name"] * _rarity_scale(expected_namesakes(named, stats, 2))
        else:
            w = WEIGHTS["handle_variant"] * _handle_rarity(stem, stats, "h")
        if ha == hb and len(ha) >= 7 and not any((g := _given(f.tokens)) and g not in stem for f in (a, b)):
            # Only separators or capitals differ ("Maren-Weiss", "marenweiss": X allows no "-"):
            # nearly the same handle, unless a name shown is not the one it spells ("Mia").
            w = max(w, _same_handle_weight(code, ha, stats)[0] * SEPARATORS_SCALE)
        return [_item("handle_variant", f"The same handle written differently: “{a.handle}” and “{b.handle}”", w)] if w else []
    for x, y in ((a, b), (b, a)):
        for h in (x.handle_key, x.handle_stem):
            if len(h) >= 5 and h in y.handle_forms() and len(y.tokens) >= 2:
                scale = _rarity_scale(expected_namesakes(y.tokens, stats, 1))
                return [_item("handle_is_name", f"The handle “{x.handle}” spells the name “{y.name}”",
                              WEIGHTS["handle_is_name"] * scale)]
    if min(len(ha), len(hb)) >= 6 and fuzz.ratio(ha, hb) >= 88:
        return [_item("similar_handle", f"Similar handles: “{a.handle}” and “{b.handle}”")]
    return []


def _without_the_name(handle: list[dict[str, Any]], a: Features, b: Features) -> list[dict[str, Any]]:
    """Handle evidence that the agreeing names do not already carry.

    A handle that only writes the name as a handle ("jmuller" for "Jürgen Müller") is not a
    second, independent piece of evidence: namesakes pick the same handles. Digits or words
    beyond the name ("jmuller1987" on both) still are.
    """
    forms = a.handle_forms() | b.handle_forms()
    it = handle[0]
    if it["code"] in ("handle_is_name", "handle_variant") and (a.handle_stem in forms or b.handle_stem in forms):
        return []
    if it["code"].startswith("same_handle") and a.handle_key in forms:
        return [_item(it["code"], it["text"] + " (it spells the name)", min(it["weight"], 0.3))]
    return handle


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
            out.append(_item("named_as_other", f"The {_label(src.platform)} profile names the {_label(dst.platform)} "
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
                out.append(_item("links_other_account", f"The {_label(src.platform)} profile links to another "
                                                        f"{_label(dst.platform)} account: {url}"))
                break
    if a_to_b and b_to_a:
        out.append(_item("mutual_links", f"The profiles link to each other ({_label(a.platform)} ↔ {_label(b.platform)})"))
    elif a_to_b or b_to_a:
        src, dst = (a, b) if a_to_b else (b, a)
        out.append(_item("one_way_link", f"The {_label(src.platform)} profile links to the {_label(dst.platform)} profile"))
    if a.website and a.website == b.website:
        if _link_strength(a.website, stats):
            out.append(_item("same_website", f"The same website: {a.website}"))
        else:
            out.append(_item("shared_website", f"The same website, which {stats.n('l:' + a.website)} accounts give: {a.website}"))
    shared = {u for u in (a.links & b.links) - a.own_urls - b.own_urls if _link_strength(u, stats)}
    if shared:
        out.append(_item("same_link", f"The same link in both profiles: {sorted(shared)[0]}"))
    if a.email and a.email == b.email:
        if a.email_verified and b.email_verified:
            out.append(_item("verified_email", "The same verified e-mail address"))
        else:
            out.append(_item("same_email", "The same e-mail address (not verified)"))
    if a.avatar and a.avatar == b.avatar and stats.n(f"a:{a.avatar}") <= SHARED_LINK:
        out.append(_item("same_avatar", "The same profile picture"))
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
        out.append(_item("same_threads", f"Both wrote in the same {len(shared)} threads"))
    na, nb = sum(a.languages.values()), sum(b.languages.values())
    if na >= 3 and nb >= 3:
        # Detected languages of short posts are noisy and many people write in two: only a
        # steady difference over several posts speaks against.
        la, lb = a.languages.most_common(1)[0][0], b.languages.most_common(1)[0][0]
        if la == lb:
            out.append(_item("same_language", f"Both write mostly in the same language ({la})"))
        elif a.languages[lb] == 0 and b.languages[la] == 0 and min(na, nb) >= 5:
            out.append(_item("different_language", f"They write in different languages ({la} and {lb})"))
    gap = _hour_gap(a, b)
    if gap is not None:
        if gap <= SAME_HOURS and min(sum(a.hours), sum(b.hours)) >= 3:
            out.append(_item("same_hours", "Active at the same times of day"))
        elif gap >= DIFFERENT_HOURS:
            out.append(_item("different_hours", f"Active at different times of day ({gap:.0f} hours apart)"))
    return out


def rival_item(a: Features, b: Features, rival: float) -> dict[str, Any]:
    """Evidence against: another account on one of the two platforms matches as well (``rival``)."""
    return _item("rival_account", f"Another account on {_label(a.platform)} or {_label(b.platform)} matches as well "
                                  f"(score {rival:.2f}): one person rarely keeps two")


def evidence(a: Features, b: Features, stats: Stats | None = None) -> list[dict[str, Any]]:
    """Everything that speaks for or against ``a`` and ``b`` being one person."""
    stats = stats or Stats()
    handle = _handle_evidence(a, b, stats)
    name = _name_evidence(a, b, stats)
    if handle and name and name[0]["weight"] > 0:
        handle = _without_the_name(handle, a, b)
    items = _link_evidence(a, b, stats) + handle + name
    items += _activity_evidence(a, b)
    if a.platform == b.platform:
        items.append(_item("same_platform", f"Both accounts are on {_label(a.platform)}"))
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
