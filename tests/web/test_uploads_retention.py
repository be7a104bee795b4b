"""Uploads: long names, the size limit; retention of uploads and exports (issue 16)."""

from __future__ import annotations

import dataclasses
import os
import time
from datetime import timedelta
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from cli.main import cli
from crm.db import utcnow
from crm.imports.models import ImportRun
from crm.segments import runs, services
from crm.segments.models import ExportRun
from listeners.queue import InlineQueue
from listeners.retention import purge_files
from tests.web.test_imports import jsonl_item, upload
from web import create_app


def test_an_upload_with_a_5000_character_name_is_imported(client, login, csrf, db: Session) -> None:  # type: ignore[no-untyped-def]
    login("manager")
    name = "ü" + "y" * 5000 + ".jsonl"
    resp = upload(client, csrf, name, jsonl_item(1).encode())
    assert resp.status_code == 302
    run = db.scalars(select(ImportRun).order_by(ImportRun.id.desc())).first()
    assert run is not None and run.status == "done" and run.new_count == 1
    assert run.filename == name[:500]
    stored = Path(run.stored_path or "")
    assert len(stored.name) < 160 and stored.name.endswith("yyy.jsonl")


def test_the_upload_limit_is_a_setting_with_a_clear_answer(settings, session_factory, login, csrf, db) -> None:  # type: ignore[no-untyped-def]
    assert create_app({"TESTING": True, "SETTINGS": settings, "SESSION_FACTORY": session_factory,
                       "JOB_QUEUE": InlineQueue(background=False)}).config["MAX_CONTENT_LENGTH"] == 512 * 1024**2
    app = create_app({"TESTING": True, "SETTINGS": dataclasses.replace(settings, max_upload_mb=1),
                      "SESSION_FACTORY": session_factory, "JOB_QUEUE": InlineQueue(background=False)})
    client = app.test_client()
    from crm.users.services import create_user, rotate_session_token

    user = create_user(db, email="big@example.com", password="correct horse", role="manager")
    rotate_session_token(user)
    db.commit()
    with client.session_transaction() as sess:
        sess["_user_id"] = user.get_id()
    resp = upload(client, csrf, "big.jsonl", b"x" * (1024**2 + 10))
    assert resp.status_code == 413
    assert b"larger than the limit of 1 MB (MAX_UPLOAD_MB)" in resp.data
    assert db.scalar(select(ImportRun.id)) is None


def _age(path: Path, days: float) -> None:
    then = time.time() - days * 86400
    os.utime(path, (then, then))


def test_retention_deletes_old_uploads_and_exports_only(settings, db: Session) -> None:  # type: ignore[no-untyped-def]
    uploads, exports = settings.data_dir / "uploads", settings.data_dir / "exports"
    uploads.mkdir(parents=True)
    exports.mkdir(parents=True)
    now = utcnow()
    files = {name: (uploads if name.startswith("up") else exports) / name
             for name in ("up-old-done", "up-old-running", "up-new-done", "ex-old", "ex-new")}
    for path in files.values():
        path.write_text("personal data")
    old, new = now - timedelta(days=40), now - timedelta(days=2)
    db.add_all([
        ImportRun(filename="a", format="jsonl", status="done", stored_path=str(files["up-old-done"]),
                  created_at=old, finished_at=old),
        ImportRun(filename="b", format="jsonl", status="running", stored_path=str(files["up-old-running"]),
                  created_at=old),
        ImportRun(filename="c", format="jsonl", status="done", stored_path=str(files["up-new-done"]),
                  created_at=new, finished_at=new),
    ])
    segment = services.create_segment(db, name="Ret", rule={"field": "reach", "min": 1})
    for key, when in (("ex-old", old), ("ex-new", new)):
        run = runs.create_export(db, segment, fmt="csv", columns=["id"], actor="t@example.com")
        runs.mark_done(run, rows=1, path=str(files[key]), size=13)
        run.created_at = run.finished_at = when
    stray_old, stray_new = uploads / "stray-old", exports / "stray-new"
    stray_old.write_text("x")
    stray_new.write_text("x")
    _age(stray_old, 40)
    db.flush()

    done = purge_files(db, settings.data_dir, 30, now=now)
    assert (done.uploads, done.exports, done.orphans) == (1, 1, 1)
    left = sorted(p.name for p in (*uploads.iterdir(), *exports.iterdir()))
    assert left == ["ex-new", "stray-new", "up-new-done", "up-old-running"]
    assert db.scalar(select(ExportRun).where(ExportRun.file_path.is_(None))) is not None
    assert purge_files(db, settings.data_dir, 0, now=now).uploads == 0  # 0 keeps everything


def test_files_purge_command(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from crm.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'ret.sqlite3'}"
    upgrade(url)
    data = tmp_path / "data"
    (data / "exports").mkdir(parents=True)
    stale = data / "exports" / "old.csv"
    stale.write_text("x")
    _age(stale, 10)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("DATA_DIR", str(data))
    monkeypatch.setenv("RETENTION_DAYS", "7")
    monkeypatch.delenv("REDIS_URL", raising=False)
    from listeners import runtime

    before = runtime._runtime
    try:
        result = CliRunner().invoke(cli, ["files", "purge"])
    finally:
        runtime._runtime = before
    assert result.exit_code == 0, result.output
    assert "1 stray files older than 7 days" in result.output and not stale.exists()
