"""Teams: time zone, weekly business hours, holidays, lead and on-call; their calendars."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from crm.errors import Conflict, InvalidInput, NotFound
from crm.sla.clock import Calendar, zone
from crm.sla.models import BusinessHours, Holiday, Team
from crm.users.models import User


def list_teams(session: Session) -> list[Team]:
    """Every team, by name."""
    return list(session.scalars(select(Team).order_by(Team.name)))


def get_team(session: Session, team_id: int) -> Team:
    """One team, or NotFound."""
    team = session.get(Team, team_id)
    if team is None:
        raise NotFound("That team does not exist.")
    return team


def _user_id(session: Session, user_id: int | None, field: str) -> int | None:
    if user_id is None:
        return None
    user = session.get(User, user_id)
    if user is None or not user.active:
        raise InvalidInput("Pick an active teammate.", field=field)
    return user.id


def save_team(
    session: Session,
    *,
    team_id: int | None = None,
    name: str,
    timezone: str,
    lead_id: int | None = None,
    oncall_id: int | None = None,
    webhook_url: str | None = None,
) -> Team:
    """Create or update a team; InvalidInput names the wrong field."""
    name = (name or "").strip()
    if not name or len(name) > 120:
        raise InvalidInput("Give the team a name (at most 120 characters).", field="name")
    zone(timezone)
    url = (webhook_url or "").strip() or None
    if url is not None and (not url.startswith(("https://", "http://")) or len(url) > 2000):
        raise InvalidInput("A webhook URL starts with https://.", field="webhook_url")
    clash = session.scalar(select(Team.id).where(Team.name == name))
    if clash is not None and clash != team_id:
        raise Conflict(f"A team named {name} exists already.", field="name")
    team = get_team(session, team_id) if team_id is not None else Team()
    team.name, team.timezone, team.webhook_url = name, timezone.strip(), url
    team.lead_id = _user_id(session, lead_id, "lead_id")
    team.oncall_id = _user_id(session, oncall_id, "oncall_id")
    session.add(team)
    session.flush()
    return team


def weekly_hours(session: Session, team_id: int) -> dict[int, list[tuple[int, int]]]:
    """Weekday -> sorted windows (start, end minutes) of a team."""
    out: dict[int, list[tuple[int, int]]] = {d: [] for d in range(7)}
    for row in session.scalars(select(BusinessHours).where(BusinessHours.team_id == team_id)):
        out[row.weekday].append((row.start_minute, row.end_minute))
    return {d: sorted(w) for d, w in out.items()}


def set_weekly_hours(
    session: Session, team_id: int, weekly: Mapping[int, Sequence[tuple[int, int]]]
) -> None:
    """Replace a team's weekly schedule (windows already parsed and checked)."""
    get_team(session, team_id)
    session.execute(delete(BusinessHours).where(BusinessHours.team_id == team_id))
    for day, windows in weekly.items():
        if not 0 <= day <= 6:
            raise InvalidInput("A weekday is 0 (Monday) to 6 (Sunday).", field="weekday")
        for s, e in windows:
            if not 0 <= s < e <= 1440:
                raise InvalidInput("Opening hours run from 00:00 to 24:00.", field=f"day{day}")
            session.add(BusinessHours(team_id=team_id, weekday=day, start_minute=s, end_minute=e))
    session.flush()


def list_holidays(session: Session, team_id: int) -> list[Holiday]:
    """A team's holidays, by date."""
    return list(
        session.scalars(select(Holiday).where(Holiday.team_id == team_id).order_by(Holiday.day))
    )


def add_holiday(session: Session, team_id: int, *, day: date | None, name: str = "") -> Holiday:
    """Close a team on a local date."""
    get_team(session, team_id)
    if day is None:
        raise InvalidInput("Give the date (YYYY-MM-DD).", field="day")
    if session.scalar(select(Holiday.id).where(Holiday.team_id == team_id, Holiday.day == day)):
        raise Conflict(f"{day.isoformat()} is a holiday already.", field="day")
    holiday = Holiday(team_id=team_id, day=day, name=(name or "").strip()[:120])
    session.add(holiday)
    session.flush()
    return holiday


def remove_holiday(session: Session, team_id: int, holiday_id: int) -> None:
    """Open a team again on a date."""
    holiday = session.get(Holiday, holiday_id)
    if holiday is None or holiday.team_id != team_id:
        raise NotFound("That holiday does not exist.")
    session.delete(holiday)
    session.flush()


def calendar_for(session: Session, team_id: int | None) -> Calendar:
    """A team's business calendar; without a team, the clock runs around the clock (UTC)."""
    if team_id is None:
        return Calendar.always()
    team = session.get(Team, team_id)
    if team is None:
        return Calendar.always()
    days = frozenset(session.scalars(select(Holiday.day).where(Holiday.team_id == team_id)))
    return Calendar(zone(team.timezone), weekly_hours(session, team_id), days)


class Calendars:
    """Calendars by team id, read once per job or request."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._cache: dict[int | None, Calendar] = {}

    def get(self, team_id: int | None) -> Calendar:
        if team_id not in self._cache:
            self._cache[team_id] = calendar_for(self.session, team_id)
        return self._cache[team_id]
