"""The JSON API (read side). Same services as the pages; errors answer JSON with a 4xx."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify

from crm.interactions.models import Interaction
from crm.interactions.services import search_interactions
from crm.members import services as members
from crm.members.models import Member
from web.db import session
from web.params import arg_int, filter_from_args
from web.views.auth import requires

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def member_json(m: Member) -> dict[str, Any]:
    return {
        "id": m.id, "display_name": m.display_name, "platforms": [p for p in m.platforms.split(",") if p],
        "first_seen": m.first_seen.isoformat() if m.first_seen else None,
        "last_seen": m.last_seen.isoformat() if m.last_seen else None,
        "interaction_count": m.interaction_count, "sentiment_mean": m.sentiment_mean,
        "followers_max": m.followers_max,
        "identities": [
            {"platform": i.platform, "external_id": i.external_id, "handle": i.handle,
             "display_name": i.display_name, "profile_url": i.profile_url, "followers": i.followers}
            for i in m.identities
        ],
        "tags": [t.tag for t in m.tags],
    }


def interaction_json(i: Interaction) -> dict[str, Any]:
    return {
        "id": i.id, "platform": i.platform, "external_id": i.external_id, "kind": i.kind,
        "title": i.title, "text": i.text, "url": i.url, "occurred_at": i.occurred_at.isoformat(),
        "language": i.language, "sentiment": i.sentiment, "sentiment_label": i.sentiment_label,
        "parent_id": i.parent_external_id, "thread_id": i.thread_external_id, "member_id": i.member_id,
    }


@bp.route("/members")
@requires("view")
def list_members() -> Any:
    from flask import request

    page = members.list_members(
        session(), q=request.args.get("q", ""), platform=request.args.get("platform") or None,
        sort=request.args.get("sort", "last_active"), page=arg_int("page", 1),
        per_page=arg_int("per_page", 50, hi=200),
    )
    return jsonify(
        items=[member_json(m) for m in page.items], page=page.page, per_page=page.per_page, total=page.total
    )


@bp.route("/members/<int:member_id>")
@requires("view")
def get_member(member_id: int) -> Any:
    return jsonify(member_json(members.get_member(session(), member_id)))


@bp.route("/members/<int:member_id>/interactions")
@requires("view")
def member_interactions(member_id: int) -> Any:
    members.get_member(session(), member_id)
    page = search_interactions(session(), filter_from_args(member_id=member_id), page=arg_int("page", 1),
                               per_page=arg_int("per_page", 50, hi=200))
    return jsonify(items=[interaction_json(i) for i in page.items], page=page.page, has_next=page.has_next)


@bp.route("/search")
@requires("view")
def search() -> Any:
    page = search_interactions(session(), filter_from_args(), page=arg_int("page", 1),
                               per_page=arg_int("per_page", 50, hi=200))
    return jsonify(items=[interaction_json(i) for i in page.items], page=page.page, has_next=page.has_next)
