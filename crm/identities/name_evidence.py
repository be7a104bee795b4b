"""Evidence from what accounts are called: full names and given names weighed by how many others hold them (namesakes), handles weighed by how rare they are and whether they are built of common words, and a handle that is only the name repeated."""

from __future__ import annotations

import math
from typing import Any

from rapidfuzz import fuzz

from crm.identities.features import Features, Stats
from crm.identities.normalise import phonetic, skeleton
from crm.identities.weights import WEIGHTS, evidence_item, platform_label

# Role words people and organisations use as handles: never evidence of one person.
GENERIC_HANDLES = frozenset({
    "admin", "administrator", "info", "support", "help", "contact", "hello", "news", "official", "team",
    "user", "test", "mail", "office", "press", "media", "marketing", "sales", "service", "community",
    "webmaster", "editor", "blog", "dev", "developer", "root", "guest", "anonymous", "deleted",
})


RARE_EXPECTED = 0.03  # expected namesakes below this: a rare name


COMMON_EXPECTED = 0.25  # ... above this: a common one


PRIOR_POPULATION = 2000  # rarity from a smaller population is not to be trusted


WORD_HANDLES = 3  # a word at least this many handles are visibly built from is a common one


SEPARATORS_SCALE = 0.9  # the same handle but for separators or capitals, of the same handle


COMMON_WORDS_SCALE = 0.85  # a handle of common words counts this much of a unique one


MAX_OWN_ACCOUNTS = 3  # how many accounts one person plausibly holds under one handle or name


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
            return [evidence_item("same_rare_name", f"The same rare name: {shown}")]
        if others <= 0 and expected <= COMMON_EXPECTED:
            return [evidence_item("same_name", f"The same name: {shown}")]
        return [evidence_item("same_common_name", f"The same common name: {shown} (namesakes are likely)")]
    scale = _rarity_scale(expected) * (0.6 if others > 0 else 1.0)
    ratio = fuzz.token_sort_ratio(" ".join(ta), " ".join(tb))
    if a.phon_key == b.phon_key or _tokens_alike(ta, tb) or (
        (a.abjad or b.abjad) and sorted(map(skeleton, ta)) == sorted(map(skeleton, tb))
    ):
        w = WEIGHTS["similar_rare_name"] if scale == 1.0 else WEIGHTS["similar_name"] * scale
        return [evidence_item("similar_name", f"Spellings of one name: {shown}", w)]
    if ta[1:] == tb[1:] and ta[0][0] == tb[0][0] and min(len(ta[0]), len(tb[0])) == 1:
        full = ta if len(ta[0]) > 1 else tb
        seen = 0.6 if stats.n("N:" + " ".join(sorted(full))) > 1 else 1.0  # namesakes seen
        w = WEIGHTS["initial_name"] * _rarity_scale(expected_namesakes(full, stats, 2)) * seen
        return [evidence_item("initial_name", f"Names agree up to an initial: {shown}", w)]
    if ratio < 60 and not ({phonetic(t) for t in ta} & {phonetic(t) for t in tb}):
        return [evidence_item("different_names", f"Clearly different names: {shown}")]
    ga, gb = _given(ta), _given(tb)
    if ga and gb and not _same_word(ga, gb) and ta[-1] == tb[-1]:  # "Anna Müller" and "Thomas Müller"
        return [evidence_item("different_names", f"Different first names: {shown}")]
    return []


def name_items(a: Features, b: Features, stats: Stats) -> list[dict[str, Any]]:
    ta, tb = a.tokens, b.tokens
    if not ta or not tb:
        return []
    shown = f"“{a.name}” and “{b.name}”"
    if _full(ta) and _full(tb):
        return _full_names(a, b, stats, shown)
    if len(ta) == 1 and ta == tb and len(ta[0]) >= 5:
        return [evidence_item("same_single_name", f"The same one-word name: {shown}")]
    # One side shows only a first name, or "Anna M.": the first names must agree.
    ga, gb = _given(ta), _given(tb)
    if ga and gb and not _same_word(ga, gb) and not ({ga, gb} & (set(ta) | set(tb)) - {ga} - {gb}):
        if not any(_same_word(ga, t) for t in tb) and not any(_same_word(gb, t) for t in ta):
            return [evidence_item("different_first_name", f"Different first names: {shown}")]
    if len(ta) == 2 and len(tb) == 2 and ta[0] == tb[0] and min(len(ta[1]), len(tb[1])) == 1:
        if ta[1][0] == tb[1][0]:
            return [evidence_item("initial_name", f"Names agree up to an initial: {shown}", 0.25)]
        # "Holger D." and "Holger Fuchs": one first name, two family names.
        return [evidence_item("different_first_name", f"Different family names: {shown}")]
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


def handle_items(a: Features, b: Features, stats: Stats) -> list[dict[str, Any]]:
    ha, hb = a.handle_key, b.handle_key
    if len(ha) < 3 or len(hb) < 3:
        return []
    pa, pb = platform_label(a.platform), platform_label(b.platform)
    code = "same_handle_long" if len(ha) >= 7 else "same_handle" if len(ha) >= 5 else "same_handle_short"
    if ha == hb and a.handle_exact == b.handle_exact:
        text = f"The same handle “{a.handle}” on {pa} and “{b.handle}” on {pb}"
        w, note = _same_handle_weight(code, ha, stats)
        return [evidence_item(code, text + note, w)] if w > 0 else []
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
        return [evidence_item("handle_variant", f"The same handle written differently: “{a.handle}” and “{b.handle}”", w)] if w else []
    for x, y in ((a, b), (b, a)):
        for h in (x.handle_key, x.handle_stem):
            if len(h) >= 5 and h in y.handle_forms() and len(y.tokens) >= 2:
                scale = _rarity_scale(expected_namesakes(y.tokens, stats, 1))
                return [evidence_item("handle_is_name", f"The handle “{x.handle}” spells the name “{y.name}”",
                              WEIGHTS["handle_is_name"] * scale)]
    if min(len(ha), len(hb)) >= 6 and fuzz.ratio(ha, hb) >= 88:
        return [evidence_item("similar_handle", f"Similar handles: “{a.handle}” and “{b.handle}”")]
    return []


def without_the_name(handle: list[dict[str, Any]], a: Features, b: Features) -> list[dict[str, Any]]:
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
        return [evidence_item(it["code"], it["text"] + " (it spells the name)", min(it["weight"], 0.3))]
    return handle
