"""Polling throughput: fake Reddit and X (pages of 100) -> poll_source -> PostgreSQL, end to end.

20,000 items per platform (quick: 4,000), served by tests/fakes from a child process each (so
the servers do not share our GIL), one Source per platform (a Reddit subreddit, an X search),
into a scratch PostgreSQL database migrated for this run. ``poll_source`` runs in this process,
inline, one poll at a time: the same code an RQ worker runs, without RQ's fork per job. Each
poll is bounded (Reddit: 500 posts per listing, X: 1,000 tweets), so a source is polled again
until a poll reports it exhausted, exactly as the dispatcher does for a partial run. The clock
covers everything: building the connector, OAuth, HTTP, mapping, ingest (sentiment, identities,
interactions, aggregates), the cursor and poll record, and the commits. Follow-up jobs (inbox
triage, alerts) are enqueued to a queue that only counts them, as RQ would hand them to other
workers.

Run: .venv/bin/python bench/bench_polling.py [--quick]
"""

from __future__ import annotations

import multiprocessing
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
for path in (ROOT, ROOT / "tests"):  # the fakes live in tests/fakes
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from fakes.reddit_api import FakeReddit, RedditData  # noqa: E402
from fakes.server import FakeServer  # noqa: E402
from fakes.texts import SENTENCES  # noqa: E402
from fakes.x_api import FakeX, XData  # noqa: E402

from bench.common import Result, at_least, load_models, postgres_available, say, scratch_database  # noqa: E402

ITEMS = 20_000
QUICK_ITEMS = 4_000
AUTHORS = 3_000  # distinct accounts per platform, so identity resolution does real work
TARGET_PER_SECOND = 2_000.0


def _reddit_dataset(n: int) -> RedditData:
    data = RedditData(clock=time.time() - n - 60)
    for i in range(n):
        data.add_post("bench", author=f"redditor_{i % AUTHORS}", title=f"widget {i} {SENTENCES[i % len(SENTENCES)]}",
                      selftext=SENTENCES[(i * 7) % len(SENTENCES)])
    return data


def _x_dataset(n: int) -> XData:
    data = XData(clock=time.time() - n - 60)
    users = [data.add_user(f"tweeter_{i}", f"Tweeter {i}") for i in range(AUTHORS)]
    for i in range(n):
        reply_to = data.tweets[-1] if i % 5 == 4 else None
        data.add_tweet(users[(i * 7) % AUTHORS], f"widget {i} {SENTENCES[i % len(SENTENCES)]}", reply_to=reply_to)
    return data


def _serve(kind: str, n: int, conn: Connection) -> None:
    """Child process: build the dataset, serve it without rate-limit exhaustion, stop when told."""
    fake: FakeServer
    if kind == "reddit":
        reddit = FakeReddit(_reddit_dataset(n))
        reddit.ratelimit_remaining = 10.0**9
        fake = reddit.start()
        conn.send({"url": fake.url, "client_id": reddit.client_id, "client_secret": reddit.client_secret})
    else:
        x = FakeX(_x_dataset(n))
        x.rate_remaining = 10**9
        fake = x.start()
        conn.send({"url": fake.url, "bearer_token": x.bearer_token})
    conn.recv()
    fake.stop()


@contextmanager
def _fake_in_child(kind: str, n: int) -> Iterator[dict[str, str]]:
    ctx = multiprocessing.get_context("fork")
    parent, child = ctx.Pipe()
    process = ctx.Process(target=_serve, args=(kind, n, child), daemon=True)
    process.start()
    try:
        yield parent.recv()
    finally:
        parent.send("stop")
        process.join(10)


class CountingQueue:
    """Takes follow-up jobs and only counts them (other workers would run them)."""

    def __init__(self) -> None:
        self.jobs = 0

    def enqueue(self, func: Callable[..., Any], *args: Any, queue: str = "default", job_id: str | None = None,
                **options: Any) -> Any:
        self.jobs += 1
        return object()


