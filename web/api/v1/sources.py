"""Listening sources: read, pause, resume."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from sqlalchemy import select

from crm.sources import services as sources
from crm.sources.models import Source
from web.api.v1 import pagination, schemas
from web.db import session
from web.views.auth import requires

blp = Blueprint("sources_v1", __name__, url_prefix="/api/v1/sources", description="Listening sources")


@blp.route("")
@requires("view")
@blp.arguments(schemas.CursorArgs, location="query")
@blp.response(200, schemas.SourcePage)
def list_sources(args: dict[str, Any]) -> Any:
    """Sources, newest first."""
    stmt = select(Source)
    after = pagination.after_id(args.get("cursor"))
    if after is not None:
        stmt = stmt.where(Source.id < after)
    rows = list(session().scalars(stmt.order_by(Source.id.desc()).limit(args["limit"] + 1)))
    more = len(rows) > args["limit"]
    rows = rows[: args["limit"]]
    return pagination.page_body(rows, {"id": rows[-1].id} if more else None)


@blp.route("/<int:source_id>")
@requires("view")
@blp.response(200, schemas.Source)
@blp.alt_response(404, description="no such source")
def get_source(source_id: int) -> Any:
    """One source with its health."""
    return sources.get_source(session(), source_id)


@blp.route("/<int:source_id>/pause", methods=["POST"])
@requires("manage_sources")
@blp.arguments(schemas.Empty)
@blp.response(200, schemas.Source)
def pause(_body: dict[str, Any], source_id: int) -> Any:
    """Pause a source (no polls until resumed)."""
    db = session()
    src = sources.set_enabled(db, source_id, False)
    db.commit()
    return src


@blp.route("/<int:source_id>/resume", methods=["POST"])
@requires("manage_sources")
@blp.arguments(schemas.Empty)
@blp.response(200, schemas.Source)
def resume(_body: dict[str, Any], source_id: int) -> Any:
    """Resume a source; it polls soon."""
    db = session()
    src = sources.set_enabled(db, source_id, True)
    db.commit()
    return src
