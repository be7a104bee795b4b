"""The baseline of bench_pages: a bare Flask app that reads what each product page reads.

No login, no layout, no badges, no ORM: one connection from a plain SQLAlchemy engine, the
same tables and the same rows (a member with its identities and newest 50 interactions; 50
newest matches of a search; 50 open inbox items; the overview's counts), rendered by a
minimal Jinja template. Run as ``gunicorn "bench.bare_app:create_app()"`` with DATABASE_URL.
"""

from __future__ import annotations

import os
from typing import Any

from flask import Flask, abort, render_template_string, request
from sqlalchemy import create_engine, text

PAGE = """<!doctype html><title>{{ title }}</title><h1>{{ title }}</h1>
<ul>{% for r in rows %}<li>{% for v in r %}{{ v }} {% endfor %}</li>{% endfor %}</ul>"""

MEMBER = "SELECT id, display_name, interaction_count, sentiment_mean, last_seen FROM members WHERE id = :id"
IDENTITIES = "SELECT platform, handle, display_name, profile_url FROM identities WHERE member_id = :id"
TIMELINE = (
    "SELECT id, platform, kind, text, url, occurred_at, sentiment_label FROM interactions "
    "WHERE member_id = :id ORDER BY occurred_at DESC, id DESC LIMIT 50"
)
SEARCH = {
    "postgresql": (
        "SELECT id, platform, text, occurred_at FROM interactions "
        "WHERE search_vector @@ websearch_to_tsquery('simple'::regconfig, :q) "
        "ORDER BY occurred_at DESC, id DESC LIMIT 50"
    ),
    "sqlite": (
        "SELECT id, platform, text, occurred_at FROM interactions WHERE id IN "
        "(SELECT rowid FROM interactions_fts WHERE interactions_fts MATCH :q) "
        "ORDER BY occurred_at DESC, id DESC LIMIT 50"
    ),
}
INBOX = (
    "SELECT i.id, i.reasons, i.priority, t.text, t.occurred_at FROM inbox_items i "
    "JOIN interactions t ON t.id = i.interaction_id WHERE i.status = 'open' "
    "ORDER BY i.priority DESC, i.occurred_at LIMIT 50"
)
OVERVIEW = (
    "SELECT (SELECT count(*) FROM members), (SELECT count(*) FROM interactions), "
    "(SELECT count(*) FROM interactions WHERE sentiment_label = 'negative')"
)


def create_app() -> Flask:
    url = os.environ["DATABASE_URL"]
    engine = create_engine(url, pool_pre_ping=False)
    backend = engine.dialect.name
    app = Flask(__name__)

    def rows(sql: str, **params: Any) -> list[Any]:
        with engine.connect() as conn:
            return list(conn.execute(text(sql), params))

    @app.get("/members/<int:member_id>")
    def member(member_id: int) -> str:
        found = rows(MEMBER, id=member_id)
        if not found:
            abort(404)
        data = found + rows(IDENTITIES, id=member_id) + rows(TIMELINE, id=member_id)
        return render_template_string(PAGE, title=found[0][1], rows=data)

    @app.get("/search/")
    def search() -> str:
        return render_template_string(PAGE, title="Search", rows=rows(SEARCH[backend], q=request.args["q"]))

    @app.get("/inbox/")
    def inbox() -> str:
        return render_template_string(PAGE, title="Inbox", rows=rows(INBOX))

    @app.get("/")
    def overview() -> str:
        return render_template_string(PAGE, title="Overview", rows=rows(OVERVIEW))

    return app
