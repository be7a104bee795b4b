"""Sentiment (VADER) and a cheap language guess for English and German.

VADER is an English lexicon. Much of our users' text is German, so the analyzer's lexicon is
extended with common German sentiment words (valences on VADER's -4..+4 scale) and German
negators are folded onto VADER's "not". Labels use VADER's documented thresholds: compound
>= 0.05 positive, <= -0.05 negative, else neutral.
"""

from __future__ import annotations

import re
from functools import lru_cache

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

POSITIVE_THRESHOLD = 0.05
NEGATIVE_THRESHOLD = -0.05

GERMAN_LEXICON: dict[str, float] = {
    "gut": 1.9, "super": 2.9, "toll": 2.6, "klasse": 2.5, "prima": 2.4, "genial": 3.0,
    "großartig": 3.1, "grossartig": 3.1, "hervorragend": 3.1, "ausgezeichnet": 3.2,
    "perfekt": 3.0, "wunderbar": 3.0, "schön": 2.2, "schoen": 2.2, "danke": 1.9, "dankbar": 2.2,
    "liebe": 2.8, "lieben": 2.8, "liebt": 2.8, "mag": 1.5, "gerne": 1.5, "gern": 1.3,
    "freue": 2.0, "freude": 2.4, "froh": 2.1, "glücklich": 2.8, "zufrieden": 2.1,
    "empfehlen": 1.8, "empfehlenswert": 2.3, "hilfreich": 2.0, "schnell": 1.0, "einfach": 0.8,
    "cool": 1.6, "spitze": 2.6, "lob": 2.0, "begeistert": 2.9, "stark": 1.4, "top": 2.4,
    "schlecht": -2.5, "schlechter": -2.5, "schlimm": -2.5, "furchtbar": -3.0,
    "schrecklich": -3.1, "katastrophe": -3.3, "katastrophal": -3.3, "mies": -2.4,
    "ärgerlich": -2.2, "aergerlich": -2.2, "ärger": -2.1, "wütend": -2.7, "sauer": -2.0,
    "enttäuscht": -2.4, "enttaeuscht": -2.4, "enttäuschend": -2.5, "enttäuschung": -2.5,
    "nervig": -2.0, "nervt": -2.0, "kaputt": -2.1, "fehler": -1.5, "absturz": -2.0,
    "stürzt": -1.9, "langsam": -1.2, "teuer": -1.2, "unverschämt": -2.8, "betrug": -3.2,
    "abzocke": -3.2, "müll": -2.8, "muell": -2.8, "scheiße": -3.1, "scheisse": -3.1,
    "scheiß": -3.0, "mist": -2.2, "hasse": -3.0, "hass": -3.0, "nutzlos": -2.5,
    "unbrauchbar": -2.7, "problem": -1.5, "probleme": -1.5, "leider": -1.2, "traurig": -2.1,
    "peinlich": -2.2, "frechheit": -2.8, "funktioniert": 0.9, "kündigen": -1.8,
    "gekündigt": -1.8, "störung": -2.0, "ausfall": -2.2, "unzufrieden": -2.3,
}
# English lexicon words that are everyday German words with another meaning: "die" (the),
# "war" (was), "bad" (bath), "gift" (poison), "kind" (child), "hell" (bright), "kill"
# (as in "Killer-Feature" it still reads negative otherwise). Left in, they make German praise
# look negative, so the German analyzer does not know them.
GERMAN_FALSE_FRIENDS = ("die", "war", "bad", "gift", "kind", "hell", "fit")
GERMAN_NEGATORS = re.compile(r"\b(nicht|kein|keine|keinen|keinem|keiner|nie|niemals)\b", re.I)

_EN_WORDS = frozenset(
    "the and is are was were you your with this that have has not for but what how why "
    "it's i'm don't can't just from they their there would could should".split()
)
_DE_WORDS = frozenset(
    "der die das und ist sind war nicht ich du sie wir ihr mit für fuer auf ein eine einen "
    "auch wie kann noch schon aber oder wenn dass bei von zu hat habe haben mein dein euer".split()
)
_WORD = re.compile(r"[^\W\d_]+(?:'[a-z]+)?", re.UNICODE)


@lru_cache(maxsize=2)
def analyzer(language: str | None = None) -> SentimentIntensityAnalyzer:
    """One analyzer per process and language family (loading the lexicon takes ~50 ms).

    German text gets VADER's lexicon without English false friends; everything else gets the
    full lexicon, extended with German words for mixed or undetected text.
    """
    sia = SentimentIntensityAnalyzer()
    sia.lexicon.update(german_forms())
    if language == "de":
        for word in GERMAN_FALSE_FRIENDS:
            sia.lexicon.pop(word, None)
    return sia


def german_forms() -> dict[str, float]:
    """The German lexicon with its inflected forms (toll -> tolle, tollen, toller, tolles)."""
    forms: dict[str, float] = {}
    for word, valence in GERMAN_LEXICON.items():
        for suffix in ("", "e", "en", "er", "es", "em"):
            forms.setdefault(word + suffix, valence)
    forms.update(GERMAN_LEXICON)
    return forms


def guess_language(text: str) -> str | None:
    """'en', 'de' or None, by counting common function words; cheap, and honest about doubt."""
    en = de = 0
    for word in _WORD.findall(text[:2000].lower()):
        if word in _EN_WORDS:
            en += 1
        elif word in _DE_WORDS:
            de += 1
    if en + de < 2 or en == de:
        return None
    return "en" if en > de else "de"


def label_for(compound: float) -> str:
    """positive / neutral / negative at VADER's documented ±0.05."""
    if compound >= POSITIVE_THRESHOLD:
        return "positive"
    if compound <= NEGATIVE_THRESHOLD:
        return "negative"
    return "neutral"


def score(text: str, language: str | None = None) -> float:
    """VADER compound in [-1, 1]; German negators are mapped onto VADER's 'not'."""
    if not text:
        return 0.0
    german = language == "de"
    if german:
        text = GERMAN_NEGATORS.sub("not", text)
    # VADER's cost grows with length; sentiment of a long post is decided early on.
    return float(analyzer("de" if german else None).polarity_scores(text[:5000])["compound"])
