"""Triage new interactions into the inbox, auto-handle on team replies, team accounts.

A team account's reply handles the open items of the person it answers in that thread (the
parent's author), or every open item of the thread when we never collected the parent.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from crm.db import utcnow
from crm.errors import Conflict, InvalidInput, NotFound
from crm.inbox.models import InboxEvent, InboxItem, TeamAccount
from crm.inbox.team import normalise_handle
from crm.inbox.triage import retriage_team_account
from crm.interactions.models import Interaction
from crm.members.models import Identity


def add_team_account(session: Session, *, platform: str, handle: str) -> TeamAccount:
    """Declare one of our own accounts; links it to its identity if we have seen it post."""
    platform = (platform or "").strip().lower()
    h = normalise_handle(handle)
    if not platform or len(platform) > 32:
        raise InvalidInput("Name the platform (reddit, x, mastodon, ...).", field="platform")
    if not h or len(h) > 255 or any(ch.isspace() for ch in h):
        raise InvalidInput("A handle is one word, like nimbus_team.", field="handle")
    if session.scalar(select(TeamAccount.id).where(TeamAccount.platform == platform, TeamAccount.handle == h)):
        raise Conflict(f"{h} on {platform} is already a team account.", field="handle")
    account = TeamAccount(platform=platform, handle=h)
    # One look-up when the account is added (lower() cannot use the handle index; a rare call).
    account.identity_id = session.scalar(
        select(Identity.id)
        # Mastodon handles are stored as "@user@instance"; the team account keeps "user@instance".
        .where(Identity.platform == platform, func.lower(Identity.handle).in_((h, "@" + h)))
        .order_by(Identity.id)
        .limit(1)
    )
    session.add(account)
    session.flush()
    retriage_team_account(session, account)
    return account


def remove_team_account(session: Session, account_id: int) -> None:
    """Stop treating an account as ours (items already handled stay handled)."""
    account = session.get(TeamAccount, account_id)
    if account is None:
        raise NotFound("That team account does not exist.")
    session.delete(account)
    session.flush()


def list_team_accounts(session: Session) -> list[TeamAccount]:
    """Every team account, by platform and handle."""
    return list(session.scalars(select(TeamAccount).order_by(TeamAccount.platform, TeamAccount.handle)))


def untriaged_ids(session: Session, *, after_id: int = 0, since: datetime | None = None, limit: int = 2000) -> list[int]:
    """The next ``limit`` interaction ids above ``after_id`` (for the backfill), ascending."""
    stmt = select(Interaction.id).where(Interaction.id > after_id)
    if since is not None:
        stmt = stmt.where(Interaction.occurred_at >= since)
    return list(session.scalars(stmt.order_by(Interaction.id).limit(limit)))


def open_count(session: Session, cap: int | None = 1000) -> int:
    """Open items, counted up to ``cap`` (the nav badge shows "999+" beyond): one index range.

    The one count of "open" that the sidebar, the live poll and the metrics page all show
    (snoozed items are not open: they are out of the queue until they wake).
    """
    capped = select(InboxItem.id).where(InboxItem.status == "open").limit(cap).subquery()
    return session.scalar(select(func.count()).select_from(capped)) or 0


def wake_snoozed(session: Session, now: datetime | None = None) -> int:
    """Reopen items whose snooze has run out. Returns how many."""
    now = now or utcnow()
    items = list(session.scalars(
        select(InboxItem).where(and_(InboxItem.status == "snoozed", InboxItem.snoozed_until <= now)).limit(5000)
    ))
    for item in items:
        item.status = "open"
        item.snoozed_until = None
        session.add(InboxEvent(item_id=item.id, kind="woke", detail="snooze ended"))
    session.flush()
    return len(items)


def live_counts(session: Session, user_id: int) -> dict[str, Any]:
    """What the live inbox polls: the newest item, the latest change, open and mine (capped)."""
    latest = session.scalar(select(func.max(InboxItem.id))) or 0
    changed = session.scalar(select(func.max(InboxItem.updated_at)))
    mine = session.scalar(select(func.count()).select_from(
        select(InboxItem.id).where(InboxItem.assignee_id == user_id, InboxItem.status == "open").limit(1000).subquery()
    )) or 0
    return {"latest_id": latest, "changed": changed, "open": open_count(session), "mine": mine}
