"""Mastodon and RSS/Atom: the mapping layer alone, and polling into PostgreSQL end to end.

Mapping: Status entities (as the fake instance serves them: local and remote accounts,
mentions, hashtags, shortened links, HTML) through ``map_status``; feed entries (as feedparser
returns them from an RSS 2.0 document) through ``map_entry``. Target >= 5,000 items/s each.

Polling: tests/fakes served from a child process (Mastodon: one hashtag with 20,000 statuses,
quick 4,000, read in pages of 40 as Mastodon allows; RSS: 400 blog feeds of 50 entries, quick
80, one source each), ``poll_source`` inline in this process into a scratch PostgreSQL database,
each source polled until a poll reports it exhausted. The clock covers Mastodon.py / requests,
feedparser, mapping, ingest and commits. Target >= 2,000 mentions/s.

Run: .venv/bin/python bench/bench_channels.py [--quick]
"""

from __future__ import annotations

import multiprocessing
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
for path in (ROOT, ROOT / "tests"):  # the fakes live in tests/fakes
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from fakes.feeds import FakeFeeds, rss_document  # noqa: E402
from fakes.mastodon_api import FakeMastodon, MastodonData  # noqa: E402
from fakes.texts import DISPLAY_NAMES, SENTENCES  # noqa: E402

from bench.bench_polling import CountingQueue  # noqa: E402
from bench.common import Result, at_least, load_models, postgres_available, say, scratch_database  # noqa: E402

STATUSES, QUICK_STATUSES = 20_000, 4_000
FEEDS, QUICK_FEEDS, ENTRIES_PER_FEED = 400, 80, 50
AUTHORS = 2_000
MAPPING_TARGET = 5_000.0
POLLING_TARGET = 2_000.0


def mastodon_dataset(n: int) -> MastodonData:
    """``n`` statuses tagged #bench by AUTHORS accounts, some mentioning another account."""
    data = MastodonData(clock=time.time() - n * 2 - 60)
    accounts = [data.add_account(f"user{i}", domain=None if i % 3 else "chaos.social",
                                 display_name=DISPLAY_NAMES[i % len(DISPLAY_NAMES)]) for i in range(AUTHORS)]  # fmt: skip
    for i in range(n):
        who = accounts[(i * 7) % AUTHORS]
        mentions = (accounts[(i * 11) % AUTHORS],) if i % 4 == 0 else ()
        data.add_status(who, f"{i} {SENTENCES[i % len(SENTENCES)]}", tags=("bench",), mentions=mentions,
                        link="https://example.com/some/long/path" if i % 5 == 0 else None, created=data.tick(1.0))  # fmt: skip
    return data


def feed_documents(feeds: int) -> dict[str, bytes]:
    """``feeds`` RSS 2.0 documents of ENTRIES_PER_FEED entries each, dated within the last day."""
    now = time.time()
    docs = {}
    for f in range(feeds):
        entries = [{"title": f"Post {f}-{i}: {SENTENCES[i % len(SENTENCES)][:40]}", "link": f"https://blog{f}.example/p/{i}",
                    "guid": f"https://blog{f}.example/p/{i}", "ts": now - 3600 - i * 60, "author": f"Autor {f}",
                    "html": f"<p>{SENTENCES[(i * 3) % len(SENTENCES)]} <a href=\"https://x.example/{i}\">mehr</a></p>"}
                   for i in range(ENTRIES_PER_FEED)]  # fmt: skip
        docs[f"/blog{f}/feed.xml"] = rss_document(entries, title=f"Blog {f}")
    return docs


