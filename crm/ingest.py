"""The one ingest path. Every entry (file import, connectors, the API) calls :func:`ingest_batch`.

One call handles a batch in the caller's transaction, with a fixed number of statements
per batch, never one per item:

1. validate and normalise (crm/interactions/validation.py; bad items go to the quarantine with the reason);
2. drop duplicates within the batch and against the database (UNIQUE(platform, external_id));
3. score sentiment for the new items only, so a re-delivery costs almost nothing;
4. find or create Identity -> Member;
5. insert interactions (INSERT .. ON CONFLICT DO NOTHING .. RETURNING, batched);
6. fold the rows actually inserted into member and identity aggregates (crm/members/aggregates.py);
7. write the batch's follow-up work to the outbox (crm.outbox), in the same transaction.

Full-text search indexes are kept by the database (generated column / FTS5 triggers).
The caller commits; re-ingesting the same batch changes nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from connectors.base import Mention
from crm import sentiment
from crm.db import chunks, table_of, utcnow
from crm.interactions.models import Interaction, QuarantinedItem, quarantine_fingerprint
from crm.interactions.terms import index_terms
from crm.interactions.validation import (
    MAX_ID,
    MAX_TEXT,
    MAX_TITLE,
    clean_text,
    safe_url,
    validation_error,
    website_url,
)
from crm.members import aggregates
from crm.members.models import Identity, Member
from crm.members.profiles import refresh_member_profiles, search_name
from crm.outbox import services as outbox
from crm.privacy import suppression as privacy
from crm.upsert import bulk_insert, bulk_update, insert_ignore, insert_returning_ids


@dataclass
class IngestResult:
    """What one batch did. ``new_ids`` are the interaction ids inserted (for follow-up jobs)."""

    new: int = 0
    duplicate: int = 0
    quarantined: int = 0
    # Items by accounts on the suppression list (erased people): dropped, never stored.
    suppressed: int = 0
    new_members: int = 0
    new_ids: list[int] = field(default_factory=list)
    member_ids: set[int] = field(default_factory=set)
    new_keys: set[tuple[str, str]] = field(default_factory=set)  # (platform, external_id) inserted

    def __iadd__(self, other: IngestResult) -> IngestResult:
        self.new += other.new
        self.duplicate += other.duplicate
        self.quarantined += other.quarantined
        self.suppressed += other.suppressed
        self.new_members += other.new_members
        self.new_ids.extend(other.new_ids)
        self.member_ids |= other.member_ids
        self.new_keys |= other.new_keys
        return self


@dataclass(frozen=True)
class Rejected:
    """An item that could not be ingested, and why. Stored in the quarantine."""

    origin: str
    reason: str
    raw: Mapping[str, Any] | None = None
    raw_text: str | None = None
    platform: str | None = None
    external_id: str | None = None




def _raw_of(m: Mention) -> dict[str, Any]:
    return dict(m.raw) if m.raw else {}


def quarantine(session: Session, items: Sequence[Rejected]) -> None:
    """Store rejected items (one batched INSERT); an item already held (same fingerprint) is skipped."""
    if not items:
        return
    rows: dict[str, dict[str, Any]] = {}
    for r in items:
        raw = dict(r.raw) if r.raw is not None else None
        raw_text = clean_text(r.raw_text, 100_000) if r.raw_text else None
        fp = quarantine_fingerprint(r.origin, r.reason, raw, raw_text)
        # A rejected item may hold NUL and other control characters (PostgreSQL text refuses
        # NUL): the columns get cleaned copies, ``raw`` keeps them escaped.
        rows.setdefault(fp, {
            "origin": clean_text(r.origin, 300),
            "platform": (r.platform or None) and clean_text(str(r.platform), 32),
            "external_id": (r.external_id or None) and clean_text(str(r.external_id), 255),
            "reason": clean_text(r.reason, 10_000),
            "raw": raw,
            "raw_text": raw_text,
            "created_at": utcnow(),
            "fingerprint": fp,
        })
    session.execute(insert_ignore(session, table_of(QuarantinedItem), ["fingerprint"]), list(rows.values()))


def _existing_keys(session: Session, model: Any, keys: Iterable[tuple[str, str]], cols: Sequence[Any]) -> list[Any]:
    """Rows of ``model`` whose (platform, external_id) is among ``keys``, chunked per platform."""
    by_platform: dict[str, list[str]] = defaultdict(list)
    for platform, ext in keys:
        by_platform[platform].append(ext)
    rows: list[Any] = []
    for platform, exts in by_platform.items():
        for chunk in chunks(exts):
            rows.extend(
                session.execute(
                    select(*cols).where(model.platform == platform, model.external_id.in_(chunk))
                ).all()
            )
    return rows


def ingest_batch(
    session: Session,
    mentions: Sequence[Mention],
    *,
    source_id: int | None = None,
    origin: str = "api",
    rejected: Sequence[Rejected] = (),
) -> IngestResult:
    """Ingest one batch in the caller's transaction; return what it did. Never commits.

    ``rejected`` are items the caller already could not parse (a bad import line); they are
    quarantined in the same transaction so the report and the data agree.
    """
    result = IngestResult()
    now = utcnow()
    bad: list[Rejected] = list(rejected)
    valid: dict[tuple[str, str], Mention] = {}
    mentions = _drop_suppressed(session, mentions, result)
    for m in mentions:
        reason = validation_error(m, now)
        if reason:
            bad.append(
                Rejected(origin, reason, _raw_of(m), platform=getattr(m, "platform", None),
                         external_id=getattr(m, "external_id", None))
            )
            continue
        key = (m.platform, m.external_id.strip())
        if key in valid:
            result.duplicate += 1
            continue
        valid[key] = m
    quarantine(session, bad)
    result.quarantined = len(bad)
    if not valid:
        return result

    existing = _existing_keys(
        session, Interaction, valid.keys(), (Interaction.platform, Interaction.external_id)
    )
    for platform, ext in existing:
        valid.pop((platform, ext), None)
        result.duplicate += 1
    if not valid:
        return result

    identity_ids, member_of, new_members, refresh = _resolve_identities(session, valid.values(), now)
    result.new_members = new_members

    rows = []
    for (platform, ext), m in valid.items():
        text = clean_text(m.text, MAX_TEXT) or ""
        title = clean_text(m.title, MAX_TITLE)
        # The platform's or the import's language wins; otherwise it is detected.
        given = (clean_text(m.language, 64) or "").strip().lower()[:16] or None
        mood = sentiment.analyze(f"{title}. {text}" if title else text, given)
        ident_id = identity_ids[(platform, m.author.id.strip())]
        rows.append(
            {
                "platform": platform,
                "external_id": ext,
                "kind": m.kind,
                "title": title,
                "text": text,
                "url": safe_url(m.url),
                "occurred_at": m.created_at.astimezone(UTC),
                "language": given or mood.language,
                "sentiment": mood.compound or 0.0,
                "sentiment_label": mood.label,
                "parent_external_id": clean_text(m.parent_id, MAX_ID) or None,
                "thread_external_id": clean_text(m.thread_id, MAX_ID) or None,
                "channel": clean_text(m.channel, 255) or None,
                "source_id": source_id,
                "identity_id": ident_id,
                "member_id": member_of[ident_id],
                "raw": _raw_of(m) or None,
                "created_at": now,
                "search_terms": index_terms(given or mood.language, title, text, m.author.handle),
            }
        )

    inserted = bulk_insert(
        session, table_of(Interaction), rows, conflict_cols=("platform", "external_id"),
        returning=("id", "member_id", "identity_id", "kind", "occurred_at", "sentiment", "sentiment_label",
                   "platform", "external_id"),
    )
    result.new = len(inserted)
    # A concurrent job inserted the rest between our check and our insert: a no-op for us.
    result.duplicate += len(rows) - len(inserted)
    result.new_ids = sorted(r.id for r in inserted)
    result.member_ids = {r.member_id for r in inserted}
    result.new_keys = {(r.platform, r.external_id) for r in inserted}
    aggregates.fold(session, inserted, now)
    refresh_member_profiles(session, sorted(refresh))
    # The follow-ups (inbox triage, alert counters, identity suggestions) are stored with the
    # batch and drained by a job after the commit: a crash in between loses none of them.
    outbox.add_ingest_followups(session, result.new_ids, result.member_ids)
    return result


def _author_keys(m: Any) -> list[tuple[str, str, str]]:
    """The suppression keys of an item's author: (platform, "id", id) and (platform, "handle", h)."""
    platform, author = getattr(m, "platform", None), getattr(m, "author", None)
    if not isinstance(platform, str) or author is None:
        return []
    keys = []
    if isinstance(author.id, str) and author.id.strip():
        keys.append((platform, "id", author.id.strip()))
    if isinstance(getattr(author, "handle", None), str) and author.handle.strip():
        keys.append((platform, "handle", author.handle))
    return keys


