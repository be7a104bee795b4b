"""The inbox: what needs a human, in priority order; the thread and member card; actions."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext, ngettext
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select

from crm.db import utcnow
from crm.errors import Conflict, InvalidInput, PermissionDenied
from crm.inbox import actions, reminders, services
from crm.inbox.listing import InboxFilter, list_inbox
from crm.inbox.models import ESCALATION_LEVELS, MEMBER_LEVELS, REASONS, TeamAccount
from crm.interactions.services import InteractionFilter, search_interactions, thread_of
from crm.members import engagement
from crm.replies import presence
from crm.sources.services import list_sources
from crm.users.services import can
from web.db import session
from web.forms.base import ActionForm
from web.forms.inbox import (
    BULK_ACTIONS,
    AssignForm,
    BulkForm,
    EscalateForm,
    ItemNoteForm,
    SnoozeForm,
    TeamAccountForm,
)
from web.params import arg_count, arg_int
from web.views.auth import requires

bp = Blueprint("inbox", __name__, url_prefix="/inbox")


def _assignee_choices() -> list[tuple[int, str]]:
    return [(0, gettext("Nobody"))] + [(u.id, u.name or u.email) for u in actions.assignable_users(session())]


# Which permission each bulk action needs (crm/inbox/actions checks the same).
BULK_PERMISSIONS = {"handle": "handle", "reopen": "handle", "snooze": "handle", "assign": "assign",
                    "escalate": "escalate"}


def _level_choices() -> list[tuple[int, str]]:
    """Escalation levels in the user's language."""
    return [(0, gettext("None"))] + [(k, f"{k}: {gettext(v)}") for k, v in ESCALATION_LEVELS.items()]


def _bulk_choices() -> list[tuple[str, str]]:
    """The bulk actions the user's role may do: none for a viewer, escalate only for a marketer."""
    return [(k, str(v)) for k, v in BULK_ACTIONS if can(current_user, BULK_PERMISSIONS[k])]


def _filter_from_args() -> InboxFilter:
    def opt_int(name: str) -> int | None:
        return arg_count(name)

    return InboxFilter(
        status=request.args.get("status") or "open",
        platform=request.args.get("platform") or None,
        source_id=opt_int("source"),
        sentiment=request.args.get("sentiment") or None,
        level=opt_int("level"),
        reason=request.args.get("reason") or None,
        min_age_hours=opt_int("min_age"),
        max_age_hours=opt_int("max_age"),
        assignee=(request.args.get("assignee") or None),
        escalated=request.args.get("escalated") == "1",
        sort=request.args.get("sort") or "priority",
    )


@bp.app_context_processor
def nav_counts() -> dict[str, Any]:
    """Badges for the sidebar: open items (capped) and the user's due reminders."""
    if not current_user.is_authenticated:
        return {}
    db = session()
    return {"inbox_nav": {"open": services.open_count(db), "due": reminders.due_count(db, current_user.id)}}


@bp.route("/")
@requires("view")
def index() -> Any:
    db = session()
    if services.wake_snoozed(db):
        db.commit()
    error = None
    try:
        f = _filter_from_args()
        page = list_inbox(db, f, user_id=current_user.id, page=arg_int("page", 1), per_page=arg_int("per_page", 50, hi=100))
    except InvalidInput as exc:
        error, f = exc, InboxFilter()
        page = list_inbox(db, f, user_id=current_user.id)
    bulk = BulkForm()
    bulk.assignee_id.choices = _assignee_choices()
    bulk.action.choices = _bulk_choices()
    bulk.level.choices = _level_choices()
    sources = [(s.id, s.name) for s in list_sources(db)]
    return render_template(
        "inbox/index.html", page=page, f=f, error=error, bulk=bulk, sources=sources, levels=MEMBER_LEVELS,
        reasons=REASONS, assignees=bulk.assignee_id.choices, bulk_actions=bulk.action.choices,
    ), (422 if error else 200)


@bp.route("/<int:item_id>")
@requires("view")
def show(item_id: int) -> Any:
    db = session()
    item = actions.get_item(db, item_id)
    interaction = item.interaction
    member = interaction.member
    team_ids = set(db.scalars(select(TeamAccount.identity_id).where(TeamAccount.identity_id.is_not(None))))
    recent = search_interactions(db, InteractionFilter(member_id=member.id), per_page=6).items
    assign_form = AssignForm(assignee_id=item.assignee_id or 0)
    assign_form.assignee_id.choices = _assignee_choices()
    presence.touch(db, item_id=item.id, user_id=current_user.id, activity="viewing")
    others = presence.others(db, item_id=item.id, user_id=current_user.id)
    db.commit()
    return render_template(
        "inbox/show.html", item=item, interaction=interaction, member=member,
        level=engagement.level_of(member, utcnow()),
        thread=thread_of(db, interaction), team_ids=team_ids, recent=[r for r in recent if r.id != interaction.id][:5],
        history=actions.history(db, item.id), member_reminders=reminders.open_for_member(db, member.id),
        action_form=ActionForm(), assign_form=assign_form, snooze_form=SnoozeForm(),
        escalate_form=_escalate_form(item.escalation_level), note_form=ItemNoteForm(),
        escalation_levels={k: gettext(v) for k, v in ESCALATION_LEVELS.items()}, others=others,
    )


def _escalate_form(current: int) -> EscalateForm:
    form = EscalateForm(level=min(current + 1, 3))
    form.level.choices = _level_choices()
    return form


def _back(item_id: int) -> Any:
    return redirect(url_for("inbox.show", item_id=item_id))


