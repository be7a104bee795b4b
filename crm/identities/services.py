"""What teammates do with identities: review suggestions, merge, unmerge, rules, mappings.

Every function takes a Session first and never commits; the caller owns the transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from itertools import product
from typing import Any, cast

from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session

from crm.db import utcnow
from crm.errors import Conflict, InvalidInput, NotFound
from crm.identities import merge as merging
from crm.identities.loading import identity_ids_of_members
from crm.identities.matching import normalise_url
from crm.identities.models import RULES, IdentityRule, MergeAudit, MergeDecision, MergeSuggestion
from crm.identities.suggestions import (
    SuggestResult,
    rebuild_suggestions,
    rules,
    update_after_ingest,
    update_suggestions,
)
from crm.members.engagement import Engagement, engagement
from crm.members.models import Identity, Member
from crm.members.services import ChannelStat, channel_stats
from crm.paging import CountedPage

__all__ = [
    "SuggestResult", "apply_mapping", "dismiss_suggestion", "get_suggestion", "list_audit",
    "list_suggestions", "merge", "profile_facts", "merge_suggestion", "rebuild_suggestions", "rules", "set_rule",
    "snooze_suggestion", "unmerge", "update_after_ingest", "update_identity_profiles", "import_identity_profiles",
    "update_suggestions",
]
MAX_SNOOZE_DAYS = 365


@dataclass(frozen=True)
class SuggestionView:
    """A suggestion with both members and their identities, ready to show side by side."""

    suggestion: MergeSuggestion
    a: Member
    b: Member


Paged = CountedPage


def list_suggestions(session: Session, *, page: int = 1, per_page: int = 20, snoozed: bool = False) -> Paged:
    """Open suggestions, best first (or the snoozed ones); snoozes that ran out count as open."""
    now = utcnow()
    stmt = select(MergeSuggestion)
    if snoozed:
        stmt = stmt.where(MergeSuggestion.status == "snoozed", MergeSuggestion.snoozed_until > now)
    else:
        stmt = stmt.where(
            (MergeSuggestion.status == "open")
            | ((MergeSuggestion.status == "snoozed") & (MergeSuggestion.snoozed_until <= now))
        )
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    page, per_page = max(1, page), max(1, min(per_page, 100))
    rows = session.scalars(
        stmt.order_by(MergeSuggestion.score.desc(), MergeSuggestion.id).limit(per_page).offset((page - 1) * per_page)
    ).all()
    ids = {m for s in rows for m in (s.member_a_id, s.member_b_id)}
    members = {m.id: m for m in session.scalars(select(Member).where(Member.id.in_(ids)))} if ids else {}
    items = [SuggestionView(s, members[s.member_a_id], members[s.member_b_id]) for s in rows]
    return Paged(items, page, per_page, total)


def get_suggestion(session: Session, suggestion_id: int) -> MergeSuggestion:
    """A suggestion that is still pending; NotFound otherwise."""
    s = session.get(MergeSuggestion, suggestion_id)
    if s is None or s.status == "merged":
        raise NotFound(f"There is no pending suggestion {suggestion_id}: it may have been handled already.")
    return s


def _record_different(session: Session, member_ids: tuple[int, int], actor_id: int | None, reason: str) -> int:
    """Remember every identity pair across the two members as "not the same person"."""
    a = identity_ids_of_members(session, [member_ids[0]])
    b = identity_ids_of_members(session, [member_ids[1]])
    known = {(r.identity_a_id, r.identity_b_id) for r in session.scalars(
        select(MergeDecision).where(MergeDecision.identity_a_id.in_(a + b)))}
    added = 0
    for x, y in product(a, b):
        key = (min(x, y), max(x, y))
        if key not in known:
            session.add(MergeDecision(identity_a_id=key[0], identity_b_id=key[1], decided_by_id=actor_id, reason=reason))
            added += 1
    session.flush()
    return added


def dismiss_suggestion(session: Session, suggestion_id: int, *, actor_id: int | None, reason: str = "") -> None:
    """ "Not the same person": remembered for good, the pair is never suggested again."""
    s = get_suggestion(session, suggestion_id)
    _record_different(session, (s.member_a_id, s.member_b_id), actor_id, (reason or "").strip()[:2000])
    session.delete(s)
    session.flush()


def snooze_suggestion(session: Session, suggestion_id: int, *, days: int = 30) -> MergeSuggestion:
    """Hide a suggestion for ``days``; it comes back afterwards."""
    if not 1 <= days <= MAX_SNOOZE_DAYS:
        raise InvalidInput(f"Snooze for 1 to {MAX_SNOOZE_DAYS} days.", field="days")
    s = get_suggestion(session, suggestion_id)
    s.status = "snoozed"
    s.snoozed_until = utcnow() + timedelta(days=days)
    session.flush()
    return s


def merge_suggestion(
    session: Session, suggestion_id: int, *, actor_id: int | None, keep_id: int | None = None, reason: str = "",
    lead_identity_id: int | None = None,
) -> MergeAudit:
    """Merge the two members of a suggestion (into the older one unless ``keep_id`` says);
    ``lead_identity_id`` picks the profile whose name and picture lead."""
    s = get_suggestion(session, suggestion_id)
    pair = (s.member_a_id, s.member_b_id)
    keep = keep_id if keep_id is not None else pair[0]
    if keep not in pair:
        raise InvalidInput("Keep one of the two suggested members.", field="keep_id")
    other = pair[1] if keep == pair[0] else pair[0]
    evidence, score = list(s.evidence), s.score
    audit = merging.merge_members(
        session, keep_id=keep, merge_ids=[other], actor_id=actor_id, method="suggestion",
        reason=reason or f"Accepted suggestion (score {score:.2f})", evidence=evidence,
        lead_identity_id=lead_identity_id,
    )
    _after_change(session, [keep, other])
    return audit


def merge(
    session: Session, *, keep_id: int, merge_ids: Sequence[int], actor_id: int | None, reason: str = "",
    lead_identity_id: int | None = None,
) -> MergeAudit:
    """Merge members by hand (two or more), with the evidence of any suggestions between them."""
    evidence = []
    ids = [keep_id, *merge_ids]
    for s in session.scalars(select(MergeSuggestion).where(
        MergeSuggestion.member_a_id.in_(ids), MergeSuggestion.member_b_id.in_(ids))):
        evidence.extend(s.evidence)
    audit = merging.merge_members(
        session, keep_id=keep_id, merge_ids=merge_ids, actor_id=actor_id, method="manual",
        reason=reason, evidence=evidence or None, lead_identity_id=lead_identity_id,
    )
    _after_change(session, [keep_id, *merge_ids])
    return audit


def unmerge(
    session: Session, audit_id: int, *, actor_id: int | None, reason: str = "", not_same: bool = False
) -> MergeAudit:
    """Undo a merge exactly; with ``not_same`` also remember the members as different people."""
    undo = merging.unmerge(session, audit_id, actor_id=actor_id, reason=reason)
    kept = undo.kept_member_id
    assert kept is not None  # an unmerge of a merge with an erased member is refused
    members = [kept, *undo.merged_member_ids]
    if not_same:
        for m in undo.merged_member_ids:
            _record_different(session, (kept, m), actor_id, reason or "Unmerged")
    _after_change(session, members)
    return undo


def _after_change(session: Session, member_ids: Iterable[int]) -> None:
    """Suggestions follow the merge: drop the merged members', rescore the rest."""
    t = cast(Table, MergeSuggestion.__table__)
    ghosts = [m for m, into in session.execute(select(Member.id, Member.merged_into_id).where(
        Member.merged_into_id.is_not(None), Member.id.in_(_touching(session, member_ids))))]
    if ghosts:
        session.execute(t.delete().where(t.c.member_a_id.in_(ghosts) | t.c.member_b_id.in_(ghosts)))
    update_suggestions(session, identity_ids_of_members(session, list(member_ids)), auto_merge=False)


