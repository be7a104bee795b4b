"""Privacy (GDPR): erase a member and export what we hold (from the profile), retention, the
suppression list and the audit log. Everything here is for admins."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext, ngettext
from flask_login import current_user
from flask_wtf import FlaskForm

from crm.errors import InvalidInput
from crm.privacy import retention
from crm.privacy.access import export_access
from crm.privacy.audit import list_audit, record
from crm.privacy.erase import delete_files, erase_member, plan_erasure
from crm.privacy.models import AUDIT_ACTIONS
from crm.privacy.suppression import list_suppressions, unsuppress
from crm.sources.services import list_sources
from web.db import session
from web.forms.privacy import EraseForm, RetentionForm, UnsuppressForm
from web.views.auth import requires

bp = Blueprint("privacy", __name__, url_prefix="/privacy")


def _actor() -> str:
    return str(current_user.email)


@bp.route("/members/<int:member_id>/erase", methods=["GET", "POST"])
@requires("admin")
def erase(member_id: int) -> Any:
    db = session()
    plan = plan_erasure(db, member_id)
    form = EraseForm()
    if request.method == "POST":
        if not form.validate_on_submit() or (form.confirm.data or "").strip() != str(member_id):
            flash(gettext("Type %(id)s to confirm the erasure.", id=member_id), "error")
            return render_template("privacy/erase.html", plan=plan, form=form), 422
        report = erase_member(db, member_id, actor=_actor(), actor_id=current_user.id, channel="web",
                              reason=form.reason.data or "")
        db.commit()
        delete_files(report.files)
        from listeners.webhooks import kick_deliveries

        kick_deliveries()
        c = report.counts
        flash(gettext("Member %(id)s was erased: %(interactions)s, %(accounts)s, %(files)s. Their accounts are "
                      "suppressed (privacy log #%(log)s).", id=member_id,
                      interactions=ngettext("%(num)s interaction", "%(num)s interactions", c["interactions"]),
                      accounts=ngettext("%(num)s account", "%(num)s accounts", c["identities"]),
                      files=ngettext("%(num)s file", "%(num)s files", c["files"]), log=report.audit_id), "success")
        return redirect(url_for("privacy.audit"))
    return render_template("privacy/erase.html", plan=plan, form=form)


@bp.route("/members/<int:member_id>/access")
@requires("admin")
def access(member_id: int) -> Any:
    db = session()
    fmt = request.args.get("format", "json")
    data, mime, name = export_access(db, member_id, fmt=fmt, actor=_actor(), actor_id=current_user.id, channel="web")
    db.commit()
    return Response(data, mimetype=mime, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.route("/")
@requires("admin")
def audit() -> Any:
    action = request.args.get("action") or None
    if action and action not in AUDIT_ACTIONS:
        raise InvalidInput(gettext("The action is one of %(actions)s.", actions=", ".join(AUDIT_ACTIONS)), field="action")
    return render_template("privacy/audit.html", entries=list_audit(session(), action=action), action=action,
                           actions=AUDIT_ACTIONS)


@bp.route("/retention", methods=["GET", "POST"])
@requires("admin")
def retention_page() -> Any:
    db = session()
    form = RetentionForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            flash(gettext("Days are a whole number between 1 and 36,500 (empty removes the policy)."), "error")
        else:
            retention.set_policy(db, scope_kind=form.scope_kind.data or "", scope_value=form.scope_value.data or "",
                                 days=form.days.data, actor=_actor(), actor_id=current_user.id)
            db.commit()
            flash(gettext("Retention saved. The daily job applies it; the table shows what it would delete now."), "success")
            return redirect(url_for("privacy.retention_page"))
    sources = list_sources(db)
    return render_template("privacy/retention.html", previews=retention.preview(db), form=form, sources=sources,
                           source_names={s.id: s.name for s in sources})


@bp.route("/suppressions", methods=["GET", "POST"])
@requires("admin")
def suppressions() -> Any:
    db = session()
    form = UnsuppressForm()
    if request.method == "POST":
        row_id = request.form.get("suppression_id")
        if not form.validate_on_submit() and not (row_id and FlaskForm().validate_on_submit()):
            flash(gettext("Give the platform and the account's id or handle."), "error")
        else:
            n = unsuppress(db, suppression_id=int(row_id)) if row_id and row_id.isdigit() else unsuppress(
                db, platform=form.platform.data or "", external_id=form.external_id.data or "",
                handle=form.handle.data or "")
            record(db, "unsuppress", actor=_actor(), actor_id=current_user.id, subject="suppression list",
                   detail={"entries": n})
            db.commit()
            flash(ngettext("Removed %(num)s entry: new items by that account are collected again.",
                           "Removed %(num)s entries: new items by that account are collected again.", n), "success")
            return redirect(url_for("privacy.suppressions"))
    return render_template("privacy/suppressions.html", rows=list_suppressions(db), form=form)
