"""Template helpers: times, numbers, sentiment badges, and links that are safe to render."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from flask import Flask, request
from markupsafe import Markup, escape

from crm.ingest import safe_url

PLATFORM_LABELS = {"reddit": "Reddit", "x": "X", "mastodon": "Mastodon", "rss": "RSS", "bluesky": "Bluesky",
                   "discourse": "Discourse", "hackernews": "Hacker News", "inbound": "Inbound API"}


def timeago(value: datetime | None) -> str:
    """'3 h ago', '2 d ago', or a date for older things."""
    if value is None:
        return "never"
    delta = datetime.now(UTC) - value
    seconds = int(delta.total_seconds())
    if seconds < 0:
        return value.strftime("%Y-%m-%d %H:%M")
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{seconds // 60} min ago"
    if seconds < 86400:
        return f"{seconds // 3600} h ago"
    if seconds < 86400 * 30:
        return f"{seconds // 86400} d ago"
    return value.strftime("%Y-%m-%d")


def fmt_dt(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "—"


def number(value: int | float | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.2f}"
    return f"{value:,}"


def sentiment_badge(label: str | None, score: float | None = None) -> Markup:
    label = label or "neutral"
    if label == "unscored":  # crm.sentiment.NOT_SCORED: a language without an analyzer
        return Markup('<span class="badge s-unscored" title="no sentiment analyzer for this '
                      'language">not scored</span>')
    title = f"sentiment compound {score:+.2f}" if score is not None else label
    # f-strings over escape() rather than Markup.format: these run for every row of a page.
    safe = escape(label)
    return Markup(f'<span class="badge s-{safe}" title="{escape(title)}">{safe}</span>')


def mean_sentiment(value: float | None) -> Markup:
    if value is None:
        return Markup('<span class="muted">—</span>')
    label = "positive" if value >= 0.05 else "negative" if value <= -0.05 else "neutral"
    return Markup(f'<span class="badge s-{label}">{value:+.2f}</span>')


def platform_badge(platform: str | None) -> Markup:
    name = PLATFORM_LABELS.get(platform or "", platform or "?")
    return Markup(f'<span class="pf pf-{escape(platform or "other")}">{escape(name)}</span>')


def external_link(url: str | None, label: str = "open original") -> Markup:
    """An outbound link only for http(s) URLs; anything else renders as plain text."""
    safe = safe_url(url)
    if not safe:
        return Markup('<span class="muted">no link</span>')
    return Markup(f'<a href="{escape(safe)}" rel="noopener noreferrer nofollow" target="_blank">{escape(label)} ↗</a>')


def handle(value: str | None) -> str:
    """'@name' for any handle, whether or not it carries its own @ (Mastodon's do)."""
    return "@" + (value or "").lstrip("@") if value else ""


def url_with(**changes: Any) -> str:
    """The current URL with some query arguments changed (for sorting and paging links)."""
    args = request.args.to_dict()
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = str(value)
    return request.path + ("?" + urlencode(args) if args else "")


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(
        timeago=timeago, dt=fmt_dt, number=number, sentiment=sentiment_badge,
        mean_sentiment=mean_sentiment, platform=platform_badge, external_link=external_link,
        handle=handle,
    )
    app.jinja_env.globals.update(url_with=url_with, PLATFORM_LABELS=PLATFORM_LABELS)
