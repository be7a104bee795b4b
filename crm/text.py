"""Plain-text pieces every area shares: words, URLs and stop words, defined once.

- :data:`WORD` / :func:`words`: letters and digits, anything else separates (the search index,
  crm/interactions/terms.py, and the word lists of alert explanations);
- :data:`URL` / :func:`strip_urls`: links in a post, which are not words (question detection,
  alert explanations);
- :data:`STOPWORDS`: the English and German words too common to say anything about a topic.
"""

from __future__ import annotations

import re

WORD = re.compile(r"[^\W_]+", re.UNICODE)
URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
STOPWORDS = frozenset(
    """the and for are but not you your with this that have has had was were will would could
    should what when where which who how why all any can just from they them their there then
    than its it's i'm i've don't doesn't didn't about into out our ours his her him she he one
    get got been being also very really more most some such only over again still even much
    der die das und ist sind war nicht ich du sie wir ihr mit für auf ein eine einen auch wie
    kann noch schon aber oder wenn dass bei von zu hat habe haben mein dein den dem des im""".split()
)


def words(text: str | None) -> list[str]:
    """The words of a text, in order (letters and digits; anything else separates)."""
    return WORD.findall(text or "")


def strip_urls(text: str | None) -> str:
    """The text with every link replaced by a space."""
    return URL.sub(" ", text or "")
