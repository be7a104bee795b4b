"""`crm demo` as a user runs it: a real process on a fresh SQLite file, no Redis, no network.

The demo must show the product's headline features on first visit: people on two or three
platforms (unified profiles and open merge suggestions), configured sources that say why they
are paused, an open alert and past incidents, an inbox with team replies recognised, and our
team accounts kept out of the community.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

BIN = Path(sys.executable).parent


def _run(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL", "SECRET_KEY")}
    env.update(DATA_DIR=str(data_dir), DATABASE_URL=f"sqlite:///{data_dir / 'crm.db'}")
    return subprocess.run([str(BIN / "crm"), "demo", *args], env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("demo")
    done = _run(data_dir, "--no-serve")
    assert done.returncode == 0, done.stderr
    assert "through the import job" in done.stdout and "demo@example.com" in done.stdout
    return data_dir


def _one(data_dir: Path, sql: str) -> int:
    engine = create_engine(f"sqlite:///{data_dir / 'crm.db'}")
    with engine.connect() as conn:
        value = conn.execute(text(sql)).scalar()
    engine.dispose()
    return int(value or 0)


def test_the_data_arrives_through_the_import_job_with_its_follow_ups(demo_dir: Path) -> None:
    assert _one(demo_dir, "SELECT count(*) FROM interactions") >= 3_600
    assert _one(demo_dir, "SELECT count(*) FROM import_runs WHERE status = 'done'") == 1
    assert _one(demo_dir, "SELECT count(*) FROM outbox") == 0  # every follow-up drained
    assert _one(demo_dir, "SELECT count(*) FROM volume_buckets") > 0  # alert counters: a follow-up
    # Inbox triage ran as a follow-up, and recognised the team's replies on all three platforms.
    assert _one(demo_dir, "SELECT count(*) FROM inbox_items WHERE status = 'open'") > 50
    assert _one(demo_dir, "SELECT count(*) FROM inbox_items WHERE handled_via = 'team_reply'") > 50
    assert _one(demo_dir, "SELECT count(*) FROM team_accounts WHERE identity_id IS NOT NULL") == 3


def test_people_on_two_and_three_platforms_and_suggestions_to_review(demo_dir: Path) -> None:
    assert _one(demo_dir, "SELECT count(*) FROM (SELECT member_id FROM identities GROUP BY member_id"
                          " HAVING count(DISTINCT platform) >= 2)") >= 3
    assert _one(demo_dir, "SELECT count(*) FROM (SELECT member_id FROM identities GROUP BY member_id"
                          " HAVING count(DISTINCT platform) = 3)") >= 1
    assert _one(demo_dir, "SELECT count(*) FROM merge_suggestions WHERE status = 'open'") >= 3


def test_sources_are_configured_and_say_why_they_are_paused(demo_dir: Path) -> None:
    assert _one(demo_dir, "SELECT count(*) FROM sources") == 8
    assert _one(demo_dir, "SELECT count(*) FROM sources WHERE enabled OR status != 'disabled'") == 0
    assert _one(demo_dir, "SELECT count(*) FROM sources WHERE status_reason LIKE '%without network%'") == 8
    assert _one(demo_dir, "SELECT count(*) FROM sources WHERE platform = 'mastodon'"
                          " AND status_reason LIKE '%MASTODON_API_BASE_URL%'") == 2
    assert _one(demo_dir, "SELECT count(*) FROM sources WHERE platform = 'rss'"
                          " AND status_reason LIKE '%need no credentials%'") == 2


def test_an_alert_is_open_and_the_outage_is_a_past_incident(demo_dir: Path) -> None:
    assert _one(demo_dir, "SELECT count(*) FROM alerts WHERE status != 'resolved'") >= 1
    assert _one(demo_dir, "SELECT count(*) FROM alerts WHERE status = 'resolved'") >= 1
    assert _one(demo_dir, "SELECT count(*) FROM alert_rules WHERE NOT enabled") == 0  # un-paused after the import


def test_a_second_run_loads_nothing_twice(demo_dir: Path) -> None:
    before = _one(demo_dir, "SELECT count(*) FROM interactions")
    again = _run(demo_dir, "--no-serve")
    assert again.returncode == 0, again.stderr
    assert "already loaded" in again.stdout
    assert _one(demo_dir, "SELECT count(*) FROM interactions") == before
    assert _one(demo_dir, "SELECT count(*) FROM sources") == 8


def test_a_busy_port_fails_before_any_setup(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = _run(tmp_path, "--port", str(port))
    assert done.returncode != 0
    assert f"Port {port}" in done.stderr and "in use" in done.stderr
    assert not (tmp_path / "crm.db").exists()
