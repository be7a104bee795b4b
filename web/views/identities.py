"""Identity resolution: review merge suggestions, merge and unmerge, the merge log, rules."""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from crm.errors import InvalidInput
from crm.identities import services
from crm.identities.merge import blocking_merges
from crm.identities.models import RULES
from crm.identities.suggestions import live_member
from web.db import session
from web.params import arg_int
from web.views.auth import requires

bp = Blueprint("identity", __name__, url_prefix="/identity")


class DecideForm(FlaskForm):
    keep_id = IntegerField("Keep", validators=[Optional()])
    reason = TextAreaField("Why", validators=[Optional(), Length(max=2000)])


class SnoozeForm(FlaskForm):
    days = IntegerField("Days", default=30, validators=[DataRequired(), NumberRange(1, 365)])


class MergeForm(FlaskForm):
    keep_id = IntegerField("Keep member", validators=[DataRequired()])
    merge_ids = StringField("Merge members (ids)", validators=[DataRequired(), Length(max=1000)])
    reason = TextAreaField("Why", validators=[Optional(), Length(max=2000)])


class UnmergeForm(FlaskForm):
    reason = TextAreaField("Why", validators=[Optional(), Length(max=2000)])
    not_same = BooleanField("Remember: not the same person", default=True)


class RuleForm(FlaskForm):
    enabled = BooleanField("On")


@bp.route("/suggestions")
@requires("merge")
def suggestions() -> Any:
    snoozed = request.args.get("snoozed") == "1"
    page = services.list_suggestions(session(), page=arg_int("page", 1), snoozed=snoozed)
    return render_template(
        "identity/suggestions.html", page=page, snoozed=snoozed, form=DecideForm(), snooze_form=SnoozeForm(),
    )


def _back() -> Any:
    return redirect(url_for("identity.suggestions", page=request.args.get("page") or None))


@bp.route("/suggestions/<int:suggestion_id>/merge", methods=["POST"])
@requires("merge")
def merge_suggestion(suggestion_id: int) -> Any:
    form = DecideForm()
    if not form.validate_on_submit():
        raise InvalidInput("The form is incomplete or expired; reload the page.")
    db = session()
    audit = services.merge_suggestion(
        db, suggestion_id, actor_id=current_user.id, keep_id=form.keep_id.data, reason=form.reason.data or ""
    )
    db.commit()
    flash(f"Merged into member {audit.kept_member_id}. You can undo this from the merge log.", "success")
    return _back()


@bp.route("/suggestions/<int:suggestion_id>/dismiss", methods=["POST"])
@requires("merge")
def dismiss_suggestion(suggestion_id: int) -> Any:
    form = DecideForm()
    if not form.validate_on_submit():
        raise InvalidInput("The form is incomplete or expired; reload the page.")
    db = session()
    services.dismiss_suggestion(db, suggestion_id, actor_id=current_user.id, reason=form.reason.data or "")
    db.commit()
    flash("Noted: not the same person. This pair will not be suggested again.", "info")
    return _back()


@bp.route("/suggestions/<int:suggestion_id>/snooze", methods=["POST"])
@requires("merge")
def snooze_suggestion(suggestion_id: int) -> Any:
    form = SnoozeForm()
    if not form.validate_on_submit():
        raise InvalidInput("Snooze for 1 to 365 days.", field="days")
    db = session()
    services.snooze_suggestion(db, suggestion_id, days=form.days.data or 30)
    db.commit()
    flash(f"Snoozed for {form.days.data} days.", "info")
    return _back()


def _ids(raw: str) -> list[int]:
    parts = [p for p in re.split(r"[\s,;]+", raw or "") if p]
    if not parts or not all(p.isdigit() for p in parts):
        raise InvalidInput("List member ids separated by commas, e.g. 12, 45.", field="merge_ids")
    return [int(p) for p in parts]


@bp.route("/merge", methods=["POST"])
@requires("merge")
def merge() -> Any:
    form = MergeForm()
    if not form.validate_on_submit():
        raise InvalidInput("Give the member to keep and the ids to merge into it.", field="merge_ids")
    db = session()
    audit = services.merge(
        db, keep_id=form.keep_id.data or 0, merge_ids=_ids(form.merge_ids.data or ""),
        actor_id=current_user.id, reason=form.reason.data or "",
    )
    db.commit()
    flash(f"Merged {len(audit.merged_member_ids)} member(s) into this one. Undo it from the merge log.", "success")
    return redirect(url_for("members.show", member_id=audit.kept_member_id))


@bp.route("/merges")
@requires("view")
def merges() -> Any:
    page = services.list_audit(session(), page=arg_int("page", 1))
    return render_template("identity/merges.html", page=page, form=UnmergeForm())


@bp.route("/merges/<int:audit_id>")
@requires("view")
def merge_show(audit_id: int) -> Any:
    db = session()
    audit = services.get_audit(db, audit_id)
    blockers = blocking_merges(db, audit) if audit.action == "merge" and not audit.undone_by_id else []
    kept = live_member(db, audit.kept_member_id) if audit.kept_member_id else None
    return render_template("identity/merge_show.html", audit=audit, blockers=blockers, kept=kept, form=UnmergeForm())


@bp.route("/merges/<int:audit_id>/unmerge", methods=["POST"])
@requires("merge")
def unmerge(audit_id: int) -> Any:
    form = UnmergeForm()
    if not form.validate_on_submit():
        raise InvalidInput("The form is incomplete or expired; reload the page.")
    db = session()
    undo = services.unmerge(
        db, audit_id, actor_id=current_user.id, reason=form.reason.data or "", not_same=bool(form.not_same.data)
    )
    db.commit()
    flash(f"Unmerged: {len(undo.merged_member_ids) + 1} members are separate again, as they were.", "success")
    return redirect(url_for("identity.merge_show", audit_id=audit_id))


@bp.route("/rules", methods=["GET", "POST"])
@requires("admin")
def rules() -> Any:
    db = session()
    if request.method == "POST":
        name = request.form.get("name", "")
        form = RuleForm()
        if not form.validate_on_submit() or name not in RULES:
            raise InvalidInput("Unknown rule or expired form; reload the page.", field="name")
        services.set_rule(db, name, bool(form.enabled.data), actor_id=current_user.id)
        db.commit()
        flash(f"Rule “{name}” is now {'on' if form.enabled.data else 'off'}.", "success")
        return redirect(url_for("identity.rules"))
    return render_template("identity/rules.html", rules=services.rules(db), descriptions=RULES, form=RuleForm())
