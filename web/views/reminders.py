"""My tasks: the signed-in user's follow-up reminders and the inbox items assigned to them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext, ngettext
from flask_login import current_user
from flask_wtf import FlaskForm

from crm.db import utcnow
from crm.inbox import reminders
from crm.inbox.listing import InboxFilter, list_inbox
from web.db import session
from web.forms.reminders import PostponeForm, RemindForm
from web.views.auth import requires

bp = Blueprint("tasks", __name__, url_prefix="/tasks")


@bp.route("/")
@requires("view")
def index() -> Any:
    db = session()
    mine = list_inbox(db, InboxFilter(assignee="me"), user_id=current_user.id, per_page=20)
    return render_template(
        "tasks/index.html", tasks=reminders.tasks_for(db, current_user), assigned=mine,
        done_form=FlaskForm(), postpone_form=PostponeForm(),
    )


@bp.route("/remind/<int:member_id>", methods=["POST"])
@requires("view")
def remind(member_id: int) -> Any:
    form = RemindForm()
    if form.validate_on_submit():
        db = session()
        reminders.create_reminder(
            db, member_id=member_id, user=current_user, due_at=utcnow() + timedelta(days=form.days.data or 7),
            note=form.note.data or "",
        )
        db.commit()
        flash(ngettext("We will remind you in %(num)s day. It is on your tasks page.",
                       "We will remind you in %(num)s days. It is on your tasks page.", form.days.data or 7), "success")
    else:
        flash(gettext("A reminder is 1 to 365 days ahead with a note of at most 2,000 characters."), "error")
    back = request.referrer or ""
    if back.startswith(request.host_url):
        return redirect(back)
    return redirect(url_for("members.show", member_id=member_id))


@bp.route("/<int:reminder_id>/done", methods=["POST"])
@requires("view")
def done(reminder_id: int) -> Any:
    if FlaskForm().validate_on_submit():
        db = session()
        reminders.complete_reminder(db, reminder_id, user=current_user)
        db.commit()
        flash(gettext("Done. Nice follow-up."), "success")
    return redirect(url_for("tasks.index"))


@bp.route("/<int:reminder_id>/postpone", methods=["POST"])
@requires("view")
def postpone(reminder_id: int) -> Any:
    form = PostponeForm()
    if form.validate_on_submit():
        db = session()
        reminders.postpone_reminder(db, reminder_id, user=current_user, days=form.days.data or 1)
        db.commit()
        flash(ngettext("Postponed by %(num)s day.", "Postponed by %(num)s days.", form.days.data or 1), "info")
    else:
        flash(gettext("Postpone by 1 to 365 days."), "error")
    return redirect(url_for("tasks.index"))
