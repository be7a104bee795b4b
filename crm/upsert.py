"""INSERT .. ON CONFLICT for both backends, so every write path can be an upsert."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def insert_ignore(session: Session, table: Table, conflict_cols: Sequence[str]) -> Any:
    """``INSERT .. ON CONFLICT (cols) DO NOTHING`` for the session's backend."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing(index_elements=list(conflict_cols))
    return sqlite.insert(table).on_conflict_do_nothing(index_elements=list(conflict_cols))
