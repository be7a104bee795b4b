"""Assignment rules: round-robin among the agents on shift now, by language and platform.

An agent is on shift when ``now``, in the agent's own time zone, falls inside one of their
working windows for that weekday and the local date is not in an out-of-office range. Among
the agents on shift who take the item's platform and speak its language (German or English,
from the detected language; an agent without languages takes any), the one whose turn is
lowest gets it, and their turn moves past everyone's: strict rotation, whatever the arrival
rate. Manual assignment always wins: only unassigned items that nobody (no person, and not
this rule before) has assigned are touched, and a later manual assignment simply replaces ours.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from crm.db import chunks, utcnow
from crm.errors import InvalidInput, NotFound
from crm.inbox.models import InboxEvent, InboxItem
from crm.interactions.models import Interaction
from crm.sla.clock import Calendar, zone
from crm.sla.models import AgentAway, AgentHours, AgentShift
from crm.sla.policies import interaction_values
from crm.users.models import User
from crm.users.services import can

LANGUAGES = ("de", "en")


def list_agents(session: Session) -> list[AgentShift]:
    """Agents in the rotation settings, by name."""
    return list(
        session.scalars(
            select(AgentShift)
            .join(User, User.id == AgentShift.user_id)
            .order_by(User.name, User.email)
        )
    )


def get_agent(session: Session, user_id: int) -> AgentShift:
    """One agent's shift settings, or NotFound."""
    agent = session.get(AgentShift, user_id)
    if agent is None:
        raise NotFound("That agent has no shift settings.")
    return agent


def save_agent(
    session: Session,
    *,
    user_id: int | None,
    timezone: str,
    languages: Sequence[str] = (),
    platforms: Sequence[str] = (),
    in_rotation: bool = True,
    weekly: Mapping[int, Sequence[tuple[int, int]]] | None = None,
) -> AgentShift:
    """Create or update an agent's shift settings (and replace their weekly hours if given)."""
    user = session.get(User, user_id) if user_id is not None else None
    if user is None or not can(user, "handle"):
        raise InvalidInput("Pick an active teammate who may handle items.", field="user_id")
    zone(timezone)
    bad = [lang for lang in languages if lang not in LANGUAGES]
    if bad:
        raise InvalidInput("Languages are de and en.", field="languages")
    clean_platforms = sorted({p.strip().lower() for p in platforms if p.strip()})
    if any(len(p) > 32 for p in clean_platforms):
        raise InvalidInput("A platform name has at most 32 characters.", field="platforms")
    agent = session.get(AgentShift, user.id) or AgentShift(
        user_id=user.id, last_turn=_max_turn(session)
    )
    agent.timezone, agent.in_rotation = timezone.strip(), in_rotation
    agent.languages = ",".join(sorted(set(languages)))
    agent.platforms = ",".join(clean_platforms)[:255]
    session.add(agent)
    session.flush()
    if weekly is not None:
        session.execute(delete(AgentHours).where(AgentHours.user_id == user.id))
        for day, windows in weekly.items():
            for s, e in windows:
                if not (0 <= day <= 6 and 0 <= s < e <= 1440):
                    raise InvalidInput("Working hours run from 00:00 to 24:00.", field=f"day{day}")
                session.add(AgentHours(user_id=user.id, weekday=day, start_minute=s, end_minute=e))
        session.flush()
    return agent


def agent_hours(session: Session, user_id: int) -> dict[int, list[tuple[int, int]]]:
    """Weekday -> the agent's working windows."""
    out: dict[int, list[tuple[int, int]]] = {d: [] for d in range(7)}
    for row in session.scalars(select(AgentHours).where(AgentHours.user_id == user_id)):
        out[row.weekday].append((row.start_minute, row.end_minute))
    return {d: sorted(w) for d, w in out.items()}


def add_away(
    session: Session, user_id: int, *, first_day: date | None, last_day: date | None, note: str = ""
) -> AgentAway:
    """Out of office from ``first_day`` to ``last_day`` (inclusive, the agent's local dates)."""
    get_agent(session, user_id)
    if first_day is None:
        raise InvalidInput("Give the first day (YYYY-MM-DD).", field="first_day")
    last_day = last_day or first_day
    if last_day < first_day:
        raise InvalidInput("The last day cannot come before the first.", field="last_day")
    away = AgentAway(
        user_id=user_id, first_day=first_day, last_day=last_day, note=(note or "").strip()[:200]
    )
    session.add(away)
    session.flush()
    return away