def _touching(session: Session, member_ids: Iterable[int]) -> list[int]:
    ids = list(member_ids)
    t = cast(Table, MergeSuggestion.__table__)
    rows = session.execute(select(t.c.member_a_id, t.c.member_b_id).where(
        t.c.member_a_id.in_(ids) | t.c.member_b_id.in_(ids))).all()
    return sorted({m for r in rows for m in r} | set(ids))


def list_audit(session: Session, *, page: int = 1, per_page: int = 50, member_id: int | None = None) -> Paged:
    """Merges and unmerges, newest first (optionally those touching one member)."""
    stmt = select(MergeAudit)
    if member_id is not None:
        stmt = stmt.where(MergeAudit.kept_member_id == member_id)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    page, per_page = max(1, page), max(1, min(per_page, 200))
    items = session.scalars(stmt.order_by(MergeAudit.id.desc()).limit(per_page).offset((page - 1) * per_page)).all()
    return Paged(items, page, per_page, total)


def get_audit(session: Session, audit_id: int) -> MergeAudit:
    """One audit entry; NotFound otherwise."""
    a = session.get(MergeAudit, audit_id)
    if a is None:
        raise NotFound(f"There is no merge log entry {audit_id}.")
    return a


def set_rule(session: Session, name: str, enabled: bool, *, actor_id: int | None) -> None:
    """Switch an automatic-merge rule on or off."""
    if name not in RULES:
        raise InvalidInput(f"rule must be one of {', '.join(RULES)}", field="name")
    rule = session.get(IdentityRule, name)
    if rule is None:
        session.add(IdentityRule(name=name, enabled=enabled, updated_by_id=actor_id))
    else:
        rule.enabled, rule.updated_by_id = enabled, actor_id
    session.flush()


def _identity(session: Session, platform: str, external_id: str) -> Identity:
    ident = session.scalar(select(Identity).where(Identity.platform == platform, Identity.external_id == external_id))
    if ident is None:
        raise NotFound(f"There is no {platform} account {external_id!r}.")
    return ident


