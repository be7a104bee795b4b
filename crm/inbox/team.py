"""Our own team accounts, in queries: their identity ids, and the conditions that leave their
posts (``not_team``) and their members (``not_team_member``) out of whatever counts people."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, select

from crm.inbox.models import TeamAccount
from crm.members.models import Identity


def normalise_handle(handle: str) -> str:
    """'@Nimbus_Team', 'u/nimbus_team' -> 'nimbus_team'."""
    h = (handle or "").strip().lower()
    for prefix in ("u/", "/u/", "@"):
        if h.startswith(prefix):
            h = h[len(prefix):]
    return h


def team_identity_ids() -> Any:
    """A subquery of the identity ids of our team accounts, for ``NOT IN`` exclusions."""
    return select(TeamAccount.identity_id).where(TeamAccount.identity_id.is_not(None)).scalar_subquery()


def not_team(identity_col: Any) -> ColumnElement[bool]:
    """A condition keeping rows whose identity is not one of our team accounts.

    Use it wherever member analytics, dashboards or alerts count people's posts:
    ``select(...).where(not_team(Interaction.identity_id))``.
    """
    return identity_col.not_in(team_identity_ids())


def not_team_member(member_col: Any) -> ColumnElement[bool]:
    """A condition keeping members that hold none of our team accounts (lists, top members)."""
    return member_col.not_in(select(Identity.member_id).where(Identity.id.in_(team_identity_ids())))
