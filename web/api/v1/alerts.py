"""Alerts: list, acknowledge, resolve."""

from __future__ import annotations

from typing import Any

from flask_login import current_user
from flask_smorest import Blueprint
from sqlalchemy import select

from crm.alerts import services as alerts
from crm.alerts.models import Alert
from web.api.v1 import pagination, schemas
from web.db import session
from web.views.auth import requires

blp = Blueprint("alerts_v1", __name__, url_prefix="/api/v1/alerts", description="Spike and crisis alerts")


@blp.route("")
@requires("view")
@blp.arguments(schemas.AlertListArgs, location="query")
@blp.response(200, schemas.AlertPage)
def list_alerts(args: dict[str, Any]) -> Any:
    """Alerts, newest first, optionally in one status."""
    stmt = select(Alert)
    if args.get("status"):
        stmt = stmt.where(Alert.status == args["status"])
    after = pagination.after_id(args.get("cursor"))
    if after is not None:
        stmt = stmt.where(Alert.id < after)
    rows = list(session().scalars(stmt.order_by(Alert.id.desc()).limit(args["limit"] + 1)))
    more = len(rows) > args["limit"]
    rows = rows[: args["limit"]]
    return pagination.page_body(rows, {"id": rows[-1].id} if more else None)


@blp.route("/<int:alert_id>")
@requires("view")
@blp.response(200, schemas.Alert)
@blp.alt_response(404, description="no such alert")
def get_alert(alert_id: int) -> Any:
    """One alert."""
    return alerts.get_alert(session(), alert_id)


@blp.route("/<int:alert_id>/acknowledge", methods=["POST"])
@requires("curate")
@blp.arguments(schemas.Empty)
@blp.response(200, schemas.Alert)
def acknowledge(_body: dict[str, Any], alert_id: int) -> Any:
    """Acknowledge an alert (someone is on it)."""
    db = session()
    alert = alerts.acknowledge(db, alert_id, current_user._get_current_object())
    db.commit()
    return alert


@blp.route("/<int:alert_id>/resolve", methods=["POST"])
@requires("curate")
@blp.arguments(schemas.ResolveIn)
@blp.response(200, schemas.Alert)
@blp.alt_response(409, description="already resolved")
def resolve(body: dict[str, Any], alert_id: int) -> Any:
    """Resolve an alert with a reason; the same spike does not re-open it."""
    db = session()
    alert = alerts.resolve(db, alert_id, body["reason"], current_user._get_current_object())
    db.commit()
    return alert
