"""Triage: which new interactions need a human, and the inbox state of a thread derived from everything stored, whatever the order in which its posts and our team's replies arrived."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, or_, select
from sqlalchemy.orm import Session

from crm.db import utcnow
from crm.inbox import classify
from crm.inbox.models import REASONS, InboxEvent, InboxItem, TeamAccount
from crm.inbox.team import normalise_handle
from crm.interactions.models import Interaction
from crm.members import engagement
from crm.members.models import Identity, Member
from crm.upsert import insert_ignore
from crm.webhooks import events as webhook_events

CHUNK = 500


REASON_ORDER = REASONS


@dataclass
class TriageResult:
    """What one triage call did."""

    seen: int = 0
    created: int = 0
    auto_handled: int = 0
    team_posts: int = 0


def _team(session: Session, rows: Sequence[Any]) -> classify.TeamHandles:
    """Team accounts, linking unlinked ones to identities seen in ``rows``."""
    accounts = list(session.scalars(select(TeamAccount)))
    unlinked = {(a.platform, a.handle): a for a in accounts if a.identity_id is None}
    if unlinked:
        for r in rows:
            account = unlinked.get((r.platform, normalise_handle(r.handle or "")))
            if account is not None and account.identity_id is None:
                account.identity_id = r.identity_id
        session.flush()
    return classify.TeamHandles(
        identity_ids=frozenset(a.identity_id for a in accounts if a.identity_id is not None),
        handles=frozenset(a.handle for a in accounts),
    )


# --- triage ------------------------------------------------------------------------------
def _root(platform_row: Any) -> str:
    return platform_row.thread_external_id or platform_row.external_id


def triage(session: Session, interaction_ids: Sequence[int]) -> TriageResult:
    """Put the interactions that need a human into the inbox; team replies handle items.

    Idempotent: an interaction gets at most one item (UNIQUE interaction_id), and handling
    only touches items that are not yet handled by this reply. Never commits.
    """
    result = TriageResult()
    ids = sorted(set(interaction_ids))
    for i in range(0, len(ids), CHUNK):
        _triage_chunk(session, ids[i : i + CHUNK], result)
    return result


def _triage_chunk(session: Session, ids: Sequence[int], result: TriageResult) -> None:
    rows = session.execute(
        select(
            Interaction.id, Interaction.platform, Interaction.external_id, Interaction.kind,
            Interaction.text, Interaction.title, Interaction.language, Interaction.sentiment,
            Interaction.sentiment_label, Interaction.parent_external_id, Interaction.thread_external_id,
            Interaction.source_id, Interaction.occurred_at, Interaction.identity_id, Interaction.member_id,
            Identity.handle, Member.engagement, Member.followers_max,
        )
        .join(Identity, Identity.id == Interaction.identity_id)
        .join(Member, Member.id == Interaction.member_id)
        .where(Interaction.id.in_(ids))
        .order_by(Interaction.occurred_at, Interaction.id)
    ).all()
    result.seen += len(rows)
    team = _team(session, rows)
    team_rows = [r for r in rows if r.identity_id in team.identity_ids]
    people = [r for r in rows if r.identity_id not in team.identity_ids]
    result.team_posts += len(team_rows)

    team_started = _team_authored(session, people, team) if team.identity_ids else set()
    pattern = team.mention_pattern()
    now = utcnow()
    items = []
    for r in people:
        mentions_team = bool(pattern and (pattern.search(r.text or "") or pattern.search(r.title or "")))
        in_team_thread = (r.platform, _root(r)) in team_started or (r.platform, r.parent_external_id) in team_started
        reasons = classify.reasons_for(
            text=r.text or "", title=r.title, language=r.language, kind=r.kind,
            sentiment_label=r.sentiment_label, mentions_team=mentions_team,
            in_team_thread=in_team_thread and _root(r) != r.external_id,
        )
        if not reasons:
            continue
        level = engagement.rank(engagement.level_of(r, now))
        items.append(
            {
                "interaction_id": r.id, "platform": r.platform, "source_id": r.source_id,
                "sentiment_label": r.sentiment_label, "member_level": level, "occurred_at": r.occurred_at,
                "thread_root": _root(r)[:255], "reasons": ",".join(reasons),
                "priority": classify.priority(reasons, level=level, sentiment=r.sentiment, followers=r.followers_max),
                "status": "open", "escalation_level": 0, "created_at": now, "updated_at": now,
            }
        )
    created_ids: set[int] = set()
    if items:
        table = InboxItem.__table__
        assert isinstance(table, Table)
        stmt = insert_ignore(session, table, ["interaction_id"]).returning(table.c.id, table.c.interaction_id)
        created = session.execute(stmt, items).all()
        result.created += len(created)
        created_ids = {c.interaction_id for c in created}
        member_of = {r.id: r.member_id for r in people}
        by_interaction = {it["interaction_id"]: it for it in items}
        webhook_events.inbox_items_created(session, [
            {"item_id": c.id, "interaction_id": c.interaction_id, "member_id": member_of.get(c.interaction_id),
             "platform": by_interaction[c.interaction_id]["platform"],
             "reasons": by_interaction[c.interaction_id]["reasons"].split(","),
             "priority": by_interaction[c.interaction_id]["priority"],
             "occurred_at": by_interaction[c.interaction_id]["occurred_at"]}
            for c in created
        ])
    _widen_reasons(session, [it for it in items if it["interaction_id"] not in created_ids])
    for r in team_rows:
        result.auto_handled += _handle_by_team_reply(session, r)
    # Order independence (issue 18): a team reply stored before the item it answers, or a
    # parent that arrives after the team reply to it, re-derives the thread's team-reply state
    # from everything stored, so the end state is the one oldest-first arrival gives.
    for platform, root in sorted({(t.platform, _root(t)[:255]) for t in _stored_team_replies(session, people, team)}):
        result.auto_handled += _rederive_thread(session, platform, root, team)
    if team_rows:
        chunk_ids = {r.id for r in rows}
        around = [i for i in _people_around(session, team_rows, team) if i not in chunk_ids]
        if around:
            later = triage(session, around)
            result.created += later.created
            result.auto_handled += later.auto_handled


def _widen_reasons(session: Session, items: Sequence[dict[str, Any]]) -> None:
    """Items that exist already gain reasons found now (a team thread declared or seen later)."""
    if not items:
        return
    wanted = {it["interaction_id"]: it for it in items}
    for item in session.scalars(select(InboxItem).where(InboxItem.interaction_id.in_(list(wanted)))):
        fresh = wanted[item.interaction_id]["reasons"].split(",")
        merged = [r for r in REASON_ORDER if r in set(item.reason_list) | set(fresh)]
        if merged != item.reason_list:
            item.reasons = ",".join(merged)
            item.priority = max(item.priority, wanted[item.interaction_id]["priority"])
    session.flush()


def _people_around(session: Session, team_rows: Sequence[Any], team: classify.TeamHandles) -> list[int]:
    """Ids of people's posts in threads these team posts started, or answering them."""
    out: set[int] = set()
    by_platform: dict[str, set[str]] = {}
    for r in team_rows:
        by_platform.setdefault(r.platform, set()).add(r.external_id)
    for platform, exts in by_platform.items():
        ext_list = sorted(exts)
        for i in range(0, len(ext_list), CHUNK):
            part = ext_list[i : i + CHUNK]
            out.update(session.scalars(select(Interaction.id).where(
                Interaction.platform == platform,
                or_(Interaction.thread_external_id.in_(part), Interaction.parent_external_id.in_(part)),
                Interaction.identity_id.not_in(team.identity_ids),
            )))
    return sorted(out)


