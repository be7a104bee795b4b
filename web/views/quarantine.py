"""The quarantine: items that failed validation, with the reason and the raw payload."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, render_template, request
from sqlalchemy import func, select

from crm.interactions.models import QuarantinedItem
from web.db import session
from web.params import arg_int
from web.views.auth import requires

bp = Blueprint("quarantine", __name__, url_prefix="/quarantine")
PER_PAGE = 50


@bp.route("/")
@requires("view")
def index() -> Any:
    db = session()
    stmt = select(QuarantinedItem)
    origin = request.args.get("origin", "").strip()[:300]
    if origin:
        stmt = stmt.where(QuarantinedItem.origin.startswith(origin, autoescape=True))
    total = db.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    page = arg_int("page", 1)
    items = db.scalars(
        stmt.order_by(QuarantinedItem.id.desc()).limit(PER_PAGE).offset((page - 1) * PER_PAGE)
    ).all()
    pages = max(1, -(-total // PER_PAGE))
    return render_template(
        "quarantine/index.html", items=items, total=total, page=page, pages=pages, origin=origin,
        pretty=lambda raw: json.dumps(raw, ensure_ascii=False, indent=2)[:5000],
    )
