"""The registry: what is enabled and why, building connectors, query validation, poll pace."""

from __future__ import annotations

import subprocess
import sys

import pytest

from connectors.base import ConnectorBase, Setting
from connectors.errors import ConnectorDisabled
from connectors.reddit import RedditConnector
from connectors.registry import (
    ConnectorStatus,
    available,
    build,
    connector_classes,
    disabled_reason,
    kinds,
    min_interval_seconds,
    normalize_query,
    validate_query,
)
from connectors.x import XConnector

REDDIT_APP: dict[str, str | None] = {"REDDIT_CLIENT_ID": "id", "REDDIT_CLIENT_SECRET": "secret"}


def _by_platform(values: dict[str, str | None]) -> dict[str, ConnectorStatus]:
    return {s.platform: s for s in available(values)}


def test_nothing_configured_says_what_to_set() -> None:
    statuses = _by_platform({})
    reddit, x = statuses["reddit"], statuses["x"]
    assert not reddit.enabled and not x.enabled
    assert reddit.reason == "Reddit is disabled: set REDDIT_CLIENT_ID and REDDIT_CLIENT_SECRET"
    assert x.reason == "X is disabled: set X_BEARER_TOKEN"
    assert reddit.source_kinds == () == x.source_kinds


def test_blank_values_count_as_unset() -> None:
    status = _by_platform({"REDDIT_CLIENT_ID": "id", "REDDIT_CLIENT_SECRET": "  "})["reddit"]
    assert status.reason == "Reddit is disabled: set REDDIT_CLIENT_SECRET"


def test_reddit_mentions_need_a_login() -> None:
    app_only = _by_platform(REDDIT_APP)["reddit"]
    assert app_only.enabled and app_only.source_kinds == ("subreddit", "search")
    assert "Reddit mentions sources need REDDIT_USERNAME and REDDIT_PASSWORD to be set" in app_only.reason
    login = {**REDDIT_APP, "REDDIT_USERNAME": "bot", "REDDIT_PASSWORD": "pw"}
    assert _by_platform(login)["reddit"].source_kinds == ("subreddit", "search", "mentions")


def test_build_refuses_disabled_and_unknown_platforms() -> None:
    with pytest.raises(ConnectorDisabled, match="set X_BEARER_TOKEN"):
        build("x", {})
    with pytest.raises(ConnectorDisabled, match="Unknown platform"):
        build("myspace", {})


def test_build_applies_defaults_and_overrides() -> None:
    reddit = build("reddit", {**REDDIT_APP, "REDDIT_OAUTH_URL": "http://127.0.0.1:9/"})
    assert isinstance(reddit, RedditConnector)
    assert reddit.config.oauth_url == "http://127.0.0.1:9/"
    assert reddit.config.reddit_url == "https://www.reddit.com"
    assert reddit.config.user_agent.startswith("social-crm")
    x = build("x", {"X_BEARER_TOKEN": "t"})
    assert isinstance(x, XConnector) and x.config.api_url == "https://api.twitter.com"


def test_connector_classes_agree_with_the_registry() -> None:
    for platform, cls in connector_classes().items():
        assert cls.platform == platform
        assert cls.source_kinds == kinds()[platform]
        assert set(cls.kind_labels) == set(cls.source_kinds)
        for kind in cls.source_kinds:
            assert min_interval_seconds(platform, kind) >= 1


def test_a_disabled_kind_names_the_variables_to_set() -> None:
    assert disabled_reason("reddit", "subreddit", {}) == (
        "Reddit is disabled: set REDDIT_CLIENT_ID and REDDIT_CLIENT_SECRET"
    )
    assert disabled_reason("reddit", "subreddit", REDDIT_APP) is None
    assert disabled_reason("reddit", "mentions", REDDIT_APP) == (
        "Reddit mentions sources need REDDIT_USERNAME and REDDIT_PASSWORD to be set"
    )
    assert disabled_reason("myspace", "search", {}) is not None


def test_a_junk_url_setting_disables_the_connector_naming_the_variable() -> None:
    status = _by_platform({**REDDIT_APP, "REDDIT_OAUTH_URL": "oauth.reddit.com"})["reddit"]
    assert not status.enabled
    assert "REDDIT_OAUTH_URL must be an http:// or https:// URL" in status.reason


