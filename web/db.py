"""One database session per request, closed at teardown. Views commit explicitly.

GET and HEAD requests read: their session's transactions do not take SQLite's write lock
(crm.engine.read_only), so pages never wait for each other or for an import.
"""

from __future__ import annotations

from flask import Flask, current_app, g, request
from sqlalchemy.orm import Session

from crm.engine import read_only

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def session() -> Session:
    """The request's session, opened on first use."""
    if "db" not in g:
        factory = current_app.extensions["session_factory"]
        g.db = factory(bind=current_app.extensions["read_bind"]) if request.method in SAFE_METHODS else factory()
    return g.db


def _close(_exc: BaseException | None) -> None:
    db = g.pop("db", None)
    if db is not None:
        db.close()


def init_app(app: Flask) -> None:
    # Built once: an engine's execution_options() makes a new option engine on every call.
    app.extensions["read_bind"] = read_only(app.extensions["session_factory"].kw["bind"])
    app.teardown_appcontext(_close)
