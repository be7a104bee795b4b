"""Junk at the edge gets a 4xx that says what is wrong (issue 16); the fuzz test covers the rest."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(("body", "status", "message"), [
    ("[" * 100_000 + "]" * 100_000, 400, "nested more than 32 levels"),
    ('{"name": "\\ud800", "rule": {}}', 400, "lone surrogate"),
    ('"x"', 422, "The body must be a JSON object."),
    ("1e99999", 422, "The body must be a JSON object."),
    ("{", 400, "The body is not usable JSON"),
])
def test_junk_json_bodies(client, login, body: str, status: int, message: str) -> None:  # type: ignore[no-untyped-def]
    login("marketer")
    for path in ("/api/v1/segments", "/api/v1/segments/preview"):
        resp = client.post(path, data=body, content_type="application/json")
        assert resp.status_code == status, (path, resp.get_json())
        assert message in resp.get_json()["message"]


def test_a_json_body_to_a_page_is_refused(client, login) -> None:  # type: ignore[no-untyped-def]
    login("marketer")
    resp = client.post("/segments/preview", data='"x"', content_type="application/json")
    assert resp.status_code == 415 and b"takes a form" in resp.data


@pytest.mark.parametrize("path", ["/members/9223372036854775808", "/api/v1/segments/99999999999999999999",
                                  "/alerts/18446744073709551616"])
def test_ids_past_a_bigint_are_not_found(client, login, path: str) -> None:  # type: ignore[no-untyped-def]
    login("admin")
    assert client.get(path).status_code == 404


@pytest.mark.parametrize(("query", "field"), [({"until": "9999-12-31"}, "until"), ({"since": "0001-01-01"}, "since")])
def test_dates_out_of_range_are_a_422(client, login, query: dict[str, str], field: str) -> None:  # type: ignore[no-untyped-def]
    login("admin")
    # The search page reads its dates through web/params.py (the v1 API validates its own).
    resp = client.get("/search/", query_string={"q": "x", **query})
    assert resp.status_code == 422, field
    assert "between the years 1900 and 9998" in resp.get_data(as_text=True)


@pytest.mark.parametrize(("query", "message"), [
    ({"assignee": "9223372036854775808"}, "assignee is a user id, me or unassigned."),
    ({"assignee": "²"}, "assignee is a user id, me or unassigned."),
    ({"min_age": "99999999999999999999"}, "is not a whole number from 0 to 9223372036854775807"),
])
def test_inbox_numbers_out_of_range_are_a_422(client, login, query: dict[str, str], message: str) -> None:  # type: ignore[no-untyped-def]
    login("admin")
    resp = client.get("/inbox/", query_string=query)
    assert resp.status_code == 422 and message in resp.get_data(as_text=True)