def _rederive_thread(session: Session, platform: str, root: str, team: classify.TeamHandles) -> int:
    """Recompute which items of one thread a team reply handled, from every stored post.

    The rule is :func:`_handle_by_team_reply`'s: a reply handles the earlier items of its
    parent's author, or of everyone in the thread when we never collected the parent. Items a
    person handled keep that; only the team-reply part (and the first response) is derived.
    Returns how many items became handled.
    """
    items = session.execute(
        select(InboxItem, Interaction.member_id)
        .join(Interaction, Interaction.id == InboxItem.interaction_id)
        .where(InboxItem.platform == platform, InboxItem.thread_root == root)
    ).all()
    if not items:
        return 0
    replies = session.execute(
        select(Interaction.occurred_at, Interaction.parent_external_id, Identity.handle)
        .join(Identity, Identity.id == Interaction.identity_id)
        .where(Interaction.platform == platform,
               or_(Interaction.thread_external_id == root, Interaction.external_id == root),
               Interaction.identity_id.in_(team.identity_ids))
        .order_by(Interaction.occurred_at, Interaction.id)
    ).all()
    parent_ids = sorted({r.parent_external_id for r in replies if r.parent_external_id})
    parent_member = dict(session.execute(
        select(Interaction.external_id, Interaction.member_id)
        .where(Interaction.platform == platform, Interaction.external_id.in_(parent_ids))
    ).all()) if parent_ids else {}
    handled = 0
    for item, member_id in items:
        answer = next((r for r in replies if r.occurred_at >= item.occurred_at
                       and parent_member.get(r.parent_external_id or "", member_id) == member_id), None)
        if item.handled_via not in (None, "team_reply"):
            if answer is not None:
                record_first_response(item, answer.occurred_at)
            continue
        if answer is None:
            if item.handled_via == "team_reply":
                item.status, item.handled_at, item.handled_via = "open", None, None
                item.first_response_at = item.first_response_seconds = None
                session.add(InboxEvent(item_id=item.id, kind="reopened", detail="the team reply answers someone else"))
            continue
        if item.handled_via == "team_reply":
            item.first_response_at = None
        record_first_response(item, answer.occurred_at)
        if item.status != "handled" or item.handled_at != answer.occurred_at:
            newly = item.status != "handled"
            item.status, item.handled_at, item.handled_via = "handled", answer.occurred_at, "team_reply"
            item.handled_by_id, item.snoozed_until = None, None
            if newly:
                handled += 1
                session.add(InboxEvent(item_id=item.id, kind="auto_handled",
                                       detail=f"answered by @{answer.handle} ({platform})"))
                webhook_events.inbox_item_handled(session, item, member_id=member_id, via="team_reply")
    session.flush()
    return handled


