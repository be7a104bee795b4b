"""Imports from the web: upload a JSONL/CSV file, watch its progress, read its report."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from flask import Blueprint, current_app, flash, jsonify, redirect, render_template, url_for
from flask_babel import gettext
from flask_login import current_user
from werkzeug.utils import secure_filename

from connectors.files import EXTENSIONS
from crm.errors import NotFound
from crm.imports import services
from crm.imports.models import ImportRun
from crm.imports.services import recent_runs
from listeners import jobs
from web.db import session
from web.forms.imports import UploadForm
from web.views.auth import requires

bp = Blueprint("imports", __name__, url_prefix="/imports")
MAX_STORED_NAME = 120


def _upload_dir() -> Path:
    path = current_app.extensions["settings"].data_dir / "uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


@bp.route("/")
@requires("view")
def index() -> Any:
    return _render_index(UploadForm())


def _render_index(form: UploadForm) -> Any:
    runs = recent_runs(session())
    return render_template("imports/index.html", form=form, runs=runs), (422 if form.errors else 200)


@bp.route("/", methods=["POST"])
@requires("import")
def upload() -> Any:
    form = UploadForm()
    if not form.validate_on_submit():
        return _render_index(form)
    db = session()
    upload = form.file.data
    original = secure_filename(upload.filename or "upload") or "upload"
    fmt = form.format.data or next(f for ext, f in EXTENSIONS.items() if original.lower().endswith(ext))
    # A file system holds names of 255 bytes: the stored name keeps the (ASCII) tail, extension
    # included; the name as uploaded is kept in the run (cut at 500 characters).
    stored = _upload_dir() / f"{uuid.uuid4().hex}_{original[-MAX_STORED_NAME:]}"
    upload.save(stored)  # streams to disk in chunks
    run = services.create_run(
        db, filename=upload.filename or original, fmt=fmt, stored_path=str(stored),
        total_bytes=stored.stat().st_size, user_id=current_user.id,
    )
    db.commit()
    try:
        jobs.enqueue_import(current_app.extensions["job_queue"], run.id)
        flash(gettext("Importing %(filename)s.", filename=upload.filename), "info")
    except Exception:  # noqa: BLE001 - the run is saved as queued; the scheduler enqueues it again
        current_app.logger.warning("could not enqueue import run %s", run.id, exc_info=True)
        flash(gettext("%(filename)s is saved; the import starts as soon as the job queue is reachable.", filename=upload.filename), "warning")
    return redirect(url_for("imports.show", run_id=run.id))


def _get_run(run_id: int) -> ImportRun:
    run = session().get(ImportRun, run_id)
    if run is None:
        raise NotFound(f"There is no import {run_id}.")
    return run


@bp.route("/<int:run_id>")
@requires("view")
def show(run_id: int) -> Any:
    return render_template("imports/show.html", run=_get_run(run_id))


@bp.route("/<int:run_id>/status.json")
@requires("view")
def status(run_id: int) -> Any:
    run = _get_run(run_id)
    pct = 100.0 if run.status == "done" else (100.0 * run.processed_bytes / run.total_bytes if run.total_bytes else 0.0)
    return jsonify(
        id=run.id, status=run.status, percent=round(pct, 1), lines=run.lines_read, new=run.new_count,
        duplicate=run.duplicate_count, quarantined=run.quarantined_count,
        suppressed=run.suppressed_count, failure=run.failure,
        errors=(run.errors or [])[:200],
    )