def remove_away(session: Session, user_id: int, away_id: int) -> None:
    """Delete an out-of-office range."""
    away = session.get(AgentAway, away_id)
    if away is None or away.user_id != user_id:
        raise NotFound("That out-of-office range does not exist.")
    session.delete(away)
    session.flush()


def list_away(session: Session, user_id: int) -> list[AgentAway]:
    """An agent's out-of-office ranges, latest first."""
    return list(
        session.scalars(
            select(AgentAway)
            .where(AgentAway.user_id == user_id)
            .order_by(AgentAway.first_day.desc())
        )
    )


def _max_turn(session: Session) -> int:
    return int(session.scalar(select(func.max(AgentShift.last_turn))) or 0)


@dataclass(frozen=True)
class OnShift:
    """An agent who can take items now."""

    user_id: int
    languages: frozenset[str]
    platforms: frozenset[str]

    def takes(self, platform: str, language: str | None) -> bool:
        lang = (language or "").lower()[:2]
        speaks = not self.languages or lang not in LANGUAGES or lang in self.languages
        return speaks and (not self.platforms or platform in self.platforms)


def on_shift(session: Session, now: datetime) -> list[OnShift]:
    """Agents in the rotation, allowed to handle items, working now and not out of office."""
    agents = [
        a
        for a in session.scalars(select(AgentShift).where(AgentShift.in_rotation.is_(True)))
        if can(a.user, "handle")
    ]
    out = []
    for agent in agents:
        tz = zone(agent.timezone)
        today = now.astimezone(tz).date()
        away = session.scalar(
            select(AgentAway.id)
            .where(
                AgentAway.user_id == agent.user_id,
                AgentAway.first_day <= today,
                AgentAway.last_day >= today,
            )
            .limit(1)
        )
        if away is not None:
            continue
        if Calendar(tz, agent_hours(session, agent.user_id)).is_open(now):
            out.append(
                OnShift(
                    agent.user_id,
                    frozenset(AgentShift.split(agent.languages)),
                    frozenset(AgentShift.split(agent.platforms)),
                )
            )
    return out


def assign_new_items(
    session: Session, items: Sequence[InboxItem], *, now: datetime | None = None
) -> dict[int, int]:
    """Round-robin the open, unassigned, never manually assigned items; item id -> user id."""
    now = now or utcnow()
    todo = [i for i in items if i.status == "open" and i.assignee_id is None]
    if not todo:
        return {}
    touched: set[int] = set()
    for part in chunks([i.id for i in todo]):
        touched.update(
            session.scalars(
                select(InboxEvent.item_id).where(
                    InboxEvent.item_id.in_(part), InboxEvent.kind.in_(("assigned", "auto_assigned"))
                )
            )
        )
    todo = [i for i in todo if i.id not in touched]
    agents = on_shift(session, now)
    if not todo or not agents:
        return {}
    language = interaction_values(session, Interaction.language, [i.interaction_id for i in todo])
    shifts = {
        a.user_id: a
        for a in session.scalars(
            select(AgentShift).where(AgentShift.user_id.in_([a.user_id for a in agents]))
        )
    }
    turn = _max_turn(session)
    done: dict[int, int] = {}
    for item in sorted(todo, key=lambda i: (i.occurred_at, i.id)):
        fit = [a for a in agents if a.takes(item.platform, language.get(item.interaction_id))]
        if not fit:
            continue
        pick = min(fit, key=lambda a: (shifts[a.user_id].last_turn, a.user_id))
        turn += 1
        shift = shifts[pick.user_id]
        shift.last_turn, shift.last_assigned_at = turn, now
        shift.assigned_count = (shift.assigned_count or 0) + 1
        item.assignee_id = pick.user_id
        session.add(
            InboxEvent(
                item_id=item.id, kind="auto_assigned", detail=f"round-robin to user {pick.user_id}"
            )
        )
        done[item.id] = pick.user_id
    session.flush()
    return done
