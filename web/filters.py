"""Template helpers: times, numbers, sentiment badges, and links that are safe to render."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from flask import Flask, request
from flask_babel import (
    format_date,
    format_datetime,
    format_decimal,
    format_percent,
    gettext,
    lazy_gettext,
    ngettext,
)
from markupsafe import Markup, escape

from crm.interactions.search import highlight_forms
from crm.interactions.terms import fold as fold_word
from crm.interactions.terms import term
from crm.interactions.validation import safe_url
from crm.text import WORD

_KEY = re.compile(r"^[a-z]+(_[a-z]+)+$")  # a stored key like 'team_thread', not free text
SENTIMENT_NAMES = {"positive": lazy_gettext("positive"), "neutral": lazy_gettext("neutral"),
                   "negative": lazy_gettext("negative")}

PLATFORM_LABELS = {"reddit": "Reddit", "x": "X", "mastodon": "Mastodon", "rss": "RSS", "bluesky": "Bluesky",
                   "discourse": "Discourse", "hackernews": "Hacker News", "inbound": "Inbound API"}


def _ago_parts(value: datetime) -> tuple[int, str] | None:
    """(count, unit) of the time since ``value``; None for the future or a month and more."""
    seconds = int((datetime.now(UTC) - value).total_seconds())
    if seconds < 0 or seconds >= 86400 * 30:
        return None
    if seconds < 60:
        return 0, "now"
    if seconds < 3600:
        return seconds // 60, "min"
    if seconds < 86400:
        return seconds // 3600, "h"
    return seconds // 86400, "d"


def timeago(value: datetime | None) -> str:
    """'3 hours ago', '2 days ago', or a date (in the user's zone) for older things."""
    if value is None:
        return gettext("never")
    parts = _ago_parts(value)
    if parts is None:
        return format_date(value, "medium") if value < datetime.now(UTC) else format_datetime(value, "short")
    n, unit = parts
    if unit == "now":
        return gettext("just now")
    if unit == "min":
        return ngettext("%(num)d minute ago", "%(num)d minutes ago", n)
    if unit == "h":
        return ngettext("%(num)d hour ago", "%(num)d hours ago", n)
    return ngettext("%(num)d day ago", "%(num)d days ago", n)


def waiting(value: datetime | None) -> str:
    """How long something has waited: 'waiting 4 days', 'waiting since 3 Nov 2026'."""
    if value is None:
        return ""
    parts = _ago_parts(value)
    if parts is None:
        return gettext("waiting since %(date)s", date=format_date(value, "medium"))
    n, unit = parts
    if unit == "now":
        return gettext("waiting for a moment")
    if unit == "min":
        return ngettext("waiting %(num)d minute", "waiting %(num)d minutes", n)
    if unit == "h":
        return ngettext("waiting %(num)d hour", "waiting %(num)d hours", n)
    return ngettext("waiting %(num)d day", "waiting %(num)d days", n)


def fmt_dt(value: datetime | None) -> str:
    """A date and time in the user's time zone and locale ('07.12.2026, 20:15')."""
    return format_datetime(value, "short") if value else "—"


def fmt_date(value: datetime | None) -> str:
    """A date in the user's time zone and locale."""
    return format_date(value, "medium") if value else "—"


def number(value: int | float | None, places: int = 2) -> str:
    """A number in the user's locale ('1,234.50' / '1.234,50'); a float with ``places`` decimals."""
    if value is None:
        return "—"
    if isinstance(value, float):
        return format_decimal(value, format="#,##0." + "0" * places if places else "#,##0")
    return format_decimal(value)


def highlight(value: str | None, query: str | None, language: str | None = None, limit: int = 900) -> Markup:
    """The text with the words the search matched in <mark>, escaped piece by piece.

    A word is marked when its indexed form (crm/interactions/terms.py) is one the query looks
    for, so "Störungen" is marked for a search for "stoerung". Long texts are cut to ``limit``
    characters around the first match.
    """
    text = value or ""
    forms = highlight_forms(query or "") if query else frozenset()
    spans = []
    if forms:
        for m in WORD.finditer(text):
            w = m.group(0)
            if term(w, language) in forms or fold_word(w) in forms:
                spans.append((m.start(), m.end()))
    start, end = 0, len(text)
    if len(text) > limit:
        first = spans[0][0] if spans else 0
        start = max(0, min(first - limit // 3, len(text) - limit))
        end = start + limit
    out = [Markup("…") if start else Markup("")]
    pos = start
    for a, b in spans:
        if a < start or b > end:
            continue
        out.append(escape(text[pos:a]))
        out.append(Markup("<mark>") + escape(text[a:b]) + Markup("</mark>"))
        pos = b
    out.append(escape(text[pos:end]))
    if end < len(text):
        out.append(Markup("…"))
    return Markup("").join(out)


def sentiment_badge(label: str | None, score: float | None = None) -> Markup:
    """A sentiment label as a coloured badge, the label in the user's language."""
    label = label or "neutral"
    if label == "unscored":  # crm.sentiment.NOT_SCORED: a language without an analyzer
        return Markup('<span class="badge s-unscored" title="{}">{}</span>').format(
            gettext("no sentiment analyzer for this language"), gettext("not scored"))
    name = str(SENTIMENT_NAMES.get(label, label))
    title = gettext("sentiment compound %(score)s", score=f"{score:+.2f}") if score is not None else name
    # f-strings over escape() rather than Markup.format: these run for every row of a page.
    return Markup(f'<span class="badge s-{escape(label)}" title="{escape(title)}">{escape(name)}</span>')


def mean_sentiment(value: float | None) -> Markup:
    if value is None:
        return Markup('<span class="muted">—</span>')
    label = "positive" if value >= 0.05 else "negative" if value <= -0.05 else "neutral"
    return Markup(f'<span class="badge s-{label}">{value:+.2f}</span>')


def platform_badge(platform: str | None) -> Markup:
    name = PLATFORM_LABELS.get(platform or "", platform or "?")
    return Markup(f'<span class="pf pf-{escape(platform or "other")}">{escape(name)}</span>')


def external_link(url: str | None, label: str | None = None) -> Markup:
    """An outbound link only for http(s) URLs; anything else renders as plain text."""
    safe = safe_url(url)
    label = label or gettext("open original")
    if not safe:
        return Markup('<span class="muted">{}</span>').format(gettext("no link"))
    return Markup(f'<a href="{escape(safe)}" rel="noopener noreferrer nofollow" target="_blank">{escape(label)} ↗</a>')


def handle(value: str | None) -> str:
    """'@name' for any handle, whether or not it carries its own @ (Mastodon's do)."""
    return "@" + (value or "").lstrip("@") if value else ""


def t(value: Any) -> str:
    """A domain word (a status, a kind, a label from crm) in the user's language.

    The domain's words are English keys listed in web/vocabulary.py; an unknown word (a name,
    an older status) is shown as it is. Underscores read as spaces ('team_thread').
    """
    if value is None or value == "":
        return ""
    text = gettext(str(value))
    return text.replace("_", " ") if _KEY.match(str(value)) else text


def actor_name(user_id: int | None) -> str:
    """A user's name (or e-mail) for logs that store the id; 'a removed user' if it is gone."""
    from flask import g

    from crm.users.models import User
    from web.db import session

    if user_id is None:
        return gettext("system")
    names = g.setdefault("actor_names", {})
    if user_id not in names:
        user = session().get(User, user_id)
        names[user_id] = (user.name or user.email) if user else gettext("a removed user")
    return str(names[user_id])


def decimal(value: float | None, digits: int = 1) -> str:
    """A decimal with ``digits`` places in the user's locale."""
    if value is None:
        return "—"
    return format_decimal(round(value, digits), format="0." + "0" * digits)


def percent(value: float | None) -> str:
    """A share (0..1) as a whole percentage in the user's locale."""
    if value is None:
        return "—"
    return format_percent(value)


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
        timeago=timeago, waiting=waiting, dt=fmt_dt, date=fmt_date, number=number, highlight=highlight, sentiment=sentiment_badge,
        mean_sentiment=mean_sentiment, platform=platform_badge, external_link=external_link,
        handle=handle,
    )
    from web.charts.svg import duration

    app.jinja_env.filters.update(
        t=t, duration=duration, decimal1=decimal, decimal2=lambda v: decimal(v, 2), percent=percent,
        reason_name=t,
    )
    app.jinja_env.globals.update(
        url_with=url_with, PLATFORM_LABELS=PLATFORM_LABELS, t=t, actor_name=actor_name,
        now_utc=lambda: datetime.now(UTC),
        sentiment_name=lambda label: str(SENTIMENT_NAMES.get(label, label)),
        kind_name=t, role_name=t, level_name=t, status_name=t, reason_name=t, event_name=t, merge_action_name=t,
    )
