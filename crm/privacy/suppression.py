"""The suppression list: hashed accounts that ingest drops, so an erased person stays erased."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import Any, cast

from sqlalchemy import CursorResult, delete, select
from sqlalchemy.orm import Session

from crm.db import chunks, utcnow
from crm.errors import InvalidInput, NotFound
from crm.privacy.models import Suppression


def normal_handle(handle: str) -> str:
    """A handle as compared for suppression: lower-case, without "@" or "u/"."""
    h = (handle or "").strip().lower()
    for prefix in ("@", "u/", "/u/"):
        if h.startswith(prefix):
            h = h[len(prefix):]
    return h


def key_hash(platform: str, kind: str, value: str) -> str:
    """SHA-256 of one suppressed key (platform, "id" or "handle", the value)."""
    if kind == "handle":
        value = normal_handle(value)
    else:
        value = value.strip()
    return hashlib.sha256(f"crm-suppression\x1f{platform}\x1f{kind}\x1f{value}".encode()).hexdigest()


def suppress(session: Session, keys: Iterable[tuple[str, str, str]], *, audit_id: int | None) -> int:
    """Add (platform, kind, value) keys to the list (existing ones are kept); the number added."""
    wanted = {}
    for platform, kind, value in keys:
        if value and value.strip() and (kind != "handle" or normal_handle(value)):
            wanted[key_hash(platform, kind, value)] = (platform, kind)
    if not wanted:
        return 0
    have: set[str] = set()
    for part in chunks(list(wanted)):
        have.update(session.scalars(select(Suppression.key_hash).where(Suppression.key_hash.in_(part))))
    now = utcnow()
    for h, (platform, kind) in wanted.items():
        if h not in have:
            session.add(Suppression(platform=platform, kind=kind, key_hash=h, audit_id=audit_id, created_at=now))
    session.flush()
    return len(wanted) - len(have)


def suppressed_keys(session: Session, candidates: Sequence[tuple[str, str, str]]) -> set[tuple[str, str, str]]:
    """Which of these (platform, kind, value) keys are on the list (one query per 500)."""
    by_hash = {key_hash(*c): c for c in candidates if c[2]}
    hits: set[tuple[str, str, str]] = set()
    for part in chunks(list(by_hash)):
        for h in session.scalars(select(Suppression.key_hash).where(Suppression.key_hash.in_(part))):
            hits.add(by_hash[h])
    return hits


def unsuppress(session: Session, *, suppression_id: int | None = None, platform: str = "",
               external_id: str = "", handle: str = "") -> int:
    """Take entries off the list, by row id or by the account's platform id and/or handle."""
    if suppression_id is not None:
        row = session.get(Suppression, suppression_id)
        if row is None:
            raise NotFound(f"There is no suppression entry {suppression_id}.")
        session.delete(row)
        session.flush()
        return 1
    if not platform or not (external_id.strip() or handle.strip()):
        raise InvalidInput("Give the platform and the account's id or handle.", field="platform")
    hashes = []
    if external_id.strip():
        hashes.append(key_hash(platform, "id", external_id))
    if handle.strip():
        hashes.append(key_hash(platform, "handle", handle))
    result = session.execute(delete(Suppression).where(Suppression.key_hash.in_(hashes)))
    n = cast("CursorResult[Any]", result).rowcount or 0
    if not n:
        raise NotFound("That account is not on the suppression list.")
    return int(n)


def list_suppressions(session: Session, *, limit: int = 500) -> list[Any]:
    """The newest entries (no personal data: platform, kind, hash prefix, when, which erasure)."""
    return list(session.scalars(select(Suppression).order_by(Suppression.id.desc()).limit(limit)))


def any_suppressed(session: Session) -> bool:
    """Whether the list has any entry (ingest skips hashing while it is empty)."""
    return session.scalar(select(Suppression.id).limit(1)) is not None
