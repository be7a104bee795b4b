"""The privacy audit log: who erased, exported or changed retention, and when."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.db import utcnow
from crm.privacy.models import AUDIT_ACTIONS, PrivacyAudit


def record(
    session: Session, action: str, *, actor: str, actor_id: int | None = None, channel: str = "web",
    subject: str = "", detail: dict[str, Any] | None = None, reason: str = "",
) -> PrivacyAudit:
    """Add one entry (flushed, so its id can be referenced) in the caller's transaction."""
    if action not in AUDIT_ACTIONS:
        raise ValueError(f"unknown privacy audit action {action!r}")
    row = PrivacyAudit(
        action=action, actor=(actor or "unknown")[:320], actor_id=actor_id, channel=channel[:8],
        subject=subject[:200], detail=detail, reason=(reason or "").strip()[:2000], created_at=utcnow(),
    )
    session.add(row)
    session.flush()
    return row


def list_audit(session: Session, *, action: str | None = None, limit: int = 200) -> Sequence[PrivacyAudit]:
    """The newest entries first, optionally of one action."""
    stmt = select(PrivacyAudit).order_by(PrivacyAudit.id.desc()).limit(limit)
    if action:
        stmt = stmt.where(PrivacyAudit.action == action)
    return session.scalars(stmt).all()
