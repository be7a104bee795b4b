"""The JSON API answers JSON, errors included (4xx with a message), never HTML."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from tests.factories import BASE_TIME, author, ingest, member_of, mention


@pytest.fixture()
def member_id(db: Session) -> int:
    who = author(handle="api_user", display_name="Api User", followers=12)
    ingest(db, *[mention(by=who, text=f"api item {n}", created_at=BASE_TIME + timedelta(hours=n))
                 for n in range(3)])
    return member_of(db, "reddit", who.id).id


def assert_json_error(resp, status: int) -> dict:  # type: ignore[no-untyped-def,type-arg]
    assert resp.status_code == status
    # The API answers RFC 9457 problems; pages asked for JSON answer plain JSON.
    assert resp.mimetype in ("application/json", "application/problem+json")
    assert b"<html" not in resp.data.lower()
    body = resp.get_json(force=True)
    assert body["error"] and body["message"]
    if resp.mimetype == "application/problem+json":
        assert body["status"] == status and body["title"] and body["detail"]
    return body


def test_members_list_and_detail(client, login, member_id: int) -> None:  # type: ignore[no-untyped-def]
    login("viewer")
    listing = client.get("/api/v1/members?q=api_user")
    assert listing.status_code == 200 and listing.is_json
    body = listing.get_json()
    assert body["next_cursor"] is None and [m["id"] for m in body["items"]] == [member_id]
    detail = client.get(f"/api/v1/members/{member_id}").get_json()
    assert detail["display_name"] == "Api User"
    assert detail["interaction_count"] == 3 and detail["followers_max"] == 12
    assert detail["platforms"] == ["reddit"]
    assert [i["handle"] for i in detail["identities"]] == ["api_user"]
    assert detail["last_seen"].endswith("+00:00")


def test_member_interactions_newest_first_with_pages(client, login, member_id: int) -> None:  # type: ignore[no-untyped-def]
    login("viewer")
    first = client.get(f"/api/v1/members/{member_id}/interactions?limit=2")
    body = first.get_json()
    assert [i["text"] for i in body["items"]] == ["api item 2", "api item 1"]
    assert body["next_cursor"] and 'rel="next"' in first.headers["Link"]
    second = client.get(f"/api/v1/members/{member_id}/interactions?limit=2&cursor={body['next_cursor']}").get_json()
    assert [i["text"] for i in second["items"]] == ["api item 0"] and second["next_cursor"] is None


def test_search(client, login, member_id: int) -> None:  # type: ignore[no-untyped-def]
    login("viewer")
    body = client.get("/api/v1/search?q=item+-2").get_json()
    assert [i["text"] for i in body["items"]] == ["api item 1", "api item 0"]
    assert all(i["member_id"] == member_id for i in body["items"])


def test_unknown_member_is_a_json_404(client, login) -> None:  # type: ignore[no-untyped-def]
    login("viewer")
    body = assert_json_error(client.get("/api/v1/members/999999"), 404)
    assert "999999" in body["message"]
    assert_json_error(client.get("/api/v1/members/999999/interactions"), 404)


def test_unknown_route_and_method_answer_json(client, login) -> None:  # type: ignore[no-untyped-def]
    login("viewer")
    assert_json_error(client.get("/api/v1/no-such-thing"), 404)
    assert_json_error(client.post("/api/v1/members"), 405)
    assert_json_error(client.delete("/api/v1/members/1"), 405)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("/api/v1/search?q=-only", "q"),
        ("/api/v1/search?sentiment=angry", "sentiment"),
        ("/api/v1/search?since=notadate", "since"),
        ("/api/v1/members?sort=bogus", "sort"),
    ],
)
def test_invalid_input_is_a_json_422_naming_the_field(client, login, query: str, field: str) -> None:  # type: ignore[no-untyped-def]
    login("viewer")
    assert assert_json_error(client.get(query), 422)["field"] == field


def test_anonymous_requests_get_a_json_401(client) -> None:  # type: ignore[no-untyped-def]
    assert_json_error(client.get("/api/v1/members"), 401)
    assert_json_error(client.get("/api/v1/search?q=x"), 401)


def test_pages_answer_json_errors_to_clients_that_prefer_json(client, login) -> None:  # type: ignore[no-untyped-def]
    login("viewer")
    resp = client.get("/members/999999", headers={"Accept": "application/json"})
    assert_json_error(resp, 404)
