"""REST API v1: tokens and scopes, rate limits, cursors, Idempotency-Key, problems, the document."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm.members.models import Member
from crm.tokens.services import create_token
from crm.users.services import create_user
from tests.factories import author, ingest, member_of, mention
from tests.web.htmlpage import parse


def _token(db: Session, role: str = "admin", scopes: tuple[str, ...] = ("read", "write", "export", "admin"),
           rate_limit: int | None = None) -> str:
    import uuid

    user = create_user(db, email=f"{role}-{uuid.uuid4().hex[:6]}@example.com", password="correct horse", role=role)
    _t, raw = create_token(db, user, name="test", scopes=list(scopes), rate_limit=rate_limit)
    db.commit()
    return raw


def _auth(raw: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {raw}"}


@pytest.fixture()
def people(db: Session) -> list[int]:
    ids = []
    for n in range(5):
        who = author(handle=f"v1_user_{n}", display_name=f"V1 User {n}")
        ingest(db, mention(by=who, text=f"v1 text {n} about sync"))
        ids.append(member_of(db, "reddit", who.id).id)
    db.commit()
    return ids


def test_a_token_reads_with_cursor_pages_and_rate_headers(client, db, people) -> None:  # type: ignore[no-untyped-def]
    raw = _token(db, scopes=("read",))
    seen: list[int] = []
    url = "/api/v1/members?limit=2"
    while url:
        resp = client.get(url, headers=_auth(raw))
        assert resp.status_code == 200
        assert resp.headers["RateLimit-Limit"] == "600" and int(resp.headers["RateLimit-Remaining"]) < 600
        body = resp.get_json()
        seen += [m["id"] for m in body["items"]]
        url = f"/api/v1/members?limit=2&cursor={body['next_cursor']}" if body["next_cursor"] else ""
    assert seen == sorted(people, reverse=True)
    bad = client.get("/api/v1/members?cursor=%%%", headers=_auth(raw))
    assert bad.status_code == 422 and bad.mimetype == "application/problem+json"
    assert bad.get_json()["field"] == "cursor"


def test_bad_unknown_and_revoked_tokens_are_401_problems(client, db) -> None:  # type: ignore[no-untyped-def]
    for header in ("Bearer crm_nope", "Basic abc", "Bearer "):
        resp = client.get("/api/v1/members", headers={"Authorization": header})
        assert resp.status_code == 401 and resp.mimetype == "application/problem+json"
    raw = _token(db)
    from crm.tokens.models import ApiToken

    db.execute(ApiToken.__table__.update().values(revoked_at=func.now()))
    db.commit()
    assert client.get("/api/v1/members", headers=_auth(raw)).status_code == 401


def test_scopes_limit_what_a_token_does(client, db, people) -> None:  # type: ignore[no-untyped-def]
    reader = _token(db, scopes=("read",))
    resp = client.post(f"/api/v1/members/{people[0]}/tags", json={"tag": "vip"}, headers=_auth(reader))
    assert resp.status_code == 403 and "write" in resp.get_json()["detail"]
    writer = _token(db, scopes=("read", "write"))
    resp = client.post(f"/api/v1/members/{people[0]}/tags", json={"tag": "VIP"}, headers=_auth(writer))
    assert resp.status_code == 200 and resp.get_json()["tags"] == ["vip"]
    assert client.post(f"/api/v1/members/{people[0]}/erase", json={}, headers=_auth(writer)).status_code == 403
    viewer_admin_scopes = pytest.raises(Exception)
    with viewer_admin_scopes:
        _token(db, role="viewer", scopes=("read", "write"))  # a token never does more than its owner


def test_rate_limit_answers_429_with_retry_after(client, db) -> None:  # type: ignore[no-untyped-def]
    raw = _token(db, scopes=("read",), rate_limit=3)
    import time

    if time.time() % 60 > 50:  # the window is the clock's minute: start these requests inside one
        time.sleep(60.5 - time.time() % 60)
    codes = [client.get("/api/v1/sources", headers=_auth(raw)).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    resp = client.get("/api/v1/sources", headers=_auth(raw))
    assert resp.mimetype == "application/problem+json" and int(resp.headers["Retry-After"]) >= 1
    assert resp.headers["RateLimit-Remaining"] == "0"


def test_idempotency_key_replays_the_first_answer(client, db, people) -> None:  # type: ignore[no-untyped-def]
    raw = _token(db)
    headers = {**_auth(raw), "Idempotency-Key": "note-1"}
    first = client.post(f"/api/v1/members/{people[1]}/notes", json={"body": "called them"}, headers=headers)
    again = client.post(f"/api/v1/members/{people[1]}/notes", json={"body": "called them"}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.get_json() == again.get_json() and again.headers["Idempotent-Replayed"] == "true"
    from crm.members.models import Note

    assert db.scalar(select(func.count()).select_from(Note).where(Note.member_id == people[1])) == 1
    other = client.post(f"/api/v1/members/{people[1]}/notes", json={"body": "something else"}, headers=headers)
    assert other.status_code == 422


def test_erase_and_access_export_through_the_api(client, db, people) -> None:  # type: ignore[no-untyped-def]
    raw = _token(db)
    access = client.get(f"/api/v1/members/{people[2]}/access-export", headers=_auth(raw))
    assert access.status_code == 200 and access.get_json()["members"][0]["id"] == people[2]
    erased = client.post(f"/api/v1/members/{people[2]}/erase", json={"reason": "ticket 9"}, headers=_auth(raw))
    assert erased.status_code == 200 and erased.get_json()["counts"]["interactions"] == 1
    db.expire_all()
    assert db.get(Member, people[2]) is None
    gone = client.get(f"/api/v1/members/{people[2]}", headers=_auth(raw))
    assert gone.status_code == 404 and gone.mimetype == "application/problem+json"


def test_session_writes_must_be_json(client, login, db, people) -> None:  # type: ignore[no-untyped-def]
    login("admin")
    assert client.post(f"/api/v1/members/{people[0]}/tags", data={"tag": "x"}).status_code == 415
    assert client.post(f"/api/v1/members/{people[0]}/tags", json={"tag": "x"}).status_code == 200


def test_document_is_openapi_31_and_docs_render_offline(client) -> None:  # type: ignore[no-untyped-def]
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"] == "3.1.0"
    assert {"/api/v1/members", "/api/v1/members/{member_id}/erase", "/api/v1/alerts/{alert_id}/resolve",
            "/api/v1/sources/{source_id}/pause", "/api/v1/inbox/items/{item_id}/handle"} <= set(spec["paths"])
    from openapi_spec_validator import validate

    validate(spec)
    page = parse(client.get("/api/v1/docs").data)
    assert "POST /api/v1/members/{member_id}/erase" in page.text
    assert not [s for s in page.find("script") if (s.attrs.get("src") or "").startswith("http")]


def test_tokens_page_creates_shows_once_and_revokes(client, login, db) -> None:  # type: ignore[no-untyped-def]
    login("marketer")
    page = parse(client.get("/settings/tokens/").data)
    csrf = page.find("input", name="csrf_token")[0].attrs["value"]
    too_much = client.post("/settings/tokens/", data={"csrf_token": csrf, "name": "x", "scopes": ["admin"]})
    assert too_much.status_code == 403
    made = parse(client.post("/settings/tokens/", data={"csrf_token": csrf, "name": "sheet", "scopes": ["read"]}).data)
    raw = made.find(id="token-secret")[0].text.strip()
    assert raw.startswith("crm_") and client.get("/api/v1/members", headers=_auth(raw)).status_code == 200
    assert raw not in client.get("/settings/tokens/").get_data(as_text=True)
    from crm.tokens.models import ApiToken

    token = db.scalars(select(ApiToken)).one()
    assert token.token_hash != raw and raw not in token.token_hash
    assert client.post(f"/settings/tokens/{token.id}/revoke", data={"csrf_token": csrf}).status_code == 302
    assert client.get("/api/v1/members", headers=_auth(raw)).status_code == 401




def test_notes_of_a_member_and_one_interaction(client, db, people) -> None:  # type: ignore[no-untyped-def]
    raw = _token(db, scopes=("read", "write"))
    for n in range(3):
        made = client.post(f"/api/v1/members/{people[2]}/notes", json={"body": f"note {n}"}, headers=_auth(raw))
        assert made.status_code == 201 and made.get_json()["author"].startswith("admin-")
    first = client.get(f"/api/v1/members/{people[2]}/notes?limit=2", headers=_auth(raw)).get_json()
    rest = client.get(f"/api/v1/members/{people[2]}/notes?limit=2&cursor={first['next_cursor']}", headers=_auth(raw)).get_json()
    assert [n["body"] for n in first["items"] + rest["items"]] == ["note 2", "note 1", "note 0"]
    assert rest["next_cursor"] is None
    assert client.get("/api/v1/members/987654/notes", headers=_auth(raw)).status_code == 404
    listed = client.get(f"/api/v1/members/{people[3]}/interactions", headers=_auth(raw)).get_json()["items"][0]
    one = client.get(f"/api/v1/interactions/{listed['id']}", headers=_auth(raw))
    assert one.status_code == 200 and one.get_json() == listed and "v1 text 3" in listed["text"]
    missing = client.get("/api/v1/interactions/987654", headers=_auth(raw))
    assert missing.status_code == 404 and missing.mimetype == "application/problem+json"


def test_the_document_lists_every_resource_of_the_issue(client) -> None:  # type: ignore[no-untyped-def]
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path, method in (("/api/v1/mentions", "post"), ("/api/v1/members", "get"), ("/api/v1/members/{member_id}/tags", "post"),
                         ("/api/v1/members/{member_id}/notes", "get"), ("/api/v1/members/{member_id}/merge", "post"),
                         ("/api/v1/merges/{audit_id}/unmerge", "post"), ("/api/v1/members/{member_id}/erase", "post"),
                         ("/api/v1/interactions", "get"), ("/api/v1/search", "get"), ("/api/v1/segments", "get"),
                         ("/api/v1/exports", "post"), ("/api/v1/exports/{run_id}/file", "get"),
                         ("/api/v1/inbox/items/{item_id}/snooze", "post"), ("/api/v1/alerts/{alert_id}/resolve", "post"),
                         ("/api/v1/sources/{source_id}/pause", "post")):
        assert method in paths.get(path, {}), f"{method.upper()} {path} is not documented"
    assert paths["/api/v1/mentions"]["post"]["security"][0] == {"sourceToken": []}
