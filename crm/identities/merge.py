"""Merging members and undoing it exactly.

A merge moves identities, interactions, notes and tags of the merged members to the kept one
and empties the merged rows ("soft" merge: the row stays, with ``merged_into_id``, so its id is
never reused and links to it can be redirected). The audit entry's snapshot records what moved
from which member and the member rows as they were; the unmerge puts every piece back and
restores the rows, recomputing aggregates only where interactions arrived since the merge.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, delete, func, insert, select, update
from sqlalchemy.orm import Session

from crm.db import UTCDateTime, chunks, utcnow
from crm.errors import Conflict, InvalidInput, NotFound
from crm.identities.models import MergeAudit, MergeSuggestion
from crm.identities.normalise import fold_handle, handle_local, name_tokens
from crm.interactions.models import Interaction
from crm.members import aggregates
from crm.members.models import Identity, Member, MemberTag, Note
from crm.members.profiles import refresh_member_profiles
from crm.webhooks import events as webhook_events

CHUNK = 500
MAX_MERGE = 50
_M = cast(Table, Member.__table__)
_I = cast(Table, Identity.__table__)
_X = cast(Table, Interaction.__table__)
_N = cast(Table, Note.__table__)
_T = cast(Table, MemberTag.__table__)
_S = cast(Table, MergeSuggestion.__table__)
_S_TIMES = ("snoozed_until", "created_at", "updated_at")


def _suggestions_of(session: Session, member_ids: Sequence[int]) -> list[dict[str, Any]]:
    """The pending suggestions touching these members, as JSON-safe rows (ids and status kept)."""
    out = []
    for r in session.execute(select(_S).where(
        _S.c.status.in_(("open", "snoozed")), _S.c.member_a_id.in_(member_ids) | _S.c.member_b_id.in_(member_ids)
    ).order_by(_S.c.id)):
        row = dict(r._mapping)
        for k in _S_TIMES:
            row[k] = row[k].isoformat() if row[k] is not None else None
        out.append(row)
    return out


def _restore_suggestions(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Put suggestions back as they were before a merge: same ids, status and snooze."""
    for data in rows:
        row = dict(data)
        for k in _S_TIMES:
            row[k] = datetime.fromisoformat(row[k]) if row.get(k) else None
        live = session.execute(select(_M.c.id).where(
            _M.c.id.in_((row["member_a_id"], row["member_b_id"])), _M.c.merged_into_id.is_(None))).all()
        if len(live) != 2:
            continue  # one side was merged elsewhere meanwhile
        session.execute(delete(_S).where(
            (_S.c.id == row["id"]) | ((_S.c.member_a_id == row["member_a_id"]) & (_S.c.member_b_id == row["member_b_id"]))
        ))
        session.execute(insert(_S).values(**row))


def _dump_row(row: Any) -> dict[str, Any]:
    """A member row as JSON-safe values (timestamps as ISO text)."""
    out = {}
    for col in _M.columns:
        value = getattr(row, col.name)
        out[col.name] = value.isoformat() if isinstance(value, datetime) else value
    return out


