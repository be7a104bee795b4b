"""Erase a member (GDPR Art. 17): everything held about them goes, a tombstone stays.

Gone: the member row and every member merged into it, identities, interactions (and with them
the full-text index entries, raw payloads, inbox items with their notes and history, label
corrections), notes, tags, reminders, merge suggestions and decisions, quarantine rows with
their ids or handles, webhook deliveries about them, and export and upload files on disk that
hold them. Merge log entries that involved them become tombstones (action, method, time, who;
no snapshot, evidence or reason). Their platform ids and handles go on the suppression list,
hashed, so polling and imports never bring them back. Alert explanations and top posts are
read live from interactions, so they no longer show them; volume counters are anonymous counts
and stay.

The service never commits and never touches the disk: it returns the files to delete, and the
caller deletes them after its commit (a rollback must not have deleted files).
"""

from __future__ import annotations

import csv
import json
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Text, cast, or_, select, update
from sqlalchemy.orm import Session

from crm.db import chunks, table_of, utcnow
from crm.errors import Conflict, NotFound
from crm.identities.models import MergeAudit
from crm.imports.models import ImportRun
from crm.interactions.models import Interaction, QuarantinedItem
from crm.members.models import Identity, Member
from crm.privacy.audit import record
from crm.privacy.suppression import normal_handle, suppress
from crm.segments.models import ExportRun
from crm.webhooks.services import emit

# Shorter ids or handles are too likely to occur inside unrelated text to look for them there.
MIN_TOKEN = 3


@dataclass
class ErasePlan:
    """What an erasure removes (shown to the admin before they confirm)."""

    member_id: int
    display_name: str
    member_ids: list[int]
    identities: list[tuple[str, str, str]]  # (platform, external id, handle)
    interactions: int
    notes: int
    inbox_items: int
    merge_logs: int


@dataclass
class EraseReport:
    """What an erasure did; ``files`` are deleted by the caller after the commit."""

    audit_id: int
    member_ids: list[int]
    counts: dict[str, int] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)


def member_group(session: Session, member_id: int) -> list[int]:
    """The member and every member merged into it (directly or through a chain)."""
    row = session.execute(select(Member.id, Member.merged_into_id).where(Member.id == member_id)).one_or_none()
    if row is None:
        raise NotFound(f"There is no member {member_id}.")
    if row.merged_into_id is not None:
        raise Conflict(
            f"Member {member_id} was merged into member {row.merged_into_id}: erase member "
            f"{row.merged_into_id} (the person), or undo the merge first."
        )
    group, frontier = [member_id], [member_id]
    while frontier:
        found = list(session.scalars(select(Member.id).where(Member.merged_into_id.in_(frontier))))
        found = [m for m in found if m not in group]
        group.extend(found)
        frontier = found
    return group


def plan_erasure(session: Session, member_id: int) -> ErasePlan:
    """What erasing ``member_id`` would remove (nothing is changed)."""
    from sqlalchemy import func

    from crm.inbox.models import InboxItem
    from crm.members.models import Note

    group = member_group(session, member_id)
    member = session.get(Member, member_id)
    assert member is not None
    idents = session.execute(
        select(Identity.platform, Identity.external_id, Identity.handle).where(Identity.member_id.in_(group))
        .order_by(Identity.platform, Identity.external_id)
    ).all()
    n_inter = session.scalar(select(func.count(Interaction.id)).where(Interaction.member_id.in_(group))) or 0
    n_notes = session.scalar(select(func.count(Note.id)).where(Note.member_id.in_(group))) or 0
    n_inbox = session.scalar(
        select(func.count(InboxItem.id)).join(Interaction, Interaction.id == InboxItem.interaction_id)
        .where(Interaction.member_id.in_(group))
    ) or 0
    return ErasePlan(
        member_id=member_id, display_name=member.display_name, member_ids=group,
        identities=[(r.platform, r.external_id, r.handle) for r in idents], interactions=n_inter,
        notes=n_notes, inbox_items=n_inbox, merge_logs=len(merge_audits_of(session, group)),
    )


