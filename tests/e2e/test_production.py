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


def test_kill_9_of_the_worker_mid_import_heals_by_itself(stack: Stack, tmp_path: Path) -> None:
    _install(stack)
    _processes(stack)
    browser = start_web(stack)
    browser.login("ops@example.com", "correct horse battery")
    n, files = 4000, 3
    runs = [browser.upload(mentions_file(tmp_path / f"k{i}.jsonl", n, prefix=f"k{i}x")) for i in range(files)]
    wait_for(lambda: stack.scalar("SELECT count(*) FROM interactions") >= 500, 60, "the first batch")
    for _ in range(3):  # three kills, each mid-import
        stack.kill("worker", signal.SIGKILL)
        time.sleep(0.5)
        stack.start("worker", [str(BIN / "crm"), "worker"])  # what the supervisor does
        time.sleep(3)
    started = time.monotonic()
    wait_for(lambda: _all_done(stack, files), 150, "every import and follow-up to finish without hands")
    healed = time.monotonic() - started
    print(f"kill -9 x3: {files * n} sent, healed {healed:.1f} s after the last kill")
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
    _install(stack)
    _processes(stack)
    browser = start_web(stack)
    browser.login("ops@example.com", "correct horse battery")
    n = 6000
    browser.upload(mentions_file(tmp_path / "d.jsonl", n, prefix="db"))
    wait_for(lambda: stack.scalar("SELECT count(*) FROM interactions") >= 500, 60, "the first batch")
    for _ in range(3):
        stack.scalar(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        time.sleep(1.5)
    dropped = time.monotonic()
    wait_for(lambda: _all_done(stack, 1), 120, "the import to finish after the drops")
    print(f"pg_terminate_backend x3: {n} sent, done {time.monotonic() - dropped:.1f} s after the last drop")
    assert _counts(stack, "db") == (n, n)
