"""German sentiment: VADER's method with rules written for German (not English rules on German words).

What carries over from VADER (Hutto & Gilbert 2014): a valence lexicon on the -4..+4 scale,
boosters and dampeners that add +-0.293 within three words before a sentiment word (less with
distance), all-caps emphasis, "!" and "?" emphasis, emoji and emoticons, a contrast word that
halves what comes before it and weighs what follows by 1.5, and the same normalisation.

What is German here:
- the lexicon (crm.sentiment.german_lexicon): thousands of lemmas with inflected forms, spelled
  with or without umlauts, and the head of a compound noun ("Totalausfall" -> "Ausfall");
- negation by nicht, kein(e...), nie, niemals, nichts, niemand, kaum, wenig (not "ein wenig"),
  ohne, "alles andere als": its scope is its clause: it never crosses , ; : . ! ? or a
  conjunction (und, oder, aber, weil, ...). It works forwards ("nicht gut") and backwards on a
  clause-final negator ("hilft nicht", "gefällt mir gar nicht"), and it dampens: a negated
  positive word is VADER's -0.74 of it, a negated negative word only -0.3 of it, so "nicht
  schlecht" is mildly positive; "gar nicht" / "überhaupt nicht" negate a positive word fully;
  "nicht nur" is no negation;
- boosters (sehr, echt, total, mega, richtig, wirklich, ...) and dampeners (etwas, bisschen,
  ganz, eher, leicht, ...); superlatives ("schlechtester", "beste") count as boosted;
- "aber", "jedoch", "allerdings", "sondern" weigh like VADER's "but".
"""

from __future__ import annotations

import math
import string
from operator import itemgetter
from typing import NamedTuple, cast

from crm.sentiment.german_lexicon import Entry, fold, lexicon
from crm.sentiment.vader import B_INCR, C_INCR, N_SCALAR, Vader

NEGATED_NEGATIVE = -0.3
BOOSTERS: dict[str, float] = {
    fold(w): B_INCR for w in (
        "sehr echt total mega richtig wirklich extrem absolut völlig voll komplett äußerst "
        "ausgesprochen besonders enorm höchst überaus ungemein unglaublich wahnsinnig verdammt "
        "sau tierisch krass so dermaßen derart zutiefst ziemlich einfach"
    ).split()
} | {
    fold(w): -B_INCR for w in "etwas bisschen ganz eher leicht halbwegs einigermaßen relativ teilweise fast wenig".split()
}
NEGATORS = frozenset(fold(w) for w in (
    "nicht nich net kein keine keinen keinem keiner keines nie niemals nimmer nichts niemand "
    "kaum wenig ohne weder nirgends"
).split())
STRONG_NEGATION = frozenset(("gar", "ueberhaupt", "absolut"))
CONTRAST = frozenset(("aber", "jedoch", "allerdings", "sondern"))
CONJUNCTIONS = CONTRAST | frozenset(fold(w) for w in (
    "und oder weil denn obwohl dass wenn falls während bevor nachdem sobald damit trotzdem doch"
).split())
_CLAUSE_PUNCT = frozenset(",;:.!?")
_PUNCT = string.punctuation + "„“‚‘»«…–—"
_HEAD_MIN = 5
# Separable verb prefixes: "weiterempfehlen" is "empfehlen", "zurückgeholt" is "geholt".
_PREFIXES = tuple(fold(p) for p in (
    "weiter wieder zurück heraus herunter hinein mit vor nach zu ab an auf aus ein durch um los"
).split())
_CACHE_LIMIT = 200_000
_KEY = itemgetter(0)
_UPPER = itemgetter(1)
_ENTRY = itemgetter(2)


class Token(NamedTuple):
    """What the German rules need of one token, computed once per distinct token."""

    key: str
    upper: bool
    entry: Entry | None
    booster: float | None
    negator: bool
    conjunction: bool
    ends_clause: bool


