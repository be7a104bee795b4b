"""Sources of the new channels through the source form: kinds, query rules, disabled reasons."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.settings import Settings
from crm.sources.models import Source
from tests.web.htmlpage import parse


@pytest.fixture()
def settings(settings: Settings) -> Settings:
    """Discourse configured, Bluesky not (its reason must show); HN needs nothing."""
    return replace(settings, connector_env={"DISCOURSE_URL": "https://forum.example.org"})


def _post(client, csrf, **fields: Any):  # type: ignore[no-untyped-def]
    data = {"name": "", "platform": "hackernews", "kind": "search", "query": "widget",
            "interval_seconds": "300", "backfill_hours": "24", **{k: str(v) for k, v in fields.items()}}
    return client.post("/sources/new", data={"csrf_token": csrf(client, "/sources/"), **data})


@pytest.mark.parametrize(("fields", "stored"), [
    ({}, ("hackernews", "search", "widget")),
    ({"platform": "discourse", "kind": "category", "query": "#support"}, ("discourse", "category", "support")),
    ({"platform": "discourse", "kind": "latest", "query": ""}, ("discourse", "latest", "")),
])
def test_sources_of_the_new_channels_are_created(client, login, csrf, db: Session, fields, stored) -> None:  # type: ignore[no-untyped-def]
    login("manager")
    resp = _post(client, csrf, **fields)
    assert resp.status_code == 302, parse(resp.data).text[:500]
    source = db.scalars(select(Source)).one()
    assert (source.platform, source.kind, source.query) == stored


@pytest.mark.parametrize(("fields", "message"), [
    ({"platform": "bluesky", "kind": "search"}, "Bluesky is disabled: set BLUESKY_HANDLE and BLUESKY_APP_PASSWORD"),
    ({"platform": "discourse", "kind": "latest", "query": "x"}, "Leave the query empty"),
    ({"platform": "hackernews", "kind": "search", "query": ""}, "Enter words to search for."),
    ({"platform": "hackernews", "kind": "mentions", "query": "x"}, "hackernews sources can be: search."),
    ({"platform": "discourse", "kind": "search", "interval_seconds": 10}, "between"),
])
def test_bad_input_for_the_new_channels_is_a_form_error(client, login, csrf, db: Session, fields, message) -> None:  # type: ignore[no-untyped-def]
    login("manager")
    resp = _post(client, csrf, **fields)
    assert resp.status_code == 422 and message in parse(resp.data).text
    assert db.scalars(select(Source)).first() is None


def test_the_sources_page_lists_the_channels_with_their_status(client, login) -> None:  # type: ignore[no-untyped-def]
    login("viewer")
    text = parse(client.get("/sources/").data).text
    assert "Bluesky is disabled: set BLUESKY_HANDLE and BLUESKY_APP_PASSWORD" in text
    assert "Hacker News" in text and "Discourse" in text