def test_connector_base_defaults_follow_required_and_kind_settings() -> None:
    class Demo(ConnectorBase):
        platform, label = "demo", "Demo"
        source_kinds = ("feed", "private")
        settings = (Setting("DEMO_URL", required=True, type="url"), Setting("DEMO_TOKEN"))
        kind_settings = {"private": ("DEMO_TOKEN",)}

    assert Demo.disabled_reason({}) == "Demo is disabled: set DEMO_URL"
    assert Demo.kinds_for({"DEMO_URL": "http://x"}) == ("feed",)
    assert Demo.kinds_for({"DEMO_URL": "http://x", "DEMO_TOKEN": "t"}) == ("feed", "private")
    assert Demo.disabled_reason({"DEMO_URL": "http://x"}, "nope") == "Demo sources can be: feed, private."
    assert Demo.normalize_query("feed", "  q ") == "q"


@pytest.mark.parametrize(
    ("platform", "kind", "query", "ok"),
    [
        ("reddit", "subreddit", "python", True),
        ("reddit", "subreddit", "r/Python", True),
        ("reddit", "subreddit", "/r/de_EDV/", True),
        ("reddit", "subreddit", "python+django+flask", True),
        ("reddit", "subreddit", "ab", False),
        ("reddit", "subreddit", "a" * 22, False),
        ("reddit", "subreddit", "a" * 21, True),
        ("reddit", "subreddit", "no spaces", False),
        ("reddit", "subreddit", "ümlaut", False),
        ("reddit", "subreddit", "python+", False),
        ("reddit", "subreddit", "", False),
        ("reddit", "search", "widget crash", True),
        ("reddit", "search", "x" * 512, True),
        ("reddit", "search", "x" * 513, False),
        ("reddit", "search", "   ", False),
        ("reddit", "mentions", "", True),
        ("reddit", "mentions", "u/crm_bot", True),
        ("reddit", "mentions", "not a name!", False),
        ("x", "search", '"widget" lang:de -is:retweet', True),
        ("x", "search", "x" * 513, False),
        ("x", "mentions", "2244994945", True),
        ("x", "mentions", "@crm_brand", False),
        ("x", "mentions", "12345678901234567890", False),
        ("x", "subreddit", "python", False),
        ("myspace", "search", "tom", False),
    ],
)
def test_validate_query(platform: str, kind: str, query: str, ok: bool) -> None:
    error = validate_query(platform, kind, query)
    assert (error is None) is ok, error
    if not ok:
        assert isinstance(error, str) and error.endswith(".")


def test_normalize_query_strips_prefixes() -> None:
    assert normalize_query("reddit", "subreddit", " /r/Python/ ") == "Python"
    assert normalize_query("reddit", "mentions", "u/crm_bot") == "crm_bot"
    assert normalize_query("x", "search", " r/x ") == "r/x"


def test_min_interval_follows_the_rate_limits() -> None:
    # Reddit: 100 requests/min per client, 2 requests per subreddit poll, 1/20 of the budget.
    assert min_interval_seconds("reddit", "subreddit") == 24
    assert min_interval_seconds("reddit", "search") == 12
    # X: 450 requests per 15 min per app.
    assert min_interval_seconds("x", "search") == 40
    assert min_interval_seconds("x", "mentions") == 40
    with pytest.raises(ValueError):
        min_interval_seconds("x", "subreddit")


def test_importing_connectors_pulls_in_no_crm_database_or_web_code() -> None:
    code = (
        "import sys, connectors.registry, connectors.reddit, connectors.x\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'crm', 'sqlalchemy', 'flask', 'listeners', 'web'})\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_importing_the_registry_does_not_import_the_sdks() -> None:
    code = (
        "import sys, connectors.registry\n"
        "assert 'praw' not in sys.modules and 'tweepy' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_connector_modules_do_not_import_the_registry() -> None:
    # The registry imports the connectors (lazily); the reverse would be an import circle.
    code = (
        "import sys, connectors.reddit, connectors.x\n"
        "assert 'connectors.registry' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
