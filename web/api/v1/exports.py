"""Segment exports: start one, poll its progress, download the file (scope ``export``).

The same flow as the export form (crm.segments.runs + the export job): the run is recorded
before any data leaves, the job writes the file in DATA_DIR/exports, and ``export.finished``
goes to webhook subscribers when it is ready. Only the person who asked and admins download
the file; everyone with the export right sees the history.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, url_for
from flask_login import current_user
from flask_smorest import Blueprint
from sqlalchemy import select

from crm.errors import Conflict
from crm.segments import runs, services
from crm.segments.export import DEFAULT_COLUMNS
from crm.segments.models import ExportRun
from listeners.exports import enqueue_export
from web.api.v1 import pagination, schemas
from web.db import session
from web.views.auth import requires
from web.views.exports import MIMETYPES, may_download, send_export

blp = Blueprint("exports_v1", __name__, url_prefix="/api/v1/exports", description="Segment exports")


def export_json(run: ExportRun) -> dict[str, Any]:
    """An export run as the API shows it, with the file's URL once it may be downloaded."""
    ready = run.status == "done" and run.file_path and may_download(run)
    return {**{k: getattr(run, k) for k in (
        "id", "segment_id", "segment_name", "actor", "channel", "format", "delimiter", "columns", "status",
        "percent", "row_count", "total_rows", "file_size", "failure", "created_at", "started_at", "finished_at")},
        "file_url": url_for("exports_v1.download", run_id=run.id) if ready else None}


@blp.route("")
@requires("export")
@blp.arguments(schemas.ExportListArgs, location="query")
@blp.response(200, schemas.ExportPage)
def list_exports(args: dict[str, Any]) -> Any:
    """Every export (web, API and CLI), newest first: who took which segment out, when."""
    stmt = select(ExportRun)
    if args.get("segment_id"):
        stmt = stmt.where(ExportRun.segment_id == args["segment_id"])
    if args.get("status"):
        stmt = stmt.where(ExportRun.status == args["status"])
    after = pagination.after_id(args.get("cursor"))
    if after is not None:
        stmt = stmt.where(ExportRun.id < after)
    rows = list(session().scalars(stmt.order_by(ExportRun.id.desc()).limit(args["limit"] + 1)))
    more = len(rows) > args["limit"]
    rows = rows[: args["limit"]]
    return pagination.page_body([export_json(r) for r in rows], {"id": rows[-1].id} if more else None)


@blp.route("", methods=["POST"])
@requires("export")
@blp.arguments(schemas.ExportIn)
@blp.response(202, schemas.Export, headers={"Location": {"description": "the export's status",
                                                          "schema": {"type": "string"}}})
@blp.alt_response(404, description="no such segment")
def create_export(body: dict[str, Any]) -> Any:
    """Start an export of a segment's members; poll its ``GET`` until ``status`` is done."""
    db = session()
    segment = services.get_segment(db, body["segment_id"])
    run = runs.create_export(db, segment, fmt=body["format"], columns=body["columns"] or DEFAULT_COLUMNS,
                             delimiter=body["delimiter"], user_id=current_user.id,
                             actor=pagination.request_token_label() or current_user.email, channel="api")
    db.commit()  # the record exists before any data leaves
    run_id = run.id
    enqueue_export(current_app.extensions["job_queue"], run_id)
    db.expire_all()  # an inline queue ran the job already: show where it got to
    location = url_for("exports_v1.get_export", run_id=run_id)
    return export_json(runs.get_export(db, run_id)), 202, {"Location": location}


@blp.route("/<int:run_id>")
@requires("export")
@blp.response(200, schemas.Export)
@blp.alt_response(404, description="no such export")
def get_export(run_id: int) -> Any:
    """An export's status and progress; ``file_url`` once the file is ready."""
    return export_json(runs.get_export(session(), run_id))


@blp.route("/<int:run_id>/file")
@requires("export")
@blp.doc(responses={"200": {"description": "the file: CSV, XLSX or JSON Lines, as the export asked",
                            "content": {mime: {"schema": {"type": "string", "format": "binary"}}
                                        for mime in MIMETYPES.values()}}})
@blp.alt_response(403, description="only its owner and admins download an export")
@blp.alt_response(404, description="no such export, or its file is gone")
@blp.alt_response(409, description="not finished (queued, running), failed, or deleted")
def download(run_id: int) -> Any:
    """The finished file (its owner and admins only)."""
    run = runs.get_export(session(), run_id)
    if run.status != "done":
        why = f": {run.failure}" if run.failure else ""
        raise Conflict(f"The export is {run.status}{why}; there is no file to download.")
    return send_export(run)
