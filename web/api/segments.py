"""The segments JSON API under /api/v1/segments: the same rule language and services as the pages.

Writes take JSON bodies only. The blueprint is exempt from the form CSRF token because a
cross-site form cannot send ``Content-Type: application/json`` without a CORS preflight,
which we never allow; a form-encoded write is refused with 415.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request, url_for
from flask_login import current_user

from crm.db import chunks
from crm.errors import InvalidInput
from crm.segments import runs, services
from crm.segments.export import CHUNK as EXPORT_CHUNK
from crm.segments.export import DEFAULT_COLUMNS, fetch_rows, validate_columns
from crm.segments.models import Segment
from crm.segments.rules import describe
from web.api.members import member_json
from web.db import session
from web.params import arg_int
from web.views.auth import csrf, requires

bp = Blueprint("api_segments", __name__, url_prefix="/api/v1/segments")
csrf.exempt(bp)


def segment_json(s: Segment, *, count: int | None = None) -> dict[str, Any]:
    body = {
        "id": s.id, "name": s.name, "description": s.description, "rule": s.rule, "builtin": s.builtin_key,
        "summary": describe(s.rule), "created_at": s.created_at.isoformat(), "updated_at": s.updated_at.isoformat(),
        "members_url": url_for("api_segments.members", segment_id=s.id),
    }
    if count is not None:
        body["count"] = count
    return body


def _body() -> dict[str, Any]:
    if not request.is_json:
        raise InvalidInput("Send a JSON body with Content-Type: application/json.", field="body")
    data = request.get_json()  # junk JSON: 400 saying why (web/edge.py)
    if not isinstance(data, dict):
        raise InvalidInput("The body must be a JSON object.", field="body")
    return data


@bp.route("", methods=["GET"])
@requires("view")
def list_segments() -> Any:
    return jsonify(items=[segment_json(s) for s in services.list_segments(session())])


@bp.route("", methods=["POST"])
@requires("segments")
def create() -> Any:
    data, db = _body(), session()
    segment = services.create_segment(db, name=str(data.get("name") or ""), rule=data.get("rule"),
                                      description=str(data.get("description") or ""), user_id=current_user.id)
    db.commit()
    return jsonify(segment_json(segment)), 201


@bp.route("/preview", methods=["POST"])
@requires("segments")
def preview() -> Any:
    data = _body()
    segment_id = data.get("segment_id")
    if segment_id is not None and (isinstance(segment_id, bool) or not isinstance(segment_id, int)):
        raise InvalidInput("segment_id must be the id of the segment being edited.", field="segment_id")
    result = services.preview(session(), data.get("rule"), segment_id=segment_id)
    return jsonify(count=result.count, members=[member_json(m) for m in result.members])


@bp.route("/<int:segment_id>", methods=["GET"])
@requires("view")
def get(segment_id: int) -> Any:
    segment = services.get_segment(session(), segment_id)
    return jsonify(segment_json(segment, count=services.count_members(session(), segment.rule, segment_id=segment.id)))


@bp.route("/<int:segment_id>", methods=["PUT", "PATCH"])
@requires("segments")
def update(segment_id: int) -> Any:
    data, db = _body(), session()
    current = services.get_segment(db, segment_id)
    segment = services.update_segment(
        db, segment_id, name=str(data.get("name", current.name)), rule=data.get("rule", current.rule),
        description=str(data.get("description", current.description)),
    )
    db.commit()
    return jsonify(segment_json(segment))


@bp.route("/<int:segment_id>", methods=["DELETE"])
@requires("segments")
def delete(segment_id: int) -> Any:
    db = session()
    services.delete_segment(db, segment_id)
    db.commit()
    return "", 204


def _next(items: list[Any], limit: int, key: Any) -> int | None:
    return key(items[-1]) if len(items) == limit else None


@bp.route("/<int:segment_id>/members")
@requires("view")
def members(segment_id: int) -> Any:
    """Keyset pages in id order: ``?after=<next_after of the previous page>&limit=100``."""
    segment = services.get_segment(session(), segment_id)
    limit = arg_int("limit", 100, hi=1000)
    items = list(services.members_after(session(), segment, after=arg_int("after", 0, lo=0, hi=2**62), limit=limit))
    return jsonify(items=[member_json(m) for m in items], next_after=_next(items, limit, lambda m: m.id))


@bp.route("/<int:segment_id>/export")
@requires("export")
def export(segment_id: int) -> Any:
    """Rows with the chosen ``columns`` (comma list), in keyset pages; every page is recorded."""
    db = session()
    segment = services.get_segment(db, segment_id)
    columns = validate_columns((request.args.get("columns") or ",".join(DEFAULT_COLUMNS)).split(","))
    limit = arg_int("limit", 500, hi=5000)
    page = services.members_after(db, segment, after=arg_int("after", 0, lo=0, hi=2**62), limit=limit)
    ids = [m.id for m in page]
    rows = [row for chunk in chunks(ids, EXPORT_CHUNK) for row in fetch_rows(db, chunk, columns)]
    runs.record_api_page(db, segment, columns=columns, rows=len(rows), user_id=current_user.id,
                         actor=current_user.email)
    db.commit()
    return jsonify(
        columns=columns,
        items=[{c: (v.isoformat() if hasattr(v, "isoformat") else v) for c, v in zip(columns, row, strict=True)}
               for row in rows],
        next_after=ids[-1] if len(ids) == limit else None,
    )