def erase_member(
    session: Session, member_id: int, *, actor: str, actor_id: int | None = None, channel: str = "web",
    reason: str = "",
) -> EraseReport:
    """Erase a member and everything about them; return what was done. Never commits."""
    group = member_group(session, member_id)
    session.flush()
    idents = session.execute(
        select(Identity.id, Identity.platform, Identity.external_id, Identity.handle)
        .where(Identity.member_id.in_(group))
    ).all()
    ident_ids = [r.id for r in idents]
    inter = list(session.execute(
        select(Interaction.id, Interaction.platform, Interaction.external_id)
        .where(Interaction.member_id.in_(group))
    ).all())
    # Interactions are found by member; by identity too, in case one was mid-move in a merge.
    for part in chunks(ident_ids):
        inter.extend(session.execute(
            select(Interaction.id, Interaction.platform, Interaction.external_id)
            .where(Interaction.identity_id.in_(part), Interaction.member_id.not_in(group))
        ).all())
    audit = record(
        session, "erase", actor=actor, actor_id=actor_id, channel=channel,
        subject=f"member #{member_id}", reason=reason,
    )
    counts: dict[str, int] = {"members": len(group), "identities": len(idents), "interactions": len(inter)}

    tokens = _tokens(idents)
    names = {
        n.strip() for n in session.scalars(select(Member.display_name).where(Member.id.in_(group)))
        if n and len(n.strip()) >= MIN_TOKEN
    }
    counts["quarantine"] = _erase_quarantine(session, inter, tokens)
    counts["webhook_deliveries"] = _erase_webhook_deliveries(session, group, [r.id for r in inter])
    # Inbox items and their history, label corrections: ON DELETE CASCADE from interactions.
    # The SQLite FTS5 index loses the rows by its trigger; PostgreSQL's tsvector is a column.
    it = table_of(Interaction)
    for part in chunks([r.id for r in inter]):
        session.execute(it.delete().where(it.c.id.in_(part)))
    counts["merge_logs"] = _tombstonemerge_audits_of(session, group, audit.id)
    # Notes, tags, reminders, suggestions, decisions, match keys: ON DELETE CASCADE.
    idt = table_of(Identity)
    for part in chunks(ident_ids):
        session.execute(idt.delete().where(idt.c.id.in_(part)))
    mt = table_of(Member)
    session.execute(update(mt).where(mt.c.id.in_(group)).values(merged_into_id=None))
    session.execute(mt.delete().where(mt.c.id.in_(group)))

    keys = [(r.platform, "id", r.external_id) for r in idents]
    keys += [(r.platform, "handle", r.handle) for r in idents if normal_handle(r.handle)]
    counts["suppressed"] = suppress(session, keys, audit_id=audit.id)
    files = _files_holding(session, tokens, names, group, audit.id)
    counts["files"] = len(files)
    audit.detail = counts
    # After the purge above, which removed earlier deliveries about them: this one names no one.
    emit(session, "member.erased", {"member_id": member_id, "merged_member_ids": [m for m in group if m != member_id],
                                    "privacy_log_id": audit.id})
    session.flush()
    session.expire_all()
    return EraseReport(audit_id=audit.id, member_ids=group, counts=counts, files=files)


def _rows(result: Any) -> int:
    """How many rows a DELETE removed."""
    return int(getattr(result, "rowcount", 0) or 0)


def delete_files(paths: Iterable[str]) -> int:
    """Delete the files an erasure found (after its commit); the number deleted."""
    n = 0
    for p in paths:
        try:
            Path(p).unlink()
            n += 1
        except FileNotFoundError:
            continue
    return n


def _tokens(idents: Sequence[Any]) -> set[str]:
    """Strings that identify the person inside raw payloads and files: platform ids and handles."""
    out: set[str] = set()
    for r in idents:
        for value in (r.external_id, r.handle, normal_handle(r.handle)):
            if value and len(value.strip()) >= MIN_TOKEN:
                out.add(value.strip())
    return out


def _erase_quarantine(session: Session, inter: Sequence[Any], tokens: set[str]) -> int:
    """Quarantine rows of their items (by key) or naming their account ids or handles."""
    q = table_of(QuarantinedItem)
    n = 0
    # One read of the quarantine rows of their platforms, matched here: there is no index on
    # (platform, external_id), and a DELETE per 500 keys scanned the table 20 times for 10,000 items.
    keys = {(r.platform, r.external_id) for r in inter}
    doomed = [
        row.id for row in session.execute(
            select(q.c.id, q.c.platform, q.c.external_id)
            .where(q.c.platform.in_(sorted({p for p, _ in keys})), q.c.external_id.is_not(None)))
        if (row.platform, row.external_id) in keys
    ]
    for part in chunks(doomed):
        n += _rows(session.execute(q.delete().where(q.c.id.in_(part))))
    for token in sorted(tokens):
        like = "%" + token.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        quoted = "%" + json.dumps(token)[1:-1].replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        # Any row naming them goes, even another author's: it holds their id or handle.
        n += _rows(session.execute(
            q.delete().where(or_(
                cast(q.c.raw, Text).like(quoted, escape="\\"), q.c.raw_text.like(like, escape="\\"),
            ))
        ))
    return n


