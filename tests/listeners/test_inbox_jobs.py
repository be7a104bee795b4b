"""Inbox jobs through the real entry points: an import triages and auto-handles; due work."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.db import utcnow
from crm.inbox import actions, reminders, services
from crm.inbox.models import InboxItem, Reminder
from crm.inbox.triage import triage
from crm.interactions.models import Interaction
from crm.users.services import create_user
from listeners import inbox as inbox_jobs
from listeners import jobs
from tests.factories import import_run, ingest, mention, unique


def line(ext: str, text: str, minute: int, author: str, **extra: object) -> str:
    return json.dumps({
        "platform": "reddit", "external_id": ext, "kind": extra.pop("kind", "comment"),
        "created_at": f"2026-02-01T10:{minute:02d}:00Z", "text": text,
        "author": {"id": author, "handle": author}, **extra,
    })


def _items(db: Session) -> dict[str, InboxItem]:
    db.expire_all()
    rows = db.execute(select(Interaction.external_id, InboxItem).join(InboxItem.interaction)).all()
    return {ext: item for ext, item in rows}


def test_an_import_triages_and_a_team_reply_handles(app, db: Session, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    services.add_team_account(db, platform="reddit", handle="u/nimbus_team")
    db.commit()
    path = tmp_path / "batch.jsonl"
    path.write_text("\n".join([
        line("q1", "How do I move my sync folder?", 0, "asker", kind="post"),
        line("c1", "Lovely weather today", 1, "chatty", thread_id="q1", parent_id="q1"),
        line("a1", "Settings > Folder > Move.", 7, "nimbus_team", thread_id="q1", parent_id="q1"),
        line("q2", "Wie kann ich mein Abo kündigen", 9, "other", kind="post", language="de"),
    ]) + "\n")
    run = import_run(db, str(path))
    db.commit()

    assert jobs.import_file(run.id) == "done"

    items = _items(db)
    assert set(items) == {"q1", "q2"}
    assert (items["q1"].status, items["q1"].handled_via, items["q1"].first_response_seconds) == (
        "handled", "team_reply", 7 * 60)
    assert items["q2"].status == "open"


def test_triage_job_twice_changes_nothing(app, db: Session) -> None:  # type: ignore[no-untyped-def]
    result = ingest(db, mention(text="Does anyone know how to pause sync?"))
    db.commit()
    first = inbox_jobs.triage_interactions(result.new_ids)
    second = inbox_jobs.triage_interactions(result.new_ids)
    assert (first["created"], second["created"]) == (1, 0)


def test_due_work_wakes_snoozed_items_and_delivers_reminders_once(app, db: Session) -> None:  # type: ignore[no-untyped-def]
    result = ingest(db, mention(text="how do I export?"))
    triage(db, result.new_ids)
    user = create_user(db, email=f"{unique('m')}@example.com", password="correct horse", role="manager")
    item = db.scalar(select(InboxItem).where(InboxItem.interaction_id == result.new_ids[0]))
    assert item is not None
    now = utcnow()
    actions.snooze(db, [item.id], until=now + timedelta(hours=1), actor=user)
    item.snoozed_until = now - timedelta(seconds=1)  # the hour has passed
    member_id = db.scalar(select(Interaction.member_id).where(Interaction.id == result.new_ids[0]))
    assert member_id is not None
    r = reminders.create_reminder(db, member_id=member_id, user=user, due_at=now, note="check in")
    r.due_at = now - timedelta(minutes=1)
    db.commit()

    sent: list[reminders.ReminderMessage] = []
    assert r.id in inbox_jobs.deliver_due_reminders(send=sent.append, now=now + timedelta(seconds=2))
    assert [m.reminder_id for m in sent] == [r.id] and sent[0].user_email == user.email
    assert r.id not in inbox_jobs.deliver_due_reminders(send=sent.append)
    assert len(sent) == 1
    db.expire_all()
    assert db.get(Reminder, r.id).delivered_at is not None  # type: ignore[union-attr]
    assert inbox_jobs.run_due_work()["woke"] >= 1
    db.expire_all()
    assert db.get(InboxItem, item.id).status == "open"  # type: ignore[union-attr]


def test_due_reminders_are_e_mailed_when_smtp_is_set(app, db: Session, smtp) -> None:  # type: ignore[no-untyped-def]
    from dataclasses import replace
    from email import message_from_bytes

    from listeners import runtime

    user = create_user(db, email=f"{unique('m')}@example.com", password="correct horse", role="manager")
    result = ingest(db, mention(text="Danke für die Hilfe"))
    member_id = db.scalar(select(Interaction.member_id).where(Interaction.id == result.new_ids[0]))
    assert member_id is not None
    r = reminders.create_reminder(db, member_id=member_id, user=user, due_at=utcnow(), note="Frag nach dem Export")
    r.due_at = utcnow() - timedelta(minutes=1)
    db.commit()
    rt = runtime.get()
    before = rt.settings
    rt.settings = replace(before, smtp_url=smtp.url, mail_from="crm@example.com")
    try:
        assert inbox_jobs.run_due_work()["delivered"] == 1
        assert inbox_jobs.run_due_work()["delivered"] == 0  # once
    finally:
        rt.settings = before
    [(rcpt, data)] = smtp.messages
    assert rcpt == [user.email]
    msg = message_from_bytes(data)
    assert msg["Subject"].startswith("Reminder: check in with")
    assert "Frag nach dem Export" in msg.get_payload(decode=True).decode()
    assert f"/members/{member_id}" in msg.get_payload(decode=True).decode()
