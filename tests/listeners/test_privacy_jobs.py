"""The retention job: batches, files after N days, the audit log; the member.erased event."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from crm.db import utcnow
from crm.imports.models import ImportRun
from crm.interactions.models import Interaction
from crm.privacy import retention
from crm.privacy.models import PrivacyAudit, RetentionPolicy
from crm.segments.models import ExportRun
from listeners import runtime
from listeners.queue import InlineQueue
from tests.factories import ingest, mention


def _configure(settings: Any, session_factory: Any) -> Any:
    previous = runtime._runtime
    runtime.configure(replace(settings, outgoing_allow=("127.0.0.1",)), session_factory, InlineQueue())
    return previous


def test_retention_deletes_in_batches_and_old_files(db, settings, session_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from listeners.privacy import run_retention

    previous = _configure(settings, session_factory)
    try:
        old = utcnow() - timedelta(days=100)
        ingest(db, *[mention(external_id=f"old-{i}", text=f"old {i}", created_at=old) for i in range(7)],
               mention(external_id="fresh", text="fresh", created_at=utcnow()))
        upload, export = tmp_path / "up.jsonl", tmp_path / "ex.csv"
        upload.write_text("{}\n")
        export.write_text("id\n1\n")
        db.add(ImportRun(filename="up.jsonl", stored_path=str(upload), format="jsonl", status="done",
                         created_at=utcnow() - timedelta(days=30)))
        run = ExportRun(segment_name="All", rule={}, actor="t", format="csv", columns=["id"], status="done",
                        file_path=str(export), created_at=utcnow() - timedelta(days=30))
        db.add(run)
        for kind, value, days in (("platform", "reddit", 90), ("uploads", "", 14), ("exports", "", 60)):
            retention.set_policy(db, scope_kind=kind, scope_value=value, days=days, actor="test")
        db.commit()
        assert {p.policy.scope_kind: p.count for p in retention.preview(db)} == {"exports": 0, "platform": 7, "uploads": 1}
        done = run_retention(batch=3)
        assert sorted(done.values()) == [0, 1, 7]
        db.expire_all()
        assert list(db.scalars(select(Interaction.external_id))) == ["fresh"]
        assert not upload.exists() and export.exists()  # the export is 30 days old, kept for 60
        assert db.scalar(select(func.count()).select_from(PrivacyAudit).where(PrivacyAudit.action == "retention_run")) == 2
        # Ran today: a second start of the job does nothing until tomorrow.
        assert run_retention() == {}
        assert all(p.last_run_at is not None for p in db.scalars(select(RetentionPolicy)))
    finally:
        runtime._runtime = previous


def test_erasing_sends_member_erased_without_personal_data(db, settings, session_factory) -> None:  # type: ignore[no-untyped-def]
    from crm.members.models import Identity
    from crm.privacy.erase import erase_member
    from crm.webhooks import services as hooks
    from crm.webhooks.models import WebhookDelivery

    hooks.create_subscription(db, url="http://127.0.0.1:9/x", events=["member.erased", "member.merged"],
                              allow=("127.0.0.1",))
    ingest(db, mention(external_id="e-1", text="hello", by="erase-me"))
    mid = db.scalar(select(Identity.member_id).where(Identity.external_id == "erase-me"))
    hooks.emit(db, "member.merged", {"handle": "h_erase-me"}, member_id=mid)
    report = erase_member(db, mid, actor="test")
    (d,) = db.scalars(select(WebhookDelivery)).all()  # the earlier body about them is gone
    assert d.event == "member.erased" and d.payload["data"]["member_id"] == mid
    assert "erase-me" not in str(d.payload) and d.payload["data"]["privacy_log_id"] == report.audit_id
