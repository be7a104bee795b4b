"""The English analyzer is stock VADER: every compound on >= 2,000 texts equals vaderSentiment's."""

from __future__ import annotations

import random

import pytest
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from crm.sentiment.vader import Vader
from demo.dataset import generate

# VADER's own examples (its README and __main__), which exercise every rule it has.
VADER_EXAMPLES = [
    "VADER is smart, handsome, and funny.", "VADER is smart, handsome, and funny!",
    "VADER is very smart, handsome, and funny.", "VADER is VERY SMART, handsome, and FUNNY.",
    "VADER is VERY SMART, handsome, and FUNNY!!!",
    "VADER is VERY SMART, uber handsome, and FRIGGIN FUNNY!!!",
    "VADER is not smart, handsome, nor funny.", "The book was good.",
    "At least it isn't a horrible book.", "The book was only kind of good.",
    "The plot was good, but the characters are uncompelling and the dialog is not great.",
    "Today SUX!", "Today only kinda sux! But I'll get by, lol", "Make sure you :) or :D today!",
    "Catch utf-8 emoji such as 💘 and 💋 and 😁", "Not bad at all",
    "Sentiment analysis has never been good.", "Sentiment analysis has never been this good!",
    "Most automated sentiment analysis tools are shit.", "With VADER, sentiment analysis is the shit!",
    "Other sentiment analysis tools can be quite bad.", "On the other hand, VADER is quite bad ass",
    "VADER is such a badass!", "Without a doubt, excellent idea.",
    "Roger Dodger is one of the most compelling variations on this theme.",
    "Roger Dodger is at least compelling as a variation on the theme.",
    "Roger Dodger is one of the least compelling variations on this theme.",
    "Not such a badass after all.", "Without a doubt, an excellent idea.",
    "It was one of the worst movies I've seen, despite good reviews.",
    "Unbelievably bad acting!! Poor direction. VERY poor production.", "VERY BAD movie!",
    "Mister Rogers was here today", "Battery toll of search is noticeable.",
    "How do I stop Nimbus from starting at login?", "ridiculously quick", "", "   ", "!!!", "😀😀",
    "no no no", "no good", "no or bad thing", "never so good", "kind of great", "sort of nice",
    "the bomb is just enough love", "yeah right, great", "a kiss of death", "to die for cake",
]
FILLERS = "the a it this that was is and or of to for my your we they i you app update sync".split()
MODIFIERS = [
    "very", "VERY", "extremely", "kind of", "sort of", "kinda", "barely", "hardly", "so", "this",
    "not", "isn't", "never", "without", "doubt", "no", "nor", "least", "at least", "very least",
    "but", "BUT", "just enough", "the", "really", "most", "more", "less", "quite", "uber",
]
PUNCT = ["", ".", "!", "!!", "!!!!!", "?", "??", "????", "?!", ",", " :)", " :(", " :D", " <3"]
EMOJI = ["😀", "😡", "💔", "❤️", "🔥", "👍", "😂", "🙄", "🎉"]


def generated(n: int, seed: int = 13) -> list[str]:
    """Random sentences mixing lexicon words with VADER's modifiers, caps, punctuation, emoji."""
    rng = random.Random(seed)
    words = sorted(SentimentIntensityAnalyzer().lexicon)
    out = []
    for _ in range(n):
        parts: list[str] = []
        for _ in range(rng.randint(1, 14)):
            roll = rng.random()
            if roll < 0.3:
                w = rng.choice(words)
                parts.append(w.upper() if rng.random() < 0.15 else w.capitalize() if rng.random() < 0.1 else w)
            elif roll < 0.55:
                parts.append(rng.choice(MODIFIERS))
            elif roll < 0.6:
                parts.append(rng.choice(EMOJI) * rng.randint(1, 2))
            else:
                parts.append(rng.choice(FILLERS))
            if rng.random() < 0.15:
                parts[-1] += rng.choice(PUNCT)
        sep = "" if rng.random() < 0.05 else " "
        out.append(sep.join(parts) + rng.choice(PUNCT))
    return out


def corpus() -> list[str]:
    """VADER's examples, the demo's English texts and titles, and 3,000 generated sentences."""
    demo = [t for i in generate() if i["language"] == "en" for t in (i["text"], i["title"]) if t]
    return VADER_EXAMPLES + demo + generated(3000)


@pytest.fixture(scope="module")
def texts() -> list[str]:
    return corpus()


def test_every_compound_equals_stock_vader(texts: list[str]) -> None:
    stock = SentimentIntensityAnalyzer()
    fast = Vader()
    assert len(texts) >= 2000
    diffs = [(t, stock.polarity_scores(t)["compound"], fast.compound(t)) for t in texts]
    wrong = [d for d in diffs if abs(d[1] - d[2]) > 1e-9]
    assert not wrong, wrong[:5]
    # A second pass reads the token cache: still the same.
    assert all(abs(fast.compound(t) - c) <= 1e-9 for t, c, _ in diffs)


def test_the_corpus_exercises_the_rules(texts: list[str]) -> None:
    lows = " ".join(texts).lower()
    for rule in ("but", "kind of", "least", "never so", "without doubt", "no ", "😀", "!!!", "??"):
        assert rule in lows, rule
