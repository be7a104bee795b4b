"""/api/v1/exports: start a segment export, poll it, download its file; the web export flow's rules."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.segments import runs, services
from crm.segments.models import ExportRun, Segment
from crm.tokens.services import create_token
from crm.users.services import create_user
from crm.webhooks import services as hooks
from crm.webhooks.models import WebhookDelivery
from tests.crm.segment_data import person


def _token(db: Session, role: str = "marketer", scopes: tuple[str, ...] = ("read", "export")) -> tuple[int, dict[str, str]]:
    import uuid

    user = create_user(db, email=f"{role}-{uuid.uuid4().hex[:6]}@example.com", password="correct horse", role=role)
    _t, raw = create_token(db, user, name="exports", scopes=list(scopes))
    db.commit()
    return user.id, {"Authorization": f"Bearer {raw}"}


@pytest.fixture()
def segment(db: Session) -> Segment:
    for i in range(3):
        person(db, f"Exportee {i}", accounts=(("exportland", 400 + i),))
    person(db, "Outsider", accounts=(("elsewhere", 1),))
    seg = services.create_segment(db, name="Exportland", rule={"field": "platforms", "any": ["exportland"]})
    db.commit()
    return seg


def test_create_poll_and_download_an_export(client, db: Session, segment: Segment) -> None:  # type: ignore[no-untyped-def]
    hooks.create_subscription(db, url="http://127.0.0.1:9/hook", events=["export.finished"], allow=("127.0.0.1",))
    db.commit()
    user_id, auth = _token(db)
    resp = client.post("/api/v1/exports", json={"segment_id": segment.id, "columns": ["id", "display_name"],
                                                "delimiter": ";"}, headers=auth)
    assert resp.status_code == 202, resp.get_json()
    run = resp.get_json()
    assert resp.headers["Location"].endswith(f"/api/v1/exports/{run['id']}")
    polled = client.get(resp.headers["Location"], headers=auth).get_json()
    assert polled["status"] == "done" and polled["rows"] == 3 and polled["percent"] == 100.0  # the inline queue ran it
    assert polled["channel"] == "api" and polled["actor"].startswith("token:") and polled["columns"] == ["id", "display_name"]
    got = client.get(polled["file_url"], headers=auth)
    assert got.status_code == 200 and got.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(got.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    assert sorted(r[1] for r in rows[1:]) == ["Exportee 0", "Exportee 1", "Exportee 2"]
    recorded = db.scalars(select(ExportRun).where(ExportRun.id == run["id"])).one()
    assert recorded.user_id == user_id and recorded.format == "csv"
    delivery = db.scalars(select(WebhookDelivery).where(WebhookDelivery.event == "export.finished")).one()
    assert hooks.body_of(delivery).count(str(run["id"]).encode()) >= 1


def test_the_list_pages_with_cursors_and_filters(client, db: Session, segment: Segment) -> None:  # type: ignore[no-untyped-def]
    _uid, auth = _token(db)
    made = [client.post("/api/v1/exports", json={"segment_id": segment.id, "format": fmt}, headers=auth).get_json()["id"]
            for fmt in ("csv", "jsonl", "xlsx")]
    seen, url = [], f"/api/v1/exports?limit=2&segment_id={segment.id}"
    while url:
        body = client.get(url, headers=auth).get_json()
        seen += [r["id"] for r in body["items"]]
        url = f"/api/v1/exports?limit=2&segment_id={segment.id}&cursor={body['next_cursor']}" if body["next_cursor"] else ""
    assert seen == sorted(made, reverse=True)
    assert client.get("/api/v1/exports?status=failed", headers=auth).get_json()["items"] == []


def test_idempotency_key_starts_one_export(client, db: Session, segment: Segment) -> None:  # type: ignore[no-untyped-def]
    _uid, auth = _token(db)
    headers = {**auth, "Idempotency-Key": "export-once"}
    first = client.post("/api/v1/exports", json={"segment_id": segment.id}, headers=headers)
    again = client.post("/api/v1/exports", json={"segment_id": segment.id}, headers=headers)
    assert first.status_code == again.status_code == 202
    assert again.headers.get("Idempotent-Replayed") == "true" and again.get_json()["id"] == first.get_json()["id"]
    assert len(db.scalars(select(ExportRun).where(ExportRun.segment_id == segment.id)).all()) == 1


def test_errors_are_problems_and_files_stay_with_their_owner(client, db: Session, segment: Segment) -> None:  # type: ignore[no-untyped-def]
    _uid, auth = _token(db)
    missing = client.post("/api/v1/exports", json={"segment_id": 987654}, headers=auth)
    assert missing.status_code == 404 and missing.mimetype == "application/problem+json"
    bad = client.post("/api/v1/exports", json={"segment_id": segment.id, "columns": ["password_hash"]}, headers=auth)
    assert bad.status_code == 422 and bad.get_json()["field"] == "columns"
    assert client.post("/api/v1/exports", json={"segment_id": segment.id, "format": "pdf"}, headers=auth).status_code == 422
    _r, reader = _token(db, scopes=("read",))
    denied = client.post("/api/v1/exports", json={"segment_id": segment.id}, headers=reader)
    assert denied.status_code == 403 and "export" in denied.get_json()["detail"]
    run_id = client.post("/api/v1/exports", json={"segment_id": segment.id}, headers=auth).get_json()["id"]
    _o, teammate = _token(db)
    theirs = client.get(f"/api/v1/exports/{run_id}", headers=teammate).get_json()
    assert theirs["status"] == "done" and theirs["file_url"] is None
    assert client.get(f"/api/v1/exports/{run_id}/file", headers=teammate).status_code == 403
    _a, admin = _token(db, role="admin", scopes=("read", "export"))
    assert client.get(f"/api/v1/exports/{run_id}/file", headers=admin).status_code == 200
    queued = runs.create_export(db, segment, fmt="csv", columns=["id"], actor="someone", user_id=None)
    db.commit()
    waiting = client.get(f"/api/v1/exports/{queued.id}/file", headers=admin)
    assert waiting.status_code == 409 and "queued" in waiting.get_json()["detail"]
    assert client.get("/api/v1/exports/987654", headers=auth).status_code == 404