def _load_row(data: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for col in _M.columns:
        value = data.get(col.name)
        if isinstance(col.type, UTCDateTime) and value is not None:
            value = datetime.fromisoformat(value)
        out[col.name] = value
    return out


def _fingerprint(session: Session, member_ids: Sequence[int]) -> dict[int, list[Any]]:
    """Per member: interaction count and largest id, and its identities' profile facts.

    Equal fingerprints before the merge and after the unmerge mean nothing arrived or changed
    in between, so the stored aggregates are still exact (no float re-summing).
    """
    out: dict[int, list[Any]] = {m: [0, 0, []] for m in member_ids}
    for chunk in chunks(list(member_ids), CHUNK):
        for r in session.execute(
            select(_X.c.member_id, func.count(), func.max(_X.c.id))
            .where(_X.c.member_id.in_(chunk)).group_by(_X.c.member_id)
        ):
            out[r[0]][0], out[r[0]][1] = r[1], r[2]
        for r in session.execute(
            select(_I.c.member_id, _I.c.id, _I.c.platform, _I.c.handle, _I.c.display_name, _I.c.followers)
            .where(_I.c.member_id.in_(chunk)).order_by(_I.c.id)
        ):
            out[r[0]][2].append([r[1], r[2], r[3], r[4], r[5]])
    return out


def _member_rows(session: Session, ids: Sequence[int]) -> dict[int, Any]:
    return {r.id: r for r in session.execute(select(_M).where(_M.c.id.in_(ids)))}


def _lead(session: Session, keep_id: int, identity_ids: Sequence[int], lead_identity_id: int | None) -> Any:
    """The identity whose name and picture the merged member shows.

    The one asked for; otherwise the kept member's own name stays unless it is not a
    person's name (one word, or just a handle) and another profile shows a full name.
    """
    rows = {r.id: r for r in session.execute(
        select(_I.c.id, _I.c.member_id, _I.c.handle, _I.c.display_name, _I.c.avatar_url).where(_I.c.id.in_(identity_ids)))}
    if lead_identity_id is not None:
        if lead_identity_id not in rows:
            raise InvalidInput("The leading profile must be one of the merged members' accounts.", field="lead_identity_id")
        return rows[lead_identity_id]

    def words(r: Any) -> int:
        return len(name_tokens(r.display_name or "", fold_handle(handle_local("", r.handle or "")[0])))

    kept = [r for r in rows.values() if r.member_id == keep_id]
    best = max(rows.values(), key=lambda r: (words(r) >= 2, r.member_id == keep_id, -r.id), default=None)
    if kept and best is not None and words(best) >= 2 and max(map(words, kept)) < 2:
        return best
    return None


def merge_members(
    session: Session, *, keep_id: int, merge_ids: Sequence[int], actor_id: int | None,
    reason: str = "", method: str = "manual", evidence: list[dict[str, Any]] | None = None,
    lead_identity_id: int | None = None,
) -> MergeAudit:
    """Merge ``merge_ids`` into ``keep_id``; return the audit entry (its snapshot undoes it).

    ``lead_identity_id`` picks the profile whose name and picture the member shows.
    """
    merge_ids = list(dict.fromkeys(int(m) for m in merge_ids))
    if not merge_ids:
        raise InvalidInput("Pick at least one member to merge.", field="merge_ids")
    if keep_id in merge_ids:
        raise InvalidInput("A member cannot be merged into itself.", field="merge_ids")
    if len(merge_ids) > MAX_MERGE:
        raise InvalidInput(f"Merge at most {MAX_MERGE} members at once.", field="merge_ids")
    session.flush()
    all_ids = [keep_id, *merge_ids]
    rows = _member_rows(session, all_ids)
    for mid in all_ids:
        if mid not in rows:
            raise NotFound(f"There is no member {mid}.")
        if rows[mid].merged_into_id is not None:
            raise Conflict(f"Member {mid} was already merged into member {rows[mid].merged_into_id}.")
    idents: dict[int, list[int]] = defaultdict(list)
    platforms: dict[int, set[str]] = defaultdict(set)
    for r in session.execute(select(_I.c.id, _I.c.member_id, _I.c.platform).where(_I.c.member_id.in_(all_ids))):
        idents[r.member_id].append(r.id)
        platforms[r.member_id].add(r.platform)
    if method.startswith("rule:"):
        seen: set[str] = set()
        for mid in all_ids:
            if seen & platforms[mid]:
                raise Conflict("An automatic merge never joins two accounts of the same platform.")
            seen |= platforms[mid]

    snapshot: dict[str, Any] = {
        "members": {str(m): _dump_row(rows[m]) for m in all_ids},
        "fingerprints": {str(k): v for k, v in _fingerprint(session, all_ids).items()},
        "identities": {str(m): sorted(idents[m]) for m in merge_ids},
        "interactions": {}, "notes": {}, "tags_moved": {}, "tags_dropped": {},
        # Pending suggestions of the merged members (and between the members): the merge
        # drops them; the unmerge puts them back with their ids, snoozes and dates.
        "suggestions": _suggestions_of(session, merge_ids),
    }
    for m in merge_ids:
        snapshot["interactions"][str(m)] = list(session.scalars(
            select(_X.c.id).where(_X.c.member_id == m).order_by(_X.c.id)))
        snapshot["notes"][str(m)] = list(session.scalars(select(_N.c.id).where(_N.c.member_id == m).order_by(_N.c.id)))
    kept_tags = set(session.scalars(select(_T.c.tag).where(_T.c.member_id == keep_id)))
    for m in merge_ids:
        moved: list[list[str]] = []
        dropped: list[list[str]] = []
        for tag, created in session.execute(select(_T.c.tag, _T.c.created_at).where(_T.c.member_id == m).order_by(_T.c.tag)):
            (dropped if tag in kept_tags else moved).append([tag, created.isoformat()])
            kept_tags.add(tag)
        snapshot["tags_moved"][str(m)], snapshot["tags_dropped"][str(m)] = moved, dropped

    lead = _lead(session, keep_id, [i for m in all_ids for i in idents[m]], lead_identity_id)
    # Move everything. Identity rows keep their updated_at: a merge does not change a profile.
    session.execute(update(_I).where(_I.c.member_id.in_(merge_ids)).values(member_id=keep_id, updated_at=_I.c.updated_at))
    session.execute(update(_X).where(_X.c.member_id.in_(merge_ids)).values(member_id=keep_id))
    session.execute(update(_N).where(_N.c.member_id.in_(merge_ids)).values(member_id=keep_id))
    for m in merge_ids:
        if snapshot["tags_dropped"][str(m)]:
            session.execute(delete(_T).where(_T.c.member_id == m, _T.c.tag.in_([t for t, _ in snapshot["tags_dropped"][str(m)]])))
        if snapshot["tags_moved"][str(m)]:
            session.execute(update(_T).where(_T.c.member_id == m).values(member_id=keep_id))
    session.execute(
        update(_M).where(_M.c.id.in_(merge_ids)).values(
            merged_into_id=keep_id, **aggregates.EMPTY,
            platforms="", search_name="", followers_max=None, updated_at=utcnow(),
        )
    )
    aggregates.recompute(session, [keep_id])
    refresh_member_profiles(session, [keep_id])
    looks = {} if lead is None else {"display_name": (lead.display_name or lead.handle or "")[:300],
                                     "avatar_url": lead.avatar_url or rows[keep_id].avatar_url}
    session.execute(update(_M).where(_M.c.id == keep_id).values(updated_at=utcnow(), **looks))

    audit = MergeAudit(
        action="merge", kept_member_id=keep_id, merged_member_ids=merge_ids, actor_id=actor_id,
        method=method, reason=(reason or "").strip()[:2000], evidence=evidence, snapshot=snapshot,
    )
    session.add(audit)
    session.flush()
    webhook_events.member_merged(session, audit)
    session.expire_all()
    return audit


def blocking_merges(session: Session, audit: MergeAudit) -> list[MergeAudit]:
    """Later merges, not undone, that touch the members of ``audit``: undo those first."""
    involved = {audit.kept_member_id, *audit.merged_member_ids}
    later = session.scalars(
        select(MergeAudit).where(
            MergeAudit.action == "merge", MergeAudit.id > audit.id, MergeAudit.undone_by_id.is_(None)
        ).order_by(MergeAudit.id.desc())
    )
    return [a for a in later if involved & {a.kept_member_id, *a.merged_member_ids}]


def unmerge(session: Session, audit_id: int, *, actor_id: int | None, reason: str = "") -> MergeAudit:
    """Undo a merge exactly; return the new "unmerge" audit entry. Conflict if it cannot be."""
    session.flush()
    audit = session.get(MergeAudit, audit_id)
    if audit is None or audit.action != "merge":
        raise NotFound(f"There is no merge {audit_id}.")
    if audit.undone_by_id is not None:
        raise Conflict(f"Merge {audit_id} was already undone (entry {audit.undone_by_id}).")
    if audit.snapshot and "erased_by_audit" in audit.snapshot:
        raise Conflict(f"Merge {audit_id} involved a member who was erased: there is nothing left to undo.")
    blockers = blocking_merges(session, audit)
    if blockers:
        ids = ", ".join(f"#{a.id}" for a in blockers)
        raise Conflict(f"Later merges involve these members: undo {ids} first (newest first).")
    snap = audit.snapshot or {}
    keep_id = audit.kept_member_id
    for m_key, identity_ids in snap["identities"].items():
        m = int(m_key)
        for chunk in chunks(identity_ids, CHUNK):
            session.execute(update(_I).where(_I.c.id.in_(chunk), _I.c.member_id == keep_id)
                            .values(member_id=m, updated_at=_I.c.updated_at))
            # By identity, not by the stored ids: items that arrived since belong to m too.
            session.execute(update(_X).where(_X.c.identity_id.in_(chunk)).values(member_id=m))
        for chunk in chunks(snap["notes"][m_key], CHUNK):
            session.execute(update(_N).where(_N.c.id.in_(chunk), _N.c.member_id == keep_id).values(member_id=m))
        for tag, _created in snap["tags_moved"][m_key]:
            session.execute(delete(_T).where(_T.c.member_id == keep_id, _T.c.tag == tag))
        for tag, created in snap["tags_moved"][m_key] + snap["tags_dropped"][m_key]:
            session.execute(insert(_T).values(member_id=m, tag=tag, created_at=datetime.fromisoformat(created)))
    member_ids = [int(k) for k in snap["members"]]
    # Restore rows: merged ones first lose merged_into_id, then every column as it was.
    for m_key, data in snap["members"].items():
        values = _load_row(data)
        values.pop("id")
        session.execute(update(_M).where(_M.c.id == int(m_key)).values(**values))
    _restore_suggestions(session, snap.get("suggestions") or [])
    now = _fingerprint(session, member_ids)
    # A snapshot from before the engagement score was kept restores rows without it.
    changed = [m for m in member_ids
               if now[m] != snap["fingerprints"][str(m)] or "engagement" not in snap["members"][str(m)]]
    if changed:
        aggregates.recompute(session, changed)
        refresh_member_profiles(session, changed)
    undo = MergeAudit(
        action="unmerge", kept_member_id=keep_id, merged_member_ids=list(audit.merged_member_ids),
        actor_id=actor_id, method="manual", reason=(reason or "").strip()[:2000],
        evidence=audit.evidence, undoes_id=audit.id,
    )
    session.add(undo)
    session.flush()
    audit.undone_by_id = undo.id
    session.flush()
    webhook_events.member_merged(session, undo)
    session.expire_all()
    return undo


def merged_into(session: Session, member_id: int) -> int | None:
    """The member a merged member now lives in (following chains), or None if not merged."""
    seen = set()
    current = session.scalar(select(_M.c.merged_into_id).where(_M.c.id == member_id))
    target = None
    while current is not None and current not in seen:
        seen.add(current)
        target = current
        current = session.scalar(select(_M.c.merged_into_id).where(_M.c.id == current))
    return target

