"""SLA numbers for the metrics page: met / breached per week, agent and platform; first-response
time in business hours beside wall-clock time.

An item counts once its outcome is known: "met" when it was answered by its due time,
"breached" when it was answered late or is still unanswered past it. Items still inside their
target are "pending" and counted apart. Weeks are the UTC weeks (Monday) of arrival, as on the
rest of the metrics page.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.db import utcnow
from crm.inbox.metrics import percentile, week_of
from crm.inbox.models import InboxItem
from crm.sla.models import ItemSla
from crm.users.models import User


@dataclass
class Tally:
    met: int = 0
    breached: int = 0
    pending: int = 0

    @property
    def decided(self) -> int:
        return self.met + self.breached

    @property
    def met_share(self) -> float | None:
        return self.met / self.decided if self.decided else None


@dataclass
class SlaReport:
    total: Tally = field(default_factory=Tally)
    by_week: dict[date, Tally] = field(default_factory=dict)
    by_agent: dict[str, Tally] = field(default_factory=dict)
    by_platform: dict[str, Tally] = field(default_factory=dict)
    business_median: float | None = None
    business_p90: float | None = None
    wall_median: float | None = None
    wall_p90: float | None = None
    answered: int = 0


def outcome(item_first_response: datetime | None, due_at: datetime, now: datetime) -> str:
    """'met', 'breached' or 'pending' for one clock."""
    if item_first_response is not None:
        return "met" if item_first_response <= due_at else "breached"
    return "breached" if now >= due_at else "pending"


def report(session: Session, since: datetime, until: datetime, *, now: datetime | None = None,
           unassigned: str = "") -> SlaReport:
    """The SLA report for items that arrived in [since, until)."""
    now = now or utcnow()
    rows = session.execute(
        select(InboxItem.occurred_at, InboxItem.platform, InboxItem.first_response_at,
               InboxItem.first_response_seconds, InboxItem.assignee_id, InboxItem.handled_by_id,
               ItemSla.due_at, ItemSla.response_business_seconds)
        .join(ItemSla, ItemSla.item_id == InboxItem.id)
        .where(InboxItem.occurred_at >= since, InboxItem.occurred_at < until, ItemSla.due_at.is_not(None))
    ).all()
    names = {u.id: u.name or u.email for u in session.scalars(select(User))}
    out = SlaReport()
    by_week: dict[date, Tally] = defaultdict(Tally)
    by_agent: dict[str, Tally] = defaultdict(Tally)
    by_platform: dict[str, Tally] = defaultdict(Tally)
    business: list[float] = []
    wall: list[float] = []
    for r in rows:
        result = outcome(r.first_response_at, r.due_at, now)
        # The agent is whoever handled it by hand, else whoever it was assigned to.
        who = r.handled_by_id or r.assignee_id
        agent = names.get(who, unassigned) if who is not None else unassigned
        for tally in (out.total, by_week[week_of(r.occurred_at.date())], by_agent[agent], by_platform[r.platform]):
            setattr(tally, result, getattr(tally, result) + 1)
        if r.response_business_seconds is not None and r.first_response_seconds is not None:
            business.append(float(r.response_business_seconds))
            wall.append(float(r.first_response_seconds))
    out.by_week = dict(sorted(by_week.items()))
    out.by_agent = dict(sorted(by_agent.items(), key=lambda kv: (-kv[1].decided, kv[0])))
    out.by_platform = dict(sorted(by_platform.items()))
    out.answered = len(business)
    if business:
        out.business_median, out.business_p90 = percentile(business, 50), percentile(business, 90)
        out.wall_median, out.wall_p90 = percentile(wall, 50), percentile(wall, 90)
    return out


def as_dict(r: SlaReport) -> dict[str, Any]:
    """The report as plain data (the demo's summary, JSON)."""
    def t(x: Tally) -> dict[str, Any]:
        return {"met": x.met, "breached": x.breached, "pending": x.pending,
                "met_share": round(x.met_share, 3) if x.met_share is not None else None}

    return {
        "total": t(r.total), "by_week": {w.isoformat(): t(x) for w, x in r.by_week.items()},
        "by_agent": {a: t(x) for a, x in r.by_agent.items()}, "by_platform": {p: t(x) for p, x in r.by_platform.items()},
        "answered": r.answered, "business_median_s": r.business_median, "business_p90_s": r.business_p90,
        "wall_median_s": r.wall_median, "wall_p90_s": r.wall_p90,
    }
