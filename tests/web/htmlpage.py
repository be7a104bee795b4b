"""HTML parsed with html.parser, so tests check real elements and attributes, not substrings."""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str | None]
    text: str = ""  # all text inside the element, nested elements included


class Page(HTMLParser):
    """Every element in document order, with its text; ``text`` is the whole page's text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self.texts: list[str] = []
        self._open: list[Element] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        el = Element(tag, dict(attrs))
        self.elements.append(el)
        if tag not in VOID:
            self._open.append(el)

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self._open) - 1, -1, -1):
            if self._open[i].tag == tag:
                del self._open[i:]
                break

    def handle_data(self, data: str) -> None:
        self.texts.append(data)
        for el in self._open:
            el.text += data

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.texts).split())

    def find(self, tag: str | None = None, **attrs: str) -> list[Element]:
        """Elements with this tag (any if None) and these attribute values (``class_`` for class)."""
        return [e for e in self.elements if _matches(e, tag, attrs)]

    def after(self, anchor: Element, tag: str | None = None, **attrs: str) -> Element | None:
        """The first matching element after ``anchor`` in document order."""
        start = next(i for i, e in enumerate(self.elements) if e is anchor)
        return next((e for e in self.elements[start + 1 :] if _matches(e, tag, attrs)), None)


def _matches(e: Element, tag: str | None, attrs: dict[str, str]) -> bool:
    return (tag is None or e.tag == tag) and all(e.attrs.get(k.rstrip("_")) == v for k, v in attrs.items())


def parse(html: bytes | str) -> Page:
    page = Page()
    page.feed(html.decode() if isinstance(html, bytes) else html)
    page.close()
    return page
