"""A member's denormalised identity facts: platforms, search name and reach.

Kept on the Member row so lists filter and sort without joining identities. Ingest refreshes
them when identities change; merges and unmerges refresh them when identities move.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import String, select
from sqlalchemy.orm import Session

from crm.db import chunks, table_of
from crm.members.models import Identity, Member
from crm.upsert import bulk_update


def search_name(*parts: str | None) -> str:
    """Lower-cased names and handles, one string for an indexed LIKE search."""
    return " ".join(p.casefold() for p in parts if p)[:1000]


def refresh_member_profiles(session: Session, member_ids: Sequence[int]) -> None:
    """Recompute platforms, search name and reach of these members from their identities.

    A member left with no identities (merged away) gets empty facts.
    """
    rows: dict[int, list[Any]] = {m: [] for m in member_ids}
    for chunk in chunks(list(rows)):
        for r in session.execute(
            select(Identity.member_id, Identity.platform, Identity.handle, Identity.display_name, Identity.followers)
            .where(Identity.member_id.in_(chunk))
        ):
            rows[r.member_id].append(r)
    params = []
    for mid, idents in rows.items():
        names = {p for r in idents for p in (r.display_name, r.handle) if p}
        followers = [r.followers for r in idents if r.followers is not None]
        params.append({
            "b_id": mid,
            "platforms": ",".join(sorted({r.platform for r in idents}))[:200],
            "search_name": search_name(*sorted(names)),
            "followers_max": max(followers) if followers else None,
        })
    t = table_of(Member)
    bulk_update(
        session, t, params,
        {"b_id": t.c.id.type, "platforms": String(), "search_name": String(), "followers_max": t.c.followers_max.type},
        lambda v: {"platforms": v["platforms"], "search_name": v["search_name"], "followers_max": v["followers_max"]},
    )
