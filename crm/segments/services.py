"""Segments: create, edit, delete, count, preview and page through their members."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from crm.db import as_id
from crm.errors import Conflict, InvalidInput, NotFound
from crm.members.models import Member
from crm.members.services import MemberPage
from crm.segments.builtins import BUILTINS
from crm.segments.compile import member_filter, planner_hints
from crm.segments.models import Segment
from crm.segments.rules import parse_rule, referenced_segments

MAX_NAME = 120
PREVIEW_SIZE = 20
# The order members are shown in (pages, preview): most recently active first.
SHOW_ORDER = (Member.last_seen.desc().nulls_last(), Member.id.desc())


@dataclass(frozen=True)
class Preview:
    """How many members a rule matches and the first of them."""

    count: int
    members: Sequence[Member]


# A page of a segment's members is a page of members.
SegmentPage = MemberPage


def list_segments(session: Session) -> Sequence[Segment]:
    """Every segment, built-ins first, then by name."""
    return session.scalars(
        select(Segment).order_by(Segment.builtin_key.is_(None), func.lower(Segment.name))
    ).all()


def get_segment(session: Session, segment_id: int) -> Segment:
    """The segment with this id; NotFound otherwise."""
    segment = session.get(Segment, segment_id)
    if segment is None:
        raise NotFound(f"There is no segment {segment_id}.")
    return segment


def find_segment(session: Session, ref: str) -> Segment:
    """A segment by id ("7") or by name, case-insensitive (the CLI's SEGMENT argument)."""
    ref = (ref or "").strip()
    if as_id(ref) is not None:
        found = session.get(Segment, as_id(ref))
        if found is not None:
            return found
    segment = session.scalars(select(Segment).where(func.lower(Segment.name) == ref.casefold())).first()
    if segment is None:
        raise NotFound(f"There is no segment {ref!r} (give its id or its name).")
    return segment


def _clean_name(session: Session, name: str, segment_id: int | None) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise InvalidInput("A segment needs a name.", field="name")
    if len(name) > MAX_NAME:
        raise InvalidInput(f"A name is at most {MAX_NAME} characters.", field="name")
    clash = session.scalar(
        select(Segment.id).where(func.lower(Segment.name) == name.casefold(), Segment.id != (segment_id or 0))
    )
    if clash is not None:
        raise Conflict(f"A segment named “{name}” already exists.", field="name")
    return name


def validate_rule(session: Session, raw: Any, *, segment_id: int | None = None) -> dict[str, Any]:
    """Parse a rule and compile it once, so cycles and missing segments are caught; return it normalised."""
    rule = parse_rule(raw)
    member_filter(session, rule, segment_id=segment_id)
    return rule


def create_segment(
    session: Session, *, name: str, rule: Any, description: str = "", user_id: int | None = None
) -> Segment:
    """Save a new segment; InvalidInput names the wrong part of the rule."""
    segment = Segment(
        name=_clean_name(session, name, None), description=(description or "").strip()[:2000],
        rule=validate_rule(session, rule), created_by_id=user_id,
    )
    session.add(segment)
    session.flush()
    return segment


def update_segment(session: Session, segment_id: int, *, name: str, rule: Any, description: str = "") -> Segment:
    """Change a segment's name, description and rule (built-ins too)."""
    segment = get_segment(session, segment_id)
    segment.name = _clean_name(session, name, segment.id)
    segment.description = (description or "").strip()[:2000]
    segment.rule = validate_rule(session, rule, segment_id=segment.id)
    session.flush()
    return segment


def reset_builtin(session: Session, segment_id: int) -> Segment:
    """Restore a built-in segment's shipped name, description and rule."""
    segment = get_segment(session, segment_id)
    if segment.builtin_key not in BUILTINS:
        raise Conflict(f"“{segment.name}” is not a built-in segment.")
    shipped = BUILTINS[segment.builtin_key]
    clash = session.scalars(
        select(Segment).where(func.lower(Segment.name) == shipped["name"].casefold(), Segment.id != segment.id)
    ).first()
    if clash is not None:
        raise Conflict(f"Rename “{clash.name}” first: the built-in segment needs its name back.")
    segment.name, segment.description, segment.rule = shipped["name"], shipped["description"], shipped["rule"]
    session.flush()
    return segment


def delete_segment(session: Session, segment_id: int) -> None:
    """Delete a segment that is neither built-in nor used by another segment's rule."""
    segment = get_segment(session, segment_id)
    if segment.is_builtin:
        raise Conflict(f"“{segment.name}” is built in: edit it or reset it, it cannot be deleted.")
    users = [s.name for s in list_segments(session) if s.id != segment.id and segment.id in referenced_segments(s.rule)]
    if users:
        raise Conflict(f"“{segment.name}” is used by {', '.join(users)}: change those first.")
    session.delete(segment)
    session.flush()


def count_members(session: Session, rule: dict[str, Any], *, segment_id: int | None = None,
                  now: datetime | None = None) -> int:
    """How many members a normalised rule matches now."""
    where = member_filter(session, rule, segment_id=segment_id, now=now)
    with planner_hints(session):
        return session.scalar(select(func.count()).select_from(Member).where(*where)) or 0


def preview(session: Session, raw_rule: Any, *, segment_id: int | None = None) -> Preview:
    """Count and first members of a rule being edited (validated, never saved)."""
    rule = parse_rule(raw_rule)
    members = session.scalars(
        select(Member).where(*member_filter(session, rule, segment_id=segment_id)).options(selectinload(Member.identities))
        .order_by(*SHOW_ORDER).limit(PREVIEW_SIZE)
    ).all()
    total = len(members) if len(members) < PREVIEW_SIZE else count_members(session, rule, segment_id=segment_id)
    return Preview(total, members)


def segment_page(session: Session, segment: Segment, *, page: int = 1, per_page: int = 50) -> SegmentPage:
    """One page of a segment's members, most recently active first."""
    per_page = max(1, min(per_page, 200))
    page = max(1, page)
    with planner_hints(session):
        items = session.scalars(
            select(Member).where(*member_filter(session, segment.rule, segment_id=segment.id))
            .options(selectinload(Member.identities), selectinload(Member.tags))
            .order_by(*SHOW_ORDER).limit(per_page).offset((page - 1) * per_page)
        ).all()
    return SegmentPage(items, page, per_page, count_members(session, segment.rule, segment_id=segment.id))


def members_after(session: Session, segment: Segment, *, after: int = 0, limit: int = 100) -> Sequence[Member]:
    """Members with id > ``after`` in id order: keyset pages for the API, stable while rows change."""
    limit = max(1, min(limit, 1000))
    where = member_filter(session, segment.rule, segment_id=segment.id)
    with planner_hints(session):
        return session.scalars(
            select(Member).where(*where, Member.id > after)
            .options(selectinload(Member.identities), selectinload(Member.tags))
            .order_by(Member.id).limit(limit)
        ).all()
