"""Segments: the list, the rule editor with a live preview, a segment's members, and its export form."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext
from flask_login import current_user
from flask_wtf import FlaskForm

from crm.errors import DomainError, InvalidInput
from crm.members import engagement
from crm.segments import runs, services
from crm.segments.export import DEFAULT_COLUMNS, platforms_in_use
from crm.segments.models import Segment
from listeners.exports import enqueue_export
from web.db import session
from web.forms.segments import (
    FIELD_OPS,
    OPS,
    WINDOWED,
    ExportForm,
    SegmentForm,
    column_choices,
    describe_rule,
    fill,
    fit_rows,
    row_of_error,
    rule_from_form,
)
from web.params import arg_id, arg_int
from web.views.auth import requires

bp = Blueprint("segments", __name__, url_prefix="/segments")


def _count(segment: Segment) -> int | str:
    try:
        return services.count_members(session(), segment.rule, segment_id=segment.id)
    except InvalidInput as exc:  # e.g. it uses a segment that was changed to refer back to it
        return exc.message


@bp.route("/")
@requires("view")
def index() -> Any:
    segments = services.list_segments(session())
    return render_template("segments/index.html", segments=segments, counts={s.id: _count(s) for s in segments},
                           describe=describe_rule)


def _editor(form: SegmentForm, segment: Segment | None, error: InvalidInput | None = None) -> Any:
    segments = [s for s in services.list_segments(session()) if segment is None or s.id != segment.id]
    fit_rows(form)
    return render_template(
        "segments/form.html", form=form, segment=segment, error=error, error_row=row_of_error(error.field) if error else None,
        field_ops=FIELD_OPS, ops=OPS, op_labels={k: str(v) for k, v in OPS.items()}, windowed=sorted(WINDOWED), levels=engagement.levels(), others=segments,
    ), (422 if error or form.errors else 200)


def _resolve_segment_names(rule: Any) -> Any:
    """Rows may name a segment instead of giving its id."""
    if isinstance(rule, dict):
        if rule.get("field") == "segment" and isinstance(rule.get("id"), str):
            return {**rule, "id": services.find_segment(session(), rule["id"]).id}
        return {k: _resolve_segment_names(v) for k, v in rule.items()}
    if isinstance(rule, list):
        return [_resolve_segment_names(v) for v in rule]
    return rule


def _save(form: SegmentForm, segment: Segment | None) -> Any:
    if "add_row" in request.form:
        form.rows.append_entry()
        return _editor(form, segment)[0]
    if not form.validate_on_submit():
        return _editor(form, segment)
    db = session()
    try:
        rule = _resolve_segment_names(rule_from_form(form))
        if segment is None:
            segment = services.create_segment(db, name=form.name.data or "", description=form.description.data or "",
                                              rule=rule, user_id=current_user.id)
        else:
            services.update_segment(db, segment.id, name=form.name.data or "", description=form.description.data or "",
                                    rule=rule)
    except InvalidInput as exc:
        db.rollback()
        return _editor(form, segment, exc)
    except DomainError as exc:
        db.rollback()
        form.name.errors = [*form.name.errors, exc.message]
        return _editor(form, segment)
    db.commit()
    flash(gettext("Saved “%(segment_name)s”.", segment_name=segment.name), "success")
    return redirect(url_for("segments.show", segment_id=segment.id))


@bp.route("/new", methods=["GET", "POST"])
@requires("segments")
def new() -> Any:
    form = SegmentForm()
    if request.method == "GET":
        fill(form, {"op": "and", "conditions": [{"field": "interactions", "min": 3, "days": 30}]})
        form.name.data = ""
        return _editor(form, None)
    return _save(form, None)


@bp.route("/<int:segment_id>/edit", methods=["GET", "POST"])
@requires("segments")
def edit(segment_id: int) -> Any:
    segment = services.get_segment(session(), segment_id)
    form = SegmentForm(obj=None if request.method == "POST" else segment)
    if request.method == "GET":
        fill(form, segment.rule)
        return _editor(form, segment)
    return _save(form, segment)


@bp.route("/preview", methods=["POST"])
@requires("segments")
def preview() -> Any:
    """The live preview of the editor: the form as it is now, never saved."""
    form = SegmentForm()
    if not form.validate_on_submit() and "csrf_token" in form.errors:
        return jsonify(error="Form expired", message="Reload the page."), 400
    segment_id = arg_id("segment_id")
    try:
        result = services.preview(session(), _resolve_segment_names(rule_from_form(form)), segment_id=segment_id)
    except InvalidInput as exc:
        return jsonify(error="Invalid input", message=exc.message, field=exc.field, row=row_of_error(exc.field)), 422
    return jsonify(count=result.count, members=[
        {"id": m.id, "name": m.display_name, "url": url_for("members.show", member_id=m.id),
         "handles": [f"{i.platform}:@{i.handle.lstrip('@')}" for i in m.identities[:3]],
         "interactions": m.interaction_count, "last_seen": m.last_seen.isoformat() if m.last_seen else None}
        for m in result.members
    ])


@bp.route("/<int:segment_id>")
@requires("view")
def show(segment_id: int) -> Any:
    db = session()
    segment = services.get_segment(db, segment_id)
    page = services.segment_page(db, segment, page=arg_int("page", 1), per_page=arg_int("per_page", 50, hi=200))
    return render_template("segments/show.html", segment=segment, page=page, describe=describe_rule, form=FlaskForm(),
                           exports=runs.list_exports(db, limit=10, segment_id=segment.id))


@bp.route("/<int:segment_id>/delete", methods=["POST"])
@requires("segments")
def delete(segment_id: int) -> Any:
    FlaskForm().validate_on_submit()
    db = session()
    name = services.get_segment(db, segment_id).name
    services.delete_segment(db, segment_id)
    db.commit()
    flash(gettext("Deleted “%(name)s”.", name=name), "info")
    return redirect(url_for("segments.index"))


@bp.route("/<int:segment_id>/reset", methods=["POST"])
@requires("segments")
def reset(segment_id: int) -> Any:
    FlaskForm().validate_on_submit()
    db = session()
    segment = services.reset_builtin(db, segment_id)
    db.commit()
    flash(gettext("“%(segment_name)s” has its built-in rule again.", segment_name=segment.name), "info")
    return redirect(url_for("segments.show", segment_id=segment_id))


@bp.route("/<int:segment_id>/export", methods=["GET", "POST"])
@requires("export")
def export(segment_id: int) -> Any:
    db = session()
    segment = services.get_segment(db, segment_id)
    choices = column_choices(platforms_in_use(db))
    form = ExportForm()
    form.columns.choices = [(k, lbl) for k, lbl, _ in choices]
    if request.method == "GET":
        form.columns.data = list(DEFAULT_COLUMNS)
    if form.validate_on_submit():
        try:
            run = runs.create_export(
                db, segment, fmt=form.format.data or "csv", columns=form.columns.data or [],
                delimiter=form.delimiter.data or ",", user_id=current_user.id, actor=current_user.email,
            )
        except InvalidInput as exc:
            db.rollback()
            form.columns.errors = [*form.columns.errors, exc.message]
        else:
            db.commit()  # the audit record exists before any data leaves
            enqueue_export(current_app.extensions["job_queue"], run.id)
            return redirect(url_for("exports.show", run_id=run.id))
    groups: dict[str, list[tuple[str, str]]] = {}
    for key, lbl, group in choices:
        groups.setdefault(group, []).append((key, lbl))
    return render_template("segments/export.html", segment=segment, form=form, groups=groups), (
        422 if form.errors else 200)
