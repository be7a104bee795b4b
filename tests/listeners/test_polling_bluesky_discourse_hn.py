"""poll_source for Bluesky, Discourse and Hacker News: fake servers -> connector -> database.

Each channel is polled through the registry with its settings taken from the environment
(``Settings.connector_env``), as the worker does: cursors are saved with the data, a second
poll adds nothing, new items arrive once, and the source's backfill window reaches the request.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fakes.bsky_api import FakeBluesky
from fakes.discourse_api import FakeDiscourse
from fakes.hn_api import FakeHN
from sqlalchemy import select

from connectors import bluesky
from crm.interactions.models import Interaction
from crm.members.models import Identity
from listeners.polling import poll_source
from tests.listeners.conftest import Listening


@pytest.fixture()
def channels() -> Iterator[dict[str, Any]]:
    bluesky._sessions.clear()
    servers = {"bluesky": FakeBluesky().start(), "discourse": FakeDiscourse().start(), "hackernews": FakeHN().start()}
    yield servers
    for s in servers.values():
        s.stop()


def _configure(listening: Listening, channels: dict[str, Any]) -> None:
    b = channels["bluesky"]
    listening.reconfigure(connector_env={
        "BLUESKY_HANDLE": b.handle, "BLUESKY_APP_PASSWORD": b.password, "BLUESKY_API_URL": b.url,
        "DISCOURSE_URL": channels["discourse"].url, "HN_API_URL": channels["hackernews"].url,
    })


def _seed(channels: dict[str, Any], n: int) -> None:
    b = channels["bluesky"].data
    anna = b.accounts.get("did:anna") or b.account("anna.bsky.social", "Anna Müller")
    d = channels["discourse"].data
    user = d.users.get("anna") or d.user("anna", "Anna Müller")
    topic = d.topic(user, "Widget-Thema", "<p>widget Größe 🎉</p>")
    h = channels["hackernews"].data
    story = h.story("anna", "widget launch")
    for i in range(n):
        b.post(anna, f"widget {i} – schön ✨")
        d.post(user, topic, f"<p>widget Antwort {i}</p>")
        h.comment("bob", f"widget comment {i}", parent=story)


def _ids(listening: Listening, source_id: int) -> list[str]:
    with listening.session_factory() as s:
        return list(s.scalars(select(Interaction.external_id).where(Interaction.source_id == source_id)))


@pytest.mark.parametrize(("platform", "kind", "query", "per_round"), [
    ("bluesky", "search", "widget", 0), ("discourse", "latest", "", 1), ("hackernews", "search", "widget", 1),
])
def test_poll_saves_cursors_and_delivers_each_item_once(
    listening: Listening, channels: dict[str, Any], platform: str, kind: str, query: str, per_round: int
) -> None:
    _configure(listening, channels)
    _seed(channels, 30)
    sid = listening.add_source(platform=platform, kind=kind, query=query, backfill_hours=3)
    first = poll_source(sid)
    assert first["new"] == 30 + per_round and first["exhausted"], first
    source = listening.source(sid)
    assert source.status == "ok" and source.cursor
    again = poll_source(sid)
    assert again["new"] == 0 and again["fetched"] == 0, again
    _seed(channels, 5)
    third = poll_source(sid)
    assert third["new"] == 5 + per_round, third
    ids = _ids(listening, sid)
    assert len(ids) == len(set(ids)) == 35 + 2 * per_round
    with listening.session_factory() as s:
        platforms = set(s.scalars(select(Identity.platform)))
    assert platform in platforms


def test_a_disabled_channel_says_which_settings_to_set(listening: Listening) -> None:
    listening.reconfigure(connector_env={})
    sid = listening.add_source(platform="discourse", kind="latest", query="")
    result = poll_source(sid)
    assert result["error"] == "ConnectorDisabled" and "DISCOURSE_URL" in result["message"]