def _team_authored(session: Session, rows: Sequence[Any], team: classify.TeamHandles) -> set[tuple[str, str]]:
    """(platform, external_id) of the roots and parents of ``rows`` that a team account wrote."""
    wanted: dict[str, set[str]] = {}
    for r in rows:
        if _root(r) != r.external_id:
            wanted.setdefault(r.platform, set()).add(_root(r))
        if r.parent_external_id:
            wanted.setdefault(r.platform, set()).add(r.parent_external_id)
    found: set[tuple[str, str]] = set()
    for platform, exts in wanted.items():
        ext_list = sorted(exts)
        for i in range(0, len(ext_list), CHUNK):
            found.update(
                (row.platform, row.external_id)
                for row in session.execute(
                    select(Interaction.platform, Interaction.external_id).where(
                        Interaction.platform == platform,
                        Interaction.external_id.in_(ext_list[i : i + CHUNK]),
                        Interaction.identity_id.in_(team.identity_ids),
                    )
                )
            )
    return found


def _stored_team_replies(session: Session, rows: Sequence[Any], team: classify.TeamHandles) -> list[Any]:
    """Team posts already stored in the threads of ``rows``, at or after the earliest of them."""
    if not rows or not team.identity_ids:
        return []
    roots: dict[str, set[str]] = {}
    for r in rows:
        roots.setdefault(r.platform, set()).add(_root(r)[:255])
    since = min(r.occurred_at for r in rows)
    found: list[Any] = []
    for platform, wanted in roots.items():
        ext_list = sorted(wanted)
        for i in range(0, len(ext_list), CHUNK):
            part = ext_list[i : i + CHUNK]
            found.extend(session.execute(
                select(Interaction.id, Interaction.platform, Interaction.external_id, Interaction.parent_external_id,
                       Interaction.thread_external_id, Interaction.occurred_at, Identity.handle)
                .join(Identity, Identity.id == Interaction.identity_id)
                .where(
                    Interaction.platform == platform,
                    or_(Interaction.thread_external_id.in_(part), Interaction.external_id.in_(part)),
                    Interaction.identity_id.in_(team.identity_ids),
                    Interaction.occurred_at >= since,
                )
                .order_by(Interaction.occurred_at, Interaction.id)
            ).all())
    return found


