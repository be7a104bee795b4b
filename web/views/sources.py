"""Sources: add, edit, pause and delete listening sources; their health; "poll now"."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_login import current_user

from crm.errors import InvalidInput
from crm.sources import services
from crm.sources.models import Source
from listeners.dispatcher import poll_now
from listeners.polling import check_source, connector_statuses, kind_labels, unavailable_reason
from web.db import session
from web.forms.base import ActionForm
from web.forms.sources import SourceForm
from web.views.auth import requires

bp = Blueprint("sources", __name__, url_prefix="/sources")


def all_kind_labels() -> dict[str, str]:
    """Every source kind with its label, the inbound API included (for pages and the catalogue)."""
    # Inbound API sources are pushed to (web/views/inbound.py), not polled: no connector kind.
    return {**kind_labels(), "inbound": "Inbound API: pushed by a plugin, Zapier or n8n"}


def _form(obj: Source | None = None) -> SourceForm:
    form = SourceForm(obj=obj)
    statuses = connector_statuses(current_app.extensions["settings"])
    form.platform.choices = [(s.platform, (s.label or s.platform.title()) + ("" if s.enabled else " (disabled)")) for s in statuses]
    form.kind.choices = [(k, gettext(v)) for k, v in kind_labels().items()]
    return form


def _save(form: SourceForm, source_id: int | None) -> Any:
    platform, kind = form.platform.data or "", form.kind.data or ""
    # A new source (or one moved to another platform or kind) must be able to poll: a disabled
    # connector is a form error naming the variables to set, not a later "credentials refused".
    old = session().get(Source, source_id) if source_id is not None else None
    changed = old is None or (old.platform, old.kind) != (platform, kind)
    unavailable = changed and unavailable_reason(platform, kind, current_app.extensions["settings"])
    if unavailable:
        form.platform.errors = [*form.platform.errors, unavailable]
        return None
    query, error, min_interval = check_source(platform, kind, form.query.data or "")
    if error:
        form.query.errors = [*form.query.errors, error]
        return None
    try:
        source = services.save_source(
            session(), platform=platform, kind=kind, query=query, name=form.name.data or "",
            interval_seconds=form.interval_seconds.data or 0, min_interval=min_interval,
            backfill_hours=form.backfill_hours.data or 0, source_id=source_id, user_id=current_user.id,
        )
    except InvalidInput as exc:
        getattr(form, exc.field or "query").errors = [exc.message]
        return None
    session().commit()
    return source


@bp.route("/")
@requires("view")
def index() -> Any:
    db = session()
    items = services.list_sources(db)
    return render_template(
        "sources/index.html", sources=items, health=services.health(db, items),
        statuses=connector_statuses(current_app.extensions["settings"]), kinds=all_kind_labels(), action=ActionForm(),
    )


@bp.route("/new", methods=["GET", "POST"])
@requires("manage_sources")
def new() -> Any:
    form = _form()
    if form.validate_on_submit() and (source := _save(form, None)) is not None:
        flash(gettext("Listening to %(source_name)s. The first poll starts within seconds.", source_name=source.name), "success")
        return redirect(url_for("sources.index"))
    return render_template("sources/form.html", form=form, source=None), (422 if form.errors else 200)


@bp.route("/<int:source_id>/edit", methods=["GET", "POST"])
@requires("manage_sources")
def edit(source_id: int) -> Any:
    source = services.get_source(session(), source_id)
    if source.kind == "inbound":
        flash(gettext("An inbound API source has nothing to poll; rotate its credentials on its page."), "info")
        return redirect(url_for("sources.show", source_id=source_id))
    form = _form(source)
    if form.validate_on_submit() and _save(form, source_id) is not None:
        flash(gettext("Source saved."), "success")
        return redirect(url_for("sources.show", source_id=source_id))
    return render_template("sources/form.html", form=form, source=source), (422 if form.errors else 200)


@bp.route("/<int:source_id>")
@requires("view")
def show(source_id: int) -> Any:
    db = session()
    source = services.get_source(db, source_id)
    return render_template(
        "sources/show.html", source=source, runs=services.recent_runs(db, source_id),
        health=services.health(db, [source])[source.id], action=ActionForm(), kinds=all_kind_labels(),
    )


@bp.route("/<int:source_id>/pause", methods=["POST"])
@requires("manage_sources")
def pause(source_id: int) -> Any:
    services.set_enabled(session(), source_id, False)
    session().commit()
    flash(gettext("Source paused."), "info")
    return redirect(url_for("sources.show", source_id=source_id))


@bp.route("/<int:source_id>/resume", methods=["POST"])
@requires("manage_sources")
def resume(source_id: int) -> Any:
    services.set_enabled(session(), source_id, True)
    session().commit()
    flash(gettext("Source resumed; it polls within seconds."), "success")
    return redirect(url_for("sources.show", source_id=source_id))


@bp.route("/<int:source_id>/delete", methods=["POST"])
@requires("manage_sources")
def delete(source_id: int) -> Any:
    services.delete_source(session(), source_id)
    session().commit()
    flash(gettext("Source deleted. The interactions it collected stay."), "info")
    return redirect(url_for("sources.index"))


@bp.route("/<int:source_id>/poll", methods=["POST"])
@requires("manage_sources")
def poll(source_id: int) -> Any:
    services.get_source(session(), source_id)
    session().close()
    if poll_now(current_app.extensions["job_queue"], source_id):
        flash(gettext("Polling now."), "success")
    else:
        flash(gettext("A poll of this source is already running, or the source is paused."), "warning")
    return redirect(url_for("sources.show", source_id=source_id))
