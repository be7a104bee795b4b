"""Listening fixtures: fake Reddit and X on 127.0.0.1 and a runtime whose connectors point at them.

``listening`` configures listeners.runtime with the test's rolled-back session factory and a
synchronous inline queue, so ``poll_source`` and dispatcher ticks run in the test's process
against the test database. The previous runtime is restored afterwards.
"""

from __future__ import annotations

import socketserver
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

# tests/ is not a package; make tests/fakes importable as ``fakes`` (as tests/connectors does).
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fakes.reddit_api import FakeReddit, RedditData  # noqa: E402
from fakes.reddit_api import generate as generate_reddit  # noqa: E402
from fakes.x_api import FakeX, XData  # noqa: E402
from fakes.x_api import generate as generate_x  # noqa: E402

from crm.settings import Settings  # noqa: E402
from crm.sources import services as sources  # noqa: E402
from crm.sources.models import Source  # noqa: E402
from listeners import runtime  # noqa: E402
from listeners.queue import InlineQueue  # noqa: E402


def fake_settings(settings: Settings, reddit: FakeReddit | None, x: FakeX | None, **changes: Any) -> Settings:
    """``settings`` with the connectors pointed at the fakes (a missing fake leaves it disabled)."""
    env: dict[str, str | None] = {}
    if reddit is not None:
        env.update(
            REDDIT_CLIENT_ID=reddit.client_id, REDDIT_CLIENT_SECRET=reddit.client_secret,
            REDDIT_USERNAME=reddit.username, REDDIT_PASSWORD=reddit.password,
            REDDIT_OAUTH_URL=reddit.url, REDDIT_URL=reddit.url,
        )
    if x is not None:
        env.update(X_BEARER_TOKEN=x.bearer_token, X_API_URL=x.url)
    return replace(settings.with_connector_env(**env), **changes)


@pytest.fixture()
def reddit_data() -> RedditData:
    return generate_reddit()


@pytest.fixture()
def fake_reddit(reddit_data: RedditData) -> Iterator[FakeReddit]:
    server = FakeReddit(reddit_data).start()
    yield server
    server.stop()


@pytest.fixture()
def x_data() -> XData:
    return generate_x()


@pytest.fixture()
def fake_x(x_data: XData) -> Iterator[FakeX]:
    server = FakeX(x_data).start()
    yield server
    server.stop()


@dataclass
class Listening:
    """The configured runtime and helpers a polling test needs."""

    settings: Settings
    session_factory: sessionmaker[Session]
    queue: InlineQueue
    reddit: FakeReddit
    x: FakeX

    def reconfigure(self, **changes: Any) -> None:
        """Change settings (e.g. ``ingest_batch_size``) for the next polls."""
        self.settings = replace(self.settings, **changes)
        runtime.configure(self.settings, self.session_factory, self.queue)

    def set_connector_env(self, **values: str | None) -> None:
        """Set connector variables (None removes one) for the next polls."""
        self.reconfigure(connector_env=self.settings.with_connector_env(**values).connector_env)

    def add_source(self, platform: str = "reddit", kind: str = "subreddit", query: str = "python", **fields: Any) -> int:
        """A committed source, due now; returns its id."""
        with self.session_factory.begin() as s:
            source = sources.save_source(
                s, platform=platform, kind=kind, query=query, interval_seconds=fields.pop("interval_seconds", 300),
                min_interval=1, **fields,
            )
            return source.id

    def source(self, source_id: int) -> Source:
        """A fresh copy of the source row."""
        with self.session_factory() as s:
            source = s.get(Source, source_id)
            assert source is not None
            s.expunge(source)
            return source


@pytest.fixture()
def listening(
    settings: Settings, session_factory: sessionmaker[Session], fake_reddit: FakeReddit, fake_x: FakeX
) -> Iterator[Listening]:
    before = runtime._runtime
    queue = InlineQueue(background=False)
    configured = fake_settings(settings, fake_reddit, fake_x)
    runtime.configure(configured, session_factory, queue)
    yield Listening(configured, session_factory, queue, fake_reddit, fake_x)
    runtime._runtime = before


# --- a real SMTP server on 127.0.0.1 (alert and reminder e-mail) ---------------------------
class SmtpSink:
    """A tiny real SMTP server on 127.0.0.1 (EHLO, MAIL, RCPT, DATA, QUIT) keeping messages."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes]] = []
        sink = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                rcpt: list[str] = []
                self.wfile.write(b"220 sink ESMTP\r\n")
                while line := self.rfile.readline():
                    cmd = line.decode().strip().upper()
                    if cmd.startswith(("EHLO", "HELO")):
                        self.wfile.write(b"250-sink\r\n250 OK\r\n")
                    elif cmd.startswith("RCPT"):
                        rcpt.append(line.decode().split(":", 1)[1].strip().strip("<>"))
                        self.wfile.write(b"250 OK\r\n")
                    elif cmd == "DATA":
                        self.wfile.write(b"354 go ahead\r\n")
                        data = b""
                        while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                            data += chunk
                        sink.messages.append((rcpt, data))
                        rcpt = []
                        self.wfile.write(b"250 queued\r\n")
                    elif cmd == "QUIT":
                        self.wfile.write(b"221 bye\r\n")
                        return
                    else:  # MAIL, RSET, NOOP
                        self.wfile.write(b"250 OK\r\n")

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self.server = Server(("127.0.0.1", 0), Handler)
        self.url = f"smtp://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture()
def smtp() -> Iterator[SmtpSink]:
    sink = SmtpSink()
    yield sink
    sink.close()
