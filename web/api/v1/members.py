"""Members, their interactions, search, tags, notes, merges, erasure and access export."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask import Response
from flask_login import current_user
from flask_smorest import Blueprint
from sqlalchemy import literal, or_, select
from sqlalchemy.orm import defer, joinedload, selectinload

from crm.errors import InvalidInput, NotFound
from crm.identities import services as identities
from crm.interactions.models import Interaction
from crm.interactions.services import InteractionFilter, filtered
from crm.members import services as members
from crm.members.models import Member, MemberTag, Note
from crm.privacy.access import export_access
from crm.privacy.erase import delete_files, erase_member
from web.api.members import interaction_json, member_json
from web.api.v1 import pagination, schemas
from web.db import session
from web.views.auth import requires

blp = Blueprint("members_v1", __name__, url_prefix="/api/v1", description="Members, interactions and search")


def _actor() -> str:
    token = pagination.request_token_label()
    return token or str(current_user.email)


def _midnight(day: date | None) -> datetime | None:
    return datetime(day.year, day.month, day.day, tzinfo=UTC) if day else None


def _filter(args: dict[str, Any], **fixed: Any) -> InteractionFilter:
    since, until = _midnight(args.get("since")), _midnight(args.get("until"))
    if until is not None and until.year < 9999:
        until += timedelta(days=1)  # "until" is inclusive: the whole day
    f = InteractionFilter(q=args.get("q") or "", platform=args.get("platform"), sentiment=args.get("sentiment"),
                          since=since, until=until, **fixed)
    f.validate()
    return f


def _interactions_page(f: InteractionFilter, args: dict[str, Any]) -> dict[str, Any]:
    """Newest first, keyset on (occurred_at, id): page 1,000 costs what page 1 costs."""
    stmt = filtered(session(), f)
    after = pagination.decode(args.get("cursor"))
    if after:
        try:
            t, last = datetime.fromisoformat(after["t"]), int(after["i"])
        except (KeyError, TypeError, ValueError):
            raise InvalidInput("The cursor is not one this API returned.", field="cursor") from None
        if t.tzinfo is None:
            raise InvalidInput("The cursor is not one this API returned.", field="cursor")
        # "<= t" on its own is what lets the occurred_at index start at the cursor; in the OR
        # alone PostgreSQL filtered every newer row (220,000 of them at page 20 of 1M).
        stmt = stmt.where(Interaction.occurred_at <= t, or_(Interaction.occurred_at < t, Interaction.id < last))
    rows = list(session().scalars(stmt.options(joinedload(Interaction.identity), joinedload(Interaction.member),
                                               defer(Interaction.raw), defer(Interaction.search_terms))
                                  .limit(args["limit"] + 1)).unique())
    more = len(rows) > args["limit"]
    rows = rows[: args["limit"]]
    nxt = {"t": rows[-1].occurred_at.isoformat(), "i": rows[-1].id} if more else None
    return pagination.page_body([interaction_json(i) for i in rows], nxt)


@blp.route("/members")
@requires("view")
@blp.arguments(schemas.MemberListArgs, location="query")
@blp.response(200, schemas.MemberPage)
@blp.alt_response(401, description="no or bad token")
def list_members(args: dict[str, Any]) -> Any:
    """Members, newest first (by id), filtered by name/handle, platform or tag."""
    stmt = select(Member).where(Member.merged_into_id.is_(None))
    after = pagination.after_id(args.get("cursor"))
    if after is not None:
        stmt = stmt.where(Member.id < after)
    q = (args.get("q") or "").strip().casefold().lstrip("@")
    if q:
        escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(Member.search_name.like(f"%{escaped}%", escape="\\"))
    if args.get("platform"):
        p = args["platform"].replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where((literal(",") + Member.platforms + literal(",")).like(f"%,{p},%", escape="\\"))
    if args.get("tag"):
        stmt = stmt.where(Member.id.in_(select(MemberTag.member_id).where(MemberTag.tag == args["tag"])))
    rows = list(session().scalars(stmt.options(selectinload(Member.identities), selectinload(Member.tags))
                                  .order_by(Member.id.desc()).limit(args["limit"] + 1)))
    more = len(rows) > args["limit"]
    rows = rows[: args["limit"]]
    return pagination.page_body([member_json(m) for m in rows], {"id": rows[-1].id} if more else None)


@blp.route("/members/<int:member_id>")
@requires("view")
@blp.response(200, schemas.Member)
@blp.alt_response(404, description="no such member")
def get_member(member_id: int) -> Any:
    """One member with identities and tags."""
    return member_json(members.get_member(session(), member_id))


@blp.route("/members/<int:member_id>/interactions")
@requires("view")
@blp.arguments(schemas.InteractionListArgs, location="query")
@blp.response(200, schemas.InteractionPage)
@blp.alt_response(404, description="no such member")
def member_interactions(args: dict[str, Any], member_id: int) -> Any:
    """A member's timeline, newest first."""
    members.get_member(session(), member_id)
    return _interactions_page(_filter(args, member_id=member_id), args)


@blp.route("/interactions")
@requires("view")
@blp.arguments(schemas.InteractionListArgs, location="query")
@blp.response(200, schemas.InteractionPage)
def list_interactions(args: dict[str, Any]) -> Any:
    """Interactions, newest first; ``q`` searches the full text."""
    return _interactions_page(_filter(args), args)


@blp.route("/interactions/<int:interaction_id>")
@requires("view")
@blp.response(200, schemas.Interaction)
@blp.alt_response(404, description="no such interaction")
def get_interaction(interaction_id: int) -> Any:
    """One interaction."""
    found = session().get(Interaction, interaction_id)
    if found is None:
        raise NotFound(f"There is no interaction {interaction_id}.")
    return interaction_json(found)


