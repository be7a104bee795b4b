"""English sentiment: VADER's rules (vaderSentiment 3.3.2), rewritten for speed, same scores.

VADER (Hutto & Gilbert, 2014) is MIT-licensed: Copyright (c) 2016 C.J. Hutto; the lexicon and
the emoji descriptions are read from the installed vaderSentiment package. This module is a
rewrite of its ``polarity_scores`` loop that returns the same compound for every text (a test
compares it with the stock analyzer on a corpus). Stock VADER lower-cases and re-joins the whole
token list again for every lexicon word and each of its three look-back steps; here every
token's properties (stripped form, lower case, valence, booster, negation, all caps) are
computed once per distinct token and cached, and the rules read them by index.
"""

from __future__ import annotations

import math
import string
from operator import itemgetter
from typing import NamedTuple, cast

from vaderSentiment import vaderSentiment as stock

B_INCR = stock.B_INCR
C_INCR = stock.C_INCR
N_SCALAR = stock.N_SCALAR
BOOSTER: dict[str, float] = stock.BOOSTER_DICT
SPECIAL: dict[str, float] = stock.SPECIAL_CASES
NEGATE = frozenset(stock.NEGATE)
# Words that can take part in a multi-word special case or booster ("kind of", "the shit"):
# the idiom check only builds its n-grams when one of them is near.
_IDIOM_WORDS = frozenset(w for key in (*SPECIAL, *BOOSTER) if " " in key for w in key.split())
_PUNCT = string.punctuation
_CACHE_LIMIT = 200_000
_LOW = itemgetter(0)
_UPPER = itemgetter(1)
_SCORED = itemgetter(5)


class Token(NamedTuple):
    """What the rules need of one whitespace-separated token, computed once."""

    low: str
    upper: bool
    valence: float | None
    booster: float | None
    negation: bool
    scored: float | None  # the valence of a word that is scored (a booster is not)


class Vader:
    """VADER's compound score; an instance caches token properties (thread-safe for reads)."""

    def __init__(self, lexicon: dict[str, float] | None = None) -> None:
        sia = stock.SentimentIntensityAnalyzer()
        self.lexicon: dict[str, float] = sia.lexicon if lexicon is None else lexicon
        self.emojis: dict[str, str] = sia.emojis
        # Stock VADER looks up every character; only one-character keys can ever match.
        self._emoji_chars = frozenset(k for k in self.emojis if len(k) == 1)
        self._tokens: dict[str, Token] = {}

    def replace_emoji(self, text: str) -> str:
        """Each emoji character becomes its description, spaced as stock VADER does."""
        if self._emoji_chars.isdisjoint(text):
            return text
        out = []
        prev_space = True
        emojis = self.emojis
        for ch in text:
            description = emojis.get(ch) if ch in self._emoji_chars else None
            if description is None:
                out.append(ch)
                prev_space = ch == " "
            else:
                out.append(description if prev_space else " " + description)
                prev_space = False
        return "".join(out)

    def _token(self, raw: str) -> Token:
        stripped = raw.strip(_PUNCT)
        word = raw if len(stripped) <= 2 else stripped
        low = word.lower()
        valence = self.lexicon.get(low)
        booster = BOOSTER.get(low)
        tok = Token(low, word.isupper(), valence, booster, low in NEGATE or "n't" in low,
                    valence if booster is None else None)
        if len(self._tokens) > _CACHE_LIMIT:
            self._tokens.clear()
        self._tokens[raw] = tok
        return tok

    def compound(self, text: str) -> float:
        """The compound score in [-1, 1], rounded to 4 places like stock VADER."""
        if not text.isascii():
            text = self.replace_emoji(text)
        text = text.strip()
        words = text.split()
        found = list(map(self._tokens.get, words))
        toks = cast("list[Token]", found) if None not in found else [
            t or self._token(w) for t, w in zip(found, words, strict=True)
        ]
        n = len(toks)
        if not n:
            return 0.0
        hits = [i for i, v in enumerate(map(_SCORED, toks)) if v is not None]
        sentiments: list[float] = [0] * n
        if hits:
            caps = sum(map(_UPPER, toks))
            cap_diff = 0 < n - caps < n
            lows = list(map(_LOW, toks))
            lex = self.lexicon
            for i in hits:
                if lows[i] == "kind" and i < n - 1 and lows[i + 1] == "of":
                    continue
                sentiments[i] = self._valence(toks, lows, i, toks[i][5] or 0.0, cap_diff, lex)
            if "but" in lows:
                _but_check(lows, sentiments)
        else:
            return 0.0
        sum_s = float(sum(sentiments))
        if sum_s > 0:
            sum_s += _punctuation_emphasis(text)
        elif sum_s < 0:
            sum_s -= _punctuation_emphasis(text)
        norm = sum_s / math.sqrt(sum_s * sum_s + 15)
        return round(max(-1.0, min(1.0, norm)), 4)

    @staticmethod
    def _valence(toks: list[Token], lows: list[str], i: int, base: float, cap_diff: bool,
                 lex: dict[str, float]) -> float:
        n = len(toks)
        low = lows[i]
        v = base
        if low == "no" and i != n - 1 and lows[i + 1] in lex:
            v = 0.0
        if (i > 0 and lows[i - 1] == "no") or (i > 1 and lows[i - 2] == "no") or (
            i > 2 and lows[i - 3] == "no" and lows[i - 1] in ("or", "nor")
        ):
            v = base * N_SCALAR
        if toks[i].upper and cap_diff:
            v = v + C_INCR if v > 0 else v - C_INCR
        for start_i in range(3):
            if i <= start_i:
                break
            prev = toks[i - start_i - 1]
            if prev.valence is not None:
                continue
            s = 0.0
            if prev.booster is not None:
                s = prev.booster
                if v < 0:
                    s *= -1
                if prev.upper and cap_diff:
                    s = s + C_INCR if v > 0 else s - C_INCR
                if start_i == 1:
                    s = s * 0.95
                elif start_i == 2:
                    s = s * 0.9
            v = v + s
            if start_i == 0:
                if prev.negation:
                    v = v * N_SCALAR
            elif start_i == 1:
                if lows[i - 2] == "never" and lows[i - 1] in ("so", "this"):
                    v = v * 1.25
                elif lows[i - 2] == "without" and lows[i - 1] == "doubt":
                    pass
                elif prev.negation:
                    v = v * N_SCALAR
            else:
                if (lows[i - 3] == "never" and lows[i - 2] in ("so", "this")) or (
                    lows[i - 1] in ("so", "this")
                ):
                    v = v * 1.25
                elif lows[i - 3] == "without" and (lows[i - 2] == "doubt" or lows[i - 1] == "doubt"):
                    pass
                elif prev.negation:
                    v = v * N_SCALAR
                if any(w in _IDIOM_WORDS for w in lows[i - 3:i + 3]):
                    v = _special_idioms(v, lows, i)
        if i > 0 and lows[i - 1] == "least" and toks[i - 1].valence is None:
            if i > 1:
                if lows[i - 2] != "at" and lows[i - 2] != "very":
                    v = v * N_SCALAR
            else:
                v = v * N_SCALAR
        return v


