"""The search tokeniser: words folded and stemmed the same way for the index and the query.

One definition for both backends (SQLite FTS5 and PostgreSQL's tsvector index the same
``search_terms`` column) and for highlighting. A word is folded (lower case, ``ß`` -> ``ss``,
``ä`` -> ``ae``, other accents dropped) and stemmed by the Snowball stemmer of the text's
language (German, English; other languages are folded only). PostgreSQL's own 'german'
configuration does not treat "oe" as "ö" (``stoerung`` and ``Störung`` stay apart), the
Snowball stemmer of the ``snowballstemmer`` package does, so the stemming happens here.

A query word matches any of its forms (German stem, English stem, folded word): the language
of a search box is unknown, and the index holds each text's words in its own language's form.
Handles are indexed by the name parts they spell ("juergen_b" -> "juergen", "b"), so "Jürgen"
finds @juergen_b.
"""

from __future__ import annotations

import threading
import unicodedata
from functools import lru_cache

import snowballstemmer

from crm.text import words

STEMMED_LANGUAGES = {"de": "german", "en": "english"}
_FOLD = str.maketrans({"ß": "ss", "ä": "ae", "ö": "oe", "ü": "ue", "ẞ": "ss"})
_local = threading.local()


@lru_cache(maxsize=100_000)
def fold(word: str) -> str:
    """Lower case, umlauts and ß spelled out, other accents dropped: 'Störung' -> 'stoerung'."""
    w = word.lower().translate(_FOLD)
    if w.isascii():
        return w
    return "".join(c for c in unicodedata.normalize("NFKD", w) if not unicodedata.combining(c))


def _stemmer(language: str) -> snowballstemmer.stemmer:
    # Snowball stemmers keep state while they work: one per thread.
    cache = _local.__dict__.setdefault("stemmers", {})
    if language not in cache:
        cache[language] = snowballstemmer.stemmer(STEMMED_LANGUAGES[language])
    return cache[language]


@lru_cache(maxsize=200_000)
def term(word: str, language: str | None) -> str:
    """The indexed form of one word in a text of ``language`` (folded, then stemmed)."""
    folded = fold(word)
    lang = (language or "")[:2]
    if lang not in STEMMED_LANGUAGES:
        return folded
    return str(_stemmer(lang).stemWord(folded))


def name_parts(handle: str | None) -> list[str]:
    """A handle's name parts, folded: '@juergen_b@social.example' -> ['juergen', 'b']."""
    local = (handle or "").lstrip("@").split("@", 1)[0]
    return [fold(w) for w in words(local)]


def index_terms(language: str | None, title: str | None, text: str | None, handle: str | None = None) -> str:
    """The ``search_terms`` column: every word of title and text in its indexed form, then the
    handle's name parts (kept in order, so phrases match)."""
    parts = [term(w, language) for w in words(title)]
    parts += [term(w, language) for w in words(text)]
    parts += name_parts(handle)
    return " ".join(parts)


def query_forms(word: str) -> list[str]:
    """Every indexed form a query word may have (German stem, English stem, folded), distinct."""
    forms = [term(word, lang) for lang in STEMMED_LANGUAGES] + [fold(word)]
    return list(dict.fromkeys(forms))


def phrase_forms(text: str) -> list[list[str]]:
    """A phrase's words per language (German stems, English stems, folded), distinct."""
    ws = words(text)
    variants = [[term(w, lang) for w in ws] for lang in STEMMED_LANGUAGES] + [[fold(w) for w in ws]]
    seen: list[list[str]] = []
    for v in variants:
        if v and v not in seen:
            seen.append(v)
    return seen
