"""The periodic SLA work: start missing clocks, settle answered items, warn, breach, escalate once.

A breach escalates exactly once: ``escalated_at`` is set by a conditional UPDATE (``WHERE
breached_at IS NULL``) in the transaction that raises the item's escalation level, and the
notification is sent after that commit from what the UPDATE claimed. A second run, or a second
scheduler, finds nothing left to claim. Breaches older than ESCALATE_WITHIN when first seen
(an import of last year's threads, a policy created today) are recorded but not escalated:
nobody should be paged for a backlog.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from crm.db import utcnow
from crm.inbox.models import InboxEvent, InboxItem
from crm.sla.models import ItemSla, SlaPolicy, Team
from crm.sla.policies import settle, start_clocks
from crm.sla.teams import Calendars

BATCH = 500
ESCALATE_WITHIN = timedelta(hours=24)
ESCALATION_LEVEL = 1  # "Team lead" (crm.inbox.models.ESCALATION_LEVELS)


@dataclass(frozen=True)
class Escalation:
    """A breach to tell someone about: our own facts only, nothing a member wrote."""

    item_id: int
    platform: str
    policy: str
    team: str
    due_at: datetime
    target_minutes: int
    kind: str
    user_id: int | None
    webhook_url: str | None


@dataclass
class CheckResult:
    started: int = 0
    settled: int = 0
    warned: int = 0
    escalations: tuple[Escalation, ...] = ()
    warnings: tuple[tuple[int, int | None], ...] = ()  # (item id, assignee id)


def start_missing_clocks(session: Session, now: datetime, limit: int = BATCH, *, handled_too: bool = False) -> int:
    """Clocks for unanswered items that have none (arrived before a policy existed, a lost follow-up).

    The periodic check reads only items still in the queue (the status index keeps that cheap
    on a large inbox); ``handled_too`` also dates the history (the demo, a one-off backfill).
    """
    stmt = select(InboxItem).outerjoin(ItemSla, ItemSla.item_id == InboxItem.id).where(ItemSla.item_id.is_(None))
    if not handled_too:
        stmt = stmt.where(InboxItem.status.in_(("open", "snoozed")))
    items = list(session.scalars(stmt.order_by(InboxItem.id).limit(limit)))
    return len(start_clocks(session, items, now=now))


def settle_answered(session: Session, limit: int = BATCH) -> int:
    """Met or missed for clocks whose item has been answered since."""
    rows = session.execute(
        select(ItemSla, InboxItem)
        .join(InboxItem, InboxItem.id == ItemSla.item_id)
        .where(
            ItemSla.met.is_(None),
            ItemSla.policy_id.is_not(None),
            InboxItem.first_response_at.is_not(None),
        )
        .limit(limit)
    ).all()
    calendars = Calendars(session)
    return sum(1 for clock, item in rows if settle(clock, item, calendars))


def _unanswered() -> tuple:
    return (
        ItemSla.met.is_(None),
        InboxItem.first_response_at.is_(None),
        InboxItem.status != "handled",
    )


def warn_due(session: Session, now: datetime, limit: int = BATCH) -> list[tuple[int, int | None]]:
    """Mark items whose warning point passed; (item id, assignee id) of each newly warned."""
    rows = session.execute(
        select(ItemSla.item_id, InboxItem.assignee_id)
        .join(InboxItem, InboxItem.id == ItemSla.item_id)
        .where(
            *_unanswered(),
            ItemSla.warned_at.is_(None),
            ItemSla.warn_at <= now,
            ItemSla.due_at > now,
        )
        .limit(limit)
    ).all()
    warned = []
    for item_id, assignee_id in rows:
        claimed = session.execute(
            update(ItemSla)
            .where(ItemSla.item_id == item_id, ItemSla.warned_at.is_(None))
            .values(warned_at=now)
        )
        if getattr(claimed, "rowcount", 0) == 1:
            session.add(
                InboxEvent(item_id=item_id, kind="sla_warning", detail="SLA target nearly reached")
            )
            warned.append((item_id, assignee_id))
    session.flush()
    return warned


def breach_due(session: Session, now: datetime, limit: int = BATCH) -> list[Escalation]:
    """Record breaches that came due; escalate the recent ones, each exactly once."""
    rows = session.execute(
        select(ItemSla, InboxItem)
        .join(InboxItem, InboxItem.id == ItemSla.item_id)
        .where(*_unanswered(), ItemSla.breached_at.is_(None), ItemSla.due_at <= now)
        .order_by(ItemSla.due_at)
        .limit(limit)
    ).all()
    out = []
    for clock, item in rows:
        assert clock.due_at is not None
        escalate = clock.due_at >= now - ESCALATE_WITHIN
        team = session.get(Team, clock.team_id) if clock.team_id is not None else None
        to = (team.oncall_id or team.lead_id) if team is not None else None
        values: dict[str, object] = {"breached_at": now}
        if escalate:
            values.update(escalated_at=now, escalated_to_id=to)
        claimed = session.execute(
            update(ItemSla)
            .where(ItemSla.item_id == clock.item_id, ItemSla.breached_at.is_(None))
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        if getattr(claimed, "rowcount", 0) != 1:
            continue  # another run got it first
        session.expire(clock)
        if not escalate:
            session.add(
                InboxEvent(
                    item_id=item.id,
                    kind="sla_breach",
                    detail="SLA breached (backlog, not escalated)",
                )
            )
            continue
        policy = session.get(SlaPolicy, clock.policy_id) if clock.policy_id is not None else None
        reason = f"SLA breached: {clock.kind} response was due {clock.due_at:%Y-%m-%d %H:%M} UTC"
        if item.escalation_level < ESCALATION_LEVEL:
            item.escalation_level = ESCALATION_LEVEL
            item.escalation_reason = reason
        session.add(InboxEvent(item_id=item.id, kind="sla_breach", detail=reason))
        out.append(
            Escalation(
                item_id=item.id,
                platform=item.platform,
                policy=policy.name if policy else "",
                team=team.name if team else "",
                due_at=clock.due_at,
                target_minutes=clock.target_minutes or 0,
                kind=clock.kind,
                user_id=to,
                webhook_url=team.webhook_url if team else None,
            )
        )
    session.flush()
    return out


def run_checks(session: Session, now: datetime | None = None) -> CheckResult:
    """One pass of the periodic SLA work (never commits)."""
    now = now or utcnow()
    result = CheckResult()
    result.started = start_missing_clocks(session, now)
    result.settled = settle_answered(session)
    result.warnings = tuple(warn_due(session, now))
    result.warned = len(result.warnings)
    result.escalations = tuple(breach_due(session, now))
    return result


def record_escalation_error(session: Session, item_id: int, error: str | None) -> None:
    """Keep the last delivery failure of an escalation beside it (None: delivered)."""
    clock = session.get(ItemSla, item_id)
    if clock is not None:
        clock.escalation_error = error[:1000] if error else None
        session.flush()
