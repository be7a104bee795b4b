"""Test data builders. They flush, never commit: the fixture's outer transaction is rolled back."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from connectors.base import Author, Mention
from crm.imports.models import ImportRun
from crm.ingest import IngestResult, ingest_batch
from crm.members.models import Identity, Member

_seq = itertools.count(1)
BASE_TIME = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def unique(prefix: str = "id") -> str:
    """A string no other factory call returns in this run."""
    return f"{prefix}-{next(_seq)}"


def author(author_id: str | None = None, **fields: Any) -> Author:
    """An Author with a unique id and a handle derived from it."""
    author_id = author_id or unique("author")
    fields.setdefault("handle", f"h_{author_id}")
    fields.setdefault("display_name", f"Person {author_id}")
    return Author(id=author_id, **fields)


def mention(
    *, platform: str = "reddit", external_id: str | None = None, by: Author | str | None = None,
    text: str = "An ordinary comment about the product", created_at: datetime | None = None,
    minutes: int = 0, **fields: Any,
) -> Mention:
    """A valid Mention; ``by`` is an Author or an author id; ``minutes`` shifts BASE_TIME."""
    who = by if isinstance(by, Author) else author(by)
    return Mention(
        platform=platform,
        external_id=external_id or unique("m"),
        author=who,
        created_at=created_at or BASE_TIME + timedelta(minutes=minutes),
        text=text,
        **fields,
    )


def ingest(db: Session, *mentions: Mention, **options: Any) -> IngestResult:
    """Ingest through the one real path and flush."""
    result = ingest_batch(db, list(mentions), **options)
    db.flush()
    return result


def member_of(db: Session, platform: str, author_id: str) -> Member:
    """The member behind an identity (fresh from the database)."""
    db.expire_all()
    ident = db.scalars(
        select(Identity).where(Identity.platform == platform, Identity.external_id == author_id)
    ).one()
    return db.get(Member, ident.member_id)  # type: ignore[return-value]


def import_run(db: Session, path: str, *, fmt: str = "jsonl", **fields: Any) -> ImportRun:
    """A queued ImportRun for a file on disk."""
    from pathlib import Path

    size = Path(path).stat().st_size
    fields.setdefault("status", "queued")
    fields.setdefault("errors", [])
    run = ImportRun(
        filename=fields.pop("filename", Path(path).name), stored_path=str(path), format=fmt,
        total_bytes=size, **fields,
    )
    db.add(run)
    db.flush()
    return run


def count(db: Session, model: Any) -> int:
    """Rows of a model."""
    return db.scalar(select(func.count()).select_from(model)) or 0
