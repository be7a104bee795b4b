"""Identity resolution: review merge suggestions, merge and unmerge, the merge log, rules."""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext, ngettext
from flask_login import current_user

from crm.errors import InvalidInput
from crm.identities import services
from crm.identities.matching import DEFAULT_THRESHOLD
from crm.identities.merge import blocking_merges
from crm.identities.models import RULES
from crm.identities.suggestions import live_member
from web.db import session
from web.forms.identities import DecideForm, MergeForm, RuleForm, SnoozeForm, UnmergeForm
from web.params import arg_int, parse_id
from web.views.auth import requires

bp = Blueprint("identity", __name__, url_prefix="/identity")


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
        raise InvalidInput(gettext("The form is incomplete or expired; reload the page."))
    db = session()
    audit = services.merge_suggestion(
        db, suggestion_id, actor_id=current_user.id, keep_id=form.keep_id.data, reason=form.reason.data or "",
        lead_identity_id=form.lead_identity_id.data,
    )
    db.commit()
    flash(gettext("Merged into member %(id)s. You can undo this from the merge log.", id=audit.kept_member_id),
          "success")
    return _back()


@bp.route("/suggestions/<int:suggestion_id>/dismiss", methods=["POST"])
@requires("merge")
def dismiss_suggestion(suggestion_id: int) -> Any:
    form = DecideForm()
    if not form.validate_on_submit():
        raise InvalidInput(gettext("The form is incomplete or expired; reload the page."))
    db = session()
    services.dismiss_suggestion(db, suggestion_id, actor_id=current_user.id, reason=form.reason.data or "")
    db.commit()
    flash(gettext("Noted: not the same person. This pair will not be suggested again."), "info")
    return _back()


@bp.route("/suggestions/<int:suggestion_id>/snooze", methods=["POST"])
@requires("merge")
def snooze_suggestion(suggestion_id: int) -> Any:
    form = SnoozeForm()
    if not form.validate_on_submit():
        raise InvalidInput(gettext("Snooze for 1 to 365 days."), field="days")
    db = session()
    services.snooze_suggestion(db, suggestion_id, days=form.days.data or 30)
    db.commit()
    flash(ngettext("Snoozed for %(num)s day.", "Snoozed for %(num)s days.", form.days.data or 30), "info")
    return _back()


def _ids(raw: str) -> list[int]:
    parts = [p for p in re.split(r"[\s,;]+", raw or "") if p]
    if not parts or not all(p.isascii() and p.isdigit() for p in parts):
        raise InvalidInput(gettext("List member ids separated by commas, e.g. 12, 45."), field="merge_ids")
    return [parse_id(p, "merge_ids") or 0 for p in parts]


@bp.route("/merge", methods=["POST"])
@requires("merge")
def merge() -> Any:
    form = MergeForm()
    if not form.validate_on_submit():
        raise InvalidInput(gettext("Give the member to keep and the ids to merge into it."), field="merge_ids")
    db = session()
    audit = services.merge(
        db, keep_id=form.keep_id.data or 0, merge_ids=_ids(form.merge_ids.data or ""),
        actor_id=current_user.id, reason=form.reason.data or "",
    )
    db.commit()
    flash(ngettext("Merged %(num)s member into this one. Undo it from the merge log.",
                   "Merged %(num)s members into this one. Undo it from the merge log.",
                   len(audit.merged_member_ids)), "success")
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
        raise InvalidInput(gettext("The form is incomplete or expired; reload the page."))
    db = session()
    undo = services.unmerge(
        db, audit_id, actor_id=current_user.id, reason=form.reason.data or "", not_same=bool(form.not_same.data)
    )
    db.commit()
    flash(gettext("Unmerged: %(num)s members are separate again, as they were.",
                  num=len(undo.merged_member_ids) + 1), "success")
    if request.args.get("back") == "log":  # the one-click unmerge of the merge log
        return redirect(url_for("identity.merges"))
    return redirect(url_for("identity.merge_show", audit_id=audit_id))


@bp.route("/rules", methods=["GET", "POST"])
@requires("admin")
def rules() -> Any:
    db = session()
    if request.method == "POST":
        name = request.form.get("name", "")
        form = RuleForm()
        if not form.validate_on_submit() or name not in RULES:
            raise InvalidInput(gettext("Unknown rule or expired form; reload the page."), field="name")
        services.set_rule(db, name, bool(form.enabled.data), actor_id=current_user.id)
        db.commit()
        flash(gettext("Rule “%(name)s” is now on.", name=name) if form.enabled.data
              else gettext("Rule “%(name)s” is now off.", name=name), "success")
        return redirect(url_for("identity.rules"))
    return render_template("identity/rules.html", rules=services.rules(db), descriptions=RULES, form=RuleForm(),
                           threshold=DEFAULT_THRESHOLD)
