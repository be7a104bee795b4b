"""Normalising what identity matching compares: names, handles and links.

Pure functions, no database.

* **Names** lose what is decoration rather than name: emoji, custom emoji (":mastodon:"),
  pronouns ("(he/him)", "she/her") and a trailing role after "|". They are folded to ASCII
  words (anyascii) after the Greek digraphs are written the way Greeks write their names in
  Latin ("ου" -> "ou", "μπ" -> "b"/"mp", "ντ" -> "d"/"nt"), and German spellings collapse
  ("ü", "ue" and "u" are one letter). :func:`phonetic` then merges the spellings that
  transliterations disagree on ("Dmitriy"/"Dmitry", "Yulia"/"Julia", "Natalya"/"Natalia").
* **Handles** are compared without the platform's decoration: the Mastodon instance
  ("felix_m@fosstodon.org" is "felix_m"), "u/" on Reddit, ".bsky.social" on Bluesky, "@".
* **Links** are canonical: x.com and twitter.com are one site, reddit "/u/" and "/user/" one
  path, a Mastodon profile is "instance/@user" however it is written ("@user@instance" in a
  bio, "https://instance/users/user").
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from urllib.parse import urlsplit

from anyascii import anyascii

_CJK = re.compile("[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]")
_ABJAD = re.compile("[\u0590-\u06ff\u0750-\u077f]")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_GERMAN = (("ae", "a"), ("oe", "o"), ("ue", "u"))
_CUSTOM_EMOJI = re.compile(r":[A-Za-z0-9_+-]{2,40}:")
_PRONOUN_WORDS = r"(?:he|him|his|she|her|hers|they|them|theirs|it|its|xe|xem|ze|zir|any|all|er|ihm|sie|ihr|dey|dem)"
_PRONOUNS = re.compile(
    rf"[\(\[\{{]?\s*\b{_PRONOUN_WORDS}\s*/\s*{_PRONOUN_WORDS}(?:\s*/\s*{_PRONOUN_WORDS})*\b\s*(?:pronouns)?[\)\]\}}]?",
    re.I,
)
_ROLE = re.compile(r"\s+[|•·–—]\s+.*$")
_TITLES = re.compile(r"(?:^|(?<=\s))(?:dr|prof|mr|mrs|ms|dipl|ing)\.(?=\s|$)|,?\s*\b(?:phd|msc|mba|md)\b\.?|,?\s*\b(?:ph\.d\.|m\.sc\.|m\.a\.)", re.I)
# Greek digraphs as Greeks write them in Latin letters (anyascii goes letter by letter:
# "ου" -> "oy"). Word-initial "μπ"/"ντ"/"γκ" sound b/d/g.
_GREEK = [
    (re.compile(r"\b[Μμ][Ππ]"), "b"), (re.compile(r"\b[Νν][Ττ]"), "d"), (re.compile(r"\b[Γγ][Κκ]"), "g"),
    (re.compile("[Οο][Υυύ]|Ού|ού"), "ou"), (re.compile("[Αα][Υυύ]|Αύ|αύ"), "av"),
    (re.compile("[Εε][Υυύ]|Εύ|εύ"), "ev"), (re.compile("[Γγ][Γγ]"), "ng"),
]
_GREEK_CHARS = re.compile("[\u0370-\u03ff\u1f00-\u1fff]")


def _is_emoji(ch: str) -> bool:
    return unicodedata.category(ch) in ("So", "Sk", "Cs", "Co") or ch in "\u200d\ufe0f\ufe0e\u20e3"


def clean_name(name: str) -> str:
    """A display name without emoji, custom emoji, pronouns or a trailing "| role"."""
    if not name:
        return ""
    text = unicodedata.normalize("NFKC", name)
    text = _CUSTOM_EMOJI.sub(" ", text)
    text = "".join(" " if _is_emoji(ch) else ch for ch in text)
    text = _PRONOUNS.sub(" ", text)
    text = _ROLE.sub("", text)
    text = _TITLES.sub(" ", text)
    text = re.sub(r"[\(\[\{]\s*[\)\]\}]", " ", text)
    return " ".join(text.split())


@lru_cache(maxsize=200_000)
def fold(text: str) -> str:
    """Lower-case ASCII words: transliterated, accents and German spellings folded."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text)
    if _GREEK_CHARS.search(text):
        text = unicodedata.normalize("NFC", text)
        for pattern, latin in _GREEK:
            text = pattern.sub(latin, text)
    if _CJK.search(text):  # one syllable per character: keep them apart as words
        text = _CJK.sub(lambda m: f" {m.group(0)} ", text)
    # anyascii writes soft signs and ayins as ' and `: part of a word, not a break.
    out = anyascii(text).lower().replace("'", "").replace("`", "")
    for a, b in _GERMAN:
        out = out.replace(a, b)
    return " ".join(_NON_ALNUM.sub(" ", out).split())