def _erase_webhook_deliveries(session: Session, group: list[int], interaction_ids: list[int]) -> int:
    """Outgoing webhook deliveries whose payload is about them (it holds their data)."""
    from crm.webhooks.models import WebhookDelivery

    t = table_of(WebhookDelivery)
    n = 0
    for part in chunks(group):
        n += _rows(session.execute(t.delete().where(t.c.member_id.in_(part))))
    wanted = set(interaction_ids)
    if wanted:
        # Batched mention.created payloads list many members: drop any that include them.
        for row_id, ids in session.execute(select(t.c.id, t.c.interaction_ids).where(t.c.interaction_ids.is_not(None))):
            if wanted & set(ids or ()):
                n += _rows(session.execute(t.delete().where(t.c.id == row_id)))
    return n


def merge_audits_of(session: Session, group: list[int]) -> list[MergeAudit]:
    """Merge log entries that involved any of these members."""
    found: dict[int, MergeAudit] = {}
    for a in session.scalars(select(MergeAudit).where(MergeAudit.kept_member_id.in_(group))):
        found[a.id] = a
    for m in group:
        for a in session.scalars(select(MergeAudit).where(cast(MergeAudit.merged_member_ids, Text).like(f"%{m}%"))):
            if m in (a.merged_member_ids or []):
                found[a.id] = a
    return list(found.values())


def _tombstonemerge_audits_of(session: Session, group: list[int], audit_id: int) -> int:
    """Merge log entries that involved them keep who, when and how, and nothing about them."""
    audits = merge_audits_of(session, group)
    for a in audits:
        a.kept_member_id = None if a.kept_member_id in group else a.kept_member_id
        a.merged_member_ids = [m for m in (a.merged_member_ids or []) if m not in group]
        a.snapshot = {"erased_by_audit": audit_id}
        a.evidence = None
        a.reason = ""
    session.flush()
    return len(audits)


def _files_holding(
    session: Session, tokens: set[str], names: set[str], group: list[int], audit_id: int
) -> list[str]:
    """Export and upload files on disk that hold the person; their records lose the path.

    Exports are also matched by display name and member id: an export is a list of members.
    """
    paths: list[str] = []
    note = f"The file was deleted: it held a member erased on {utcnow():%Y-%m-%d} (privacy log #{audit_id})."
    for run in session.scalars(select(ExportRun).where(ExportRun.file_path.is_not(None))):
        path = Path(run.file_path or "")
        if _file_mentions(path, tokens | names) or set(group) & _export_member_ids(path, run):
            paths.append(str(path))
            run.file_path, run.file_size, run.status, run.failure = None, None, "deleted", note
    for imp in session.scalars(select(ImportRun).where(ImportRun.stored_path.is_not(None),
                                                        ImportRun.status.in_(("done", "failed")))):
        if imp.stored_path and _file_mentions(Path(imp.stored_path), tokens):
            paths.append(imp.stored_path)
            imp.stored_path = None
            imp.failure = (imp.failure + " " if imp.failure else "") + note
    session.flush()
    return paths


def _file_text(path: Path) -> str:
    if not path.is_file():
        return ""
    if path.suffix.lower() == ".xlsx":
        try:
            with zipfile.ZipFile(path) as z:
                return "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml"))
        except zipfile.BadZipFile:
            pass
    return path.read_bytes().decode("utf-8", "replace")


def _file_mentions(path: Path, tokens: set[str]) -> bool:
    """Whether a CSV/JSONL/XLSX file holds one of the tokens (as written, JSON- or XML-escaped)."""
    body = _file_text(path)
    if not body:
        return False
    return any(t in body or json.dumps(t)[1:-1] in body or _xml_escape(t) in body for t in tokens)


def _export_member_ids(path: Path, run: ExportRun) -> set[int]:
    """The member ids in an export's "id" column (empty when it has none or the file is gone)."""
    columns = list(run.columns or [])
    if "id" not in columns or not path.is_file():
        return set()
    at = columns.index("id")
    values: list[Any] = []
    if run.format == "csv":
        with path.open(encoding="utf-8-sig", newline="") as fh:
            rows = csv.reader(fh, delimiter=run.delimiter or ",")
            next(rows, None)
            values = [r[at] for r in rows if len(r) > at]
    elif run.format == "jsonl":
        with path.open(encoding="utf-8") as fh:
            values = [json.loads(line).get("id") for line in fh if line.strip()]
    elif run.format == "xlsx":
        from openpyxl import load_workbook

        book = load_workbook(path, read_only=True)
        try:
            values = [r[at] for i, r in enumerate(book.active.iter_rows(values_only=True)) if i and len(r) > at]
        finally:
            book.close()
    out = set()
    for v in values:
        try:
            out.add(int(v))
        except (TypeError, ValueError):
            continue
    return out


def _xml_escape(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
