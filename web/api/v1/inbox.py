"""Inbox items: list, handle, assign, snooze, and reply on the platform (the composer's send job)."""

from __future__ import annotations

from typing import Any

from flask_login import current_user
from flask_smorest import Blueprint
from sqlalchemy import select

from crm.inbox import actions
from crm.inbox.models import InboxItem
from web.api.v1 import pagination, schemas
from web.db import session
from web.views.auth import requires

blp = Blueprint("inbox_v1", __name__, url_prefix="/api/v1/inbox", description="The inbox")


def item_json(i: InboxItem) -> dict[str, Any]:
    """An inbox item as the API shows it."""
    return {"id": i.id, "interaction_id": i.interaction_id, "platform": i.platform, "status": i.status,
            "reasons": i.reason_list, "priority": i.priority, "occurred_at": i.occurred_at,
            "assignee_id": i.assignee_id, "escalation_level": i.escalation_level, "handled_at": i.handled_at}


def _one(item_id: int) -> dict[str, Any]:
    return item_json(actions.get_item(session(), item_id))


@blp.route("/items")
@requires("view")
@blp.arguments(schemas.InboxListArgs, location="query")
@blp.response(200, schemas.InboxPage)
def list_items(args: dict[str, Any]) -> Any:
    """Items in a status, newest first (by id)."""
    stmt = select(InboxItem).where(InboxItem.status == args["status"])
    after = pagination.after_id(args.get("cursor"))
    if after is not None:
        stmt = stmt.where(InboxItem.id < after)
    rows = list(session().scalars(stmt.order_by(InboxItem.id.desc()).limit(args["limit"] + 1)))
    more = len(rows) > args["limit"]
    rows = rows[: args["limit"]]
    return pagination.page_body([item_json(i) for i in rows], {"id": rows[-1].id} if more else None)


@blp.route("/items/<int:item_id>")
@requires("view")
@blp.response(200, schemas.InboxItem)
@blp.alt_response(404, description="no such item")
def get_item(item_id: int) -> Any:
    """One inbox item."""
    return _one(item_id)


@blp.route("/items/<int:item_id>/handle", methods=["POST"])
@requires("handle")
@blp.arguments(schemas.Empty)
@blp.response(200, schemas.InboxItem)
def handle(_body: dict[str, Any], item_id: int) -> Any:
    """Mark an item handled (idempotent)."""
    db = session()
    actions.get_item(db, item_id)
    actions.mark_handled(db, [item_id], actor=current_user._get_current_object())
    db.commit()
    return _one(item_id)


@blp.route("/items/<int:item_id>/assign", methods=["POST"])
@requires("assign")
@blp.arguments(schemas.AssignIn)
@blp.response(200, schemas.InboxItem)
def assign(body: dict[str, Any], item_id: int) -> Any:
    """Assign an item to a teammate (null: unassign)."""
    db = session()
    actions.get_item(db, item_id)
    actions.assign(db, [item_id], assignee_id=body["assignee_id"], actor=current_user._get_current_object())
    db.commit()
    return _one(item_id)


@blp.route("/items/<int:item_id>/snooze", methods=["POST"])
@requires("handle")
@blp.arguments(schemas.SnoozeIn)
@blp.response(200, schemas.InboxItem)
def snooze(body: dict[str, Any], item_id: int) -> Any:
    """Snooze an item until a time."""
    db = session()
    actions.get_item(db, item_id)
    actions.snooze(db, [item_id], until=body["until"], actor=current_user._get_current_object())
    db.commit()
    return _one(item_id)


@blp.route("/<int:item_id>/reply", methods=["POST"])
@requires("reply")
@blp.arguments(schemas.ReplyIn)
@blp.response(202, schemas.ReplyOut)
@blp.alt_response(409, description="someone answered meanwhile (send again with confirm: true)")
def reply(body: dict[str, Any], item_id: int) -> Any:
    """Answer an item on its platform, through the same send job as the composer.

    The reply is recorded, then sent by a job; the answer says its state (``sent`` when the job
    ran inline). An Idempotency-Key makes a retried call return the first reply, never a second.
    """
    from flask import g, request

    from crm.replies import services as replies
    from listeners.replies import enqueue_send, platform_limit

    db = session()
    item = actions.get_item(db, item_id)
    header = request.headers.get("Idempotency-Key")
    token = getattr(g, "api_token", None)
    key = f"api:{token.id if token else current_user.id}:{header}"[:120] if header else replies.new_key()
    row, created = replies.create_reply(
        db, interaction_id=item.interaction_id, text=body["text"], actor=current_user._get_current_object(),
        key=key, since=body.get("since"), confirm=body["confirm"], limit=platform_limit(item.platform),
    )
    reply_id = row.id
    if created:
        enqueue_send(db, reply_id)
    db.commit()
    return replies.reply_json(db, reply_id)