def is_abjad(text: str) -> bool:
    """Written in Arabic or Hebrew script (vowels are not written: compare consonants)."""
    return bool(_ABJAD.search(text or ""))


def skeleton(word: str) -> str:
    """Consonants only: matches spellings that differ in vowels ("dmitriy"/"dmitry", abjads)."""
    out = re.sub(r"[aeiouy0-9]", "", word)
    return re.sub(r"(.)\1+", r"\1", out)


# Greek χ is written "ch" or "h" (Chatzidakis / Hatzidakis), Russian ё "e" or "yo" (Artem /
# Artyom, Fedor / Fyodor), й/ий "y", "i" or "iy".
_PHONETIC = [("tsch", "ch"), ("sch", "sh"), ("tch", "ch"), ("kh", "h"), ("ch", "h"), ("ph", "f"), ("ck", "k"),
             ("w", "v"), ("ou", "u"), ("oy", "u"), ("j", "y"), ("y", "i"), ("io", "e"), ("x", "ks"), ("tz", "z")]


@lru_cache(maxsize=200_000)
def phonetic(word: str) -> str:
    """One key for the spellings transliterations disagree on: "dmitriy"/"dmitry" -> "dmitri"."""
    w = word[1:] if word.startswith("ye") and len(word) > 4 else word  # Yevgeny / Evgeny
    for a, b in _PHONETIC:
        w = w.replace(a, b)
    w = re.sub(r"(.)\1+", r"\1", w)
    w = re.sub(r"(?<=[a-z])h$", "", w)  # Sarah / Sara
    return w


def name_tokens(display_name: str, handle_key: str = "") -> tuple[str, ...]:
    """Folded words of a display name; none when the "name" only repeats the handle (Reddit)."""
    cleaned = clean_name(display_name)
    # A "name" with digits or underscores ("jam53", "rustacean_de920") is a handle, not a name.
    if any(ch.isdigit() or ch == "_" for ch in cleaned):
        return ()
    tokens = tuple(fold(cleaned).split())
    # "Anna Berg" over "annaberg" is a name; "anna_berg" over "anna_berg" is the handle again.
    if handle_key and "".join(tokens) == handle_key and not any(ch.isspace() for ch in cleaned):
        return ()
    return tokens


_HANDLE_SUFFIXES = (".bsky.social",)


def handle_local(platform: str, handle: str) -> tuple[str, str]:
    """The part of a handle a person chooses, and its instance: "@felix_m@fosstodon.org" ->
    ("felix_m", "fosstodon.org"); "u/Felix" -> ("felix", "")."""
    h = (handle or "").strip().lower()
    for prefix in ("/u/", "u/", "/user/", "@"):
        if h.startswith(prefix):
            h = h[len(prefix):]
    instance = ""
    if "@" in h:
        h, _, instance = h.partition("@")
    for suffix in _HANDLE_SUFFIXES:
        if h.endswith(suffix):
            h, instance = h[: -len(suffix)], suffix[1:]
    if platform == "bluesky" and "." in h and not instance:
        # A Bluesky handle on an own domain ("anna.example.org"): the person's word is the first label.
        h, _, instance = h.partition(".")
    return h, instance


def fold_handle(handle: str) -> str:
    """A handle without separators, case or accents ("J_Müller" -> "jmuller")."""
    return fold(handle or "").replace(" ", "")


# --- links -----------------------------------------------------------------------------
_SIMPLE_URL = re.compile(
    r"^(?:https?://)?(?:www\.|m\.|mobile\.|old\.|new\.)?([a-z0-9.-]+\.[a-z]{2,})(?::\d+)?(/[^?#\s]*)?(?:[?#]\S*)?$", re.I
)
URL_IN_TEXT = re.compile(r"https?://[^\s<>\"')\]]+", re.I)
FEDI_IN_TEXT = re.compile(r"(?<![\w/.@])@([A-Za-z0-9_.]{1,64})@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)")
_X_HOSTS = {"x.com", "twitter.com"}
_REDDIT_HOSTS = {"reddit.com"}
_X_RESERVED = {"home", "search", "intent", "share", "i", "hashtag", "settings", "explore"}


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
    host = (parts.hostname or "").lower()
    for prefix in ("www.", "m.", "mobile.", "old.", "new."):
        host = host.removeprefix(prefix)
    if not host or "." not in host:
        return None
    path = parts.path.rstrip("/").lower()
    return f"{host}{path}"[:280]


