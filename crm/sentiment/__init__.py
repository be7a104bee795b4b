"""Sentiment and language of an interaction: one call, ``analyze``, used by ingest.

- Language: the import's or platform's own ``language`` wins when given; otherwise
  crm.sentiment.language detects it (fastText's model, with a function-word shortcut).
- English: exactly stock VADER (crm.sentiment.vader, a faster rewrite with identical scores).
- German: VADER's method with German rules and lexicon (crm.sentiment.german).
- Any other language is not scored: label "unscored" (shown as "not scored"), kept out of
  sentiment means and negative counts; never guessed with the English lexicon. A text without
  letters (only emoji or emoticons) is scored by VADER, whatever the language.
Labels use VADER's documented thresholds: compound >= 0.05 positive, <= -0.05 negative.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

from crm.sentiment import language as _language
from crm.sentiment.german import German
from crm.sentiment.vader import Vader

POSITIVE_THRESHOLD = 0.05
NEGATIVE_THRESHOLD = -0.05
# Stored label of a text in a language without an analyzer (the column holds 8 characters).
NOT_SCORED = "unscored"
LABELS = ("positive", "neutral", "negative", NOT_SCORED)
SCORED_LANGUAGES = ("en", "de")
MAX_CHARS = 5000


class Sentiment(NamedTuple):
    """The language used, the compound score (None when not scored) and the label."""

    language: str | None
    compound: float | None
    label: str


@lru_cache(maxsize=1)
def _english() -> Vader:
    return Vader()


@lru_cache(maxsize=1)
def _german() -> German:
    return German(_english())


def normalize_language(code: str | None) -> str | None:
    """'de-AT' / 'DE' / ' de ' -> 'de'; empty -> None."""
    code = (code or "").strip().lower().replace("_", "-")
    return code.split("-")[0][:16] or None


def guess_language(text: str) -> str | None:
    """The detected language of a text ('en', 'de', 'fr', ...), or None if it cannot be told."""
    return _language.detect(text)


def score(text: str, language: str | None = None) -> float | None:
    """The compound in [-1, 1] for English and German; None for any other or unknown language."""
    if not text:
        return 0.0
    text = text[:MAX_CHARS]
    lang = language if language in SCORED_LANGUAGES else normalize_language(language)
    if lang == "en":
        return _english().compound(text)
    if lang == "de":
        return _german().compound(text)
    if not any(c.isalpha() for c in text):
        return _english().compound(text)
    return None


def label_for(compound: float | None) -> str:
    """positive / neutral / negative at VADER's documented +-0.05; NOT_SCORED for None."""
    if compound is None:
        return NOT_SCORED
    if compound >= POSITIVE_THRESHOLD:
        return "positive"
    if compound <= NEGATIVE_THRESHOLD:
        return "negative"
    return "neutral"


def analyze(text: str, language: str | None = None) -> Sentiment:
    """Language (given or detected), compound and label of one text.

    The hot path of ingest: one call per text, so it decides the language and picks the
    analyzer inline instead of going through ``score`` (same result, fewer steps per text).
    """
    lang = normalize_language(language) if language else None
    if not text:
        return Sentiment(lang, 0.0, "neutral")
    if lang is None:
        lang = _language.detect(text)
    if len(text) > MAX_CHARS:
        text = text[:MAX_CHARS]
    if lang == "en":
        compound: float | None = _english().compound(text)
    elif lang == "de":
        compound = _german().compound(text)
    else:
        compound = score(text, lang)
    if compound is None:
        return Sentiment(lang, None, NOT_SCORED)
    if compound >= POSITIVE_THRESHOLD:
        return Sentiment(lang, compound, "positive")
    if compound <= NEGATIVE_THRESHOLD:
        return Sentiment(lang, compound, "negative")
    return Sentiment(lang, compound, "neutral")
