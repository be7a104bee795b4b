"""Fake Reddit and X servers on 127.0.0.1, and connectors pointed at them."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

# tests/ is not a package; make tests/fakes importable as ``fakes`` (the bench does the same).
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fakes.reddit_api import FakeReddit, RedditData  # noqa: E402
from fakes.reddit_api import generate as generate_reddit  # noqa: E402
from fakes.x_api import FakeX, XData  # noqa: E402
from fakes.x_api import generate as generate_x  # noqa: E402

from connectors.reddit import RedditConfig, RedditConnector  # noqa: E402
from connectors.x import XConfig, XConnector  # noqa: E402

TEST_TIMEOUT = 0.5  # seconds; the slow-response tests wait longer than this


@pytest.fixture
def reddit_data() -> RedditData:
    return generate_reddit()


@pytest.fixture
def fake_reddit(reddit_data: RedditData) -> Iterator[FakeReddit]:
    server = FakeReddit(reddit_data).start()
    yield server
    server.stop()


@pytest.fixture
def make_reddit(fake_reddit: FakeReddit) -> Callable[..., RedditConnector]:
    def make(**overrides: object) -> RedditConnector:
        values: dict[str, object] = {
            "client_id": fake_reddit.client_id,
            "client_secret": fake_reddit.client_secret,
            "user_agent": "social-crm tests/1.0",
            "oauth_url": fake_reddit.url,
            "reddit_url": fake_reddit.url,
            "timeout": TEST_TIMEOUT,
        }
        values.update(overrides)
        return RedditConnector(RedditConfig(**values))  # type: ignore[arg-type]

    return make


@pytest.fixture
def x_data() -> XData:
    return generate_x()


@pytest.fixture
def fake_x(x_data: XData) -> Iterator[FakeX]:
    server = FakeX(x_data).start()
    yield server
    server.stop()


@pytest.fixture
def make_x(fake_x: FakeX) -> Callable[..., XConnector]:
    def make(**overrides: object) -> XConnector:
        values: dict[str, object] = {
            "bearer_token": fake_x.bearer_token,
            "api_url": fake_x.url,
            "timeout": TEST_TIMEOUT,
        }
        values.update(overrides)
        return XConnector(XConfig(**values))  # type: ignore[arg-type]

    return make
