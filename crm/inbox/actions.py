"""What teammates do with inbox items: handle, reopen, assign, snooze, escalate, note.

Every action takes the acting user, checks the role (crm/users/services.PERMISSIONS) and writes
an InboxEvent, so the item's history says who did what. Bulk actions are the same functions
given several ids. Services never commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.db import utcnow
from crm.errors import InvalidInput, NotFound, PermissionDenied
from crm.inbox import classify
from crm.inbox.models import ESCALATION_LEVELS, InboxEvent, InboxItem
from crm.inbox.triage import record_first_response
from crm.users.models import User
from crm.users.services import can
from crm.webhooks import events as webhook_events

MAX_BULK = 500
MAX_SNOOZE = timedelta(days=90)


def _require(actor: User, permission: str) -> None:
    if not can(actor, permission):
        raise PermissionDenied(f"Your role ({actor.role}) may not do this.")


def _items(session: Session, item_ids: Sequence[int]) -> list[InboxItem]:
    ids = sorted({int(i) for i in item_ids})
    if not ids:
        raise InvalidInput("Select at least one item.", field="ids")
    if len(ids) > MAX_BULK:
        raise InvalidInput(f"At most {MAX_BULK} items at once.", field="ids")
    items = list(session.scalars(select(InboxItem).where(InboxItem.id.in_(ids)).order_by(InboxItem.id)))
    if not items:
        raise NotFound("Those inbox items do not exist.")
    return items


def _log(session: Session, item: InboxItem, actor: User | None, kind: str, detail: str = "") -> None:
    session.add(InboxEvent(item_id=item.id, actor_id=actor.id if actor else None, kind=kind, detail=detail))


def get_item(session: Session, item_id: int) -> InboxItem:
    """One item, or NotFound."""
    item = session.get(InboxItem, item_id)
    if item is None:
        raise NotFound("That inbox item does not exist.")
    return item


def history(session: Session, item_id: int) -> list[InboxEvent]:
    """The item's events, oldest first."""
    return list(session.scalars(
        select(InboxEvent).where(InboxEvent.item_id == item_id).order_by(InboxEvent.created_at, InboxEvent.id)
    ))


def mark_handled(session: Session, item_ids: Sequence[int], *, actor: User, now: datetime | None = None) -> int:
    """Mark items handled by ``actor``; the first response is now unless a reply came earlier."""
    _require(actor, "handle")
    now = now or utcnow()
    changed = 0
    for item in _items(session, item_ids):
        if item.status == "handled":
            continue
        record_first_response(item, now)
        item.status, item.handled_at, item.handled_by_id, item.handled_via = "handled", now, actor.id, "manual"
        item.snoozed_until = None
        _log(session, item, actor, "handled")
        webhook_events.inbox_item_handled(session, item, member_id=item.interaction.member_id, via="manual")
        changed += 1
    session.flush()
    return changed


def reopen(session: Session, item_ids: Sequence[int], *, actor: User) -> int:
    """Put handled or snoozed items back in the open queue."""
    _require(actor, "handle")
    changed = 0
    for item in _items(session, item_ids):
        if item.status == "open":
            continue
        item.status, item.handled_at, item.handled_by_id, item.handled_via = "open", None, None, None
        item.snoozed_until = None
        _log(session, item, actor, "reopened")
        changed += 1
    session.flush()
    return changed


def assign(session: Session, item_ids: Sequence[int], *, assignee_id: int | None, actor: User) -> int:
    """Assign items to a teammate who may handle them (None: unassign).

    A hand-over: the current assignee (or anyone, for unassigned items) passes an item on;
    taking an item away from someone else needs an admin.
    """
    _require(actor, "assign")
    assignee = None
    if assignee_id is not None:
        assignee = session.get(User, assignee_id)
        if assignee is None or not can(assignee, "handle"):
            raise InvalidInput("Assign to an active teammate who may handle items.", field="assignee_id")
    items = _items(session, item_ids)
    if actor.role != "admin":
        taken = [i for i in items if i.assignee_id not in (None, actor.id)]
        if taken:
            raise PermissionDenied(
                f"{len(taken)} of these items are assigned to someone else; ask them or an admin to hand them over."
            )
    changed = 0
    for item in items:
        if item.assignee_id == assignee_id:
            continue
        item.assignee_id = assignee_id
        _log(session, item, actor, "assigned", f"to {assignee.name or assignee.email}" if assignee else "unassigned")
        changed += 1
    session.flush()
    return changed


def snooze(session: Session, item_ids: Sequence[int], *, until: datetime, actor: User,
           now: datetime | None = None) -> int:
    """Hide items until ``until`` (in the future, at most 90 days); they reopen by themselves."""
    _require(actor, "handle")
    now = now or utcnow()
    if until.tzinfo is None:
        raise InvalidInput("The snooze time needs a time zone.", field="until")
    if until <= now:
        raise InvalidInput("Snooze until a time in the future.", field="until")
    if until - now > MAX_SNOOZE:
        raise InvalidInput("Snooze for at most 90 days.", field="until")
    changed = 0
    for item in _items(session, item_ids):
        if item.status == "handled":
            continue
        item.status, item.snoozed_until = "snoozed", until
        _log(session, item, actor, "snoozed", f"until {until:%Y-%m-%d %H:%M} UTC")
        changed += 1
    session.flush()
    return changed


def escalate(session: Session, item_ids: Sequence[int], *, level: int, reason: str, actor: User) -> int:
    """Set the escalation level (1-3) with a reason; raising needs "escalate", lowering needs "handle"."""
    reason = (reason or "").strip()
    if level not in ESCALATION_LEVELS and level != 0:
        raise InvalidInput("The escalation level is 0 (none) to 3.", field="level")
    _require(actor, "escalate")
    if not reason:
        raise InvalidInput("Say why: the next person needs the reason.", field="reason")
    if len(reason) > 2000:
        raise InvalidInput("Keep the reason under 2,000 characters.", field="reason")
    items = _items(session, item_ids)
    if any(level < item.escalation_level for item in items):
        _require(actor, "handle")
    changed = 0
    for item in items:
        if item.escalation_level == level:
            continue
        item.priority += 30 * (level - item.escalation_level)
        item.priority = max(0, min(classify.MAX_PRIORITY, item.priority))
        item.escalation_level, item.escalation_reason = level, reason
        if item.status == "handled" and level > 0:
            item.status, item.handled_at, item.handled_by_id, item.handled_via = "open", None, None, None
        label = ESCALATION_LEVELS.get(level, "none")
        _log(session, item, actor, "escalated", f"level {level} ({label}): {reason}")
        changed += 1
    session.flush()
    return changed


def add_note(session: Session, item_id: int, *, body: str, actor: User) -> InboxEvent:
    """A note on the item's member (the one notes model: it shows on the member's page and
    here), recorded in the item's history too so the next teammate sees when and why."""
    from crm.members.services import add_note as add_member_note

    _require(actor, "handle")
    item = get_item(session, item_id)
    note = add_member_note(session, item.interaction.member_id, body=body, author_id=actor.id)
    event = InboxEvent(item_id=item.id, actor_id=actor.id, kind="note", detail=note.body)
    session.add(event)
    session.flush()
    return event


def assignable_users(session: Session) -> list[User]:
    """Active teammates who may handle items, by name."""
    users = session.scalars(select(User).where(User.active.is_(True)).order_by(User.name, User.email))
    return [u for u in users if can(u, "handle")]
