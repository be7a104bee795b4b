"""HTML to plain text for connectors (Mastodon statuses, feed summaries), with a real parser.

The stdlib ``html.parser`` tokenises like a browser's lenient parser: unclosed tags, stray
``<`` and entities are handled, never evaluated. Script and style contents are dropped;
paragraphs become blank lines and ``<br>`` a line break; links keep their target (a link
whose text is just its URL, as Mastodon shortens them with hidden spans, becomes the URL;
``<a href=u>words</a>`` becomes ``words (u)``); mentions and hashtags keep their visible
text, and a mention can be widened to the full ``@user@instance`` through ``mentions``.
The result is still untrusted text: it is escaped wherever it is shown.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from html.parser import HTMLParser

_BLOCK = frozenset(
    {"p", "div", "li", "ul", "ol", "blockquote", "pre", "h1", "h2", "h3", "h4", "h5", "h6",
     "tr", "table", "section", "article", "header", "footer", "figure", "figcaption", "hr",
     "dl", "dt", "dd"}
)  # fmt: skip
_PARAGRAPH = frozenset({"p", "blockquote", "pre", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol"})
_SKIP = frozenset({"script", "style", "template", "noscript", "head", "title"})
_VOID = frozenset({"br", "img", "hr", "meta", "link", "input", "wbr", "source", "area", "col"})
_SPACES = re.compile(r"[ \t\r\n\f\v]+")
_BLANKS = re.compile(r"\n{3,}")


class _Text(HTMLParser):
    def __init__(self, mentions: Mapping[str, str]) -> None:
        super().__init__(convert_charrefs=True)
        self.mentions = mentions
        self.out: list[str] = []
        self.skip = 0
        self.pre = 0
        self.links: list[tuple[str, str, int]] = []  # (href, class, position in out)

    def _newline(self, count: int) -> None:
        tail = "".join(self.out[-3:])
        have = len(tail) - len(tail.rstrip("\n"))
        if not self.out or have >= count:
            return
        self.out.append("\n" * (count - have))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skip += 1
            return
        if tag == "br":
            self.out.append("\n")
        elif tag in _BLOCK:
            self._newline(2 if tag in _PARAGRAPH else 1)
            if tag == "li":
                self.out.append("• ")
        if tag == "pre":
            self.pre += 1
        if tag == "a":
            a = dict(attrs)
            self.links.append((a.get("href") or "", a.get("class") or "", len(self.out)))
        elif tag == "img":
            alt = dict(attrs).get("alt")
            if alt:
                self.out.append(alt)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
            return
        if tag == "pre":
            self.pre = max(0, self.pre - 1)
        if tag == "a" and self.links:
            self._close_link(*self.links.pop())
        elif tag in _BLOCK:
            self._newline(2 if tag in _PARAGRAPH else 1)

    def _close_link(self, href: str, cls: str, start: int) -> None:
        text = "".join(self.out[start:]).strip()
        classes = cls.split()
        if "mention" in classes and "hashtag" not in classes:
            replacement = self.mentions.get(href) or text
            if replacement and not replacement.startswith("@"):
                replacement = "@" + replacement
        elif "hashtag" in classes or text.startswith("#"):
            replacement = text
        elif not href or not href.startswith(("http://", "https://", "mailto:")):
            replacement = text
        elif not text or _same_url(text, href):
            replacement = href
        else:
            replacement = f"{text} ({href})"
        del self.out[start:]
        self.out.append(replacement)

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        if not self.pre:
            data = _SPACES.sub(" ", data)
            tail = self.out[-1] if self.out else ""
            if data.startswith(" ") and (not tail or tail.endswith((" ", "\n"))):
                data = data.lstrip(" ")
        if data:
            self.out.append(data)


def _same_url(text: str, href: str) -> bool:
    t = text.rstrip("…").rstrip("/")
    h = href.rstrip("/")
    bare = h.split("://", 1)[-1]
    return t in (h, bare) or (text.endswith("…") and bare.startswith(t.split("://", 1)[-1]))


def html_to_text(html: str, mentions: Mapping[str, str] | None = None) -> str:
    """Plain text of an HTML fragment; ``mentions`` maps a mention's href to its full acct."""
    if "<" not in html and "&" not in html:
        return html.strip()
    parser = _Text(mentions or {})
    parser.feed(html)
    parser.close()
    while parser.links:  # an unclosed <a> still keeps its text
        parser._close_link(*parser.links.pop())
    text = "".join(parser.out)
    lines = [line.strip(" ") for line in text.split("\n")]
    return _BLANKS.sub("\n\n", "\n".join(lines)).strip()