class German:
    """German compound score in [-1, 1]; shares VADER's emoji descriptions and emoticons."""

    def __init__(self, vader: Vader) -> None:
        self.lexicon = dict(lexicon())
        english = vader.lexicon
        # Emoticons (":)", "<3", ":D") are not English words: VADER's valences hold for German.
        for key, valence in english.items():
            if not any(c.isalpha() for c in key) or (len(key) <= 3 and not key.isalpha()):
                self.lexicon[key] = Entry(valence, False)
        # An emoji is worth what its English description is worth in VADER's lexicon.
        self.vader = vader
        self.emoji: dict[str, float] = {}
        for ch in vader._emoji_chars:
            words = vader.emojis[ch].lower().split()
            total = sum(english.get(w, 0.0) for w in words)
            if total:
                self.emoji[ch] = total
        self._tokens: dict[str, Token] = {}

    def _entry(self, word: str, key: str) -> Entry | None:
        entry = self.lexicon.get(key)
        if entry is None and word[:1].isupper() and len(key) >= _HEAD_MIN + 3:
            # A compound noun is what its last part is: the longest known head of 5+ letters.
            for start in range(1, len(key) - _HEAD_MIN + 1):
                head = self.lexicon.get(key[start:])
                if head is not None:
                    return head
        if entry is None and word.islower() and len(key) >= _HEAD_MIN + 3:
            for prefix in _PREFIXES:
                if key.startswith(prefix) and len(key) - len(prefix) >= _HEAD_MIN:
                    rest = self.lexicon.get(key[len(prefix):])
                    if rest is not None:
                        return rest
        return entry

    def _token(self, raw: str) -> Token:
        stripped = raw.strip(_PUNCT)
        word = raw if len(stripped) <= 2 and not stripped.isalpha() else stripped
        key = fold(word)
        if len(word) == 1 and word in self.emoji:
            entry: Entry | None = Entry(self.emoji[word], False)
        else:
            entry = self._entry(word, key)
        booster = BOOSTERS.get(key)
        tok = Token(key, word.isupper() and len(word) > 1, None if booster is not None else entry,
                    booster, key in NEGATORS, key in CONJUNCTIONS,
                    raw[-1] in _CLAUSE_PUNCT and word != raw)
        if len(self._tokens) > _CACHE_LIMIT:
            self._tokens.clear()
        self._tokens[raw] = tok
        return tok

    def _split(self, text: str) -> list[str]:
        if not text.isascii() and not self.vader._emoji_chars.isdisjoint(text):
            text = "".join(f" {c} " if c in self.emoji else c for c in text)
        return text.split()

    def compound(self, text: str) -> float:
        """The compound score, rounded to 4 places like VADER's."""
        words = self._split(text)
        found = list(map(self._tokens.get, words))
        toks = cast("list[Token]", found) if None not in found else [
            t or self._token(w) for t, w in zip(found, words, strict=True)
        ]
        hits = [i for i, e in enumerate(map(_ENTRY, toks)) if e is not None]
        if not hits:
            return 0.0
        n = len(toks)
        caps = sum(map(_UPPER, toks))
        cap_diff = 0 < n - caps < n
        keys = list(map(_KEY, toks))
        contrast = -1
        if not CONTRAST.isdisjoint(keys):
            contrast = next(i for i, k in enumerate(keys) if k in CONTRAST)
        total = 0.0
        for i in hits:
            v = _valence(toks, keys, i, cap_diff)
            if contrast >= 0:
                v *= 0.5 if i < contrast else 1.5
            total += v
        if total:
            amp = _emphasis(text)
            total = total + amp if total > 0 else total - amp
        return round(max(-1.0, min(1.0, total / math.sqrt(total * total + 15))), 4)


def _valence(toks: list[Token], keys: list[str], i: int, cap_diff: bool) -> float:
    """One sentiment word's valence after emphasis, boosters and negation in its clause."""
    tok = toks[i]
    assert tok.entry is not None
    v = tok.entry.valence
    if tok.entry.superlative:
        v += B_INCR if v > 0 else -B_INCR
    if tok.upper and cap_diff:
        v += C_INCR if v > 0 else -C_INCR
    negated = strong = False
    # Backwards, within the clause: boosters up to three words away, a negator anywhere in it
    # (up to the previous sentiment word, which the negator would belong to).
    j = i - 1
    while j >= 0:
        prev = toks[j]
        if prev.ends_clause or (prev.conjunction and prev.key != "doch"):
            break
        dist = i - j
        if dist <= 3 and prev.booster is not None and not _negates(toks, keys, j):
            s = prev.booster if v > 0 else -prev.booster
            if prev.upper and cap_diff:
                s += C_INCR if v > 0 else -C_INCR
            v += s * (1.0, 0.95, 0.9)[dist - 1]
        if _negates(toks, keys, j):
            negated = True
            strong = j > 0 and keys[j - 1] in STRONG_NEGATION
            break
        if prev.entry is not None:
            break
        j -= 1
    # Forwards: a negator that closes the clause belongs to the words before it.
    if not negated and not tok.ends_clause:
        for j in range(i + 1, min(i + 4, len(toks))):
            nxt = toks[j]
            if nxt.entry is not None or nxt.conjunction:
                break
            if _negates(toks, keys, j) and _closes_clause(toks, j):
                negated = True
                strong = keys[j - 1] in STRONG_NEGATION
                break
            if nxt.ends_clause:
                break
    if negated:
        v *= (-1.0 if strong else N_SCALAR) if v > 0 else NEGATED_NEGATIVE
    return v


def _negates(toks: list[Token], keys: list[str], j: int) -> bool:
    """Token j negates: a negator ("nicht nur", "ein wenig" do not), or "alles andere als"."""
    if toks[j].negator:
        nxt = keys[j + 1] if j + 1 < len(keys) else ""
        return nxt != "nur" and not (keys[j] == "wenig" and j > 0 and keys[j - 1] == "ein")
    return keys[j] == "als" and j > 1 and keys[j - 2] == "alles" and keys[j - 1] == "andere"


def _closes_clause(toks: list[Token], j: int) -> bool:
    """No sentiment word follows negator j in its clause (so it negates what came before)."""
    if toks[j].ends_clause:
        return True
    for k in range(j + 1, len(toks)):
        t = toks[k]
        if t.conjunction:
            return True
        if t.entry is not None:
            return False
        if t.ends_clause:
            return True
    return True


def _emphasis(text: str) -> float:
    """VADER's punctuation emphasis: up to four '!', and two or more '?'."""
    ep = min(text.count("!"), 4) * 0.292
    qm = text.count("?")
    return ep + (0 if qm <= 1 else qm * 0.18 if qm <= 3 else 0.96)
