"""Exports: the audit history, an export's progress page, and the download of a finished file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, current_app, jsonify, render_template, send_file, url_for

from crm.errors import NotFound
from crm.segments import runs
from crm.segments.export import label
from web.db import session
from web.views.auth import requires

bp = Blueprint("exports", __name__, url_prefix="/exports")
MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "jsonl": "application/x-ndjson",
}


@bp.route("/")
@requires("export")
def index() -> Any:
    """Every export: who took which segment out, when, how many rows, which columns."""
    return render_template("exports/index.html", runs=runs.list_exports(session(), limit=500), label=label)


@bp.route("/<int:run_id>")
@requires("export")
def show(run_id: int) -> Any:
    return render_template("exports/show.html", run=runs.get_export(session(), run_id), label=label,
                           downloadable=_file(run_id) is not None)


@bp.route("/<int:run_id>/status.json")
@requires("export")
def status(run_id: int) -> Any:
    run = runs.get_export(session(), run_id)
    return jsonify(
        id=run.id, status=run.status, percent=run.percent, rows=run.row_count, total=run.total_rows,
        failure=run.failure,
        download=url_for("exports.download", run_id=run.id) if run.status == "done" else None,
    )


def _file(run_id: int) -> Path | None:
    """The run's file if it is finished and lies in DATA_DIR/exports (CLI exports elsewhere are not served)."""
    run = runs.get_export(session(), run_id)
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
    path = _file(run_id)
    if path is None:
        raise NotFound("This export has no file to download (not finished, failed, or written elsewhere).")
    run = runs.get_export(session(), run_id)
    stem = "".join(c if c.isalnum() else "-" for c in run.segment_name).strip("-").lower() or "segment"
    name = f"{stem}-{run.created_at:%Y%m%d-%H%M}.{run.format}"
    return send_file(path, mimetype=MIMETYPES[run.format], as_attachment=True, download_name=name, max_age=0)