@blp.route("/search")
@requires("view")
@blp.arguments(schemas.InteractionListArgs, location="query")
@blp.response(200, schemas.InteractionPage)
def search(args: dict[str, Any]) -> Any:
    """Full-text search: all words, "exact phrase", -exclude, OR."""
    return _interactions_page(_filter(args), args)


@blp.route("/members/<int:member_id>/tags", methods=["POST"])
@requires("curate")
@blp.arguments(schemas.TagIn)
@blp.response(200, schemas.Member)
@blp.alt_response(404, description="no such member")
def add_tag(body: dict[str, Any], member_id: int) -> Any:
    """Tag a member (idempotent)."""
    db = session()
    members.add_tag(db, member_id, body["tag"])
    db.commit()
    return member_json(members.get_member(db, member_id))


@blp.route("/members/<int:member_id>/tags/<tag>", methods=["DELETE"])
@requires("curate")
@blp.response(200, schemas.Member)
def remove_tag(member_id: int, tag: str) -> Any:
    """Remove a tag (a missing tag is not an error)."""
    db = session()
    members.remove_tag(db, member_id, tag)
    db.commit()
    return member_json(members.get_member(db, member_id))


@blp.route("/members/<int:member_id>/notes")
@requires("view")
@blp.arguments(schemas.CursorArgs, location="query")
@blp.response(200, schemas.NotePage)
@blp.alt_response(404, description="no such member")
def list_notes(args: dict[str, Any], member_id: int) -> Any:
    """The team's notes about a member, newest first."""
    db = session()
    members.get_member(db, member_id)
    stmt = select(Note).where(Note.member_id == member_id)
    after = pagination.after_id(args.get("cursor"))
    if after is not None:
        stmt = stmt.where(Note.id < after)
    rows = list(db.scalars(stmt.order_by(Note.id.desc()).limit(args["limit"] + 1)))
    more = len(rows) > args["limit"]
    rows = rows[: args["limit"]]
    return pagination.page_body([_note(n) for n in rows], {"id": rows[-1].id} if more else None)


def _note(note: Note) -> dict[str, Any]:
    return {"id": note.id, "member_id": note.member_id, "body": note.body, "created_at": note.created_at,
            "author": note.author.email if note.author else None}


@blp.route("/members/<int:member_id>/notes", methods=["POST"])
@requires("curate")
@blp.arguments(schemas.NoteIn)
@blp.response(201, schemas.Note)
def add_note(body: dict[str, Any], member_id: int) -> Any:
    """Add a note to a member."""
    db = session()
    note = members.add_note(db, member_id, body=body["body"], author_id=current_user.id)
    db.commit()
    return _note(note)


@blp.route("/members/<int:member_id>/merge", methods=["POST"])
@requires("merge")
@blp.arguments(schemas.MergeIn)
@blp.response(200, schemas.MergeLog)
def merge(body: dict[str, Any], member_id: int) -> Any:
    """Merge other members into this one (undo with POST /merges/{id}/unmerge)."""
    db = session()
    audit = identities.merge(db, keep_id=member_id, merge_ids=body["merge_ids"], actor_id=current_user.id,
                             reason=body["reason"])
    db.commit()
    return _merge_log(audit)


@blp.route("/merges/<int:audit_id>/unmerge", methods=["POST"])
@requires("merge")
@blp.arguments(schemas.UnmergeIn)
@blp.response(200, schemas.MergeLog)
def unmerge(body: dict[str, Any], audit_id: int) -> Any:
    """Undo a merge exactly."""
    db = session()
    undo = identities.unmerge(db, audit_id, actor_id=current_user.id, reason=body["reason"], not_same=body["not_same"])
    db.commit()
    return _merge_log(undo)


def _merge_log(a: Any) -> dict[str, Any]:
    return {"id": a.id, "action": a.action, "kept_member_id": a.kept_member_id,
            "merged_member_ids": list(a.merged_member_ids), "created_at": a.created_at}


@blp.route("/members/<int:member_id>/erase", methods=["POST"])
@requires("admin")
@blp.arguments(schemas.EraseIn)
@blp.response(200, schemas.EraseOut)
@blp.alt_response(409, description="the member was merged into another")
def erase(body: dict[str, Any], member_id: int) -> Any:
    """Erase a member and everything about them (GDPR Art. 17); their accounts are suppressed."""
    db = session()
    report = erase_member(db, member_id, actor=_actor(), actor_id=current_user.id, channel="api", reason=body["reason"])
    db.commit()
    delete_files(report.files)
    from listeners.webhooks import kick_deliveries

    kick_deliveries()  # member.erased
    return {"member_id": member_id, "privacy_log_id": report.audit_id, "counts": report.counts}


@blp.route("/members/<int:member_id>/access-export")
@requires("admin")
@blp.arguments(schemas.AccessArgs, location="query")
@blp.response(200, description="everything held about the member: JSON, or a ZIP of JSON and CSV files",
              content_type="application/json")
@blp.alt_response(404, description="no such member")
def access(args: dict[str, Any], member_id: int) -> Any:
    """Everything held about a member (GDPR Art. 15); recorded in the privacy log."""
    db = session()
    data, mime, name = export_access(db, member_id, fmt=args["format"], actor=_actor(), actor_id=current_user.id,
                                     channel="api")
    db.commit()
    return Response(data, mimetype=mime, headers={"Content-Disposition": f'attachment; filename="{name}"'})
