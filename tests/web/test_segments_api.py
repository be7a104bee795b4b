"""/api/v1/segments: the same rule language as the pages, keyset pages, audited JSON export."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.segments.models import ExportRun
from tests.crm.segment_data import person


def test_create_read_update_delete(client, login, db: Session) -> None:  # type: ignore[no-untyped-def]
    login("marketer")
    for i in range(3):
        person(db, f"Api {i}", accounts=(("apiland", i),))
    db.commit()
    created = client.post("/api/v1/segments", json={"name": "API", "rule": {"field": "platforms", "any": ["apiland"]}})
    assert created.status_code == 201, created.get_json()
    seg = created.get_json()
    got = client.get(f"/api/v1/segments/{seg['id']}").get_json()
    assert got["count"] == 3 and got["rule"] == {"field": "platforms", "any": ["apiland"]}
    bad = client.put(f"/api/v1/segments/{seg['id']}", json={"rule": {"op": "and", "conditions": [
        {"field": "reach", "min": 0}, {"field": "sentiment", "min": 5}]}})
    assert bad.status_code == 422 and bad.get_json()["field"] == "conditions[1].min"
    ok = client.patch(f"/api/v1/segments/{seg['id']}", json={"rule": {"field": "reach", "min": 1}})
    assert ok.status_code == 200 and ok.get_json()["name"] == "API"
    assert "API" in [s["name"] for s in client.get("/api/v1/segments").get_json()["items"]]
    assert client.delete(f"/api/v1/segments/{seg['id']}").status_code == 204
    assert client.get(f"/api/v1/segments/{seg['id']}").status_code == 404


def test_writes_need_json_and_the_segments_permission(client, login) -> None:  # type: ignore[no-untyped-def]
    login("marketer")
    form = client.post("/api/v1/segments", data={"name": "x", "rule": "{}"})
    assert form.status_code == 415 and form.mimetype == "application/problem+json"  # no CSRF token: JSON only
    login("viewer")
    assert client.post("/api/v1/segments", json={"name": "x", "rule": {"field": "reach", "min": 1}}).status_code == 403


def test_preview_and_keyset_member_pages(client, login, db: Session) -> None:  # type: ignore[no-untyped-def]
    login("viewer")
    members = [person(db, f"Page {i}", accounts=(("pageland", i),)) for i in range(5)]
    db.commit()
    login("manager")
    rule = {"field": "platforms", "any": ["pageland"]}
    preview = client.post("/api/v1/segments/preview", json={"rule": rule}).get_json()
    assert preview["count"] == 5 and len(preview["members"]) == 5
    seg = client.post("/api/v1/segments", json={"name": "Pages", "rule": rule}).get_json()
    seen, after = [], 0
    while after is not None:
        page = client.get(f"/api/v1/segments/{seg['id']}/members?limit=2&after={after}").get_json()
        seen += [m["id"] for m in page["items"]]
        after = page["next_after"]
    assert seen == sorted(m.id for m in members)


def test_json_export_pages_are_recorded(client, login, db: Session) -> None:  # type: ignore[no-untyped-def]
    user = login("marketer")
    for i in range(3):
        person(db, f"=cmd {i}", accounts=(("jsonland", i),), tags=("t",))
    db.commit()
    seg = client.post("/api/v1/segments", json={"name": "J", "rule": {"field": "platforms", "any": ["jsonland"]}}).get_json()
    first = client.get(f"/api/v1/segments/{seg['id']}/export?columns=id,display_name,tags&limit=2").get_json()
    assert first["columns"] == ["id", "display_name", "tags"] and len(first["items"]) == 2
    assert first["items"][0]["display_name"] == "=cmd 0" and first["items"][0]["tags"] == "t"  # JSON keeps values
    rest = client.get(f"/api/v1/segments/{seg['id']}/export?columns=id&limit=2&after={first['next_after']}").get_json()
    assert len(rest["items"]) == 1 and rest["next_after"] is None
    audit = db.scalars(select(ExportRun).where(ExportRun.segment_id == seg["id"])).all()
    assert [(r.channel, r.row_count, r.user_id) for r in audit] == [("api", 2, user.id), ("api", 1, user.id)]
    bad = client.get(f"/api/v1/segments/{seg['id']}/export?columns=password_hash")
    assert bad.status_code == 422
