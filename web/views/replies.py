"""Answering in place: the composer (thread above it), preview, send as a job, retry; presence."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import select

from crm.errors import Conflict, InvalidInput, PermissionDenied
from crm.inbox.models import InboxItem, TeamAccount
from crm.interactions.models import Interaction
from crm.interactions.services import thread_of
from crm.replies import limits, presence, saved
from crm.replies import services as replies
from listeners.replies import enqueue_send, platform_limit, write_disabled_reason
from web.db import session
from web.forms.replies import ComposerForm, RetryForm, SavedReplyForm
from web.views.auth import requires

bp = Blueprint("replies", __name__, url_prefix="/replies")


def _since(value: str | None) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value) if value else None
    except ValueError:
        return None
    return parsed if parsed is not None and parsed.tzinfo is not None else None


def _variables(interaction: Interaction) -> dict[str, str | None]:
    name = (interaction.identity.display_name or "").strip()
    settings = current_app.extensions.get("settings")
    # {product} comes from PRODUCT_NAME when the site sets it; unset, the variable stays visible.
    return {"first_name": name.split()[0] if name else None, "handle": interaction.identity.handle or None,
            "product": getattr(settings, "product_name", "") or None, "link": interaction.url}


def _page(interaction: Interaction, form: ComposerForm, *, preview: str | None = None,
          collision: list[str] | None = None, status: int = 200) -> Any:
    db = session()
    item = db.scalar(select(InboxItem).where(InboxItem.interaction_id == interaction.id))
    if item is not None:
        presence.touch(db, item_id=item.id, user_id=current_user.id,
                       activity="replying" if _may_reply() else "viewing")
        others = presence.others(db, item_id=item.id, user_id=current_user.id)
        db.commit()
    else:
        others = []
    limit = platform_limit(interaction.platform)
    counted = limits.count(interaction.platform, form.text.data or "", limit=limit)
    variables = _variables(interaction)
    language = "de" if (interaction.language or "").startswith("de") else "en"
    # The post's language first (a German post: the German saved replies on top).
    canned = [(r, saved.render(r.body, variables)) for r in
              sorted(saved.saved_replies_for(db, current_user), key=lambda r: r.language != language)]
    team_ids = set(db.scalars(select(TeamAccount.identity_id).where(TeamAccount.identity_id.is_not(None))))
    return render_template(
        "replies/compose.html", interaction=interaction, item=item, form=form, thread=thread_of(db, interaction),
        team_ids=team_ids, count=counted, preview=preview, collision=collision, others=others,
        disabled=write_disabled_reason(interaction.platform), sent=replies.replies_for(db, interaction.id),
        retry_form=RetryForm(), canned=canned,
    ), status


@bp.route("/compose/<int:interaction_id>", methods=["GET", "POST"])
@requires("view")
def compose(interaction_id: int) -> Any:
    db = session()
    interaction = db.get(Interaction, interaction_id)
    if interaction is None:
        abort(404)
    form = ComposerForm()
    if request.method == "GET":
        form.key.data = replies.new_key()
        form.since.data = datetime.now().astimezone().isoformat()
        pick = request.args.get("saved", type=int)
        if pick:
            chosen = next((r for r in saved.saved_replies_for(db, current_user) if r.id == pick), None)
            if chosen is not None:
                form.text.data = saved.render(chosen.body, _variables(interaction))
        return _page(interaction, form)
    if not form.validate_on_submit():
        return _page(interaction, form, status=422)
    if request.form.get("action") == "preview":
        return _page(interaction, form, preview=form.text.data)
    if not current_user.is_authenticated or not _may_reply():
        abort(403)
    try:
        reply, created = replies.create_reply(
            db, interaction_id=interaction.id, text=form.text.data or "", actor=current_user._get_current_object(),
            key=form.key.data or replies.new_key(), since=_since(form.since.data), confirm=bool(form.confirm.data),
            limit=platform_limit(interaction.platform),
        )
    except replies.AnsweredMeanwhile as exc:
        db.rollback()
        return _page(interaction, form, collision=exc.who, status=409)
    except (InvalidInput, Conflict) as exc:
        db.rollback()
        flash(exc.message, "error")
        return _page(interaction, form, status=422)
    if created:
        enqueue_send(db, reply.id)
    db.commit()
    flash(gettext("Reply queued: it is posted in a moment."), "success")
    return redirect(url_for("replies.compose", interaction_id=interaction.id))


def _may_reply() -> bool:
    from crm.users.services import can

    return can(current_user, "reply")


@bp.route("/<int:reply_id>/retry", methods=["POST"])
@requires("reply")
def retry(reply_id: int) -> Any:
    db = session()
    form = RetryForm()
    if form.validate_on_submit():
        try:
            row = replies.retry(db, reply_id, actor=current_user._get_current_object(), confirm_unknown=bool(form.confirm.data))
        except Conflict as exc:
            flash(exc.message, "error")
        else:
            enqueue_send(db, row.id)
            db.commit()
            flash(gettext("Sending again."), "info")
    interaction_id = db.scalar(select(replies.OutgoingReply.interaction_id).where(replies.OutgoingReply.id == reply_id))
    if interaction_id is None:
        abort(404)
    return redirect(url_for("replies.compose", interaction_id=interaction_id))


@bp.route("/saved", methods=["GET", "POST"])
@requires("view")
def saved_replies() -> Any:
    """Saved replies: the team's and one's own; variables {first_name}, {handle}, {product}, {link}."""
    db = session()
    form = SavedReplyForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                saved.create_saved_reply(
                    db, owner=current_user._get_current_object(), shortcut=form.shortcut.data or "",
                    title=form.title.data or "", body=form.body.data or "", language=form.language.data or "en",
                    shared=bool(form.shared.data),
                )
            except (InvalidInput, PermissionDenied) as exc:
                db.rollback()
                flash(exc.message, "error")
                status = 422
            else:
                db.commit()
                flash(gettext("Saved reply added."), "success")
                return redirect(url_for("replies.saved_replies"))
        else:
            status = 422
    rows = saved.saved_replies_for(db, current_user, query=request.args.get("q", ""))
    return render_template("replies/saved.html", form=form, rows=rows, delete_form=RetryForm(),
                           variables=", ".join("{" + v + "}" for v in saved.VARIABLES)), status


@bp.route("/saved/<int:saved_id>/delete", methods=["POST"])
@requires("view")
def delete_saved(saved_id: int) -> Any:
    db = session()
    if RetryForm().validate_on_submit():
        try:
            saved.delete_saved_reply(db, saved_id, actor=current_user._get_current_object())
        except PermissionDenied as exc:
            flash(exc.message, "error")
        else:
            db.commit()
            flash(gettext("Saved reply deleted."), "info")
    return redirect(url_for("replies.saved_replies"))