def _poll_until_exhausted(source_id: int) -> tuple[int, int, float]:
    """(polls, new mentions, seconds) for one source, polled until a poll says it is done."""
    from listeners.polling import poll_source

    polls = new = 0
    started, cpu = time.perf_counter(), time.process_time()
    while True:
        result = poll_source(source_id)
        polls += 1
        if "error" in result or "rate_limited" in result:
            raise RuntimeError(f"poll {polls} of source {source_id} failed: {result}")
        new += result["new"]
        if result["exhausted"]:
            # Wall clock is the measure; this process's CPU time shows how much of it was waiting
            # (on PostgreSQL, the fake, or a busy machine).
            say(f"source {source_id}: {new / (time.process_time() - cpu):,.0f} mentions per CPU second of this process")
            return polls, new, time.perf_counter() - started


def run(n: int, url: str) -> dict[str, tuple[int, int, float]]:
    """Poll both fakes into the database at ``url``; per platform (polls, new, seconds)."""
    from sqlalchemy import func, select

    from crm.interactions.models import Interaction
    from crm.settings import Settings
    from crm.sources.services import save_source
    from listeners import runtime

    load_models()
    out: dict[str, tuple[int, int, float]] = {}
    with _fake_in_child("reddit", n) as reddit, _fake_in_child("x", n) as x:
        settings = Settings(
            data_dir=Path("/tmp"), database_url=url, secret_key="bench-secret-key-0123456789",
        ).with_connector_env(
            REDDIT_CLIENT_ID=reddit["client_id"], REDDIT_CLIENT_SECRET=reddit["client_secret"],
            REDDIT_OAUTH_URL=reddit["url"], REDDIT_URL=reddit["url"],
            X_BEARER_TOKEN=x["bearer_token"], X_API_URL=x["url"],
        )
        queue = CountingQueue()
        rt = runtime.configure(settings, None, queue)
        try:
            with rt.session_factory.begin() as s:
                ids = {
                    "reddit": save_source(s, platform="reddit", kind="subreddit", query="bench", interval_seconds=300).id,
                    "x": save_source(s, platform="x", kind="search", query="widget", interval_seconds=300).id,
                }
            for platform, source_id in ids.items():
                out[platform] = _poll_until_exhausted(source_id)
                say(f"{platform}: {out[platform][1]:,} mentions in {out[platform][0]} polls, "
                    f"{out[platform][2]:.2f} s ({out[platform][1] / out[platform][2]:,.0f}/s)")
            with rt.session_factory() as s:
                stored = s.scalar(select(func.count()).select_from(Interaction)) or 0
            assert stored == 2 * n, (stored, 2 * n)
            say(f"{queue.jobs} follow-up jobs enqueued (not run)")
        finally:
            rt.engine.dispose()
            runtime._runtime = None
    return out


def main(quick: bool = False) -> list[Result]:
    n = QUICK_ITEMS if quick else ITEMS
    reason = postgres_available()
    if reason:
        return [Result("polling", "mentions/s polled into the database", "postgresql", None, "mentions/s",
                       note=f"skipped: {reason}")]
    say(f"polling {n:,} Reddit posts and {n:,} tweets (pages of 100) into a scratch PostgreSQL database")
    with scratch_database("postgresql") as url:
        out = run(n, url)
    results = []
    for platform, (polls, new, seconds) in out.items():
        results.append(Result("polling", f"{platform}: fake -> poll_source -> db", "postgresql", new / seconds,
                              "mentions/s", note=f"{new:,} in {polls} polls, inline, one process"))
    total_new = sum(v[1] for v in out.values())
    total_seconds = sum(v[2] for v in out.values())
    target, passed = at_least(total_new / total_seconds, TARGET_PER_SECOND)
    results.append(Result("polling", "both: fake -> poll_source -> db", "postgresql", total_new / total_seconds,
                          "mentions/s", target, passed, note=f"{total_new:,} mentions in {total_seconds:.1f} s"))
    for r in results:
        print(f"{r.metric:40} {r.measured:10,.0f} mentions/s  {r.target} {'' if r.passed is None else ('PASS' if r.passed else 'FAIL')}")
    return results


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