def canonical_url(url: str | None) -> str | None:
    """A link in one form per profile: "twitter.com/Anna" -> "x.com/anna",
    "reddit.com/u/anna" -> "reddit.com/user/anna", "inst/users/anna" -> "inst/@anna"."""
    n = normalise_url(url)
    if not n:
        return None
    host, _, path = n.partition("/")
    parts = [p for p in path.split("/") if p]
    if host in _X_HOSTS:
        if parts and parts[0] not in _X_RESERVED:
            return f"x.com/{parts[0].lstrip('@')}"
        return "x.com"
    if host in _REDDIT_HOSTS:
        if len(parts) >= 2 and parts[0] in ("u", "user"):
            return f"reddit.com/user/{parts[1]}"
        return n
    if host == "bsky.app" and len(parts) >= 2 and parts[0] == "profile":
        return f"bsky.app/profile/{parts[1]}"
    if parts and parts[0].startswith("@") and len(parts[0]) > 1:
        user, _, remote = parts[0][1:].partition("@")  # "instance/@user@home": the home instance's
        return fediverse_url(user, remote or host)
    if len(parts) >= 2 and parts[0] == "users":  # Mastodon's ActivityPub form
        return f"{host}/@{parts[1]}"
    return n


def fediverse_url(user: str, instance: str) -> str:
    """The canonical link of "@user@instance"."""
    return f"{instance.lower()}/@{user.lower()}"


def profile_url_of(platform: str, handle: str) -> str | None:
    """The canonical profile link a platform gives a handle (None if it cannot be known)."""
    local, instance = handle_local(platform, handle)
    if not local:
        return None
    if platform == "x":
        return f"x.com/{local}"
    if platform == "reddit":
        return f"reddit.com/user/{local}"
    if platform == "mastodon" and instance:
        return fediverse_url(local, instance)
    if platform == "bluesky":
        return f"bsky.app/profile/{local}.{instance or 'bsky.social'}"
    return None


_BARE_URL = re.compile(
    r"(?<![\w.@/:])((?:www\.|old\.|mobile\.)?(?:x\.com|twitter\.com|reddit\.com|bsky\.app)/[^\s<>\"')\]]+"
    r"|[a-z0-9-]+(?:\.[a-z0-9-]+)+/@[A-Za-z0-9_.]+)", re.I,
)
_REDDIT_USER = re.compile(r"(?<![\w/.])/?u/([A-Za-z0-9_-]{3,20})\b")
_X_USER = re.compile(
    r"\b(?:x|twitter)\s*[:=]\s*@([A-Za-z0-9_]{1,15})\b|@([A-Za-z0-9_]{1,15})\s+(?:on|auf|bei)\s+(?:x|twitter)\b", re.I
)
# Words that introduce someone else's account in a bio ("husband: …", "❤️ …", "with @…").
_OTHER_PERSON = re.compile(
    r"(?:partner|partnerin|wife|husband|spouse|married|verheiratet|better half|boyfriend|girlfriend|\bbf\b|\bgf\b"
    r"|\bfrau\b|\bmann\b|ehemann|ehefrau|freund|freundin|friend|buddy|colleague|kolleg|co-?host|co-?author"
    r"|podcast|\bwith\b|\bmit\b|\bsay hi\b|son|daughter|\bmom\b|\bdad\b|mama|papa|sister|brother|schwester"
    r"|bruder|family|familie|[❤♥💕💑💞😍]|team|works? (?:at|for)|arbeite|employer|\bboss\b|chef)",
    re.I,
)


def _found(text: str) -> list[tuple[int, str]]:
    """(position, canonical link) of every account written in ``text``, in any form."""
    out: list[tuple[int, str]] = []
    for m in URL_IN_TEXT.finditer(text):
        if c := canonical_url(m.group(0).rstrip(".,;:!?")):
            out.append((m.start(), c))
    for m in _BARE_URL.finditer(text):
        if c := canonical_url(m.group(1).rstrip(".,;:!?")):
            out.append((m.start(), c))
    out += [(m.start(), fediverse_url(m.group(1), m.group(2))) for m in FEDI_IN_TEXT.finditer(text)]
    out += [(m.start(), f"reddit.com/user/{m.group(1).lower()}") for m in _REDDIT_USER.finditer(text)]
    out += [(m.start(), f"x.com/{(m.group(1) or m.group(2)).lower()}") for m in _X_USER.finditer(text)]
    return out


def bio_links(text: str | None) -> tuple[set[str], set[str]]:
    """Accounts written in a bio: (the person's own, other people's).

    A link introduced by words naming someone else ("husband: …", "❤️ …", "podcast with …",
    "verheiratet mit …") is another person's account, not evidence of being it.
    """
    if not text:
        return set(), set()
    own: set[str] = set()
    others: set[str] = set()
    for pos, link in _found(text):
        start = max(text.rfind("\n", 0, pos), text.rfind(".", 0, max(0, pos - 1)), text.rfind("|", 0, pos), pos - 40)
        (others if _OTHER_PERSON.search(text[max(0, start) : pos]) else own).add(link)
    return own - others, others


def links_in_text(text: str | None) -> set[str]:
    """Canonical links written in a bio: URLs, "@user@instance", "u/name", "X: @name"."""
    own, others = bio_links(text)
    return own | others
