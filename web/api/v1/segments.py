"""Segments: the same rule language and services as the pages; their members and JSON rows.

``GET .../export`` reads a segment's rows page by page as JSON (each page is an audited
export); a file export is a resource of its own (web.api.v1.exports).
"""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask_login import current_user
from flask_smorest import Blueprint
from sqlalchemy import select

from crm.db import chunks
from crm.segments import runs, services
from crm.segments.export import CHUNK as EXPORT_CHUNK
from crm.segments.export import DEFAULT_COLUMNS, fetch_rows, validate_columns
from crm.segments.models import Segment
from crm.segments.rules import describe
from web.api.members import member_json
from web.api.v1 import pagination, schemas
from web.db import session
from web.views.auth import requires

blp = Blueprint("segments_v1", __name__, url_prefix="/api/v1/segments", description="Segments")


def segment_json(s: Segment, *, count: int | None = None) -> dict[str, Any]:
    """A segment as the API shows it (``count`` only when asked for one segment)."""
    body = {
        "id": s.id, "name": s.name, "description": s.description, "rule": s.rule, "builtin": s.builtin_key,
        "summary": describe(s.rule), "created_at": s.created_at.isoformat(), "updated_at": s.updated_at.isoformat(),
        "members_url": url_for("segments_v1.members", segment_id=s.id),
    }
    if count is not None:
        body["count"] = count
    return body


def _after(args: dict[str, Any]) -> int:
    """The last member id of the previous page: the cursor, or the older ``after``."""
    after = pagination.after_id(args.get("cursor"))
    return after if after is not None else args.get("after") or 0


@blp.route("")
@requires("view")
@blp.arguments(schemas.CursorArgs, location="query")
@blp.response(200, schemas.SegmentPage)
def list_segments(args: dict[str, Any]) -> Any:
    """Segments, newest first (built-in ones included)."""
    stmt = select(Segment)
    after = pagination.after_id(args.get("cursor"))
    if after is not None:
        stmt = stmt.where(Segment.id < after)
    rows = list(session().scalars(stmt.order_by(Segment.id.desc()).limit(args["limit"] + 1)))
    more = len(rows) > args["limit"]
    rows = rows[: args["limit"]]
    return pagination.page_body([segment_json(s) for s in rows], {"id": rows[-1].id} if more else None)


@blp.route("", methods=["POST"])
@requires("segments")
@blp.arguments(schemas.SegmentIn)
@blp.response(201, schemas.Segment)
def create(body: dict[str, Any]) -> Any:
    """Create a segment from a rule."""
    db = session()
    segment = services.create_segment(db, name=body["name"], rule=body["rule"], description=body["description"],
                                      user_id=current_user.id)
    db.commit()
    return segment_json(segment)


@blp.route("/preview", methods=["POST"])
@requires("segments")
@blp.arguments(schemas.PreviewIn)
@blp.response(200, schemas.PreviewOut)
def preview(body: dict[str, Any]) -> Any:
    """How many members a rule matches now, and the first of them."""
    result = services.preview(session(), body["rule"], segment_id=body["segment_id"])
    return {"count": result.count, "members": [member_json(m) for m in result.members]}


@blp.route("/<int:segment_id>")
@requires("view")
@blp.response(200, schemas.Segment)
@blp.alt_response(404, description="no such segment")
def get(segment_id: int) -> Any:
    """One segment with its member count."""
    db = session()
    segment = services.get_segment(db, segment_id)
    return segment_json(segment, count=services.count_members(db, segment.rule, segment_id=segment.id))


@blp.route("/<int:segment_id>", methods=["PUT", "PATCH"])
@requires("segments")
@blp.arguments(schemas.SegmentUpdate)
@blp.response(200, schemas.Segment)
@blp.alt_response(404, description="no such segment")
def update(body: dict[str, Any], segment_id: int) -> Any:
    """Change a segment's name, rule or description (what is left out stays)."""
    db = session()
    current = services.get_segment(db, segment_id)
    segment = services.update_segment(db, segment_id, name=body.get("name", current.name),
                                      rule=body.get("rule", current.rule),
                                      description=body.get("description", current.description))
    db.commit()
    return segment_json(segment)


@blp.route("/<int:segment_id>", methods=["DELETE"])
@requires("segments")
@blp.response(204)
@blp.alt_response(404, description="no such segment")
def delete(segment_id: int) -> Any:
    """Delete a segment (its export records stay)."""
    db = session()
    services.delete_segment(db, segment_id)
    db.commit()
    return None


@blp.route("/<int:segment_id>/members")
@requires("view")
@blp.arguments(schemas.SegmentMemberArgs, location="query")
@blp.response(200, schemas.SegmentMemberPage)
@blp.alt_response(404, description="no such segment")
def members(args: dict[str, Any], segment_id: int) -> Any:
    """The segment's members in id order, a page at a time."""
    db = session()
    segment = services.get_segment(db, segment_id)
    items = list(services.members_after(db, segment, after=_after(args), limit=args["limit"]))
    last = items[-1].id if len(items) == args["limit"] else None
    body = pagination.page_body([member_json(m) for m in items], {"id": last} if last else None)
    return {**body, "next_after": last}


@blp.route("/<int:segment_id>/export")
@requires("export")
@blp.arguments(schemas.SegmentRowsArgs, location="query")
@blp.response(200, schemas.SegmentRows)
@blp.alt_response(404, description="no such segment")
def export(args: dict[str, Any], segment_id: int) -> Any:
    """Rows with the chosen ``columns``, a page at a time; every page is recorded as an export."""
    db = session()
    segment = services.get_segment(db, segment_id)
    columns = validate_columns((args["columns"] or ",".join(DEFAULT_COLUMNS)).split(","))
    page = services.members_after(db, segment, after=_after(args), limit=args["limit"])
    ids = [m.id for m in page]
    rows = [row for chunk in chunks(ids, EXPORT_CHUNK) for row in fetch_rows(db, chunk, columns)]
    runs.record_api_page(db, segment, columns=columns, rows=len(rows), user_id=current_user.id,
                         actor=pagination.request_token_label() or current_user.email)
    db.commit()
    last = ids[-1] if len(ids) == args["limit"] else None
    items = [{c: (v.isoformat() if hasattr(v, "isoformat") else v) for c, v in zip(columns, row, strict=True)}
             for row in rows]
    return {"columns": columns, "items": items, "next_cursor": pagination.encode({"id": last}) if last else None,
            "next_after": last}
