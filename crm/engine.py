"""Engine and session factory: nothing is built at import, the process entry points call
:func:`make_engine`.

Importing this module registers every model (crm.models), so any process that builds an
engine knows every table.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

import crm.models  # noqa: F401  (registers every table on Base.metadata)

# Execution option of a read-only bind (see read_only()).
READ_ONLY = "crm_read_only"


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Build the engine for DATABASE_URL with the per-backend settings we rely on.

    Every process (CLI, worker, scheduler, web, Alembic) builds its engine here, so this is
    where every model is registered: a process that never imported an area's models would
    otherwise resolve foreign keys to that area's tables lazily, or not at all.
    """
    # Bound values are people's texts and ids: an error message never carries them into a log.
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        path = url.split("sqlite:///", 1)[1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)
        _configure_sqlite(engine)
        return engine
    # psycopg 3 switches to server-side prepared statements after five runs of a query; the
    # generic plan PostgreSQL then picks for full-text search ignores how rare the term is
    # (a rare-word search went from ~1 ms to ~190 ms). Our statements are cheap to plan, so we
    # never prepare: every search is planned for its own term.
    connect_args = {"prepare_threshold": None}
    return create_engine(url, connect_args=connect_args, pool_pre_ping=True, **kwargs)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin, so that
        # SAVEPOINT works (tests roll back per test) and BEGIN is explicit.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA cache_size=-65536")
        cur.close()

    @event.listens_for(engine, "begin")
    def on_begin(conn: Any) -> None:
        # IMMEDIATE takes the write lock up front: a deferred transaction that reads and then
        # writes fails at once with "database is locked" when another writer got in between,
        # instead of waiting for busy_timeout. WAL readers are never blocked by it.
        # A reader (READ_ONLY, e.g. a web GET) begins deferred: it never takes the write lock,
        # so pages do not queue behind each other and behind ingest.
        conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get(READ_ONLY) else "BEGIN IMMEDIATE")


def read_only(bind: Any) -> Any:
    """The bind for a session that only reads (an engine with READ_ONLY set; other binds as given).

    On SQLite its transactions begin deferred instead of IMMEDIATE; elsewhere nothing changes.
    """
    return bind.execution_options(**{READ_ONLY: True}) if isinstance(bind, Engine) else bind


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """One sessionmaker per process; objects stay readable after commit."""
    return sessionmaker(bind=engine, expire_on_commit=False)
