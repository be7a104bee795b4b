"""What happens when items enter the inbox: the assignment rules, then the SLA clock."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.db import chunks, utcnow
from crm.inbox.models import InboxItem
from crm.sla.assignment import assign_new_items
from crm.sla.models import ItemSla
from crm.sla.policies import start_clocks


@dataclass(frozen=True)
class IntakeResult:
    assigned: int
    clocks: int


def take_in(
    session: Session, interaction_ids: Sequence[int], *, now: datetime | None = None
) -> IntakeResult:
    """Assign and start the clocks of the items triage made from these interactions (idempotent)."""
    now = now or utcnow()
    items: list[InboxItem] = []
    for part in chunks(sorted(set(interaction_ids))):
        items.extend(session.scalars(select(InboxItem).where(InboxItem.interaction_id.in_(part))))
    if not items:
        return IntakeResult(0, 0)
    # Only items without a clock are new to us: a re-run assigns nothing twice.
    seen: set[int] = set()
    for part in chunks([i.id for i in items]):
        seen.update(session.scalars(select(ItemSla.item_id).where(ItemSla.item_id.in_(part))))
    fresh = [i for i in items if i.id not in seen]
    assigned = assign_new_items(session, fresh, now=now)
    clocks = start_clocks(session, fresh, now=now)
    return IntakeResult(len(assigned), len(clocks))