def retriage_team_account(session: Session, account: TeamAccount) -> TriageResult:
    """Re-triage after an account was declared ours, so the end state does not depend on order.

    Its posts leave the inbox (they were triaged as a member's), people's posts in threads it
    started get their items, and its replies handle what they answer, with the real response
    time (not 0 s from "answering" itself).
    """
    result = TriageResult()
    if account.identity_id is None:
        return result
    own = list(session.scalars(select(Interaction.id).where(Interaction.identity_id == account.identity_id)))
    for i in range(0, len(own), CHUNK):
        part = own[i : i + CHUNK]
        for item in session.scalars(select(InboxItem).where(InboxItem.interaction_id.in_(part))):
            session.delete(item)
    session.flush()
    started = select(Interaction.external_id).where(Interaction.identity_id == account.identity_id)
    around = list(session.scalars(
        select(Interaction.id).where(
            Interaction.platform == account.platform,
            Interaction.identity_id != account.identity_id,
            or_(Interaction.thread_external_id.in_(started), Interaction.parent_external_id.in_(started)),
        )
    ))
    for ids in (around, own):
        r = triage(session, ids)
        result.seen += r.seen
        result.created += r.created
        result.auto_handled += r.auto_handled
        result.team_posts += r.team_posts
    return result


def _handle_by_team_reply(session: Session, reply: Any) -> int:
    """Handle the items this team reply answers; record the first response. Returns how many."""
    parent_member = None
    if reply.parent_external_id:
        parent_member = session.scalar(
            select(Interaction.member_id).where(
                Interaction.platform == reply.platform, Interaction.external_id == reply.parent_external_id
            )
        )
    stmt = (
        select(InboxItem)
        .join(Interaction, Interaction.id == InboxItem.interaction_id)
        .where(
            InboxItem.platform == reply.platform,
            InboxItem.thread_root == _root(reply)[:255],
            InboxItem.occurred_at <= reply.occurred_at,
            or_(InboxItem.status != "handled", InboxItem.first_response_at.is_(None),
                InboxItem.first_response_at > reply.occurred_at),
        )
    )
    if parent_member is not None:
        stmt = stmt.where(Interaction.member_id == parent_member)
    handled = 0
    for item in session.scalars(stmt):
        record_first_response(item, reply.occurred_at)
        if item.status != "handled":
            item.status = "handled"
            item.handled_at = reply.occurred_at
            item.handled_via = "team_reply"
            item.handled_by_id = None
            item.snoozed_until = None
            handled += 1
            session.add(InboxEvent(item_id=item.id, kind="auto_handled",
                                   detail=f"answered by @{reply.handle} ({reply.platform})"))
            webhook_events.inbox_item_handled(session, item, member_id=parent_member, via="team_reply")
    session.flush()
    return handled


def record_first_response(item: InboxItem, at: datetime) -> None:
    """Keep the earliest response time we know of (a team reply beats a later 'mark handled')."""
    if item.first_response_at is None or at < item.first_response_at:
        item.first_response_at = at
        item.first_response_seconds = max(0, int((at - item.occurred_at).total_seconds()))
