"""SLA policies (first match by position wins) and the clock each inbox item gets from one.

An item's clock starts when the item arrived (``occurred_at``). Its target is the policy's
first-response time, or its next-response time when our team had already answered an earlier
item of the same thread (the member came back after our answer). "Due at" is the arrival
plus the target in the policy team's business minutes; the warning is at ``warn_percent`` of
the target, in business time too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from crm.db import chunks, utcnow
from crm.errors import InvalidInput, NotFound
from crm.inbox.models import REASONS, InboxItem
from crm.interactions.models import Interaction
from crm.segments.compile import member_filter
from crm.segments.models import Segment
from crm.sla.models import ItemSla, SlaPolicy, Team
from crm.sla.teams import Calendars

MAX_TARGET_MINUTES = 60 * 24 * 90


def list_policies(session: Session, *, active_only: bool = False) -> list[SlaPolicy]:
    """Policies in the order they are tried."""
    stmt = select(SlaPolicy).order_by(SlaPolicy.position, SlaPolicy.id)
    if active_only:
        stmt = stmt.where(SlaPolicy.active.is_(True))
    return list(session.scalars(stmt))


def get_policy(session: Session, policy_id: int) -> SlaPolicy:
    """One policy, or NotFound."""
    policy = session.get(SlaPolicy, policy_id)
    if policy is None:
        raise NotFound("That SLA policy does not exist.")
    return policy


def save_policy(
    session: Session,
    *,
    policy_id: int | None = None,
    name: str,
    position: int = 100,
    active: bool = True,
    team_id: int | None = None,
    min_priority: int | None = None,
    reason: str | None = None,
    platform: str | None = None,
    segment_id: int | None = None,
    first_response_minutes: int | None,
    next_response_minutes: int | None = None,
    warn_percent: int = 80,
) -> SlaPolicy:
    """Create or update a policy; InvalidInput names the wrong field. Open clocks are recomputed."""
    name = (name or "").strip()
    if not name or len(name) > 120:
        raise InvalidInput("Give the policy a name (at most 120 characters).", field="name")
    if not 0 <= position <= 100_000:
        raise InvalidInput("The order is a number from 0 to 100,000.", field="position")
    if first_response_minutes is None or not 1 <= first_response_minutes <= MAX_TARGET_MINUTES:
        raise InvalidInput(
            "The first-response target is 1 to 129,600 minutes.", field="first_response_minutes"
        )
    if next_response_minutes is not None and not 1 <= next_response_minutes <= MAX_TARGET_MINUTES:
        raise InvalidInput(
            "The next-response target is 1 to 129,600 minutes.", field="next_response_minutes"
        )
    if not 1 <= warn_percent <= 99:
        raise InvalidInput("Warn at 1 to 99 % of the target.", field="warn_percent")
    if reason and reason not in REASONS:
        raise InvalidInput(f"The reason is one of {', '.join(REASONS)}.", field="reason")
    if min_priority is not None and not 0 <= min_priority <= 1000:
        raise InvalidInput("The priority is 0 to 1000.", field="min_priority")
    if team_id is not None and session.get(Team, team_id) is None:
        raise InvalidInput("Pick an existing team.", field="team_id")
    if segment_id is not None and session.get(Segment, segment_id) is None:
        raise InvalidInput("Pick an existing segment.", field="segment_id")
    policy = get_policy(session, policy_id) if policy_id is not None else SlaPolicy()
    policy.name, policy.position, policy.active, policy.team_id = name, position, active, team_id
    policy.min_priority, policy.reason = min_priority, reason or None
    policy.platform = (platform or "").strip().lower() or None
    policy.segment_id, policy.warn_percent = segment_id, warn_percent
    policy.first_response_minutes, policy.next_response_minutes = (
        first_response_minutes,
        next_response_minutes,
    )
    session.add(policy)
    session.flush()
    forget_open_clocks(session)
    return policy


def delete_policy(session: Session, policy_id: int) -> None:
    """Remove a policy; open items get a clock from the remaining ones."""
    session.delete(get_policy(session, policy_id))
    session.flush()
    forget_open_clocks(session)


def forget_open_clocks(session: Session) -> int:
    """Drop the clocks of unanswered, not yet breached items, so the next check recomputes them.

    Breached clocks stay: a breach that was escalated is history, not a setting.
    """
    open_ids = select(InboxItem.id).where(
        InboxItem.first_response_at.is_(None), InboxItem.status != "handled"
    )
    result = session.execute(
        delete(ItemSla)
        .where(ItemSla.item_id.in_(open_ids), ItemSla.breached_at.is_(None))
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def interaction_values(
    session: Session, column: Any, interaction_ids: Sequence[int]
) -> dict[int, Any]:
    """Interaction id -> one column of the interaction (member id, language), in IN-list slices."""
    out: dict[int, Any] = {}
    for part in chunks(sorted(set(interaction_ids))):
        out.update(
            {
                row[0]: row[1]
                for row in session.execute(
                    select(Interaction.id, column).where(Interaction.id.in_(part))
                )
            }
        )
    return out


def _segment_members(
    session: Session, policies: Sequence[SlaPolicy], member_ids: set[int]
) -> dict[int, set[int]]:
    """For each segment a policy names: which of ``member_ids`` are in it now."""
    out: dict[int, set[int]] = {}
    ids = sorted(member_ids)
    for policy in policies:
        if policy.segment_id is None or policy.segment_id in out:
            continue
        segment = session.get(Segment, policy.segment_id)
        found: set[int] = set()
        if segment is not None:
            from crm.members.models import Member

            for part in chunks(ids):
                found.update(
                    session.scalars(
                        select(Member.id).where(
                            Member.id.in_(part),
                            *member_filter(session, segment.rule, segment_id=segment.id),
                        )
                    )
                )
        out[policy.segment_id] = found
    return out


def matches(policy: SlaPolicy, item: InboxItem, *, in_segment: bool) -> bool:
    """Whether every condition the policy sets holds for the item."""
    return (
        (policy.min_priority is None or item.priority >= policy.min_priority)
        and (not policy.reason or policy.reason in item.reason_list)
        and (not policy.platform or policy.platform == item.platform)
        and (policy.segment_id is None or in_segment)
    )


def _answered_threads(
    session: Session, items: Sequence[InboxItem]
) -> dict[tuple[str, str], datetime]:
    """(platform, thread root) -> the earliest first response our team gave in that thread."""
    out: dict[tuple[str, str], datetime] = {}
    roots = sorted({(i.platform, i.thread_root) for i in items})
    for platform in sorted({p for p, _ in roots}):
        threads = [r for p, r in roots if p == platform]
        for part in chunks(threads):
            for root, at in session.execute(
                select(InboxItem.thread_root, InboxItem.first_response_at).where(
                    InboxItem.platform == platform,
                    InboxItem.thread_root.in_(part),
                    InboxItem.first_response_at.is_not(None),
                )
            ):
                key = (platform, root)
                if at is not None and (key not in out or at < out[key]):
                    out[key] = at
    return out


def start_clocks(
    session: Session, items: Sequence[InboxItem], *, now: datetime | None = None
) -> list[ItemSla]:
    """Give each item without a clock its clock from the first matching policy (idempotent)."""
    now = now or utcnow()
    have: set[int] = set()
    for part in chunks([i.id for i in items]):
        have.update(session.scalars(select(ItemSla.item_id).where(ItemSla.item_id.in_(part))))
    todo = [i for i in items if i.id not in have]
    if not todo:
        return []
    policies = list_policies(session, active_only=True)
    member_of = (
        interaction_values(session, Interaction.member_id, [i.interaction_id for i in todo])
        if any(p.segment_id for p in policies)
        else {}
    )
    segments = _segment_members(session, policies, {m for m in member_of.values() if m is not None})
    answered = _answered_threads(session, todo)
    calendars = Calendars(session)
    clocks = []
    for item in todo:
        member = member_of.get(item.interaction_id)
        policy = next(
            (
                p
                for p in policies
                if matches(
                    p,
                    item,
                    in_segment=p.segment_id is not None
                    and member in segments.get(p.segment_id, set()),
                )
            ),
            None,
        )
        clocks.append(
            clock_for(item, policy, calendars, answered.get((item.platform, item.thread_root)), now)
        )
    session.add_all(clocks)
    session.flush()
    return clocks


def clock_for(
    item: InboxItem,
    policy: SlaPolicy | None,
    calendars: Calendars,
    thread_answered_at: datetime | None,
    now: datetime,
) -> ItemSla:
    """The clock one policy gives one item (settled at once if the item was already answered)."""
    clock = ItemSla(item_id=item.id, computed_at=now)
    if policy is None:
        return clock
    follow_up = thread_answered_at is not None and thread_answered_at <= item.occurred_at
    target = (
        (policy.next_response_minutes or policy.first_response_minutes)
        if follow_up
        else policy.first_response_minutes
    )
    calendar = calendars.get(policy.team_id)
    clock.policy_id, clock.team_id = policy.id, policy.team_id
    clock.kind, clock.target_minutes, clock.warn_percent = (
        ("next" if follow_up else "first"),
        target,
        policy.warn_percent,
    )
    clock.due_at = calendar.add(item.occurred_at, target)
    clock.warn_at = calendar.add(item.occurred_at, target * policy.warn_percent / 100)
    settle(clock, item, calendars)
    return clock


def settle(clock: ItemSla, item: InboxItem, calendars: Calendars) -> bool:
    """Record met / breached once the item has its first response. Returns whether it did."""
    if clock.policy_id is None or clock.met is not None or item.first_response_at is None:
        return False
    calendar = calendars.get(clock.team_id)
    clock.response_business_seconds = int(
        calendar.elapsed(item.occurred_at, item.first_response_at)
    )
    clock.met = clock.due_at is None or item.first_response_at <= clock.due_at
    return True


@dataclass(frozen=True)
class SlaState:
    """What the inbox shows: "due in", "warning", "breached", "met" or nothing."""

    state: str  # "ok", "warning", "breached", "met", "missed", "none"
    due_at: datetime | None
    kind: str = "first"
    seconds_left: float | None = None  # wall-clock seconds until due (negative: overdue)


def state_of(item: InboxItem, clock: ItemSla | None, now: datetime) -> SlaState:
    """An item's SLA state at ``now``."""
    if clock is None or clock.policy_id is None or clock.due_at is None:
        return SlaState("none", None)
    if item.first_response_at is not None:
        met = item.first_response_at <= clock.due_at
        return SlaState("met" if met else "missed", clock.due_at, clock.kind)
    left = (clock.due_at - now).total_seconds()
    if left <= 0:
        return SlaState("breached", clock.due_at, clock.kind, left)
    if clock.warn_at is not None and now >= clock.warn_at:
        return SlaState("warning", clock.due_at, clock.kind, left)
    return SlaState("ok", clock.due_at, clock.kind, left)


def states_for(
    session: Session, items: Sequence[InboxItem], now: datetime | None = None
) -> dict[int, SlaState]:
    """Item id -> SLA state for a page of items (one query)."""
    now = now or utcnow()
    ids = [i.id for i in items]
    clocks: dict[int, ItemSla] = {}
    for part in chunks(ids):
        clocks.update(
            {
                c.item_id: c
                for c in session.scalars(select(ItemSla).where(ItemSla.item_id.in_(part)))
            }
        )
    return {i.id: state_of(i, clocks.get(i.id), now) for i in items}
