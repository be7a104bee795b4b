"""The live inbox: a small JSON answer that static/live.js polls every 10 seconds.

It carries the same counts as the sidebar (``services.open_count``, the user's due reminders)
and a version that changes whenever an item arrives, is assigned, handled, snoozed or
escalated, so an open inbox page can offer the new state without a reload of its own.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request
from flask_babel import gettext
from flask_login import current_user

from crm.inbox import reminders, services
from crm.inbox.models import InboxItem
from crm.replies import presence
from crm.users.services import can
from web.db import session
from web.params import arg_int
from web.views.auth import requires

bp = Blueprint("live", __name__, url_prefix="/live")
POLL_SECONDS = 10


def inbox_state(db: Any, user_id: int) -> dict[str, Any]:
    """Counts and a change marker of the inbox, each read from an index."""
    c = services.live_counts(db, user_id)
    return {
        "open": c["open"],
        "mine": c["mine"],
        "due": reminders.due_count(db, user_id),
        "latest_id": c["latest_id"],
        "version": f"{c['latest_id']}:{c['changed'].isoformat() if c['changed'] else ''}:{c['open']}",
        "poll_seconds": POLL_SECONDS,
    }


def presence_text(others: Any) -> str:
    """Who else has the item open, in the reader's language ("Anna is replying · Ben is looking")."""
    return " · ".join(
        gettext("%(name)s is replying", name=p.user.name or p.user.email) if p.activity == "replying"
        else gettext("%(name)s is looking at this", name=p.user.name or p.user.email)
        for p in others
    )


@bp.route("/inbox.json")
@requires("view")
def inbox() -> Any:
    """The inbox's state; with ``item`` (and ``activity``), also keeps the reader's presence on
    that item alive (a page open for longer than the presence TTL still shows) and says who else
    is on it."""
    db = session()
    state = inbox_state(db, current_user.id)
    item_id = arg_int("item", 0)
    if item_id > 0 and db.get(InboxItem, item_id) is not None:
        activity = "replying" if request.args.get("activity") == "replying" and can(current_user, "reply") else "viewing"
        presence.touch(db, item_id=item_id, user_id=current_user.id, activity=activity)
        db.commit()
        state["presence"] = presence_text(presence.others(db, item_id=item_id, user_id=current_user.id))
    response = jsonify(state)
    response.headers["Cache-Control"] = "no-store"
    return response