def _form_error(form: FlaskForm) -> None:
    for field, errors in form.errors.items():
        flash(f"{getattr(form, field).label.text}: {errors[0]}" if hasattr(form, field) else errors[0], "error")


@bp.route("/<int:item_id>/handle", methods=["POST"])
@requires("handle")
def handle(item_id: int) -> Any:
    if ActionForm().validate_on_submit():
        db = session()
        actions.mark_handled(db, [item_id], actor=current_user)
        db.commit()
        flash(gettext("Marked handled."), "success")
    if request.form.get("next") == "index":
        return redirect(url_for("inbox.index"))
    return _back(item_id)


@bp.route("/<int:item_id>/reopen", methods=["POST"])
@requires("handle")
def reopen(item_id: int) -> Any:
    if ActionForm().validate_on_submit():
        db = session()
        actions.reopen(db, [item_id], actor=current_user)
        db.commit()
        flash(gettext("Reopened."), "info")
    return _back(item_id)


@bp.route("/<int:item_id>/assign", methods=["POST"])
@requires("assign")
def assign(item_id: int) -> Any:
    form = AssignForm()
    form.assignee_id.choices = _assignee_choices()
    if form.validate_on_submit():
        db = session()
        actions.assign(db, [item_id], assignee_id=form.assignee_id.data or None, actor=current_user)
        db.commit()
        flash(gettext("Assignment saved."), "success")
    else:
        _form_error(form)
    return _back(item_id)


@bp.route("/<int:item_id>/snooze", methods=["POST"])
@requires("handle")
def snooze(item_id: int) -> Any:
    form = SnoozeForm()
    if form.validate_on_submit():
        db = session()
        actions.snooze(db, [item_id], until=utcnow() + timedelta(hours=form.hours.data), actor=current_user)
        db.commit()
        flash(gettext("Snoozed."), "info")
    else:
        _form_error(form)
    return _back(item_id)


@bp.route("/<int:item_id>/escalate", methods=["POST"])
@requires("escalate")
def escalate(item_id: int) -> Any:
    form = EscalateForm()
    if form.validate_on_submit():
        db = session()
        actions.escalate(db, [item_id], level=form.level.data, reason=form.reason.data or "", actor=current_user)
        db.commit()
        flash(gettext("Escalation saved."), "success")
    else:
        _form_error(form)
    return _back(item_id)


@bp.route("/<int:item_id>/note", methods=["POST"])
@requires("handle")
def note(item_id: int) -> Any:
    form = ItemNoteForm()
    if form.validate_on_submit():
        db = session()
        actions.add_note(db, item_id, body=form.body.data or "", actor=current_user)
        db.commit()
        flash(gettext("Note added."), "success")
    else:
        _form_error(form)
    return _back(item_id)


@bp.route("/bulk", methods=["POST"])
@requires("view")
def bulk() -> Any:
    requested = request.form.get("action", "")
    if requested in BULK_PERMISSIONS and not can(current_user, BULK_PERMISSIONS[requested]):
        raise PermissionDenied(gettext("Your role (%(role)s) may not do this.", role=current_user.role))
    form = BulkForm()
    form.assignee_id.choices = _assignee_choices()
    form.action.choices = _bulk_choices()
    target = request.form.get("back") or ""
    back = target if target.startswith("/inbox") and not target.startswith("//") else url_for("inbox.index")
    if not form.validate_on_submit():
        _form_error(form)
        return redirect(back)
    db = session()
    ids, action, me = form.ids.data or [], form.action.data or "", current_user
    if not can(me, BULK_PERMISSIONS.get(action, "admin")):
        raise PermissionDenied(gettext("Your role (%(role)s) may not do this.", role=me.role))
    if action == "handle":
        n = actions.mark_handled(db, ids, actor=me)
    elif action == "reopen":
        n = actions.reopen(db, ids, actor=me)
    elif action == "assign":
        n = actions.assign(db, ids, assignee_id=form.assignee_id.data or None, actor=me)
    elif action == "snooze":
        n = actions.snooze(db, ids, until=utcnow() + timedelta(hours=form.hours.data), actor=me)
    else:
        n = actions.escalate(db, ids, level=form.level.data, reason=form.reason.data or "", actor=me)
    db.commit()
    flash(ngettext("%(action)s: %(changed)s of %(num)s item changed.", "%(action)s: %(changed)s of %(num)s items changed.",
                   len(ids), action=dict(BULK_ACTIONS)[action], changed=n), "success")
    return redirect(back)


@bp.route("/team", methods=["GET", "POST"])
@requires("admin")
def team() -> Any:
    db = session()
    form = TeamAccountForm()
    if form.validate_on_submit():
        try:
            account = services.add_team_account(db, platform=form.platform.data or "", handle=form.handle.data or "")
        except (InvalidInput, Conflict) as exc:
            form.handle.errors = [exc.message]
        else:
            db.commit()
            flash(gettext("%(handle)s on %(platform)s is a team account now.", handle="@" + account.handle.lstrip("@"),
                          platform=account.platform), "success")
            return redirect(url_for("inbox.team"))
    return render_template("inbox/team.html", form=form, accounts=services.list_team_accounts(db),
                           remove_form=ActionForm()), (422 if form.errors else 200)


@bp.route("/team/<int:account_id>/delete", methods=["POST"])
@requires("admin")
def remove_team(account_id: int) -> Any:
    if ActionForm().validate_on_submit():
        db = session()
        services.remove_team_account(db, account_id)
        db.commit()
        flash(gettext("Team account removed."), "info")
    return redirect(url_for("inbox.team"))

