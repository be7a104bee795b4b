"""The live inbox: a small JSON answer that static/live.js polls every 10 seconds.

It carries the same counts as the sidebar (``services.open_count``, the user's due reminders)
and a version that changes whenever an item arrives, is assigned, handled, snoozed or
escalated, so an open inbox page can offer the new state without a reload of its own.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify
from flask_login import current_user

from crm.inbox import reminders, services
from web.db import session
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


@bp.route("/inbox.json")
@requires("view")
def inbox() -> Any:
    response = jsonify(inbox_state(session(), current_user.id))
    response.headers["Cache-Control"] = "no-store"
    return response
