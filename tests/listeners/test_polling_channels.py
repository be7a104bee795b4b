"""poll_source for Mastodon and RSS sources: the real poll job, the real connectors and client
libraries against fakes on 127.0.0.1, into the test database (SQLite or PostgreSQL)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from fakes.feeds import FakeFeeds, rss_document
from fakes.mastodon_api import FakeMastodon, MastodonData
from sqlalchemy import select

from crm.interactions.models import Interaction
from crm.members.models import Identity
from listeners.polling import poll_source
from tests.listeners.conftest import Listening


@pytest.fixture()
def mastodon() -> Iterator[FakeMastodon]:
    server = FakeMastodon(MastodonData()).start()
    yield server
    server.stop()


@pytest.fixture()
def feeds() -> Iterator[FakeFeeds]:
    server = FakeFeeds().start()
    yield server
    server.stop()


def _env(listening: Listening, **values: str) -> None:
    listening.set_connector_env(**values)


def _stored(listening: Listening, source_id: int) -> list[Interaction]:
    with listening.session_factory() as s:
        found = list(s.scalars(select(Interaction).where(Interaction.source_id == source_id).order_by(Interaction.id)))
        s.expunge_all()
        return found


def _identities(listening: Listening, platform: str) -> dict[str, Identity]:
    with listening.session_factory() as s:
        found = {i.external_id: i for i in s.scalars(select(Identity).where(Identity.platform == platform))}
        s.expunge_all()
        return found


def test_mastodon_hashtag_polls_into_the_database(listening: Listening, mastodon: FakeMastodon) -> None:
    data = mastodon.data
    me = data.add_account("nimbus_team", display_name="Nimbus Team")
    anna = data.add_account("anna", domain="chaos.social", display_name="Anna Groß 🌱", followers=321)
    local = data.add_account("jürgen", display_name="Jürgen")
    first = [data.add_status(anna if i % 2 else local, f"Die Größe {i} passt nicht 😡", tags=("NimbusSync",),
                             mentions=(me,) if i == 0 else ()) for i in range(45)]  # fmt: skip
    _env(listening, MASTODON_API_BASE_URL=mastodon.url, MASTODON_ACCESS_TOKEN=mastodon.token)
    source_id = listening.add_source("mastodon", "hashtag", "#NimbusSync", backfill_hours=24)

    outcome = poll_source(source_id)

    assert outcome == {"fetched": 45, "new": 45, "duplicates": 0, "quarantined": 0, "suppressed": 0, "exhausted": True}
    stored = _stored(listening, source_id)
    assert [i.external_id for i in stored] == [s["id"] for s in first]
    assert stored[0].text.startswith("@nimbus_team@127.0.0.1 Die Größe 0 passt nicht 😡")
    assert stored[1].channel == "#NimbusSync" and stored[1].language == "de"
    identities = _identities(listening, "mastodon")
    assert identities[anna["id"]].handle == "anna@chaos.social"
    assert identities[anna["id"]].display_name == "Anna Groß 🌱" and identities[anna["id"]].followers == 321
    assert identities[local["id"]].handle == "jürgen@127.0.0.1"
    cursor = listening.source(source_id).cursor
    assert cursor == {"min_id": first[-1]["id"]}

    newer = [data.add_status(local, f"Neu {i} 🚀", tags=("NimbusSync",)) for i in range(3)]
    assert poll_source(source_id)["new"] == 3
    assert poll_source(source_id)["fetched"] == 0
    ids = [i.external_id for i in _stored(listening, source_id)]
    assert len(ids) == len(set(ids)) == 48 and ids[-3:] == [s["id"] for s in newer]


def test_mastodon_wrong_token_disables_the_source(listening: Listening, mastodon: FakeMastodon) -> None:
    _env(listening, MASTODON_API_BASE_URL=mastodon.url, MASTODON_ACCESS_TOKEN="wrong")
    source_id = listening.add_source("mastodon", "mentions", "")
    assert poll_source(source_id)["error"] == "AuthFailed"
    source = listening.source(source_id)
    assert not source.enabled and source.status == "disabled" and "401" in (source.status_reason or "")


def test_mastodon_deleted_thread_is_permanent(listening: Listening, mastodon: FakeMastodon) -> None:
    status = mastodon.data.add_status(mastodon.data.add_account("anna"), "weg")
    mastodon.data.deleted.add(status["id"])
    _env(listening, MASTODON_API_BASE_URL=mastodon.url)
    source_id = listening.add_source("mastodon", "thread", status["url"])
    assert poll_source(source_id)["error"] == "Permanent"
    source = listening.source(source_id)
    assert source.status == "failing" and "410" in (source.status_reason or "")


def test_mastodon_without_settings_says_what_to_set(listening: Listening) -> None:
    source_id = listening.add_source("mastodon", "hashtag", "NimbusSync")
    result: dict[str, Any] = poll_source(source_id)
    assert result["error"] == "ConnectorDisabled" and "MASTODON_API_BASE_URL" in result["message"]


def test_rss_feed_polls_into_the_database_with_conditional_get(listening: Listening, feeds: FakeFeeds) -> None:
    now = time.time()
    entries = [{"title": f"Größe {i}", "guid": f"https://blog.example/p/{i}", "link": f"https://blog.example/p/{i}",
                "ts": now - 3600 + i, "html": f"<p>Text {i} ✅</p>", "author": "Jürgen"} for i in range(30)]  # fmt: skip
    feeds.publish("/feed.xml", rss_document(list(reversed(entries))))
    source_id = listening.add_source("rss", "feed", feeds.url + "/feed.xml")

    assert poll_source(source_id) == {"fetched": 30, "new": 30, "duplicates": 0, "quarantined": 0, "suppressed": 0, "exhausted": True}
    stored = _stored(listening, source_id)
    assert [i.external_id for i in stored] == [e["guid"] for e in entries]
    assert stored[0].title == "Größe 0" and stored[0].text == "Text 0 ✅" and stored[0].channel == "Nimbus Blog"

    assert poll_source(source_id)["fetched"] == 0
    assert feeds.requests[-1].headers.get("if-none-match")  # a 304, nothing parsed

    more = {"title": "Neu", "guid": "https://blog.example/p/new", "ts": now, "html": "neu"}
    feeds.publish("/feed.xml", rss_document([more, *reversed(entries[5:])]))
    assert poll_source(source_id)["new"] == 1
    assert len(_stored(listening, source_id)) == 31


def test_a_broken_feed_lands_its_good_entries(listening: Listening, feeds: FakeFeeds) -> None:
    good = [{"title": f"gut {i}", "guid": f"https://b/{i}", "ts": time.time() - 60 * i, "html": "ok"} for i in range(3)]
    feeds.publish("/broken", rss_document(good).replace(b"</channel></rss>", b"<item><title>kaputt"))
    source_id = listening.add_source("rss", "feed", feeds.url + "/broken")
    assert poll_source(source_id)["new"] >= 3
    assert listening.source(source_id).status == "ok"
