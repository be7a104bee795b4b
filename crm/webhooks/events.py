"""The webhook events each area emits, built in one place so their bodies stay consistent.

Every function writes deliveries in the caller's transaction (crm.webhooks.services.emit) and
is a no-op without a subscriber. Bodies carry ids and the CRM's own facts; mention.created and
inbox items also carry the social text they announce (that is what receivers want), and so
an erasure deletes deliveries by ``member_id`` / ``interaction_ids``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from crm.webhooks.services import emit, wants


def _iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def inbox_items_created(session: Session, items: Sequence[dict[str, Any]]) -> None:
    """inbox.item.created, one event per new item (dicts with item_id, interaction_id, member_id...)."""
    if not items or not wants(session, "inbox.item.created"):
        return
    for it in items:
        emit(session, "inbox.item.created", {k: _iso(v) for k, v in it.items()},
             dedupe_key=f"inbox.item.created:{it['item_id']}", member_id=it.get("member_id"),
             interaction_ids=[it["interaction_id"]])


def inbox_item_handled(session: Session, item: Any, *, member_id: int | None, via: str) -> None:
    """inbox.item.handled for one item (by a teammate or a team reply in the thread)."""
    if not wants(session, "inbox.item.handled"):
        return
    emit(session, "inbox.item.handled", {
        "item_id": item.id, "interaction_id": item.interaction_id, "member_id": member_id, "via": via,
        "handled_at": _iso(item.handled_at), "handled_by_id": item.handled_by_id,
        "first_response_seconds": item.first_response_seconds,
    }, dedupe_key=f"inbox.item.handled:{item.id}:{_iso(item.handled_at)}", member_id=member_id,
        interaction_ids=[item.interaction_id])


ALERT_EVENTS = {"opened": "alert.opened", "escalated": "alert.escalated", "resolved": "alert.resolved",
                "closed": "alert.resolved"}


def alert_changed(session: Session, alert: Any, kind: str, *, event_id: int | None = None) -> None:
    """alert.opened / escalated / resolved from the alert's history kinds (others are ignored)."""
    event = ALERT_EVENTS.get(kind)
    if event is None or not wants(session, event):
        return
    emit(session, event, {
        "alert_id": alert.id, "rule_id": alert.rule_id, "scope": alert.scope_key, "signal": alert.signal,
        "severity": alert.severity, "status": alert.status, "opened_at": _iso(alert.opened_at),
        "peak": alert.peak, "current": alert.current, "resolved_at": _iso(alert.resolved_at),
    }, dedupe_key=f"{event}:{alert.id}:{event_id if event_id is not None else _iso(alert.updated_at)}")


def member_merged(session: Session, audit: Any) -> None:
    """member.merged or member.unmerged from a merge log entry."""
    event = "member.merged" if audit.action == "merge" else "member.unmerged"
    if not wants(session, event):
        return
    emit(session, event, {
        "merge_log_id": audit.id, "kept_member_id": audit.kept_member_id,
        "merged_member_ids": list(audit.merged_member_ids), "method": audit.method, "undoes_id": audit.undoes_id,
    }, dedupe_key=f"{event}:{audit.id}", member_id=audit.kept_member_id)


def export_finished(session: Session, run: Any) -> None:
    """export.finished when an export's file is ready (no rows in the body: fetch the file)."""
    if not wants(session, "export.finished"):
        return
    emit(session, "export.finished", {
        "export_id": run.id, "segment_id": run.segment_id, "segment_name": run.segment_name, "format": run.format,
        "rows": run.row_count, "file_size": run.file_size, "finished_at": _iso(run.finished_at),
    }, dedupe_key=f"export.finished:{run.id}")
