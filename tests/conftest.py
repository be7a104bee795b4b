"""Fixtures: a real database migrated once per run, rolled back per test; the app; Redis.

TEST_DATABASE_URL picks the backend (``make test`` runs the suite on SQLite and on
PostgreSQL). With CRM_TEST_DB_ONLY=1 only tests that touch the database run (the second,
PostgreSQL pass). Network access other than loopback is refused for every test.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from crm.engine import make_engine
from crm.migrate import upgrade
from crm.settings import Settings

DB_FIXTURES = {"engine", "db", "app", "client", "session_factory", "login", "runner"}


# --- no network but loopback -------------------------------------------------------------
_real_connect = socket.socket.connect


def _loopback_only(self: socket.socket, address: object) -> object:
    host = address[0] if isinstance(address, tuple) else None
    if host is not None and self.family in (socket.AF_INET, socket.AF_INET6):
        if not (str(host).startswith("127.") or host in ("::1", "localhost")):
            raise RuntimeError(f"test tried to reach {host}: only loopback is allowed in tests")
    return _real_connect(self, address)  # type: ignore[arg-type]


socket.socket.connect = _loopback_only  # type: ignore[method-assign]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("CRM_TEST_DB_ONLY") != "1":
        return
    keep, drop = [], []
    for item in items:
        (keep if DB_FIXTURES & set(getattr(item, "fixturenames", ())) else drop).append(item)
    items[:] = keep
    config.hook.pytest_deselected(items=drop)


# --- database ----------------------------------------------------------------------------
def _test_database_url(tmp_root: Path) -> str:
    url = os.environ.get("TEST_DATABASE_URL", "").strip()
    if not url:
        return f"sqlite:///{tmp_root / 'test.sqlite3'}"
    if url.startswith("postgresql"):
        # A fresh database per run, so a run never sees another's leftovers.
        base = make_url(url)
        name = f"{base.database or 'crm'}_{uuid.uuid4().hex[:8]}"
        admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        except Exception as exc:  # noqa: BLE001 - re-raised with the reason a developer needs
            raise RuntimeError(
                f"PostgreSQL at {base.render_as_string(hide_password=True)} is not reachable: {exc}. "
                "Start it (make services) or unset TEST_DATABASE_URL."
            ) from exc
        finally:
            admin.dispose()
        os.environ["_CRM_TEST_PG_DB"] = name
        return base.set(database=name).render_as_string(hide_password=False)
    return url


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = _test_database_url(tmp_path_factory.mktemp("db"))
    upgrade(url)  # migrate once per run
    yield url
    name = os.environ.pop("_CRM_TEST_PG_DB", None)
    if name:
        admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    eng = make_engine(database_url)
    yield eng
    eng.dispose()


@pytest.fixture()
def session_factory(engine: Engine) -> Iterator[sessionmaker[Session]]:
    """Sessions joined to one outer transaction that is rolled back after the test."""
    conn = engine.connect()
    outer = conn.begin()
    factory = sessionmaker(bind=conn, expire_on_commit=False, join_transaction_mode="create_savepoint")
    yield factory
    if outer.is_active:
        outer.rollback()
    conn.close()


@pytest.fixture()
def db(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    with session_factory() as session:
        yield session


@pytest.fixture()
def settings(tmp_path: Path, database_url: str) -> Settings:
    # Tests' webhook sinks listen on loopback, which the SSRF guard refuses unless allowed.
    return Settings(data_dir=tmp_path, database_url=database_url, secret_key="test-secret-key-0123456789",
                    outgoing_allow=("127.0.0.1",))


# --- web ---------------------------------------------------------------------------------
@pytest.fixture()
def app(settings: Settings, session_factory: sessionmaker[Session]):  # type: ignore[no-untyped-def]
    from listeners.queue import InlineQueue
    from web import create_app

    return create_app(
        {
            "TESTING": True,
            "SETTINGS": settings,
            "SESSION_FACTORY": session_factory,
            "JOB_QUEUE": InlineQueue(background=False),
        }
    )


@pytest.fixture()
def client(app):  # type: ignore[no-untyped-def]
    return app.test_client()


@pytest.fixture()
def runner(app):  # type: ignore[no-untyped-def]
    return app.test_cli_runner()


@pytest.fixture()
def login(client, db):  # type: ignore[no-untyped-def]
    """``login(role)`` creates a user with that role and signs the client in as them."""
    from crm.users.services import create_user, rotate_session_token

    def do(role: str = "admin"):  # type: ignore[no-untyped-def]
        email = f"{role}-{uuid.uuid4().hex[:6]}@example.com"
        user = create_user(db, email=email, password="correct horse", role=role, name=role.title())
        rotate_session_token(user)
        db.commit()
        with client.session_transaction() as sess:
            sess["_user_id"] = user.get_id()
            sess["_fresh"] = True
        return user

    return do


# --- redis -------------------------------------------------------------------------------
@pytest.fixture()
def redis_url() -> Iterator[str]:
    """A real Redis (db 15, flushed around the test). Missing Redis is a failure, not a skip."""
    from redis import Redis
    from redis.exceptions import ConnectionError as RedisConnectionError

    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    conn = Redis.from_url(url)
    try:
        conn.ping()
    except RedisConnectionError as exc:
        pytest.fail(f"Redis at {url} is not reachable ({exc}); start it with `make services`.")
    conn.flushdb()
    yield url
    conn.flushdb()
    conn.close()