def apply_mapping(
    session: Session, rows: Iterable[Sequence[str]], *, actor_id: int | None, filename: str = "mapping"
) -> tuple[list[int], list[str]]:
    """Merge the pairs of an explicit mapping file: ``platform,external_id,platform,external_id``.

    Returns the audit ids and one message per line that was skipped. Lines joining two
    accounts of one platform are skipped: a mapping is an automatic rule.
    """
    if not rules(session)["mapping_file"]:
        raise Conflict("The mapping-file rule is switched off; an admin can switch it on.")
    audits, skipped = [], []
    for n, row in enumerate(rows, 1):
        cells = [c.strip() for c in row]
        if len(cells) < 4 or not all(cells[:4]) or cells[0].startswith("#"):
            if any(cells) and not cells[0].startswith("#"):
                skipped.append(f"line {n}: needs platform,external_id,platform,external_id")
            continue
        try:
            a, b = _identity(session, cells[0], cells[1]), _identity(session, cells[2], cells[3])
            if a.member_id == b.member_id:
                continue
            keep, other = sorted((a.member_id, b.member_id))
            audit = merging.merge_members(
                session, keep_id=keep, merge_ids=[other], actor_id=actor_id, method="rule:mapping_file",
                reason=f"{filename} line {n}" + (f": {cells[4]}" if len(cells) > 4 and cells[4] else ""),
                evidence=[{"code": "mapping", "weight": 1.0, "text": f"Listed together in {filename}, line {n}"}],
            )
            audits.append(audit.id)
            _after_change(session, [keep, other])
        except (NotFound, Conflict) as exc:
            skipped.append(f"line {n}: {exc.message}")
    return audits, skipped


PROFILE_FIELDS = ("bio", "website", "links", "email", "email_verified")


def _profile_problem(p: Any) -> str | None:
    """Why one profile record cannot be stored, in words; None when it can."""
    if not isinstance(p, Mapping):
        return "not a JSON object"
    if not p.get("platform") or not p.get("external_id"):
        return "needs platform and external_id"
    if "links" in p and p["links"] is not None and (
        not isinstance(p["links"], list) or not all(isinstance(u, str) for u in p["links"])
    ):
        return "links must be a list of URLs"
    for k in ("bio", "website", "email"):
        if k in p and p[k] is not None and not isinstance(p[k], str):
            return f"{k} must be text"
    return None


def update_identity_profiles(session: Session, profiles: Iterable[Any]) -> list[int]:
    """Store profile facts from an import (bio, website, links, e-mail); return identity ids.

    Each mapping names the account by ``platform`` and ``external_id``. Feed the returned ids
    to :func:`update_suggestions`. A bad record raises (see :func:`import_identity_profiles`).
    """
    ids, problems = import_identity_profiles(session, enumerate(profiles, 1))
    if problems:
        n, reason = problems[0]
        error = NotFound if reason.startswith("there is no") else InvalidInput
        raise error(f"Profile {n}: {reason}.")
    return ids


def import_identity_profiles(
    session: Session, numbered: Iterable[tuple[int, Any]]
) -> tuple[list[int], list[tuple[int, str]]]:
    """Store the good profile records; return their identity ids and (line, reason) for the rest."""
    changed: list[int] = []
    problems: list[tuple[int, str]] = []
    for n, p in numbered:
        problem = _profile_problem(p)
        if problem is None:
            ident = session.scalar(select(Identity).where(
                Identity.platform == str(p["platform"]), Identity.external_id == str(p["external_id"])))
            if ident is None:
                problem = f"there is no {p['platform']} account {str(p['external_id'])!r}"
        if problem is not None:
            problems.append((n, problem))
            continue
        assert ident is not None
        if "bio" in p:
            ident.bio = (str(p["bio"] or "") or None) and str(p["bio"])[:5000]
        if "website" in p:
            ident.website = p["website"][:2000] if p["website"] and normalise_url(p["website"]) else None
        if "links" in p:
            ident.links = [str(u)[:2000] for u in (p["links"] or [])][:50] or None
        if "email" in p:
            ident.email = (str(p["email"] or "").strip().lower() or None) and str(p["email"]).strip().lower()[:320]
        if "email_verified" in p:
            ident.email_verified = bool(p["email_verified"])
        changed.append(ident.id)
    session.flush()
    return changed, problems


@dataclass(frozen=True)
class ProfileFacts:
    """What the member profile adds: engagement with its reasons, channels, merges."""

    engagement: Engagement
    channels: list[ChannelStat]
    merges: Sequence[MergeAudit]


def profile_facts(session: Session, member: Member) -> ProfileFacts:
    """Engagement, per-channel first/last seen and the merges that kept this member."""
    return ProfileFacts(
        engagement(session, member), channel_stats(session, member.id),
        list_audit(session, member_id=member.id, per_page=20).items,
    )
