"""How long a reply is, counted the way each platform counts it.

- X: twitter-text v3 ("weighted length", maxWeightedTweetLength 280, scale 100). A code point
  in the Latin, Greek, Cyrillic, Hebrew, Arabic ... ranges (U+0000-U+10FF) and some
  punctuation (U+2000-U+200D, U+2010-U+201F, U+2032-U+2037) weighs 100; everything else
  (CJK, Hangul, emoji ...) 200; an emoji sequence (a grapheme with a pictographic code point,
  a flag) weighs 200 once; every URL counts as 23 characters (t.co). Text is NFC first.
- Mastodon: characters (code points), the instance's limit (500 unless it says otherwise);
  a URL counts as 23 and a mention ``@user@domain`` as ``@user``.
- Bluesky: 300 graphemes (what a reader sees as one character).
- Reddit: 10,000 characters; Discourse: the forum's max_post_length (32,000 by default).

The URL rule is twitter-text's in spirit: links with a scheme, ``www.`` links and bare
domains with a common top-level domain. twitter-text knows every TLD; a bare
``example.museum`` is counted here as its letters (a shorter count, never a longer one).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import regex

LIMITS = {"x": 280, "mastodon": 500, "bluesky": 300, "reddit": 10_000, "discourse": 32_000}
URL_WEIGHT = 23
_X_LIGHT = ((0x0000, 0x10FF), (0x2000, 0x200D), (0x2010, 0x201F), (0x2032, 0x2037))
_TLDS = "com|org|net|de|io|co|eu|info|app|dev|social|me|at|ch|uk|us|ly|gl|gg|tv|ai|xyz|blog|online|site"
URL = regex.compile(
    r"(?<![\w@/.])(?:https?://[^\s<>\"]+|www\.[^\s<>\"]+|(?:[a-z0-9-]+\.)+(?:" + _TLDS + r")(?:/[^\s<>\"]*)?)(?<![.,;:!?)\]'])",
    regex.IGNORECASE,
)
_MASTODON_MENTION = regex.compile(r"(?<![\w/])@(\w+)@[\w.-]+\w", regex.UNICODE)
_PICTO = regex.compile(r"\p{Extended_Pictographic}|\p{Regional_Indicator}")


@dataclass(frozen=True)
class Count:
    """How much of the platform's limit a text uses."""

    used: int
    limit: int

    @property
    def left(self) -> int:
        return self.limit - self.used

    @property
    def fits(self) -> bool:
        return 0 <= self.used <= self.limit


def _x_weight(grapheme: str) -> int:
    if _PICTO.search(grapheme):
        return 200
    return sum(100 if any(lo <= ord(ch) <= hi for lo, hi in _X_LIGHT) else 200 for ch in grapheme)


def x_length(text: str) -> int:
    """twitter-text's weighted length, in characters (weight / 100, rounded up)."""
    text = unicodedata.normalize("NFC", text)
    weight, pos = 0, 0
    for m in URL.finditer(text):
        weight += sum(_x_weight(g) for g in regex.findall(r"\X", text[pos:m.start()]))
        weight += URL_WEIGHT * 100
        pos = m.end()
    weight += sum(_x_weight(g) for g in regex.findall(r"\X", text[pos:]))
    return -(-weight // 100)


def mastodon_length(text: str) -> int:
    """Mastodon's count: code points, URLs as 23, remote mentions without their domain."""
    text = _MASTODON_MENTION.sub(lambda m: "@" + m.group(1), text)
    return len(URL.sub("x" * URL_WEIGHT, text))


def graphemes(text: str) -> int:
    """User-perceived characters (extended grapheme clusters)."""
    return len(regex.findall(r"\X", text))


def count(platform: str, text: str, *, limit: int | None = None) -> Count:
    """The length of ``text`` on ``platform`` and the limit it must fit (``limit`` overrides)."""
    cap = limit or LIMITS.get(platform, 10_000)
    if platform == "x":
        return Count(x_length(text), cap)
    if platform == "mastodon":
        return Count(mastodon_length(text), cap)
    if platform == "bluesky":
        return Count(graphemes(text), cap)
    return Count(len(text), cap)
