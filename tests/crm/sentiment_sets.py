"""Loading the labelled evaluation sets in tests/data (shared by tests and bench)."""

from __future__ import annotations

import statistics
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "data"
GERMAN_SETS = ("tweets", "forum", "news", "negation")
# Written by a second annotator who never saw the analyzer (tests/data/sentiment/blind/, each
# file's header says how): never used for tuning, so these are the honest numbers.
BLIND_SETS = ("tweets_translated", "negation_blind", "social_blind")


def german_set(name: str) -> list[tuple[float, str]]:
    """(rating -4..+4, text) of tests/data/sentiment/de_<name>.tsv."""
    rows = []
    for line in (DATA / "sentiment" / f"de_{name}.tsv").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            _style, rating, text = line.split("\t")
            rows.append((float(rating), text))
    return rows


def blind_set(name: str) -> list[tuple[float, str]]:
    """(rating -4..+4, German text) of tests/data/sentiment/blind/de_<name>.tsv.

    de_tweets_translated: VADER's tweets (Hutto & Gilbert 2014, MIT) with their mean human
    ratings, translated into German tweet style; the other two: the annotator's own ratings.
    """
    rows = []
    lines = (DATA / "sentiment" / "blind" / f"de_{name}.tsv").read_text(encoding="utf-8").splitlines()
    for line in lines[2:]:  # a '#' line that says how the set was made, then the column names
        if line:
            parts = line.split("\t")
            rows.append((float(parts[1] if len(parts) == 4 else parts[0]), parts[-1]))
    return rows


def questions(name: str = "questions_heldout") -> list[tuple[str, bool, str]]:
    """(language, needs an answer, text) of tests/data/<name>.tsv."""
    rows = []
    for line in (DATA / f"{name}.tsv").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#") and not line.startswith("language\t"):
            lang, answer, text = line.split("\t", 2)
            rows.append((lang, answer == "1", text))
    return rows


def label_of_rating(rating: float) -> str:
    return "positive" if rating > 0.5 else "negative" if rating < -0.5 else "neutral"


def label_of_compound(compound: float) -> str:
    return "positive" if compound >= 0.05 else "negative" if compound <= -0.05 else "neutral"


def quality(rows: list[tuple[float, str]], score) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Pearson r against the ratings, and three-class accuracy at VADER's thresholds."""
    compounds = [score(text) for _, text in rows]
    ratings = [r for r, _ in rows]
    r = statistics.correlation(compounds, ratings)
    acc = sum(label_of_compound(c) == label_of_rating(y) for c, y in zip(compounds, ratings, strict=True)) / len(rows)
    return r, acc
