"""HTML to plain text for connectors (Mastodon statuses, feed summaries), with a real parser.

libxml2's HTML parser (through lxml, already a dependency) tokenises like a browser's lenient
parser: unclosed tags, stray ``<`` and entities are handled, never evaluated; it never touches
the network. Script and style contents are dropped; paragraphs become blank lines and ``<br>``
a line break; links keep their target (a link whose text is just its URL, as Mastodon shortens
them with hidden spans, becomes the URL; ``<a href=u>words</a>`` becomes ``words (u)``);
mentions and hashtags keep their visible text, and a mention can be widened to the full
``@user@instance`` through ``mentions``. The result is still untrusted text: it is escaped
wherever it is shown.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from html.parser import HTMLParser
from urllib.parse import urljoin

from lxml import etree

_BLOCK = frozenset(
    {"p", "div", "li", "ul", "ol", "blockquote", "pre", "h1", "h2", "h3", "h4", "h5", "h6",
     "tr", "table", "section", "article", "header", "footer", "figure", "figcaption", "hr",
     "dl", "dt", "dd"}
)  # fmt: skip
_PARAGRAPH = frozenset({"p", "blockquote", "pre", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol"})
_SKIP = frozenset({"script", "style", "template", "noscript", "head", "title", "iframe", "object"})
_SPACES = re.compile(r"[ \t\r\f\v]+")
_NEWLINES = re.compile(r"[ \t\r\f\v]*\n[ \t\r\f\v]*")
_BLANKS = re.compile(r"\n{3,}")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_PARSER = etree.HTMLParser(recover=True, no_network=True, remove_comments=True, remove_pis=True)



def _newline(out: list[str], count: int) -> None:
    if not out:
        return
    tail = "".join(out[-3:])
    have = len(tail) - len(tail.rstrip("\n"))
    if have < count:
        out.append("\n" * (count - have))


def _link(href: str, classes: list[str], text: str, mentions: Mapping[str, str], base: str | None) -> str:
    if "mention" in classes and "hashtag" not in classes:
        found = mentions.get(href) or text
        return found if not found or found.startswith("@") else "@" + found
    if "hashtag" in classes or text.startswith("#"):
        return text
    if base and href and not href.startswith(("http://", "https://", "mailto:", "javascript:", "data:")):
        href = urljoin(base, href)  # a feed's relative link, against the entry's base
    if not href.startswith(("http://", "https://", "mailto:")):
        return text
    if not text or _same_url(text, href):
        return href
    return f"{text} ({href})"


def _same_url(text: str, href: str) -> bool:
    t = text.rstrip("…").rstrip("/")
    h = href.rstrip("/")
    bare = h.split("://", 1)[-1]
    return t in (h, bare) or (text.endswith("…") and bare.startswith(t.split("://", 1)[-1]))


def _flat(text: str | None, pre: int) -> str:
    if not text:
        return ""
    return text if pre else _SPACES.sub(" ", text.replace("\n", " "))


@lru_cache(maxsize=4096)
def profile_text(html: str) -> str:
    """``html_to_text`` for strings that repeat (a bio on every status of its author)."""
    return html_to_text(html)


def html_to_text(
    html: str, mentions: Mapping[str, str] | None = None, base: str | None = None
) -> str:
    """Plain text of an HTML fragment; ``mentions`` maps a mention's href to its full acct,
    ``base`` resolves relative links."""
    html = _CONTROL.sub("", html)
    if "<" not in html and "&" not in html:
        return _SPACES.sub(" ", html.replace("\n", " ")).strip()
    if not html.strip():
        return ""
    text = _text(etree.fromstring(f"<div>{html}</div>", _PARSER), mentions or {}, base)
    if not text and html.count("<") > 200:
        # libxml2 drops what is nested deeper than 256 elements; keep the words of such markup
        # with the stdlib's tokenizer (no tree, so no depth) rather than losing them.
        words = _Words()
        words.feed(html)
        words.close()
        text = _SPACES.sub(" ", " ".join(words.parts).replace("\n", " ")).strip()
    return text


class _Words(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.skip += tag in _SKIP

    def handle_endtag(self, tag: str) -> None:
        self.skip -= tag in _SKIP and self.skip > 0

    def handle_data(self, data: str) -> None:
        if not self.skip and data.strip():
            self.parts.append(data.strip())


def _text(root: etree._Element | None, mentions: Mapping[str, str], base: str | None) -> str:
    if root is None:
        return ""
    out: list[str] = []
    pre = 0
    walker = etree.iterwalk(root, events=("start", "end"))
    for event, el in walker:
        tag = el.tag if isinstance(el.tag, str) else ""
        if event == "start":
            if tag in _SKIP:
                walker.skip_subtree()
                continue
            if tag == "br":
                out.append("\n")
            elif tag in _BLOCK:
                _newline(out, 2 if tag in _PARAGRAPH else 1)
                if tag == "li":
                    out.append("• ")
            if tag == "pre":
                pre += 1
            if tag == "a":
                text = _SPACES.sub(" ", "".join(el.itertext())).strip()
                classes = (el.get("class") or "").split()
                out.append(_link((el.get("href") or "").strip(), classes, text, mentions, base))
                walker.skip_subtree()
                continue
            if tag == "img" and el.get("alt"):
                out.append(el.get("alt"))
            out.append(_flat(el.text, pre))
        else:
            if tag == "pre":
                pre = max(0, pre - 1)
            if tag in _BLOCK:
                _newline(out, 2 if tag in _PARAGRAPH else 1)
            if el is not root:
                out.append(_flat(el.tail, pre))
    text = _NEWLINES.sub("\n", "".join(out))
    lines = (_SPACES.sub(" ", line).strip(" ") for line in text.split("\n"))
    return _BLANKS.sub("\n\n", "\n".join(lines)).strip()
