"""README's production path and its failures, with the real processes (house style rule 16).

Each test starts `crm db upgrade`, gunicorn, `crm worker` and `crm scheduler` as subprocesses on
a fresh PostgreSQL database and a private Redis, then does what an operator or a user does, or
what goes wrong in production: a worker killed with SIGKILL mid-import, Redis flushed with a
poll queued, the database's connections terminated mid-import. Nothing is lost, duplicated or
left stuck, and it heals without hands (HEAL_AFTER_SECONDS=5 here; 60 by default).
"""

from __future__ import annotations

import signal
import time
from pathlib import Path

from sqlalchemy import text

from tests.e2e.conftest import BIN, Stack, mentions_file, start_web, wait_for

PAGES = ("/", "/members/", "/search/?q=sync", "/inbox/", "/alerts/", "/sources/", "/imports/", "/segments/")


def _install(st: Stack) -> None:
    st.crm("db", "upgrade")
    st.crm("users", "create", "ops@example.com", "--role", "admin", "--password", "-", stdin="correct horse battery\n")


def _processes(st: Stack) -> None:
    st.start("worker", [str(BIN / "crm"), "worker"])
    st.start("scheduler", [str(BIN / "crm"), "scheduler", "--interval", "1"])


def _counts(st: Stack, prefix: str) -> tuple[int, int]:
    """(interactions, distinct external ids) imported under ``prefix``."""
    like = f"t1_{prefix}%"
    return (st.scalar("SELECT count(*) FROM interactions WHERE external_id LIKE :p", p=like),
            st.scalar("SELECT count(DISTINCT external_id) FROM interactions WHERE external_id LIKE :p", p=like))


def _all_done(st: Stack, expected_runs: int) -> bool:
    done = st.scalar("SELECT count(*) FROM import_runs WHERE status = 'done'")
    return done == expected_runs and st.scalar("SELECT count(*) FROM outbox") == 0


def test_the_readme_production_path(stack: Stack, tmp_path: Path) -> None:
    _install(stack)
    # `crm import` on PostgreSQL as a real process (it once crashed on an untyped column).
    cli_file = mentions_file(tmp_path / "cli.jsonl", 300, prefix="cli", bad_lines=(7,))
    out = stack.crm("import", str(cli_file), "--quiet")
    assert "299 new" in out.stdout and "line 7" in out.stderr
    assert _counts(stack, "cli") == (299, 299)
    again = stack.crm("import", str(cli_file), "--quiet")  # re-delivery is a no-op
    assert "0 new, 299 duplicates" in again.stdout and _counts(stack, "cli") == (299, 299)
    _processes(stack)
    browser = start_web(stack)
    browser.login("ops@example.com", "correct horse battery")
    # The CLI import's follow-ups went to the workers through the outbox.
    wait_for(lambda: stack.scalar("SELECT count(*) FROM outbox") == 0, 60, "the CLI import's follow-ups")
    assert stack.scalar("SELECT count(*) FROM inbox_items") > 0

    run_id = browser.upload(mentions_file(tmp_path / "web.jsonl", 1200, prefix="web"))
    wait_for(lambda: stack.scalar("SELECT status FROM import_runs WHERE id = :i", i=run_id) == "done", 90,
             "the uploaded import to be processed by the worker")
    wait_for(lambda: stack.scalar("SELECT count(*) FROM outbox") == 0, 60, "the upload's follow-ups")
    assert _counts(stack, "web") == (1200, 1200)
    for page in PAGES:
        r = browser.http.get(browser.base + page, timeout=20)
        assert r.status_code == 200, f"{page}: {r.status_code}"
    assert "Nimbus" in browser.http.get(browser.base + "/search/?q=nimbus", timeout=20).text
    assert stack.tracebacks() == {}


def _uploading(st: Stack, tmp_path: Path, n: int, prefix: str, files: int = 1) -> list[int]:
    """Install, start every process, upload ``files`` imports of ``n`` lines; wait for a first batch."""
    _install(st)
    _processes(st)
    browser = start_web(st)
    browser.login("ops@example.com", "correct horse battery")
    runs = [browser.upload(mentions_file(tmp_path / f"{prefix}{i}.jsonl", n, prefix=f"{prefix}{i}x"))
            for i in range(files)]
    wait_for(lambda: st.scalar("SELECT count(*) FROM interactions") >= 500, 60, "the first batch")
    return runs


def test_kill_9_of_the_worker_mid_import_heals_by_itself(stack: Stack, tmp_path: Path) -> None:
    n, files = 4000, 3
    runs = _uploading(stack, tmp_path, n, "k", files)
    first_kill = time.monotonic()
    for _ in range(3):  # three kills, each mid-import
        stack.kill("worker", signal.SIGKILL)
        time.sleep(0.5)
        stack.start("worker", [str(BIN / "crm"), "worker"])  # what the supervisor does
        time.sleep(3)
    started = time.monotonic()
    wait_for(lambda: _all_done(stack, files), 150, "every import and follow-up to finish without hands")
    healed = time.monotonic() - started
    print(f"kill -9 x3: {files * n} sent, all done {time.monotonic() - first_kill:.1f} s after the first kill,"
          f" {healed:.1f} s after the last")
    for i in range(files):
        assert _counts(stack, f"k{i}x") == (n, n), f"run {runs[i]}: lost or duplicated lines"
    assert healed < 120
    assert stack.scalar("SELECT count(*) FROM import_runs WHERE status <> 'done'") == 0