def _special_idioms(v: float, lows: list[str], i: int) -> float:
    """VADER's special cases and multi-word boosters around word i (i > 2)."""
    onezero = f"{lows[i - 1]} {lows[i]}"
    twoonezero = f"{lows[i - 2]} {lows[i - 1]} {lows[i]}"
    twoone = f"{lows[i - 2]} {lows[i - 1]}"
    threetwoone = f"{lows[i - 3]} {lows[i - 2]} {lows[i - 1]}"
    threetwo = f"{lows[i - 3]} {lows[i - 2]}"
    for seq in (onezero, twoonezero, twoone, threetwoone, threetwo):
        if seq in SPECIAL:
            v = SPECIAL[seq]
            break
    n = len(lows)
    if n - 1 > i:
        zeroone = f"{lows[i]} {lows[i + 1]}"
        if zeroone in SPECIAL:
            v = SPECIAL[zeroone]
    if n - 1 > i + 1:
        zeroonetwo = f"{lows[i]} {lows[i + 1]} {lows[i + 2]}"
        if zeroonetwo in SPECIAL:
            v = SPECIAL[zeroonetwo]
    for ngram in (threetwoone, threetwo, twoone):
        if ngram in BOOSTER:
            v = v + BOOSTER[ngram]
    return v


def _but_check(lows: list[str], sentiments: list[float]) -> None:
    """Stock VADER's "but" rule, kept as it is (it finds each value by its first occurrence)."""
    bi = lows.index("but")
    for sentiment in sentiments:
        si = sentiments.index(sentiment)
        if si < bi:
            sentiments.pop(si)
            sentiments.insert(si, sentiment * 0.5)
        elif si > bi:
            sentiments.pop(si)
            sentiments.insert(si, sentiment * 1.5)


def _punctuation_emphasis(text: str) -> float:
    """Up to four '!' at 0.292 each; two or three '?' at 0.18 each, more at 0.96."""
    ep = min(text.count("!"), 4) * 0.292
    qm = text.count("?")
    return ep + (0 if qm <= 1 else qm * 0.18 if qm <= 3 else 0.96)
