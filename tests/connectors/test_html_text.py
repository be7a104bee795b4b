"""HTML to text: a real parser, links and mentions kept, nothing evaluated."""

from __future__ import annotations

import pytest

from connectors.html_text import html_to_text


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<p>Hallo <b>Welt</b> 👋</p><p>Zweiter Absatz</p>", "Hallo Welt 👋\n\nZweiter Absatz"),
        ("Zeile 1<br>Zeile 2<br/>Zeile 3", "Zeile 1\nZeile 2\nZeile 3"),
        ('<a href="https://x.example/a">https://x.example/a</a>', "https://x.example/a"),
        ('<a href="https://x.example/a">Artikel</a>', "Artikel (https://x.example/a)"),
        ('<a href="javascript:alert(1)">klick</a>', "klick"),
        ('<a href="https://m.example/tags/gr%C3%B6%C3%9Fe" class="mention hashtag" rel="tag">#<span>Größe</span></a>',
         "#Größe"),
        ("<script>alert(1)</script><style>p{}</style>sichtbar", "sichtbar"),
        ("&lt;b&gt;nicht fett&lt;/b&gt; &amp; &quot;zitiert&quot; &#128512;", '<b>nicht fett</b> & "zitiert" 😀'),
        ("<ul><li>eins</li><li>zwei</li></ul>", "• eins\n• zwei"),
        ("offen <b>und <i>nie geschlossen", "offen und nie geschlossen"),
        ("a\x00b\x07c", "abc"),
        ("   ", ""),
        ("<p></p>", ""),
        ('<img src="x.png" alt="Ein Diagramm">', "Ein Diagramm"),
        ("viele     Leer\n\n  zeichen", "viele Leer zeichen"),
    ],
)  # fmt: skip
def test_html_to_text(html: str, text: str) -> None:
    assert html_to_text(html) == text


def test_mentions_widen_to_the_full_account() -> None:
    html = '<span class="h-card"><a href="https://chaos.social/@anna" class="u-url mention">@<span>anna</span></a></span> hi'
    assert html_to_text(html, {"https://chaos.social/@anna": "anna@chaos.social"}) == "@anna@chaos.social hi"
    assert html_to_text(html) == "@anna hi"


def test_mastodon_shortened_links_become_the_full_url() -> None:
    html = ('<a href="https://example.com/a/very/long/path" rel="nofollow noopener" target="_blank">'
            '<span class="invisible">https://</span><span class="ellipsis">example.com/a/very</span>'
            '<span class="invisible">/long/path</span></a>')  # fmt: skip
    assert html_to_text(html) == "https://example.com/a/very/long/path"


def test_deeply_nested_markup_does_not_crash() -> None:
    html = "<div>" * 5000 + "tief" + "</div>" * 5000
    assert "tief" in html_to_text(html)
