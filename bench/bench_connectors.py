"""Connector throughput: mentions per second through praw and tweepy from the local fakes.

20,000 items per platform (quick: 4,000) in pages of 100, one ``fetch`` each, through the
real SDK clients over HTTP on 127.0.0.1 against tests/fakes. The clock covers the connector
layer (SDK, HTTP, JSON, mapping; no database). The fake runs in a child process, so its JSON
encoding is not charged to the connector; we report mentions per wall-clock second, per CPU
second of the connector's process, and for the mapping alone on the same payloads.

Run: .venv/bin/python bench/bench_connectors.py [--quick]
"""

from __future__ import annotations

import multiprocessing
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for path in (ROOT, ROOT / "tests"):  # the fakes live in tests/fakes
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from fakes.reddit_api import FakeReddit, RedditData  # noqa: E402
from fakes.server import FakeServer  # noqa: E402
from fakes.texts import DISPLAY_NAMES, NAMES, SENTENCES  # noqa: E402
from fakes.x_api import FakeX, XData  # noqa: E402

from bench.common import Result, at_least, say  # noqa: E402
from connectors.reddit import RedditConfig, RedditConnector  # noqa: E402
from connectors.reddit_mapping import map_thing  # noqa: E402
from connectors.x import XConfig, XConnector  # noqa: E402
from connectors.x_mapping import map_tweet  # noqa: E402

ITEMS = 20_000
QUICK_ITEMS = 4_000
# Reddit's free tier allows 100 requests/min (10,000 items/min at 100 per page) and X 450
# per 15 min: the connector layer only has to stay far ahead of what the platforms hand out.
TARGET_PER_SECOND = 2_000.0


def _reddit_dataset(n: int) -> RedditData:
    data = RedditData(clock=time.time() - n - 60)
    for i in range(n):
        data.add_post(
            "bench",
            author=NAMES[i % len(NAMES)],
            title=f"widget {i} {SENTENCES[i % len(SENTENCES)]}",
            selftext=SENTENCES[(i * 7) % len(SENTENCES)],
        )
    return data


def _x_dataset(n: int) -> XData:
    data = XData(clock=time.time() - n - 60)
    users = [data.add_user(NAMES[i], DISPLAY_NAMES[i]) for i in range(len(NAMES))]
    for i in range(n):
        reply_to = data.tweets[-1] if i % 5 == 4 else None
        data.add_tweet(
            users[i % len(users)], f"widget {SENTENCES[i % len(SENTENCES)]}", reply_to=reply_to
        )
    return data


def _serve(kind: str, n: int, conn: Connection) -> None:
    """Child process: build the dataset, serve it, report the URL, stop when told."""
    fake: FakeServer
    if kind == "reddit":
        fake = FakeReddit(_reddit_dataset(n)).start()
    else:
        fake_x = FakeX(_x_dataset(n))
        fake_x.rate_remaining = 10**9
        fake = fake_x.start()
    conn.send(fake.url)
    conn.recv()
    fake.stop()


@contextmanager
def _fake_in_child(kind: str, n: int) -> Iterator[str]:
    """The fake in its own process, so its JSON encoding is not charged to the connector."""
    ctx = multiprocessing.get_context("fork")
    parent, child = ctx.Pipe()
    process = ctx.Process(target=_serve, args=(kind, n, child))
    process.start()
    try:
        yield parent.recv()
    finally:
        parent.send("stop")
        process.join(10)


def _measure(connector: RedditConnector | XConnector, n: int) -> tuple[float, float]:
    """(mentions per wall second, mentions per CPU second of this process)."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = connector.fetch("search", "widget", None)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    assert len(result.mentions) == n and result.exhausted, (len(result.mentions), n)
    return n / wall, n / cpu


def bench_reddit(n: int) -> tuple[float, float, float]:
    """Reddit through praw: (per wall second, per connector CPU second, mapping alone)."""
    with _fake_in_child("reddit", n) as url:
        config = RedditConfig(
            "test-client", "test-secret", "social-crm bench/1.0",
            oauth_url=url, reddit_url=url, max_items=n, backfill_hours=48,
        )  # fmt: skip
        per_wall, per_cpu = _measure(RedditConnector(config), n)
    things = _reddit_dataset(n).posts["bench"]
    start = time.perf_counter()
    for d in things:
        map_thing("t3", d)
    return per_wall, per_cpu, n / (time.perf_counter() - start)


def bench_x(n: int) -> tuple[float, float, float]:
    """X through tweepy: (per wall second, per connector CPU second, mapping alone)."""
    with _fake_in_child("x", n) as url:
        config = XConfig("test-bearer", api_url=url, max_items=n, backfill_hours=48)
        per_wall, per_cpu = _measure(XConnector(config), n)
    data = _x_dataset(n)
    start = time.perf_counter()
    for tweet in data.tweets:
        map_tweet(tweet, data.users, default_kind="post")
    return per_wall, per_cpu, n / (time.perf_counter() - start)


def main(quick: bool = False) -> list[Result]:
    """Fetch n items through each connector; three numbers per platform."""
    n = QUICK_ITEMS if quick else ITEMS
    results: list[Result] = []
    for platform, run in (("reddit", bench_reddit), ("x", bench_x)):
        say(f"{platform}: fetching {n:,} items in pages of 100")
        per_wall, per_cpu, mapping = run(n)
        target, passed = at_least(per_wall, TARGET_PER_SECOND)
        note = f"{n:,} items, {n // 100} pages, fake in another process on 127.0.0.1"
        results += [
            Result(
                bench="connectors", metric=f"{platform} fetch, wall clock", backend="-",
                measured=round(per_wall), unit="mentions/s", target=target, passed=passed,
                note=note,
            ),
            Result(
                bench="connectors", metric=f"{platform} fetch, per connector CPU second",
                backend="-", measured=round(per_cpu), unit="mentions/s", note=note,
            ),
            Result(
                bench="connectors", metric=f"{platform} mapping only", backend="-",
                measured=round(mapping), unit="mentions/s",
            ),
        ]  # fmt: skip
    return results


if __name__ == "__main__":
    for r in main(quick="--quick" in sys.argv):
        verdict = "" if r.passed is None else ("ok" if r.passed else "MISSED")
        print(f"{r.metric:<42} {r.measured:>10,} {r.unit:<11} {r.target:<10} {verdict}")
