"""Follow-up reminders on members: "check in with X in 7 days", listed on My tasks, delivered when due."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, joinedload

from crm.db import utcnow
from crm.errors import InvalidInput, NotFound, PermissionDenied
from crm.inbox.models import Reminder
from crm.members.models import Member
from crm.users.models import User

MAX_AHEAD = timedelta(days=366)


def create_reminder(
    session: Session, *, member_id: int, user: User, due_at: datetime, note: str = "", now: datetime | None = None,
) -> Reminder:
    """A reminder for ``user`` about a member, due at ``due_at`` (within a year)."""
    now = now or utcnow()
    if session.get(Member, member_id) is None:
        raise NotFound("That member does not exist.")
    if due_at.tzinfo is None:
        raise InvalidInput("The due time needs a time zone.", field="due_at")
    if due_at <= now - timedelta(minutes=1):
        raise InvalidInput("Pick a time in the future.", field="due_at")
    if due_at - now > MAX_AHEAD:
        raise InvalidInput("Pick a time within a year.", field="due_at")
    note = (note or "").strip()
    if len(note) > 2000:
        raise InvalidInput("Keep the note under 2,000 characters.", field="note")
    reminder = Reminder(member_id=member_id, user_id=user.id, due_at=due_at, note=note)
    session.add(reminder)
    session.flush()
    return reminder


def _own(session: Session, reminder_id: int, user: User) -> Reminder:
    reminder = session.get(Reminder, reminder_id)
    if reminder is None:
        raise NotFound("That reminder does not exist.")
    if reminder.user_id != user.id and user.role != "admin":
        raise PermissionDenied("That is someone else's reminder.")
    return reminder


def complete_reminder(session: Session, reminder_id: int, *, user: User, now: datetime | None = None) -> Reminder:
    """Mark a reminder done (its owner or an admin)."""
    reminder = _own(session, reminder_id, user)
    if reminder.done_at is None:
        reminder.done_at = now or utcnow()
    session.flush()
    return reminder


def postpone_reminder(session: Session, reminder_id: int, *, user: User, days: int, now: datetime | None = None) -> Reminder:
    """Move a reminder ``days`` ahead of now; it will be delivered again when due."""
    if not 1 <= days <= 365:
        raise InvalidInput("Postpone by 1 to 365 days.", field="days")
    reminder = _own(session, reminder_id, user)
    reminder.due_at = (now or utcnow()) + timedelta(days=days)
    reminder.delivered_at = None
    reminder.done_at = None
    session.flush()
    return reminder


@dataclass(frozen=True)
class Tasks:
    """A user's reminders: due now (overdue included), coming up, and recently done."""

    due: list[Reminder]
    upcoming: list[Reminder]
    done: list[Reminder]


def tasks_for(session: Session, user: User, now: datetime | None = None, limit: int = 200) -> Tasks:
    """The "My tasks" lists for a user."""
    now = now or utcnow()
    base = select(Reminder).options(joinedload(Reminder.member)).where(Reminder.user_id == user.id)
    open_ = list(session.scalars(base.where(Reminder.done_at.is_(None)).order_by(Reminder.due_at).limit(limit)))
    done = list(session.scalars(
        base.where(Reminder.done_at.is_not(None)).order_by(Reminder.done_at.desc()).limit(20)
    ))
    return Tasks([r for r in open_ if r.due_at <= now], [r for r in open_ if r.due_at > now], done)


def open_for_member(session: Session, member_id: int) -> list[Reminder]:
    """Everyone's open reminders about a member, soonest first (the member card)."""
    return list(session.scalars(
        select(Reminder).where(Reminder.member_id == member_id, Reminder.done_at.is_(None)).order_by(Reminder.due_at)
    ))


def due_count(session: Session, user_id: int, now: datetime | None = None) -> int:
    """How many of a user's reminders are due and not done (the nav badge)."""
    return session.scalar(
        select(func.count(Reminder.id)).where(
            Reminder.user_id == user_id, Reminder.done_at.is_(None), Reminder.due_at <= (now or utcnow())
        )
    ) or 0


def claim_due_reminders(session: Session, now: datetime | None = None, limit: int = 500) -> list[int]:
    """Mark due, undelivered reminders delivered and return their ids (each id is claimed once).

    The conditional UPDATE makes two concurrent deliverers claim disjoint sets: a reminder is
    delivered once even if the job runs twice.
    """
    now = now or utcnow()
    ids = list(session.scalars(
        select(Reminder.id)
        .where(Reminder.delivered_at.is_(None), Reminder.done_at.is_(None), Reminder.due_at <= now)
        .order_by(Reminder.due_at)
        .limit(limit)
    ))
    if not ids:
        return []
    claimed = session.execute(
        update(Reminder)
        .where(Reminder.id.in_(ids), Reminder.delivered_at.is_(None))
        .values(delivered_at=now)
        .returning(Reminder.id)
    ).scalars().all()
    return sorted(claimed)


@dataclass(frozen=True)
class ReminderMessage:
    """What to tell a user about a due reminder, for any channel (in-app, e-mail)."""

    reminder_id: int
    user_email: str
    user_name: str
    member_id: int
    member_name: str
    note: str
    due_at: datetime
    path: str  # where the web app shows it: "/members/<id>"
    language: str | None = None  # the user's UI language and time zone, for the e-mail
    timezone: str | None = None

    @property
    def subject(self) -> str:
        return f"Reminder: check in with {self.member_name}"

    @property
    def body(self) -> str:
        lines = [f"You asked to be reminded to check in with {self.member_name}."]
        if self.note:
            lines.append(f"Your note: {self.note}")
        return "\n".join(lines)


def reminder_message(session: Session, reminder_id: int) -> ReminderMessage | None:
    """The message for a reminder, or None if it is gone or done."""
    r = session.get(Reminder, reminder_id)
    if r is None or r.done_at is not None:
        return None
    user = session.get(User, r.user_id)
    if user is None:
        return None
    return ReminderMessage(
        reminder_id=r.id, user_email=user.email, user_name=user.name, member_id=r.member_id,
        member_name=r.member.display_name, note=r.note, due_at=r.due_at, path=f"/members/{r.member_id}",
        language=user.language, timezone=user.timezone,
    )
