"""The Mastodon connector through real Mastodon.py against the fake instance on 127.0.0.1."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
from fakes.mastodon_api import FakeMastodon, MastodonData, generate
from fakes.server import Fault

from connectors.base import Cursor
from connectors.errors import AuthFailed, Permanent, RateLimited, Transient
from connectors.mastodon import MastodonConfig, MastodonConnector
from connectors.mastodon_mapping import full_acct
from connectors.registry import available, build

MakeMastodon = Callable[..., MastodonConnector]


@pytest.fixture
def data() -> MastodonData:
    return MastodonData()


@pytest.fixture
def fake(data: MastodonData) -> Iterator[FakeMastodon]:
    server = FakeMastodon(data).start()
    yield server
    server.stop()


@pytest.fixture
def make(fake: FakeMastodon) -> MakeMastodon:
    def make(**overrides: object) -> MastodonConnector:
        values: dict[str, object] = {"api_base_url": fake.url, "access_token": fake.token, "timeout": 0.5}
        values.update(overrides)
        return MastodonConnector(MastodonConfig(**values))  # type: ignore[arg-type]

    return make


def _people(data: MastodonData) -> tuple[dict, dict, dict]:  # type: ignore[type-arg]
    me = data.add_account("nimbus_team", display_name="Nimbus Team")
    data.me = me["id"]
    local = data.add_account(
        "jürgen", display_name="Jürgen Groß 🚲", note='<p>Radfahrer &amp; <a href="https://example.de">Blog</a></p>',
        followers=1234, fields=[{"name": "Web", "value": '<a href="https://jg.example" rel="me">jg.example</a>',
                                 "verified_at": "2026-01-01T00:00:00.000Z"}],
    )  # fmt: skip
    remote = data.add_account("anna", domain="chaos.social", display_name="")
    return me, local, remote


# --- mapping -------------------------------------------------------------------------------


def test_hashtag_status_maps_every_field(fake: FakeMastodon, data: MastodonData, make: MakeMastodon) -> None:
    me, local, remote = _people(data)
    status = data.add_status(
        local, "Die Größenänderung ist kaputt 😡 <script>x</script>", tags=("NimbusSync",), mentions=(me, remote),
        link="https://example.com/a/very/long/path?q=ä", spoiler="Technik-Ärger", visibility="unlisted",
    )  # fmt: skip

    result = make().fetch("hashtag", "#NimbusSync", None)

    [m] = result.mentions
    host = fake.url.split("//")[1].split(":")[0]
    assert m.platform == "mastodon" and m.external_id == status["id"]
    assert m.created_at == datetime.fromisoformat(status["created_at"].replace("Z", "+00:00"))
    assert m.created_at.tzinfo is not None
    assert m.text == (
        "@anna@chaos.social @nimbus_team@" + host + " Die Größenänderung ist kaputt 😡 <script>x</script> "
        "https://example.com/a/very/long/path?q=ä #NimbusSync"
    )
    assert m.title == "Technik-Ärger" and m.raw["spoiler_text"] == "Technik-Ärger"
    assert m.raw["visibility"] == "unlisted" and m.raw["uri"] == status["uri"]
    assert m.raw["id"] == status["id"] and "quote" not in m.raw  # the wire JSON, not a typed entity
    assert m.kind == "post" and m.thread_id == status["id"] and m.parent_id is None
    assert m.url == status["url"] and m.language == "de" and m.channel == "#NimbusSync"
    a = m.author
    assert (a.id, a.handle, a.display_name) == (local["id"], f"jürgen@{host}", "Jürgen Groß 🚲")
    assert a.profile_url == local["url"] and a.avatar_url == local["avatar"] and a.followers == 1234
    profile = m.raw["account"]["profile"]
    assert profile["bio"] == "Radfahrer & Blog (https://example.de)"
    assert profile["fields"] == [{"name": "Web", "value": "https://jg.example", "verified": True}]
    # The profile facts identity matching reads come with the author (bio, the fields' links).
    assert a.bio == "Radfahrer & Blog (https://example.de)" and a.links == ("https://jg.example",)
    assert result.failures == [] and result.exhausted


def test_remote_handles_replies_and_empty_display_names(data: MastodonData, make: MakeMastodon) -> None:
    _, local, remote = _people(data)
    root = data.add_status(local, "Frage", tags=("Fediverse",))
    reply = data.add_status(remote, "Antwort ✅", tags=("Fediverse",), reply_to=root, language=None)

    by_id = {m.external_id: m for m in make().fetch("hashtag", "fediverse", None).mentions}

    r = by_id[reply["id"]]
    assert r.author.handle == "anna@chaos.social" and r.author.display_name == "anna"
    assert r.kind == "reply" and r.parent_id == root["id"] and r.thread_id is None
    assert r.language is None


def test_a_boost_is_the_original_status(data: MastodonData, make: MakeMastodon) -> None:
    me, local, remote = _people(data)
    original = data.add_status(remote, "Original 🎉", tags=("NimbusSync",))
    boost = data.add_status(local, "", reblog=original)
    boost["tags"] = original["tags"]

    mentions = make().fetch("hashtag", "NimbusSync", None).mentions

    assert [m.external_id for m in mentions] == [original["id"], original["id"]]
    boosted = [m for m in mentions if "boosted_by" in m.raw]
    assert len(boosted) == 1 and boosted[0].author.handle == "anna@chaos.social"
    assert boosted[0].text == "Original 🎉 #NimbusSync"


def test_full_acct_appends_the_instance_domain() -> None:
    assert full_acct("bob", "social.example") == "bob@social.example"
    assert full_acct("@bob@chaos.social", "social.example") == "bob@chaos.social"


def test_a_malformed_status_is_a_failure_and_the_page_lands(data: MastodonData, make: MakeMastodon) -> None:
    _, local, _ = _people(data)
    good = [data.add_status(local, f"gut {i}", tags=("T",)) for i in range(3)]
    bad = data.add_status(local, "kaputt", tags=("T",))
    bad["created_at"] = "gestern"

    result = make().fetch("hashtag", "T", None)

    assert sorted(m.external_id for m in result.mentions) == sorted(s["id"] for s in good)
    assert [reason for reason, _ in result.failures] == ["missing created_at"] or [
        reason for reason, _ in result.failures
    ] == ["invalid created_at"]
    assert result.next_cursor.values["min_id"] == bad["id"]  # the bad one is not read again


# --- pagination and cursors ------------------------------------------------------------------


def _tagged(data: MastodonData, n: int, tag: str = "NimbusSync") -> list[dict]:  # type: ignore[type-arg]
    _, local, remote = _people(data)
    return [data.add_status(local if i % 2 else remote, f"Beitrag Nr. {i} ü", tags=(tag,)) for i in range(n)]


def test_pages_forward_with_min_id_and_the_link_header(fake: FakeMastodon, data: MastodonData, make: MakeMastodon) -> None:
    statuses = _tagged(data, 95)

    result = make().fetch("hashtag", "NimbusSync", None)

    assert [m.external_id for m in result.mentions] == [s["id"] for s in statuses]  # oldest first, all
    assert result.next_cursor.values["min_id"] == statuses[-1]["id"]
    tag_requests = [r for r in fake.requests if "/timelines/tag/" in r.path]
    assert len(tag_requests) == 3  # 40 + 40 + 15
    assert all(r.query["limit"] == "40" and "min_id" in r.query for r in tag_requests)


def test_cursor_across_polls_nothing_twice_nothing_lost(data: MastodonData, make: MakeMastodon) -> None:
    first_batch = _tagged(data, 10)
    connector = make(max_items=40)
    first = connector.fetch("hashtag", "NimbusSync", None)
    assert {m.external_id for m in first.mentions} == {s["id"] for s in first_batch}

    assert connector.fetch("hashtag", "NimbusSync", first.next_cursor).mentions == []

    _, local, _ = _people(data)
    more = [data.add_status(local, f"neu {i}", tags=("NimbusSync",)) for i in range(100)]
    seen: list[str] = []
    cursor = first.next_cursor
    runs = 0
    while True:
        result = connector.fetch("hashtag", "NimbusSync", cursor)
        seen += [m.external_id for m in result.mentions]
        cursor = result.next_cursor
        runs += 1
        if result.exhausted:
            break
    assert runs == 3  # max_items=40 cut the first two runs
    assert seen == [s["id"] for s in more]


def test_first_poll_backfills_only_the_window(data: MastodonData, make: MakeMastodon) -> None:
    _, local, _ = _people(data)
    old = data.add_status(local, "alt", tags=("T",), created=time.time() - 3 * 86400)
    recent = data.add_status(local, "neu", tags=("T",), created=time.time() - 3600)

    ids = [m.external_id for m in make().fetch("hashtag", "T", None, backfill_hours=24).mentions]
    assert ids == [recent["id"]]
    ids = [m.external_id for m in make().fetch("hashtag", "T", None, backfill_hours=100).mentions]
    assert ids == [old["id"], recent["id"]]


def test_search_walks_newest_first_down_to_the_cursor(fake: FakeMastodon, data: MastodonData, make: MakeMastodon) -> None:
    _, local, _ = _people(data)
    hits = [data.add_status(local, f"Größe passt {i} 👍") for i in range(90)]
    data.add_status(local, "anderes Thema")
    connector = make(max_items=40)

    seen: list[str] = []
    cursor: Cursor | None = None
    while True:
        result = connector.fetch("search", "größe passt", cursor)
        seen += [m.external_id for m in result.mentions]
        cursor = result.next_cursor
        if result.exhausted:
            break
    assert sorted(seen, key=int) == [s["id"] for s in hits] and len(seen) == len(set(seen))
    newer = [data.add_status(local, f"Größe passt neu {i}") for i in range(3)]
    again = connector.fetch("search", "größe passt", cursor)
    assert sorted(m.external_id for m in again.mentions) == [s["id"] for s in newer]
    assert all(r.headers["authorization"] == "Bearer test-token" for r in fake.requests if "search" in r.path)


def test_mentions_are_notifications_of_type_mention(fake: FakeMastodon, data: MastodonData, make: MakeMastodon) -> None:
    me, local, remote = _people(data)
    first = data.mention_me(data.add_status(remote, "Hallo", mentions=(me,)))
    connector = make()

    result = connector.fetch("mentions", "", None)
    assert [(m.external_id, m.kind) for m in result.mentions] == [(first["status"]["id"], "mention")]
    assert result.next_cursor.values["min_id"] == first["id"]

    second = data.mention_me(data.add_status(local, "Nochmal 🙂", mentions=(me,)))
    again = connector.fetch("mentions", "", result.next_cursor)
    assert [m.external_id for m in again.mentions] == [second["status"]["id"]]
    assert all(r.query.get("types[]") == "mention" for r in fake.requests if r.path.endswith("/notifications"))


def test_account_statuses_look_the_account_up_once(fake: FakeMastodon, data: MastodonData, make: MakeMastodon) -> None:
    _, local, remote = _people(data)
    mine = [data.add_status(remote, f"von Anna {i}") for i in range(3)]
    data.add_status(local, "nicht von Anna")
    connector = make(access_token=None)

    result = connector.fetch("account", "@anna@chaos.social", None)
    assert [m.external_id for m in result.mentions] == [s["id"] for s in mine]
    assert result.next_cursor.values["account_id"] == remote["id"]
    connector.fetch("account", "anna@chaos.social", result.next_cursor)
    assert len([r for r in fake.requests if r.path.endswith("/lookup")]) == 1
    assert all("authorization" not in r.headers for r in fake.requests)


def test_thread_delivers_ancestors_root_and_new_replies_once(data: MastodonData, make: MakeMastodon) -> None:
    _, local, remote = _people(data)
    top = data.add_status(local, "Wurzel")
    middle = data.add_status(remote, "Mitte", reply_to=top)
    reply = data.add_status(local, "Antwort", reply_to=middle)
    connector = make()
    url = middle["url"]

    first = connector.fetch("thread", url, None)
    assert [m.external_id for m in first.mentions] == [top["id"], middle["id"], reply["id"]]
    assert {m.thread_id for m in first.mentions} == {top["id"]}

    late = data.add_status(remote, "Spät 🐢", reply_to=reply)
    second = connector.fetch("thread", url, first.next_cursor)
    assert [m.external_id for m in second.mentions] == [late["id"]]


# --- errors --------------------------------------------------------------------------------


def test_a_deleted_status_is_permanent_410(data: MastodonData, make: MakeMastodon) -> None:
    _, local, _ = _people(data)
    status = data.add_status(local, "weg")
    data.deleted.add(status["id"])
    with pytest.raises(Permanent, match="Deleted on Mastodon \\(410\\)"):
        make().fetch("thread", status["id"], None)


def test_a_deleted_status_leaves_the_timeline(data: MastodonData, make: MakeMastodon) -> None:
    statuses = _tagged(data, 3)
    data.deleted.add(statuses[1]["id"])
    ids = [m.external_id for m in make().fetch("hashtag", "NimbusSync", None).mentions]
    assert ids == [statuses[0]["id"], statuses[2]["id"]]


@pytest.mark.parametrize(
    ("status", "error", "match"),
    [
        (401, AuthFailed, "401"),
        (403, Permanent, "not allowed"),
        (404, Permanent, "404"),
        (410, Permanent, "410"),
        (422, Permanent, "422"),
        (500, Transient, "500"),
        (502, Transient, "502"),
        (503, Transient, "503"),
    ],
)
def test_status_codes_map_to_error_kinds(
    status: int, error: type, match: str, fake: FakeMastodon, data: MastodonData, make: MakeMastodon
) -> None:
    _tagged(data, 2)
    fake.fail(1, Fault(status))
    started = time.monotonic()
    with pytest.raises(error, match=match):
        make().fetch("hashtag", "NimbusSync", None)
    assert time.monotonic() - started < 1 and fake.count() == 1


def test_a_403_about_the_token_is_auth_failed(fake: FakeMastodon, data: MastodonData, make: MakeMastodon) -> None:
    fake.fail(1, Fault(403, body={"error": "This action is outside the authorized scopes"}))
    with pytest.raises(AuthFailed, match="scopes"):
        make().fetch("mentions", "", None)


def test_wrong_token_is_auth_failed(data: MastodonData, make: MakeMastodon) -> None:
    with pytest.raises(AuthFailed, match="token"):
        make(access_token="wrong").fetch("hashtag", "NimbusSync", None)


def test_429_is_rate_limited_until_the_reset_header(fake: FakeMastodon, data: MastodonData, make: MakeMastodon) -> None:
    _tagged(data, 2)
    fake.reset_in = 120
    fake.fail(1, Fault(429))
    with pytest.raises(RateLimited) as info:
        make().fetch("hashtag", "NimbusSync", None)
    assert info.value.retry_after == pytest.approx(120, abs=5)


def test_an_exhausted_budget_stops_paging_and_waits_without_a_request(
    fake: FakeMastodon, data: MastodonData, make: MakeMastodon
) -> None:
    statuses = _tagged(data, 60)
    fake.remaining = 1  # the first page spends the last request of the window
    connector = make()
    result = connector.fetch("hashtag", "NimbusSync", None)
    assert [m.external_id for m in result.mentions] == [s["id"] for s in statuses[:40]]
    assert not result.exhausted and result.next_cursor.values["not_before"] > time.time() + 200
    before = fake.count()
    with pytest.raises(RateLimited):
        connector.fetch("hashtag", "NimbusSync", result.next_cursor)
    assert fake.count() == before


def test_a_rate_limit_mid_walk_keeps_what_was_fetched(fake: FakeMastodon, data: MastodonData, make: MakeMastodon) -> None:
    statuses = _tagged(data, 60)
    fake.fail(2, Fault(429))
    with pytest.raises(RateLimited) as info:
        make().fetch("hashtag", "NimbusSync", None)
    partial = info.value.partial
    assert partial is not None and len(partial.mentions) == 40
    rest = make().fetch("hashtag", "NimbusSync", partial.next_cursor)
    assert [m.external_id for m in partial.mentions + rest.mentions] == [s["id"] for s in statuses]


def test_malformed_json_and_timeouts_are_transient(fake: FakeMastodon, data: MastodonData, make: MakeMastodon) -> None:
    _tagged(data, 2)
    fake.fail(1, Fault(malformed=True))
    with pytest.raises(Transient, match="not valid JSON"):
        make().fetch("hashtag", "NimbusSync", None)
    fake.fail(2, Fault(200, delay=1.0))
    with pytest.raises(Transient, match="reach"):
        make(timeout=0.3).fetch("hashtag", "NimbusSync", None)


def test_generated_instance_non_ascii_round_trips(data: MastodonData, make: MakeMastodon, fake: FakeMastodon) -> None:
    fake.data = generate()
    texts = " ".join(m.text for m in make().fetch("hashtag", "NimbusSync", None).mentions)
    for needle in ("Größenänderung", "🚀🔥", "日本語", "Привет", "مرحبا", "#NimbusSync"):
        assert needle in texts


# --- settings and queries ------------------------------------------------------------------


def test_registry_lists_mastodon_and_says_what_to_set() -> None:
    status = {s.platform: s for s in available({})}["mastodon"]
    assert not status.enabled and status.reason == "Mastodon is disabled: set MASTODON_API_BASE_URL"
    public = {s.platform: s for s in available({"MASTODON_API_BASE_URL": "https://social.example"})}["mastodon"]
    assert public.enabled and public.source_kinds == ("hashtag", "account", "thread")
    assert "MASTODON_ACCESS_TOKEN" in public.reason
    connector = build("mastodon", {"MASTODON_API_BASE_URL": "https://social.example/", "MASTODON_ACCESS_TOKEN": "t"})
    assert isinstance(connector, MastodonConnector) and connector.config.api_base_url == "https://social.example"
    assert connector.source_kinds == MastodonConnector.source_kinds


@pytest.mark.parametrize(
    ("kind", "query", "ok"),
    [
        ("hashtag", "#Größe", True), ("hashtag", "two words", False), ("hashtag", "", False),
        ("search", "nimbus sync", True), ("search", "x" * 501, False),
        ("account", "@anna@chaos.social", True), ("account", "anna", True), ("account", "not an acct!", False),
        ("mentions", "", True), ("thread", "https://social.example/@anna/1234567", True),
        ("thread", "1234567", True), ("thread", "https://x/@a/not valid", False),
    ],
)  # fmt: skip
def test_validate_query(kind: str, query: str, ok: bool) -> None:
    error = MastodonConnector.validate_query(kind, query)
    assert (error is None) is ok, error


def test_search_and_mentions_need_a_token(make: MakeMastodon) -> None:
    with pytest.raises(Permanent, match="MASTODON_ACCESS_TOKEN"):
        make(access_token=None).fetch("mentions", "", None)


def test_min_interval_follows_300_requests_per_5_minutes() -> None:
    assert MastodonConnector.min_interval_seconds("hashtag") == 20


def test_created_at_is_utc(data: MastodonData, make: MakeMastodon) -> None:
    _tagged(data, 1)
    [m] = make().fetch("hashtag", "NimbusSync", None).mentions
    assert m.created_at.utcoffset() == UTC.utcoffset(None)
