"""The demo's SLA set-up: a team in Europe/Berlin with business hours and German public holidays,
two policies, and the demo login as the team lead and an agent on the rotation.

Set up before the import, so the intake follow-up gives each new item its clock; after the
import one SLA check records the breaches, so the inbox shows "due in" and "breached" at once.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from crm.inbox.models import InboxItem
from crm.sla import assignment, checks, metrics, policies, teams
from crm.sla.clock import parse_windows
from crm.sla.models import Team
from crm.users.models import User
from listeners.runtime import transaction

TEAM_NAME = "Community team (Berlin)"
HOURS = "09:00-18:00"


def easter(year: int) -> date:
    """Easter Sunday (Gregorian; the anonymous algorithm in Meeus' "Astronomical Algorithms")."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    el = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * el) // 451
    month, day = divmod(h + el - 7 * m + 114, 31)
    return date(year, month, day + 1)


def german_holidays(year: int) -> list[tuple[date, str]]:
    """The nationwide public holidays in Germany."""
    e = easter(year)
    return [
        (date(year, 1, 1), "Neujahr"), (e - timedelta(days=2), "Karfreitag"), (e + timedelta(days=1), "Ostermontag"),
        (date(year, 5, 1), "Tag der Arbeit"), (e + timedelta(days=39), "Christi Himmelfahrt"),
        (e + timedelta(days=50), "Pfingstmontag"), (date(year, 10, 3), "Tag der Deutschen Einheit"),
        (date(year, 12, 25), "1. Weihnachtstag"), (date(year, 12, 26), "2. Weihnachtstag"),
    ]


def set_up_sla(admin_email: str, now: datetime) -> None:
    """The team, its hours and holidays, the policies, and the admin's shift (idempotent)."""
    with transaction() as s:
        if s.scalar(select(Team.id).where(Team.name == TEAM_NAME)) is not None:
            return
        admin = s.scalar(select(User).where(User.email == admin_email))
        lead_id = admin.id if admin is not None else None
        team = teams.save_team(s, name=TEAM_NAME, timezone="Europe/Berlin", lead_id=lead_id)
        teams.set_weekly_hours(s, team.id, {d: parse_windows(HOURS) for d in range(5)})
        for year in (now.year - 1, now.year, now.year + 1):
            for day, name in german_holidays(year):
                teams.add_holiday(s, team.id, day=day, name=name)
        policies.save_policy(s, name="Complaints: 2 business hours", position=10, reason="negative",
                             team_id=team.id, first_response_minutes=120, next_response_minutes=60)
        policies.save_policy(s, name="Everything else: 1 business day", position=100, team_id=team.id,
                             first_response_minutes=540, next_response_minutes=240)
        if admin is not None:
            assignment.save_agent(s, user_id=admin.id, timezone="Europe/Berlin", languages=("de", "en"),
                                  weekly={d: parse_windows(HOURS) for d in range(5)})


def settle_sla(now: datetime) -> list[str]:
    """One SLA check once the demo has its past; the demo's SLA numbers as lines for the console."""
    with transaction() as s:
        since = s.scalar(select(func.min(InboxItem.occurred_at))) or now
        while checks.start_missing_clocks(s, now, handled_too=True):
            pass
        while checks.settle_answered(s):
            pass
        while checks.breach_due(s, now):
            pass
    with transaction() as s:
        r = metrics.report(s, since, now + timedelta(seconds=1), now=now)
    share = f"{r.total.met_share:.0%}" if r.total.met_share is not None else "-"

    def hours(seconds: float | None) -> str:
        return f"{seconds / 3600:.1f} h" if seconds is not None else "-"

    return [
        f"SLA ({TEAM_NAME}, Europe/Berlin, Mon-Fri {HOURS}): {r.total.met} met, {r.total.breached} breached "
        f"({share} met), {r.total.pending} still within target.",
        f"First response: median {hours(r.business_median)} in business hours ({hours(r.wall_median)} wall-clock), "
        f"p90 {hours(r.business_p90)} ({hours(r.wall_p90)} wall-clock), over {r.answered} answered items.",
    ]
