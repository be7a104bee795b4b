"""SLA settings: teams with business hours and holidays, policies, agents' shifts (admins edit;
everyone signed in may read), and the "due in / breached" badge on inbox items."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext, lazy_gettext
from markupsafe import Markup, escape
from sqlalchemy import select

from crm.db import utcnow
from crm.errors import DomainError, InvalidInput
from crm.inbox.models import REASONS, InboxItem
from crm.segments.models import Segment
from crm.sla import assignment, policies, teams
from crm.sla.clock import fmt_windows, parse_windows
from crm.sla.models import AgentShift, SlaPolicy, Team
from crm.users.models import User
from crm.users.services import can
from web.charts.svg import duration
from web.db import session
from web.forms.base import ActionForm, flash_errors
from web.forms.sla import (
    WEEKDAY_NAMES,
    AgentForm,
    AwayForm,
    HolidayForm,
    PolicyForm,
    TeamForm,
)
from web.i18n import timezone_choices
from web.views.auth import requires

bp = Blueprint("sla", __name__, url_prefix="/settings/sla")
DAY_FIELDS = tuple(f"day{d}" for d in range(7))
HOURS_HELP = lazy_gettext("Like 09:00-12:00, 13:00-17:00; empty: closed.")


def _opt_id(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _user_choices() -> list[tuple[str, str]]:
    users = session().scalars(select(User).where(User.active.is_(True)).order_by(User.name, User.email))
    return [("", gettext("— nobody —"))] + [(str(u.id), u.name or u.email) for u in users]


def _weekly(form: Any) -> dict[int, list[tuple[int, int]]] | None:
    """The seven day fields parsed; errors go beside the day that has one."""
    weekly, ok = {}, True
    for d, name in enumerate(DAY_FIELDS):
        field = getattr(form, name)
        try:
            weekly[d] = parse_windows(field.data or "")
        except InvalidInput as exc:
            field.errors = [*field.errors, exc.message]
            ok = False
    return weekly if ok else None


def _fill_days(form: Any, weekly: dict[int, list[tuple[int, int]]]) -> None:
    for d, name in enumerate(DAY_FIELDS):
        getattr(form, name).data = fmt_windows(weekly.get(d, []))


def _field_error(form: Any, exc: DomainError, default: str) -> None:
    field = getattr(form, exc.field or default, None) or getattr(form, default)
    field.errors = [*field.errors, exc.message]


@bp.route("/")
@requires("view")
def index() -> Any:
    db = session()
    team_list = teams.list_teams(db)
    return render_template(
        "sla/index.html", teams=team_list, hours={t.id: teams.weekly_hours(db, t.id) for t in team_list},
        # Upcoming holidays: the ones that will stop a clock.
        holidays={t.id: [h for h in teams.list_holidays(db, t.id) if h.day >= utcnow().date()] for t in team_list}, policies=policies.list_policies(db),
        agents=assignment.list_agents(db), agent_hours={a.user_id: assignment.agent_hours(db, a.user_id)
                                                        for a in assignment.list_agents(db)},
        weekdays=WEEKDAY_NAMES, fmt_windows=fmt_windows,
    )


def _team_form(team: Team | None) -> TeamForm:
    form = TeamForm(obj=team)
    form.timezone.choices = [(z, z) for z in timezone_choices()]
    form.lead_id.choices = form.oncall_id.choices = _user_choices()
    if team is not None and request.method == "GET":
        form.lead_id.data, form.oncall_id.data = str(team.lead_id or ""), str(team.oncall_id or "")
        _fill_days(form, teams.weekly_hours(session(), team.id))
    return form


@bp.route("/teams/new", methods=["GET", "POST"], defaults={"team_id": None})
@bp.route("/teams/<int:team_id>", methods=["GET", "POST"])
@requires("admin")
def team(team_id: int | None) -> Any:
    db = session()
    existing = teams.get_team(db, team_id) if team_id is not None else None
    form = _team_form(existing)
    if request.method == "GET" and existing is None:
        form.timezone.data = "Europe/Berlin"
        _fill_days(form, {d: [(540, 1020)] for d in range(5)})
    if form.validate_on_submit() and (weekly := _weekly(form)) is not None:
        try:
            saved = teams.save_team(db, team_id=team_id, name=form.name.data or "", timezone=form.timezone.data or "",
                                    lead_id=_opt_id(form.lead_id.data), oncall_id=_opt_id(form.oncall_id.data),
                                    webhook_url=form.webhook_url.data)
            teams.set_weekly_hours(db, saved.id, weekly)
            policies.forget_open_clocks(db)
            db.commit()
            flash(gettext("Team %(name)s saved.", name=saved.name), "success")
            return redirect(url_for("sla.team", team_id=saved.id))
        except DomainError as exc:
            db.rollback()
            _field_error(form, exc, "name")
    flash_errors(form, beside_fields=True)
    return render_template(
        "sla/team.html", form=form, team=existing, holiday_form=HolidayForm(), action=ActionForm(),
        holidays=teams.list_holidays(db, team_id) if team_id else [], help=HOURS_HELP,
    ), (422 if form.errors else 200)


@bp.route("/teams/<int:team_id>/holidays", methods=["POST"])
@requires("admin")
def add_holiday(team_id: int) -> Any:
    db = session()
    form = HolidayForm()
    if form.validate_on_submit():
        try:
            teams.add_holiday(db, team_id, day=form.day.data, name=form.holiday_name.data or "")
            policies.forget_open_clocks(db)
            db.commit()
            flash(gettext("Holiday added."), "success")
            return redirect(url_for("sla.team", team_id=team_id))
        except DomainError as exc:
            db.rollback()
            _field_error(form, exc, "day")
    existing = teams.get_team(db, team_id)
    return render_template(
        "sla/team.html", form=_team_form(existing), team=existing, holiday_form=form, action=ActionForm(),
        holidays=teams.list_holidays(db, team_id), help=HOURS_HELP,
    ), 422


@bp.route("/teams/<int:team_id>/holidays/<int:holiday_id>/delete", methods=["POST"])
@requires("admin")
def delete_holiday(team_id: int, holiday_id: int) -> Any:
    ActionForm().validate_on_submit()
    db = session()
    teams.remove_holiday(db, team_id, holiday_id)
    policies.forget_open_clocks(db)
    db.commit()
    flash(gettext("Holiday removed."), "info")
    return redirect(url_for("sla.team", team_id=team_id))


def _policy_form(policy: SlaPolicy | None) -> PolicyForm:
    db = session()
    form = PolicyForm(obj=policy)
    form.team_id.choices = [("", gettext("— around the clock (UTC) —"))] + [(str(t.id), t.name) for t in teams.list_teams(db)]
    form.reason.choices = [("", gettext("— any —"))] + [(r, r) for r in REASONS]
    form.segment_id.choices = [("", gettext("— any —"))] + [
        (str(s.id), s.name) for s in db.scalars(select(Segment).order_by(Segment.name))]
    if policy is not None and request.method == "GET":
        form.team_id.data, form.segment_id.data = str(policy.team_id or ""), str(policy.segment_id or "")
        form.reason.data = policy.reason or ""
    return form


@bp.route("/policies/new", methods=["GET", "POST"], defaults={"policy_id": None})
@bp.route("/policies/<int:policy_id>", methods=["GET", "POST"])
@requires("admin")
def policy(policy_id: int | None) -> Any:
    db = session()
    existing = policies.get_policy(db, policy_id) if policy_id is not None else None
    form = _policy_form(existing)
    if form.validate_on_submit():
        try:
            saved = policies.save_policy(
                db, policy_id=policy_id, name=form.name.data or "", position=form.position.data or 0,
                active=bool(form.active.data), team_id=_opt_id(form.team_id.data),
                min_priority=form.min_priority.data, reason=form.reason.data or None, platform=form.platform.data,
                segment_id=_opt_id(form.segment_id.data), first_response_minutes=form.first_response_minutes.data,
                next_response_minutes=form.next_response_minutes.data, warn_percent=form.warn_percent.data or 80,
            )
            db.commit()
            flash(gettext("Policy %(name)s saved; open items get their clocks again within a minute.", name=saved.name),
                  "success")
            return redirect(url_for("sla.index"))
        except DomainError as exc:
            db.rollback()
            _field_error(form, exc, "name")
    flash_errors(form, beside_fields=True)
    return render_template("sla/policy.html", form=form, policy=existing, action=ActionForm()), (422 if form.errors else 200)


@bp.route("/policies/<int:policy_id>/delete", methods=["POST"])
@requires("admin")
def delete_policy(policy_id: int) -> Any:
    ActionForm().validate_on_submit()
    db = session()
    policies.delete_policy(db, policy_id)
    db.commit()
    flash(gettext("Policy deleted."), "info")
    return redirect(url_for("sla.index"))


def _agent_form(agent: AgentShift | None) -> AgentForm:
    form = AgentForm(obj=agent)
    form.timezone.choices = [(z, z) for z in timezone_choices()]
    form.user_id.choices = [("", gettext("— pick —"))] + [
        (str(u.id), u.name or u.email) for u in session().scalars(select(User).where(User.active.is_(True)).order_by(User.name))
        if can(u, "handle")]
    if agent is not None and request.method == "GET":
        form.user_id.data = str(agent.user_id)
        form.languages.data = AgentShift.split(agent.languages)
        _fill_days(form, assignment.agent_hours(session(), agent.user_id))
    return form


@bp.route("/agents/new", methods=["GET", "POST"], defaults={"user_id": None})
@bp.route("/agents/<int:user_id>", methods=["GET", "POST"])
@requires("admin")
def agent(user_id: int | None) -> Any:
    db = session()
    existing = assignment.get_agent(db, user_id) if user_id is not None else None
    form = _agent_form(existing)
    if request.method == "GET" and existing is None:
        form.timezone.data = "Europe/Berlin"
        _fill_days(form, {d: [(540, 1020)] for d in range(5)})
    if form.validate_on_submit() and (weekly := _weekly(form)) is not None:
        try:
            saved = assignment.save_agent(
                db, user_id=user_id if user_id is not None else _opt_id(form.user_id.data),
                timezone=form.timezone.data or "", languages=form.languages.data or [],
                platforms=(form.platforms.data or "").split(","), in_rotation=bool(form.in_rotation.data), weekly=weekly,
            )
            db.commit()
            flash(gettext("Shift saved."), "success")
            return redirect(url_for("sla.agent", user_id=saved.user_id))
        except DomainError as exc:
            db.rollback()
            _field_error(form, exc, "user_id")
    flash_errors(form, beside_fields=True)
    return render_template(
        "sla/agent.html", form=form, agent=existing, away_form=AwayForm(), action=ActionForm(),
        away=assignment.list_away(db, user_id) if user_id else [], help=HOURS_HELP,
    ), (422 if form.errors else 200)


@bp.route("/agents/<int:user_id>/away", methods=["POST"])
@requires("admin")
def add_away(user_id: int) -> Any:
    db = session()
    form = AwayForm()
    if form.validate_on_submit():
        try:
            assignment.add_away(db, user_id, first_day=form.first_day.data, last_day=form.last_day.data,
                                note=form.note.data or "")
            db.commit()
            flash(gettext("Out of office added."), "success")
            return redirect(url_for("sla.agent", user_id=user_id))
        except DomainError as exc:
            db.rollback()
            _field_error(form, exc, "first_day")
    existing = assignment.get_agent(db, user_id)
    return render_template("sla/agent.html", form=_agent_form(existing), agent=existing, away_form=form,
                           action=ActionForm(), away=assignment.list_away(db, user_id), help=HOURS_HELP), 422


@bp.route("/agents/<int:user_id>/away/<int:away_id>/delete", methods=["POST"])
@requires("admin")
def delete_away(user_id: int, away_id: int) -> Any:
    ActionForm().validate_on_submit()
    db = session()
    assignment.remove_away(db, user_id, away_id)
    db.commit()
    flash(gettext("Out of office removed."), "info")
    return redirect(url_for("sla.agent", user_id=user_id))


# --- the badge on inbox items ------------------------------------------------------------------
def _page_states(item: InboxItem) -> policies.SlaState:
    """States of every inbox item this request loaded, read in one query on the first badge."""
    states: dict[int, policies.SlaState] | None = g.get("_sla_states")
    if states is None or item.id not in states:
        db = session()
        loaded = [o for o in db.identity_map.values() if isinstance(o, InboxItem)]
        states = {**(states or {}), **policies.states_for(db, loaded or [item], g.get("_sla_now") or utcnow())}
        g._sla_states = states
    return states.get(item.id) or policies.SlaState("none", None)


def sla_badge(item: InboxItem) -> Markup:
    """"due in 2 h", "SLA warning", "SLA breached 3 h ago", "SLA met" for one inbox item."""
    s = _page_states(item)
    if s.state == "none" or s.due_at is None:
        return Markup("")
    from web.filters import fmt_dt

    title = gettext("Response due %(when)s (business hours)", when=fmt_dt(s.due_at))
    left = duration(abs(s.seconds_left or 0))
    text = {
        "ok": gettext("due in %(left)s", left=left),
        "warning": gettext("due in %(left)s", left=left),
        "breached": gettext("SLA breached %(ago)s ago", ago=left),
        "met": gettext("SLA met"),
        "missed": gettext("SLA missed"),
    }[s.state]
    css = {"ok": "status-ok", "warning": "status-running", "breached": "status-failed", "met": "status-done",
           "missed": "status-failed"}[s.state]
    return Markup('<span class="status sla-badge {} sla-{}" title="{}">{}</span>').format(
        css, s.state, escape(title), escape(text))


def init_app(app: Flask) -> None:
    """Register the blueprint and the inbox badge."""
    app.register_blueprint(bp)
    app.jinja_env.globals["sla_badge"] = sla_badge

