"""Members: the list, the profile with its timeline, tags and notes."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from flask_wtf import FlaskForm

from crm.errors import InvalidInput
from crm.identities.merge import merged_into
from crm.identities.services import profile_facts
from crm.interactions.services import InteractionFilter, parents_of, search_interactions
from crm.members import services
from web.db import session
from web.forms.members import NoteForm, TagForm
from web.params import arg_int, filter_from_args
from web.views.auth import requires
from web.views.identities import MergeForm

bp = Blueprint("members", __name__, url_prefix="/members")


@bp.route("/")
@requires("view")
def index() -> Any:
    sort = request.args.get("sort", "last_active")
    if sort not in services.SORTS:
        sort = "last_active"
    page = services.list_members(
        session(),
        q=request.args.get("q", ""),
        platform=request.args.get("platform") or None,
        tag=request.args.get("tag") or None,
        sort=sort,
        page=arg_int("page", 1),
        per_page=arg_int("per_page", 50, hi=200),
    )
    return render_template("members/index.html", page=page, sort=sort)


@bp.route("/<int:member_id>")
@requires("view")
def show(member_id: int) -> Any:
    db = session()
    member = services.get_member(db, member_id)
    if member.merged_into_id is not None:
        target = merged_into(db, member.id)
        flash(gettext("Member %(id)s was merged into member %(target)s; showing that profile.", id=member.id, target=target), "info")
        return redirect(url_for("members.show", member_id=target))
    error = None
    try:
        f = filter_from_args(member_id=member.id)
        timeline = search_interactions(db, f, page=arg_int("page", 1), per_page=30)
    except InvalidInput as exc:
        error = exc
        f = InteractionFilter(member_id=member.id)
        timeline = search_interactions(db, f, page=1, per_page=30)
    return render_template(
        "members/show.html", member=member, timeline=timeline, parents=parents_of(db, timeline.items),
        f=f, error=error, note_form=NoteForm(), tag_form=TagForm(), facts=profile_facts(db, member),
        merge_form=MergeForm(keep_id=member.id),
    )


@bp.route("/<int:member_id>/notes", methods=["POST"])
@requires("curate")
def add_note(member_id: int) -> Any:
    form = NoteForm()
    db = session()
    if form.validate_on_submit():
        services.add_note(db, member_id, body=form.body.data or "", author_id=current_user.id)
        db.commit()
        flash(gettext("Note added."), "success")
    else:
        flash(gettext("A note needs some text (at most 10,000 characters)."), "error")
    return redirect(url_for("members.show", member_id=member_id) + "#notes")


@bp.route("/<int:member_id>/tags", methods=["POST"])
@requires("curate")
def add_tag(member_id: int) -> Any:
    form = TagForm()
    db = session()
    if form.validate_on_submit():
        tag = services.add_tag(db, member_id, form.tag.data or "")
        db.commit()
        flash(gettext("Tagged “%(tag)s”.", tag=tag), "success")
    else:
        flash(gettext("A tag is 1 to 64 characters."), "error")
    return redirect(url_for("members.show", member_id=member_id))


@bp.route("/<int:member_id>/tags/<tag>/delete", methods=["POST"])
@requires("curate")
def remove_tag(member_id: int, tag: str) -> Any:
    FlaskForm().validate_on_submit()
    db = session()
    services.remove_tag(db, member_id, tag)
    db.commit()
    flash(gettext("Removed the tag “%(tag)s”.", tag=tag), "info")
    return redirect(url_for("members.show", member_id=member_id))
