"""Alerts: the list with counts, the alert page (chart, what drives it, workflow, deliveries),
rules, and mutes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, Flask, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from crm.alerts import explain, notify, services, severity
from crm.db import utcnow
from crm.errors import InvalidInput
from crm.sources.services import list_sources
from listeners.alerts import rebuild_rule_counters, send_deliveries
from web.charts.alerts import alert_chart
from web.db import session
from web.forms.alerts import (
    SCOPE_LABELS,
    SIGNAL_LABELS,
    AssignForm,
    MuteForm,
    NoteForm,
    ResolveForm,
    RuleForm,
)
from web.forms.base import ActionForm
from web.params import arg_id
from web.views.auth import requires

bp = Blueprint("alerts", __name__, url_prefix="/alerts")
UNITS = {
    "volume": "mentions per 5 minutes",
    "negative_volume": "negative mentions per 5 minutes",
    "negative_share": "% negative (last 30 minutes)",
    "mean_sentiment": "negativity (last 30 minutes)",
}


def _rule_input(form: RuleForm) -> services.RuleInput:
    return services.RuleInput(
        name=form.name.data or "", scope_kind=form.scope_kind.data or "all",
        scope_value=form.scope_value.data or "", signal=form.signal.data or "volume",
        sensitivity=form.sensitivity.data or "medium", min_volume=form.min_volume.data or 30,
        recipients=tuple(x.strip() for x in (form.recipients.data or "").replace(",", "\n").splitlines() if x.strip()),
        channels=tuple(form.channels.data or ()), webhook_url=form.webhook_url.data or None,
        webhook_format=form.webhook_format.data or "slack", enabled=bool(form.enabled.data),
        detect_silence=bool(form.detect_silence.data),
    )


@bp.route("/")
@requires("view")
def index() -> Any:
    db = session()
    status = request.args.get("status", "active")
    if status not in ("active", "resolved", "all"):
        status = "active"
    return render_template(
        "alerts/index.html", alerts=services.list_alerts(db, status), status=status,
        counts=services.status_counts(db), rules={r.id: r for r in services.list_rules(db)},
        users={u.id: u for u in services.active_users(db)}, now=utcnow(),
    )


@bp.route("/<int:alert_id>")
@requires("view")
def show(alert_id: int) -> Any:
    db = session()
    alert = services.get_alert(db, alert_id)
    now = utcnow()
    assign = AssignForm(assignee_id=alert.assignee_id or 0)
    assign.assignee_id.choices = [(0, gettext("Nobody"))] + [(u.id, u.name or u.email) for u in services.active_users(db)]
    return render_template(
        "alerts/show.html", alert=alert, rule=alert.rule,
        chart=alert_chart(explain.chart_data(db, alert, now), unit=UNITS[alert.signal]),
        posts=explain.top_posts(db, alert), drivers=explain.drivers(db, alert),
        terms=explain.unusual_terms(db, alert), mix=explain.breakdown(db, alert),
        history=services.history(db, alert_id), deliveries=services.deliveries(db, alert_id),
        note_form=NoteForm(), resolve_form=ResolveForm(), assign_form=assign, action=ActionForm(),
        signal_labels=SIGNAL_LABELS, now=now, explain_delivery=notify.explain_delivery,
        email_configured=bool(current_app.extensions["settings"].smtp_url),
    )


def _back(alert_id: int) -> Any:
    return redirect(url_for("alerts.show", alert_id=alert_id))


@bp.route("/<int:alert_id>/acknowledge", methods=["POST"])
@requires("curate")
def acknowledge(alert_id: int) -> Any:
    if ActionForm().validate_on_submit():
        services.acknowledge(session(), alert_id, current_user)
        session().commit()
        flash(gettext("Acknowledged: the team sees you are on it."), "success")
    return _back(alert_id)


@bp.route("/<int:alert_id>/assign", methods=["POST"])
@requires("curate")
def assign(alert_id: int) -> Any:
    form = AssignForm()
    form.assignee_id.choices = [(0, gettext("Nobody"))] + [(u.id, u.name or u.email) for u in services.active_users(session())]
    if form.validate_on_submit():
        services.assign(session(), alert_id, form.assignee_id.data or None, current_user)
        session().commit()
        flash(gettext("Assignment saved."), "success")
    else:
        flash(gettext("Choose someone to assign the alert to."), "warning")
    return _back(alert_id)


@bp.route("/<int:alert_id>/note", methods=["POST"])
@requires("curate")
def note(alert_id: int) -> Any:
    form = NoteForm()
    if form.validate_on_submit():
        services.add_note(session(), alert_id, form.text.data or "", current_user)
        session().commit()
        flash(gettext("Note added."), "success")
    else:
        flash(gettext("Write a note first."), "warning")
    return _back(alert_id)


@bp.route("/<int:alert_id>/resolve", methods=["POST"])
@requires("curate")
def resolve(alert_id: int) -> Any:
    form = ResolveForm()
    if form.validate_on_submit():
        services.resolve(session(), alert_id, form.reason.data or "", current_user)
        session().commit()
        flash(gettext("Resolved. The same spike will not re-open it; a new rise opens a new alert."), "success")
    else:
        flash(gettext("Say why the alert is resolved."), "warning")
    return _back(alert_id)


@bp.route("/<int:alert_id>/deliveries/<int:delivery_id>/retry", methods=["POST"])
@requires("curate")
def retry_delivery(alert_id: int, delivery_id: int) -> Any:
    if ActionForm().validate_on_submit():
        notify.retry_delivery(session(), delivery_id, alert_id)
        session().commit()
        send_deliveries([delivery_id])
        flash(gettext("Sending again now: the status below shows how it went."), "success")
    return _back(alert_id)


# --- rules -------------------------------------------------------------------------------
@bp.route("/rules")
@requires("view")
def rules() -> Any:
    db = session()
    return render_template(
        "alerts/rules.html", rules=services.list_rules(db), mutes=services.user_mutes(db, current_user.id, utcnow()),
        signal_labels=SIGNAL_LABELS, scope_labels=SCOPE_LABELS, mute_form=MuteForm(), action=ActionForm(), now=utcnow(),
        severity_rules=severity.rule_table(), severity_factors=severity.FACTORS,
    )


def _save(form: RuleForm, rule_id: int | None) -> Any:
    try:
        rule = services.save_rule(session(), _rule_input(form), rule_id=rule_id)
    except InvalidInput as exc:
        field = getattr(form, exc.field or "name", form.name)
        field.errors = [*field.errors, exc.message]
        return None
    rebuild = services.needs_counter_rebuild(rule)
    session().commit()
    if rebuild:  # after the commit: the job reads the rule
        current_app.extensions["job_queue"].enqueue(rebuild_rule_counters, rule.id, queue="alerts")
    return rule


def _scope_help() -> dict[str, Any]:
    sources = [(s.id, s.name) for s in list_sources(session())]
    return {"sources": sources, "scope_labels": SCOPE_LABELS}


@bp.route("/rules/new", methods=["GET", "POST"])
@requires("manage_sources")
def new_rule() -> Any:
    form = RuleForm()
    if request.method == "GET":
        form.channels.data = ["email"]
    if form.validate_on_submit() and (rule := _save(form, None)) is not None:
        flash(gettext("Rule “%(rule_name)s” saved.", rule_name=rule.name), "success")
        return redirect(url_for("alerts.rules"))
    return render_template("alerts/rule_form.html", form=form, rule=None, **_scope_help()), (422 if form.errors else 200)


@bp.route("/rules/<int:rule_id>/edit", methods=["GET", "POST"])
@requires("manage_sources")
def edit_rule(rule_id: int) -> Any:
    rule = services.get_rule(session(), rule_id)
    form = RuleForm(obj=rule)
    if request.method == "GET":
        form.recipients.data = "\n".join(rule.recipients or [])
    if form.validate_on_submit() and _save(form, rule_id) is not None:
        flash(gettext("Rule saved."), "success")
        return redirect(url_for("alerts.rules"))
    return render_template("alerts/rule_form.html", form=form, rule=rule, **_scope_help()), (422 if form.errors else 200)


@bp.route("/rules/<int:rule_id>/delete", methods=["POST"])
@requires("manage_sources")
def delete_rule(rule_id: int) -> Any:
    if ActionForm().validate_on_submit():
        services.delete_rule(session(), rule_id)
        session().commit()
        flash(gettext("Rule deleted with its alerts."), "info")
    return redirect(url_for("alerts.rules"))


@bp.route("/rules/<int:rule_id>/mute", methods=["POST"])
@requires("manage_sources")
def mute_rule(rule_id: int) -> Any:
    form = MuteForm()
    if form.validate_on_submit():
        hours = form.hours.data or 0
        until = utcnow() + timedelta(hours=hours) if hours else utcnow() + timedelta(days=3650)
        services.mute_rule(session(), rule_id, until)
        session().commit()
        flash(gettext("Rule muted for everyone: alerts still show here, nothing is sent."), "info")
    return redirect(url_for("alerts.rules"))


@bp.route("/rules/<int:rule_id>/unmute", methods=["POST"])
@requires("manage_sources")
def unmute_rule(rule_id: int) -> Any:
    if ActionForm().validate_on_submit():
        services.mute_rule(session(), rule_id, None)
        session().commit()
        flash(gettext("Rule unmuted."), "success")
    return redirect(url_for("alerts.rules"))


@bp.route("/mute", methods=["POST"])
@requires("view")
def mute_me() -> Any:
    """The signed-in user's own mute of one rule (rule_id) or of every rule."""
    form = MuteForm()
    rule_id = arg_id("rule_id", request.form)
    if form.validate_on_submit():
        hours = form.hours.data or 0
        services.mute_for_user(session(), current_user.id, rule_id, utcnow() + timedelta(hours=hours) if hours else None)
        session().commit()
        flash(gettext("Muted for you."), "info")
    return redirect(url_for("alerts.rules"))


@bp.route("/unmute", methods=["POST"])
@requires("view")
def unmute_me() -> Any:
    if ActionForm().validate_on_submit():
        services.unmute_for_user(session(), current_user.id, arg_id("rule_id", request.form))
        session().commit()
        flash(gettext("Unmuted for you."), "success")
    return redirect(url_for("alerts.rules"))


def init_app(app: Flask) -> None:
    """Register the blueprint and the nav badge (open alerts, minus the user's mutes)."""
    app.register_blueprint(bp)

    @app.context_processor
    def alert_badge() -> dict[str, Any]:
        def count() -> int:
            if not current_user.is_authenticated:
                return 0
            return services.badge_count(session(), current_user.id, utcnow())

        return {"alert_badge": count}
