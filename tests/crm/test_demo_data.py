"""The bundled demo dataset: deterministic, the promised shape, and importable end to end."""

from __future__ import annotations

import hashlib
import json
import os
import re
import statistics
import subprocess
import sys
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from connectors.files import iter_file
from connectors.import_schema import LineError
from crm import sentiment
from crm.ingest import ingest_batch
from crm.interactions.models import KINDS, Interaction, QuarantinedItem
from crm.members.models import Identity
from demo import DEFAULT_NOW, generate, write_jsonl

REQUIRED = {
    "platform",
    "external_id",
    "kind",
    "author",
    "text",
    "title",
    "url",
    "created_at",
    "parent_id",
    "thread_id",
    "language",
    "channel",
}


@pytest.fixture(scope="module")
def items() -> list[dict[str, Any]]:
    return list(generate())


def _at(item: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(item["created_at"])


def _person_handle(item: dict[str, Any]) -> str:
    """The handle without Mastodon's @ and instance: what a person keeps across platforms."""
    return item["author"]["handle"].removeprefix("@").split("@")[0]


def test_same_seed_same_output_different_seed_different_output(items: list[dict[str, Any]]) -> None:
    assert list(generate(7)) == items
    other = list(generate(8))
    assert other != items
    assert abs(len(other) - len(items)) < 400


def test_output_does_not_depend_on_hash_randomisation(items: list[dict[str, Any]]) -> None:
    code = (
        "import hashlib, json; from demo import generate; "
        "print(hashlib.sha256(json.dumps(list(generate()), sort_keys=True).encode()).hexdigest())"
    )
    digests = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout.strip()
        for seed in ("1", "2")
    }
    mine = hashlib.sha256(json.dumps(items, sort_keys=True).encode()).hexdigest()
    assert digests == {mine}


def test_roughly_the_requested_size_people_and_platforms(items: list[dict[str, Any]]) -> None:
    assert 3_600 <= len(items) <= 4_500
    assert {i["platform"] for i in items} == {"reddit", "x", "mastodon", "rss"}
    per_platform = Counter(i["platform"] for i in items)
    assert min(per_platform.values()) >= 40
    identities = {(i["platform"], i["author"]["id"]) for i in items}
    people = {_person_handle(i) for i in items}
    assert 320 <= len(identities) <= 380
    assert 270 <= len(people) <= 320
    assert len({(i["platform"], i["external_id"]) for i in items}) == len(items)  # no duplicates


def test_every_item_has_the_import_schema_and_sensible_values(items: list[dict[str, Any]]) -> None:
    start = DEFAULT_NOW - timedelta(days=91)
    for item in items:
        assert set(item) == REQUIRED
        assert item["kind"] in KINDS
        assert item["language"] in ("en", "de")
        assert item["text"] or item["title"]
        assert start <= _at(item) < DEFAULT_NOW
        assert item["url"].startswith("https://")
        assert item["author"]["profile_url"].startswith("https://")
        assert "{" not in item["text"] and "{" not in (item["title"] or "")  # every slot filled
    assert [_at(i) for i in items] == sorted(_at(i) for i in items)


def test_platform_specific_ids_handles_and_urls(items: list[dict[str, Any]]) -> None:
    for item in items:
        author, ext, platform = item["author"], item["external_id"], item["platform"]
        if platform == "reddit":
            assert re.fullmatch(r"t[13]_[0-9a-z]{5,8}", ext)
            assert (ext.startswith("t3_")) == (item["parent_id"] is None)
            assert re.fullmatch(r"t2_[0-9a-z]{8}", author["id"])
            assert author["profile_url"] == f"https://www.reddit.com/user/{author['handle']}/"
            assert item["url"].startswith(f"https://www.reddit.com/r/{item['channel']}/comments/")
            assert "followers" not in author
        elif platform == "x":
            assert re.fullmatch(r"\d{18,19}", ext) and re.fullmatch(r"\d{8,19}", author["id"])
            assert re.fullmatch(r"\w{1,15}", author["handle"])
            assert item["url"] == f"https://x.com/{author['handle']}/status/{ext}"
            assert isinstance(author["followers"], int) and len(item["text"]) <= 280
        elif platform == "mastodon":
            assert re.fullmatch(r"\d{17,19}", ext) and author["id"].isdigit()
            user, instance = re.fullmatch(r"@(\w+)@([\w.]+)", author["handle"]).groups()  # type: ignore[union-attr]
            assert author["profile_url"] == f"https://{instance}/@{user}"
            assert item["url"] == f"https://{instance}/@{user}/{ext}"
            assert isinstance(author["followers"], int)
        else:
            assert ext.startswith("https://") and ext == item["url"]
            assert item["title"] and item["channel"]
    assert {i["channel"] for i in items if i["platform"] == "reddit"} >= {"nimbussync", "de_EDV"}


