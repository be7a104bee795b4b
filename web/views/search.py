"""Full-text search across every interaction."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request

from crm.errors import InvalidInput
from crm.interactions.services import parents_of, search_interactions
from web.db import session
from web.params import arg_int, filter_from_args
from web.views.auth import requires

bp = Blueprint("search", __name__, url_prefix="/search")


@bp.route("/")
@requires("view")
def index() -> Any:
    db = session()
    results = error = f = None
    if any(request.args.get(k) for k in ("q", "platform", "sentiment", "since", "until")):
        try:
            f = filter_from_args()
            results = search_interactions(db, f, page=arg_int("page", 1), per_page=50, count=bool(f.q.strip()))
        except InvalidInput as exc:
            error = exc
    parents = parents_of(db, results.items) if results else {}
    status = 422 if error else 200
    return render_template("search.html", results=results, parents=parents, error=error, f=f), status
