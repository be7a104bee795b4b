"""Exports: the audit history, an export's progress page, and the download of a finished file.

The history is the team's (everyone with the export right sees who took what out); a file is
personal data in bulk, so only the person who asked for it and admins download it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, current_app, jsonify, render_template, send_file, url_for
from flask_babel import gettext
from flask_login import current_user

from crm.errors import NotFound, PermissionDenied
from crm.segments import runs
from crm.segments.export import label
from crm.segments.models import ExportRun
from web.db import session
from web.views.auth import requires

bp = Blueprint("exports", __name__, url_prefix="/exports")
MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "jsonl": "application/x-ndjson",
}


def may_download(run: ExportRun) -> bool:
    """Whether the signed-in user may download ``run``'s file: its owner or an admin."""
    return current_user.role == "admin" or (run.user_id is not None and run.user_id == current_user.id)


@bp.route("/")
@requires("export")
def index() -> Any:
    """Every export: who took which segment out, when, how many rows, which columns."""
    return render_template("exports/index.html", runs=runs.list_exports(session(), limit=500), label=label)


@bp.route("/<int:run_id>")
@requires("export")
def show(run_id: int) -> Any:
    run = runs.get_export(session(), run_id)
    return render_template("exports/show.html", run=run, label=label, may_download=may_download(run),
                           downloadable=may_download(run) and export_file(run) is not None)


@bp.route("/<int:run_id>/status.json")
@requires("export")
def status(run_id: int) -> Any:
    run = runs.get_export(session(), run_id)
    return jsonify(
        id=run.id, status=run.status, percent=run.percent, rows=run.row_count, total=run.total_rows,
        failure=run.failure,
        download=url_for("exports.download", run_id=run.id) if run.status == "done" and may_download(run) else None,
    )


def export_file(run: ExportRun) -> Path | None:
    """The run's file if it is finished and lies in DATA_DIR/exports (CLI exports elsewhere are not served)."""
    if run.status != "done" or not run.file_path:
        return None
    root = (current_app.extensions["settings"].data_dir / "exports").resolve()
    path = Path(run.file_path).resolve()
    if path.parent != root or not path.is_file():
        return None
    return path


@bp.route("/<int:run_id>/download")
@requires("export")
def download(run_id: int) -> Any:
    return send_export(runs.get_export(session(), run_id))


def send_export(run: ExportRun) -> Any:
    """The file of ``run`` as an attachment, for its owner or an admin (the page and the API)."""
    if not may_download(run):
        raise PermissionDenied("Only the person who made this export and admins may download it.")
    path = export_file(run)
    if path is None:
        raise NotFound(gettext("This export has no file to download (not finished, failed, or written elsewhere)."))
    stem = "".join(c if c.isalnum() else "-" for c in run.segment_name).strip("-").lower() or "segment"
    name = f"{stem}-{run.created_at:%Y%m%d-%H%M}.{run.format}"
    return send_file(path, mimetype=MIMETYPES[run.format], as_attachment=True, download_name=name, max_age=0)