def test_thread_references_resolve_to_earlier_items(items: list[dict[str, Any]]) -> None:
    by_key = {(i["platform"], i["external_id"]): i for i in items}
    replies = [i for i in items if i["parent_id"] is not None]
    assert len(replies) >= 1_500
    for reply in replies:
        parent = by_key[(reply["platform"], reply["parent_id"])]
        root = by_key[(reply["platform"], reply["thread_id"])]
        assert root["parent_id"] is None and root["thread_id"] is None
        assert parent["thread_id"] in (None, reply["thread_id"])
        assert _at(parent) < _at(reply)
        assert reply["kind"] in ("comment", "reply")
    for item in items:
        assert (item["thread_id"] is None) == (item["parent_id"] is None)
    team = [r for r in replies if r["author"]["handle"].lstrip("@").startswith("nimbus_team")]
    assert len(team) >= 100
    assert {r["platform"] for r in team} == {"reddit", "x", "mastodon"}
    others = sum(
        1
        for r in replies
        if r["author"]["id"] != by_key[(r["platform"], r["parent_id"])]["author"]["id"]
    )
    assert others / len(replies) > 0.95
    depth = Counter(r["parent_id"] == r["thread_id"] for r in replies)
    assert depth[False] >= 300  # nested replies, not only answers to the first post


def test_some_people_use_the_same_handle_on_two_platforms(items: list[dict[str, Any]]) -> None:
    platforms: dict[str, set[str]] = defaultdict(set)
    names: dict[str, set[str]] = defaultdict(set)
    for item in items:
        if item["platform"] != "rss":
            platforms[_person_handle(item)].add(item["platform"])
            names[_person_handle(item)].add(item["author"]["display_name"])
    shared = {h for h, p in platforms.items() if len(p) >= 2}
    assert 30 <= len(shared) <= 60
    assert any(platforms[h] == {"reddit", "x"} for h in shared)
    assert any(platforms[h] == {"x", "mastodon"} for h in shared)
    all_names = {n for h in shared for n in names[h]}
    assert any(set(n) & set("äöüÄÖÜß") for n in all_names)
    everyone = {i["author"]["display_name"] for i in items}
    assert any(
        re.search(r"[\u0400-\u04ff\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]", n) for n in everyone
    )


def test_both_languages_and_varied_texts(items: list[dict[str, Any]]) -> None:
    languages = Counter(i["language"] for i in items)
    assert 0.5 <= languages["en"] / len(items) <= 0.7
    assert 0.3 <= languages["de"] / len(items) <= 0.5
    assert len({i["text"] for i in items}) >= len(items) * 0.5
    assert (
        sentiment.guess_language(" ".join(i["text"] for i in items if i["language"] == "de"))
        == "de"
    )
    joined = " ".join(i["text"] for i in items).lower()
    assert "how do i" in joined and "wie kann ich" in joined


def test_an_outage_day_stands_out_in_volume_and_sentiment(items: list[dict[str, Any]]) -> None:
    per_day = Counter(i["created_at"][:10] for i in items)
    day, peak = per_day.most_common(1)[0]
    assert peak >= 4 * statistics.median(per_day.values())
    labels = Counter(
        sentiment.label_for(sentiment.score(i["text"], i["language"]))
        for i in items
        if i["created_at"].startswith(day)
    )
    assert labels["negative"] / sum(labels.values()) > 0.6


def test_now_shifts_the_whole_dataset() -> None:
    now = datetime(2030, 1, 15, 8, 30, tzinfo=UTC)
    shifted = list(generate(now=now))
    times = [_at(i) for i in shifted]
    assert max(times) < now and min(times) >= now - timedelta(days=91)
    assert 3_600 <= len(shifted) <= 4_500
    with pytest.raises(ValueError, match="timezone-aware"):
        list(generate(now=datetime(2030, 1, 15)))


def test_the_generator_is_fast() -> None:
    started = time.perf_counter()
    count = sum(1 for _ in generate(seed=3))
    assert count > 3_000
    assert time.perf_counter() - started < 2.0  # the target is < 1 s; headroom for slow CI


def test_write_jsonl_output_parses_cleanly_through_the_import_parser(
    tmp_path: Path, items: list[dict[str, Any]]
) -> None:
    path = tmp_path / "demo.jsonl"
    assert write_jsonl(path) == len(items)
    parsed = list(iter_file(path))
    assert [p for p in parsed if isinstance(p, LineError)] == []
    assert [m.external_id for _, m in parsed] == [i["external_id"] for i in items]  # type: ignore[union-attr]
    assert [n for n, _ in parsed] == list(range(1, len(items) + 1))  # type: ignore[misc]
    assert "ü" in path.read_text(encoding="utf-8")  # UTF-8, not \u escapes


def test_the_whole_dataset_ingests_without_quarantine(db: Session, tmp_path: Path) -> None:
    # The ingest path refuses items from the future, so anchor the demo at the real clock.
    path = tmp_path / "demo.jsonl"
    total = write_jsonl(path, now=datetime.now(UTC))
    mentions = [m for _, m in iter_file(path)]  # type: ignore[misc]
    result = ingest_batch(db, mentions, origin="demo")
    assert (result.new, result.quarantined, result.duplicate) == (total, 0, 0)
    assert db.scalar(select(func.count()).select_from(QuarantinedItem)) == 0
    assert db.scalar(select(func.count()).select_from(Interaction)) == total
    assert db.scalar(select(func.count()).select_from(Identity)) == len(
        {(m.platform, m.author.id) for m in mentions}
    )
