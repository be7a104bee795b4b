"""Access export (GDPR Art. 15): everything held about a person, as JSON or a ZIP (JSON + CSV)."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.db import Base, chunks, utcnow
from crm.identities.models import MergeSuggestion
from crm.inbox.models import InboxEvent, InboxItem, Reminder
from crm.interactions.models import Interaction, LabelCorrection
from crm.members.models import Identity, Member, MemberTag, Note
from crm.privacy.erase import member_group, merge_audits_of
from crm.segments.export import neutralise

FORMAT_VERSION = 1
# The columns of interactions.csv in the ZIP (the JSON has every field, raw payloads too).
CSV_COLUMNS = ("id", "platform", "external_id", "kind", "occurred_at", "title", "text", "url", "language",
               "sentiment", "sentiment_label", "channel")


def _row(obj: Base, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    out = {}
    for col in obj.__table__.columns:  # type: ignore[attr-defined]
        if col.key in skip:
            continue
        value = getattr(obj, col.key)
        out[col.key] = value.isoformat() if isinstance(value, datetime) else value
    return out


def access_report(session: Session, member_id: int) -> dict[str, Any]:
    """Every row about the member (and members merged into it) as plain JSON-safe data."""
    group = member_group(session, member_id)
    members = list(session.scalars(select(Member).where(Member.id.in_(group)).order_by(Member.id)))
    idents = list(session.scalars(select(Identity).where(Identity.member_id.in_(group)).order_by(Identity.id)))
    interactions = list(session.scalars(
        select(Interaction).where(Interaction.member_id.in_(group)).order_by(Interaction.occurred_at, Interaction.id)
    ))
    ids = [i.id for i in interactions]
    items: list[InboxItem] = []
    corrections: list[LabelCorrection] = []
    for part in chunks(ids):
        items.extend(session.scalars(select(InboxItem).where(InboxItem.interaction_id.in_(part))))
        corrections.extend(session.scalars(select(LabelCorrection).where(LabelCorrection.interaction_id.in_(part))))
    events: list[InboxEvent] = []
    for part in chunks([i.id for i in items]):
        events.extend(session.scalars(select(InboxEvent).where(InboxEvent.item_id.in_(part)).order_by(InboxEvent.id)))
    notes = session.scalars(select(Note).where(Note.member_id.in_(group)).order_by(Note.id))
    suggestions = session.scalars(select(MergeSuggestion).where(
        MergeSuggestion.member_a_id.in_(group) | MergeSuggestion.member_b_id.in_(group)))
    return {
        "format": "crm-access-export", "version": FORMAT_VERSION, "generated_at": utcnow().isoformat(),
        "member_id": member_id,
        "members": [_row(m) for m in members],
        "identities": [_row(i) for i in idents],
        "tags": [_row(t) for t in session.scalars(select(MemberTag).where(MemberTag.member_id.in_(group)))],
        "notes": [{**_row(n), "author": n.author.email if n.author else None} for n in notes],
        "reminders": [_row(r) for r in session.scalars(select(Reminder).where(Reminder.member_id.in_(group)))],
        "interactions": [_row(i) for i in interactions],
        "inbox_items": [_row(i) for i in items],
        "inbox_events": [_row(e) for e in events],
        "label_corrections": [_row(c) for c in corrections],
        "merge_suggestions": [_row(s) for s in suggestions],
        # Merge log entries that involved them, without snapshots (they hold other people's rows).
        "merge_log": [_row(a, skip=("snapshot",)) for a in sorted(merge_audits_of(session, group), key=lambda a: a.id)],
    }


def access_json(report: dict[str, Any]) -> bytes:
    """The report as UTF-8 JSON."""
    return json.dumps(report, ensure_ascii=False, indent=2, default=str).encode("utf-8")


def access_zip(report: dict[str, Any]) -> bytes:
    """A ZIP with the full JSON and CSV files of the identities and interactions (for spreadsheets)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(f"member-{report['member_id']}.json", access_json(report))
        z.writestr("interactions.csv", _csv(report["interactions"], CSV_COLUMNS))
        z.writestr("identities.csv", _csv(report["identities"], (
            "platform", "external_id", "handle", "display_name", "profile_url", "followers", "first_seen", "last_seen")))
        z.writestr("notes.csv", _csv(report["notes"], ("created_at", "author", "body")))
    return buf.getvalue()


def _csv(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> str:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(columns)
    for r in rows:
        # Spreadsheet formulas in social text are neutralised, as in segment exports.
        w.writerow([neutralise(v) if isinstance(v, str) else v for v in (r.get(c) for c in columns)])
    return "\ufeff" + out.getvalue()


def export_access(
    session: Session, member_id: int, *, fmt: str = "json", actor: str, actor_id: int | None = None,
    channel: str = "web",
) -> tuple[bytes, str, str]:
    """Build the export and record it in the audit log; (bytes, mimetype, filename)."""
    from crm.errors import InvalidInput
    from crm.privacy.audit import record

    if fmt not in ("json", "zip"):
        raise InvalidInput("The format is json or zip.", field="format")
    report = access_report(session, member_id)
    record(session, "access_export", actor=actor, actor_id=actor_id, channel=channel,
           subject=f"member #{member_id}", detail={"format": fmt, "interactions": len(report["interactions"])})
    if fmt == "zip":
        return access_zip(report), "application/zip", f"member-{member_id}-access.zip"
    return access_json(report), "application/json", f"member-{member_id}-access.json"
