"""A page that only reads never waits for SQLite's write lock; a form post takes it up front.

On a real SQLite file (the embedded default), with another connection holding the write lock
as an import would.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

from sqlalchemy import text

from crm.engine import READ_ONLY
from crm.migrate import upgrade
from crm.settings import Settings
from listeners.queue import InlineQueue
from web import create_app
from web.db import session


def test_a_get_reads_while_another_connection_writes_and_a_post_would_take_the_lock(tmp_path: Path) -> None:
    path = tmp_path / "crm.sqlite3"
    url = f"sqlite:///{path}"
    upgrade(url)
    app = create_app({"TESTING": True, "JOB_QUEUE": InlineQueue(),
                      "SETTINGS": Settings.from_env({"DATABASE_URL": url, "DATA_DIR": str(tmp_path)})})
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # an import's batch holds the write lock
    writer.execute("INSERT INTO users (email, name, role, password_hash, active, created_at) "
                   "VALUES ('w@example.com', 'w', 'viewer', 'x', 1, '2026-01-01 00:00:00')")
    found: list[object] = []

    def read_page() -> None:
        with app.test_request_context("/members/", method="GET"):
            found.append(session().execute(text("SELECT count(*) FROM users")).scalar())
            session().close()

    reader = threading.Thread(target=read_page, daemon=True)
    started = time.perf_counter()
    reader.start()
    reader.join(5)
    assert not reader.is_alive(), "a GET waited for the write lock"
    assert found == [0] and time.perf_counter() - started < 5  # it sees the last committed state
    writer.execute("ROLLBACK")
    writer.close()
    with app.test_request_context("/members/1/tags", method="POST"):
        assert READ_ONLY not in session().connection().get_execution_options()
        session().close()
