"""Engagement level, from crm/identity/engagement.py when it exists, else from member aggregates.

Another area owns the real definition. We import it lazily and use it only when it offers
``LEVELS`` (names, most engaged first) and ``level_clause(level, now)`` (a boolean SQL
expression over ``members``); and, for the export column, ``level_of(member_row, now)``.
Until then the fallback below defines the levels from aggregates ingest already keeps:

- ``high``: at least 10 interactions in all, the last within 30 days
- ``medium``: at least 3 interactions, the last within 90 days (and not high)
- ``low``: active within 90 days (and neither of the above)
- ``inactive``: silent for 90 days, or never active
"""

from __future__ import annotations

import importlib
from datetime import datetime, timedelta
from types import ModuleType
from typing import Any

from sqlalchemy import ColumnElement, and_, false, or_

from crm.members.models import Member

FALLBACK_LEVELS = ("high", "medium", "low", "inactive")


def _provider() -> ModuleType | None:
    try:
        module = importlib.import_module("crm.members.engagement")
    except ImportError:
        return None
    if all(hasattr(module, name) for name in ("LEVELS", "level_clause", "level_of")):
        return module
    return None


def levels() -> tuple[str, ...]:
    """The level names, most engaged first."""
    provider = _provider()
    return tuple(provider.LEVELS) if provider else FALLBACK_LEVELS


def level_clause(level: str, now: datetime) -> ColumnElement[bool]:
    """Members at ``level``: never NULL, so NOT works as a true complement."""
    provider = _provider()
    if provider:
        return provider.level_clause(level, now)  # type: ignore[no-any-return]
    recent, quarter = now - timedelta(days=30), now - timedelta(days=90)
    seen = Member.last_seen.is_not(None)
    high = and_(seen, Member.interaction_count >= 10, Member.last_seen >= recent)
    medium = and_(seen, Member.interaction_count >= 3, Member.last_seen >= quarter, ~high)
    low = and_(seen, Member.last_seen >= quarter, ~high, ~medium)
    inactive = or_(Member.last_seen.is_(None), Member.last_seen < quarter)
    return {"high": high, "medium": medium, "low": low, "inactive": inactive}.get(level, false())


def level_of(row: Any, now: datetime) -> str:
    """The level of one member row (anything with interaction_count and last_seen)."""
    provider = _provider()
    if provider:
        return str(provider.level_of(row, now))
    last, count = row.last_seen, row.interaction_count or 0
    if last is None or last < now - timedelta(days=90):
        return "inactive"
    if count >= 10 and last >= now - timedelta(days=30):
        return "high"
    return "medium" if count >= 3 else "low"