def bench_mapping(n: int) -> tuple[float, float]:
    """(Mastodon statuses mapped per second, feed entries mapped per second)."""
    import json

    import feedparser

    from connectors.mastodon_mapping import map_status
    from connectors.rss import map_entry

    statuses = json.loads(json.dumps(list(mastodon_dataset(n).statuses.values())))  # wire JSON
    start = time.perf_counter()
    for status in statuses:
        map_status(status, "social.example", channel="#bench")
    mastodon_rate = n / (time.perf_counter() - start)

    docs = feed_documents(max(1, n // ENTRIES_PER_FEED))
    parsed = [(url, feedparser.parse(body)) for url, body in docs.items()]
    fetched_at = datetime.now(UTC)
    count = 0
    start = time.perf_counter()
    for url, doc in parsed:
        for entry in doc.entries:
            map_entry(entry, doc.feed, url, fetched_at)
            count += 1
    return mastodon_rate, count / (time.perf_counter() - start)


def _serve(kind: str, size: int, conn: Connection) -> None:
    if kind == "mastodon":
        fake: Any = FakeMastodon(mastodon_dataset(size))
        fake.remaining = 10**9
    else:
        fake = FakeFeeds()
        for path, body in feed_documents(size).items():
            fake.publish(path, body)
    fake.start()
    conn.send(fake.url)
    conn.recv()
    fake.stop()


@contextmanager
def _fake_in_child(kind: str, size: int) -> Iterator[str]:
    ctx = multiprocessing.get_context("fork")
    parent, child = ctx.Pipe()
    process = ctx.Process(target=_serve, args=(kind, size, child), daemon=True)
    process.start()
    try:
        yield parent.recv()
    finally:
        parent.send("stop")
        process.join(10)


def _poll_all(source_ids: list[int]) -> tuple[int, int, float]:
    """(polls, new mentions, seconds) polling each source until exhausted."""
    from listeners.polling import poll_source

    polls = new = 0
    started = time.perf_counter()
    for source_id in source_ids:
        while True:
            result = poll_source(source_id)
            polls += 1
            if "error" in result or "rate_limited" in result:
                raise RuntimeError(f"poll of source {source_id} failed: {result}")
            new += result["new"]
            if result["exhausted"]:
                break
    return polls, new, time.perf_counter() - started


def bench_polling(statuses: int, feeds: int, url: str) -> dict[str, tuple[int, int, float]]:
    """Poll the Mastodon hashtag and the feeds into the database at ``url``."""
    from sqlalchemy import func, select

    from crm.interactions.models import Interaction
    from crm.settings import Settings
    from crm.sources.services import save_source
    from listeners import runtime

    load_models()
    out = {}
    with _fake_in_child("mastodon", statuses) as mastodon_url, _fake_in_child("feeds", feeds) as feeds_url:
        settings = replace(Settings(data_dir=Path("/tmp"), database_url=url, secret_key="bench-secret-key-0123456789"),
                           connector_env={"MASTODON_API_BASE_URL": mastodon_url})  # fmt: skip
        rt = runtime.configure(settings, None, CountingQueue())
        try:
            with rt.session_factory.begin() as s:
                mastodon_ids = [save_source(s, platform="mastodon", kind="hashtag", query="bench", interval_seconds=300,
                                            backfill_hours=24 * 7).id]  # fmt: skip
                feed_ids = [save_source(s, platform="rss", kind="feed", query=f"{feeds_url}/blog{f}/feed.xml",
                                        interval_seconds=300, name=f"blog {f}").id for f in range(feeds)]  # fmt: skip
            for platform, ids in (("mastodon", mastodon_ids), ("rss", feed_ids)):
                out[platform] = _poll_all(ids)
                polls, new, seconds = out[platform]
                say(f"{platform}: {new:,} mentions in {polls} polls, {seconds:.2f} s ({new / seconds:,.0f}/s)")
            with rt.session_factory() as s:
                stored = s.scalar(select(func.count()).select_from(Interaction)) or 0
            assert stored == statuses + feeds * ENTRIES_PER_FEED, stored
        finally:
            rt.engine.dispose()
            runtime._runtime = None
    return out


def main(quick: bool = False) -> list[Result]:
    """Mapping rates and end-to-end polling rates for Mastodon and RSS."""
    statuses = QUICK_STATUSES if quick else STATUSES
    feeds = QUICK_FEEDS if quick else FEEDS
    say(f"mapping {statuses:,} Mastodon statuses and about as many feed entries")
    mastodon_rate, rss_rate = bench_mapping(statuses)
    results = []
    for platform, rate in (("mastodon", mastodon_rate), ("rss", rss_rate)):
        target, passed = at_least(rate, MAPPING_TARGET)
        results.append(Result("channels", f"{platform} mapping only", "-", round(rate), "items/s", target, passed))
    reason = postgres_available()
    if reason:
        return [*results, Result("channels", "polling into the database", "postgresql", None, "mentions/s",
                                 note=f"skipped: {reason}")]  # fmt: skip
    say(f"polling {statuses:,} statuses and {feeds} feeds x {ENTRIES_PER_FEED} entries into PostgreSQL")
    with scratch_database("postgresql") as url:
        out = bench_polling(statuses, feeds, url)
    for platform, (polls, new, seconds) in out.items():
        target, passed = at_least(new / seconds, POLLING_TARGET)
        results.append(Result("channels", f"{platform}: fake -> poll_source -> db", "postgresql",
                              round(new / seconds), "mentions/s", target, passed,
                              note=f"{new:,} in {polls} polls, inline, one process"))  # fmt: skip
    for r in results:
        verdict = "" if r.passed is None else ("ok" if r.passed else "MISSED")
        print(f"{r.metric:<40} {r.measured!s:>10} {r.unit:<11} {r.target:<10} {verdict}")
    return results


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