def _drop_suppressed(session: Session, mentions: Sequence[Mention], result: IngestResult) -> Sequence[Mention]:
    """Leave out items by suppressed (erased) accounts, counting them; even bad ones never land."""
    if not mentions or not privacy.any_suppressed(session):
        return mentions
    keys = {k for m in mentions for k in _author_keys(m)}
    hits = privacy.suppressed_keys(session, sorted(keys))
    if not hits:
        return mentions
    kept = [m for m in mentions if not any(k in hits for k in _author_keys(m))]
    result.suppressed += len(mentions) - len(kept)
    return kept


def _resolve_identities(
    session: Session, mentions: Iterable[Mention], now: datetime
) -> tuple[dict[tuple[str, str], int], dict[int, int], int, set[int]]:
    """Find or create an Identity (and its Member) for every author; update changed profiles.

    Returns identity ids by key, member id by identity id, how many members were created and
    the existing members whose identities changed (their denormalised profile needs a refresh).
    """
    authors: dict[tuple[str, str], Mention] = {}
    for m in mentions:
        key = (m.platform, m.author.id.strip())
        # The newest mention carries the freshest profile.
        if key not in authors or m.created_at > authors[key].created_at:
            authors[key] = m
    cols = (
        Identity.id, Identity.member_id, Identity.platform, Identity.external_id, Identity.handle,
        Identity.display_name, Identity.profile_url, Identity.avatar_url, Identity.followers,
        Identity.bio, Identity.website, Identity.links,
    )
    found = {(r.platform, r.external_id): r for r in _existing_keys(session, Identity, authors, cols)}
    identity_ids = {k: r.id for k, r in found.items()}
    member_of = {r.id: r.member_id for r in found.values()}

    changed = []
    refresh: set[int] = set()
    for key, row in found.items():
        a = authors[key].author
        fresh = _profile(a)
        if (
            (fresh["handle"] and fresh["handle"] != row.handle)
            or (fresh["display_name"] and fresh["display_name"] != row.display_name)
            or (fresh["profile_url"] and fresh["profile_url"] != row.profile_url)
            or (fresh["avatar_url"] and fresh["avatar_url"] != row.avatar_url)
            or (fresh["followers"] is not None and fresh["followers"] != row.followers)
            or (fresh["bio"] and fresh["bio"] != row.bio)
            or (fresh["website"] and fresh["website"] != row.website)
            or (fresh["links"] and fresh["links"] != row.links)
        ):
            changed.append({"b_id": row.id, **{k: v or getattr(row, k) for k, v in fresh.items()}})
            refresh.add(row.member_id)
    it = table_of(Identity)
    bulk_update(
        session, it, changed,
        {"b_id": it.c.id.type, "handle": it.c.handle.type, "display_name": it.c.display_name.type,
         "profile_url": it.c.profile_url.type, "avatar_url": it.c.avatar_url.type,
         "followers": it.c.followers.type, "bio": it.c.bio.type, "website": it.c.website.type,
         "links": it.c.links.type},
        lambda src: {
            "handle": src["handle"], "display_name": src["display_name"],
            "profile_url": src["profile_url"], "avatar_url": src["avatar_url"],
            "followers": src["followers"], "bio": src["bio"], "website": src["website"],
            "links": src["links"], "updated_at": now,
        },
    )

    missing = [k for k in authors if k not in found]
    if not missing:
        return identity_ids, member_of, 0, refresh
    profiles = [_profile(authors[k].author) for k in missing]
    # A new member's profile facts are its one identity's: the same values
    # refresh_member_profiles would compute, so new members need no refresh.
    member_rows = [
        {
            "display_name": p["display_name"] or p["handle"] or k[1],
            "avatar_url": p["avatar_url"],
            "search_name": search_name(*sorted({n for n in (p["display_name"], p["handle"]) if n})),
            "platforms": k[0][:200],
            "followers_max": p["followers"],
            "created_at": now,
            "updated_at": now,
        }
        for k, p in zip(missing, profiles, strict=True)
    ]
    member_ids = insert_returning_ids(session, table_of(Member), member_rows)
    ident_rows = [
        {"platform": k[0], "external_id": k[1], "member_id": mid, "created_at": now, "updated_at": now, **p}
        for k, p, mid in zip(missing, profiles, member_ids, strict=True)
    ]
    created = bulk_insert(
        session, it, ident_rows, conflict_cols=("platform", "external_id"),
        returning=("id", "platform", "external_id", "member_id"),
    )
    for r in created:
        identity_ids[(r.platform, r.external_id)] = r.id
        member_of[r.id] = r.member_id
    lost = [k for k in missing if k not in identity_ids]
    if lost:
        # Another job created these identities first: use theirs, drop our spare members.
        for r in _existing_keys(session, Identity, lost, (Identity.id, Identity.member_id, Identity.platform, Identity.external_id)):
            identity_ids[(r.platform, r.external_id)] = r.id
            member_of[r.id] = r.member_id
        used = {r.member_id for r in created}
        spare = [mid for mid in member_ids if mid not in used]
        session.execute(table_of(Member).delete().where(table_of(Member).c.id.in_(spare)))
    return identity_ids, member_of, len(created), refresh


def _profile(a: Any) -> dict[str, Any]:
    followers = a.followers if isinstance(a.followers, int) and a.followers >= 0 else None
    links = [u for u in (safe_url(x) for x in (getattr(a, "links", None) or ()) if isinstance(x, str)) if u][:50]
    return {
        "handle": clean_text(a.handle, 255) or "",
        "display_name": clean_text(a.display_name, 300) or "",
        "profile_url": safe_url(a.profile_url),
        "avatar_url": safe_url(a.avatar_url),
        "followers": followers,
        # Profile facts for identity matching (crm/identities): the connector's, when it has them.
        "bio": clean_text(getattr(a, "bio", None), 5000) or None,
        "website": website_url(getattr(a, "website", None)),
        "links": links or None,
    }