def test_redis_flushed_while_a_poll_is_queued(stack: Stack) -> None:
    _install(stack)
    with stack.engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO sources (name, platform, kind, query, interval_seconds, enabled, status, backfill_hours,"
            " consecutive_failures, items_collected, created_at, updated_at, next_poll_at)"
            " VALUES ('r', 'reddit', 'subreddit', 'nimbus', 60, true, 'new', 1, 0, 0, now(), now(), now())"
        ))
    # Only the scheduler: the poll is claimed and queued, but no worker takes it.
    stack.start("scheduler", [str(BIN / "crm"), "scheduler", "--interval", "1"])
    wait_for(lambda: stack.scalar("SELECT lease_until FROM sources") is not None, 30, "the poll to be claimed")
    from redis import Redis

    Redis(port=stack.redis_port).flushall()
    flushed = time.monotonic()
    stack.start("worker", [str(BIN / "crm"), "worker"])
    wait_for(lambda: stack.scalar("SELECT count(*) FROM poll_runs") >= 1, 120, "the source to be polled again")
    print(f"redis flush: polled again {time.monotonic() - flushed:.1f} s after the flush")
    assert time.monotonic() - flushed < 120
    # Without credentials the connector is disabled: the poll says so and nothing stays leased.
    wait_for(lambda: stack.scalar("SELECT lease_until FROM sources") is None, 30, "the lease to be released")
    assert stack.scalar("SELECT count(*) FROM poll_runs WHERE finished_at IS NULL") == 0


def test_database_connections_dropped_mid_import(stack: Stack, tmp_path: Path) -> None:
    n = 6000
    _uploading(stack, tmp_path, n, "db")
    for _ in range(3):
        stack.scalar(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        time.sleep(1.5)
    dropped = time.monotonic()
    wait_for(lambda: _all_done(stack, 1), 120, "the import to finish after the drops")
    print(f"pg_terminate_backend x3: {n} sent, done {time.monotonic() - dropped:.1f} s after the last drop")
    assert _counts(stack, "db0x") == (n, n)


def _outage(st: Stack, seconds: float) -> None:
    """A database outage for our database only: connections refused and the open ones cut."""
    db = st.engine.url.database
    admin = st.engine.url.set(database="postgres")
    from sqlalchemy import create_engine

    eng = create_engine(admin, isolation_level="AUTOCOMMIT")
    try:
        with eng.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{db}" ALLOW_CONNECTIONS false'))
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :d"), {"d": db})
        time.sleep(seconds)
    finally:
        with eng.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{db}" ALLOW_CONNECTIONS true'))
        eng.dispose()


def test_a_20_s_database_outage_during_an_import(stack: Stack, tmp_path: Path) -> None:
    n = 6000
    _uploading(stack, tmp_path, n, "out")
    stack.engine.dispose()
    _outage(stack, 20)
    back = time.monotonic()
    wait_for(lambda: _all_done(stack, 1), 150, "the import to finish after the outage")
    print(f"20 s database outage during an import: {n} sent, done {time.monotonic() - back:.1f} s after it ended")
    assert _counts(stack, "out0x") == (n, n)


def test_polling_through_redis_restart_flush_and_a_database_outage(stack: Stack) -> None:
    import threading

    from fakes.reddit_api import FakeReddit, RedditData
    from redis import Redis

    reddit = FakeReddit(RedditData(clock=time.time() - 600))
    reddit.start()
    stack.env.update({"REDDIT_CLIENT_ID": reddit.client_id, "REDDIT_CLIENT_SECRET": reddit.client_secret,
                      "REDDIT_OAUTH_URL": reddit.url, "REDDIT_URL": reddit.url})
    try:
        _install(stack)
        with stack.engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO sources (name, platform, kind, query, interval_seconds, enabled, status, backfill_hours,"
                " consecutive_failures, items_collected, created_at, updated_at, next_poll_at)"
                " VALUES ('r', 'reddit', 'subreddit', 'nimbus', 1, true, 'new', 1, 0, 0, now(), now(), now())"
            ))
        _processes(stack)
        sent, stop = [0], threading.Event()

        def produce() -> None:
            while not stop.is_set():
                reddit.data.add_post("nimbus", author=f"user{sent[0] % 40}", title=f"Sync question {sent[0]}",
                                     selftext="Is the Nimbus sync broken again?", created_utc=time.time() - 5)
                sent[0] += 1
                time.sleep(0.05)

        producer = threading.Thread(target=produce, daemon=True)
        producer.start()
        time.sleep(6)
        stack.kill("redis")  # Redis restarts (it keeps nothing on disk here)
        time.sleep(2)
        stack.start("redis", ["redis-server", "--port", str(stack.redis_port), "--bind", "127.0.0.1",
                              "--save", "", "--appendonly", "no"])
        time.sleep(6)
        Redis(port=stack.redis_port).flushall()
        time.sleep(4)
        stack.engine.dispose()
        _outage(stack, 20)
        time.sleep(4)
        stop.set()
        producer.join()
        last_fault = time.monotonic()

        def caught_up() -> bool:
            stored = stack.scalar("SELECT count(*) FROM interactions WHERE platform = 'reddit'")
            return stored == sent[0] and stack.scalar("SELECT count(*) FROM outbox") == 0

        wait_for(caught_up, 150, "polling to catch up with every post")
        healed = time.monotonic() - last_fault
        print(f"polling: {sent[0]} sent, caught up {healed:.1f} s after the last fault")
        assert stack.scalar("SELECT count(DISTINCT external_id) FROM interactions") == sent[0]
        assert stack.scalar("SELECT count(*) FROM poll_runs WHERE finished_at IS NULL AND started_at < now() - interval '30 seconds'") == 0
        assert healed < 120
    finally:
        reddit.stop()
