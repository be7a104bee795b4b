"""Reddit fixes found on recorded real traffic: 401 mid-poll, 403 without a reason, missing
permalinks and author_fullname. Through real praw/prawcore against the fake Reddit."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from fakes.reddit_api import FakeReddit, RedditData
from fakes.server import Fault

from connectors.errors import AuthFailed, Transient
from connectors.reddit import RedditConnector

MakeReddit = Callable[..., RedditConnector]


def _two_pages(fake: FakeReddit) -> RedditData:
    data = RedditData(clock=time.time() - 3600)
    for i in range(150):
        data.add_post("python", title=f"widget {i}")
    fake.data = data
    return data


def test_a_401_in_the_middle_of_a_poll_logs_in_again_and_retries_once(
    fake_reddit: FakeReddit, make_reddit: MakeReddit
) -> None:
    _two_pages(fake_reddit)
    fake_reddit.fail(2, Fault(401, headers={"www-authenticate": 'Bearer error="invalid_token"'}))

    result = make_reddit(page_size=100).fetch("search", "widget", None)

    assert len(result.mentions) == 150 and result.exhausted
    assert fake_reddit.count("token") == 2  # a new token was fetched for the retry
    assert fake_reddit.count() == 3  # page 1, the refused page 2, page 2 again


def test_a_second_401_after_a_fresh_token_is_auth_failed(
    fake_reddit: FakeReddit, make_reddit: MakeReddit
) -> None:
    _two_pages(fake_reddit)
    fake_reddit.fail(2, Fault(401))
    fake_reddit.fail(3, Fault(401))
    with pytest.raises(AuthFailed, match="401"):
        make_reddit(page_size=100).fetch("search", "widget", None)
    assert fake_reddit.count("token") == 2


def test_a_refused_login_is_not_retried(fake_reddit: FakeReddit, make_reddit: MakeReddit) -> None:
    with pytest.raises(AuthFailed, match="credentials"):
        make_reddit(client_secret="nope").fetch("subreddit", "python", None)
    assert fake_reddit.count("token") == 1 and fake_reddit.count() == 0


def test_a_403_without_a_reason_is_transient_not_a_credentials_failure(
    fake_reddit: FakeReddit, make_reddit: MakeReddit
) -> None:
    fake_reddit.fail(1, Fault(403, body={"message": "Forbidden", "error": 403}))
    with pytest.raises(Transient, match="403") as info:
        make_reddit().fetch("subreddit", "python", None)
    assert not isinstance(info.value, AuthFailed)


def test_a_403_with_an_unknown_reason_stays_a_credentials_failure(
    fake_reddit: FakeReddit, make_reddit: MakeReddit
) -> None:
    fake_reddit.fail(1, Fault(403, body={"message": "Forbidden", "error": 403, "reason": "insufficient_scope"}))
    with pytest.raises(AuthFailed, match="insufficient_scope"):
        make_reddit().fetch("subreddit", "python", None)


def test_a_comment_without_permalink_gets_one_built(
    fake_reddit: FakeReddit, make_reddit: MakeReddit
) -> None:
    data = RedditData(clock=time.time() - 600)
    post = data.add_post("de_EDV", title="Frage zu Größen")
    comment = data.add_comment(post, body="Antwort ✅")
    for item in (post, comment):
        item.pop("permalink", None)
        item.pop("context", None)
    fake_reddit.data = data

    by_id = {m.external_id: m for m in make_reddit().fetch("subreddit", "de_EDV", None).mentions}

    link_id = post["name"][3:]
    assert by_id[comment["name"]].url == (
        f"https://www.reddit.com/r/de_EDV/comments/{link_id}/_/{comment['id']}/"
    )
    assert by_id[comment["name"]].raw["permalink_built"] is True
    assert by_id[post["name"]].url == f"https://www.reddit.com/r/de_EDV/comments/{link_id}/"


def test_a_missing_author_fullname_is_said_in_the_raw(
    fake_reddit: FakeReddit, make_reddit: MakeReddit
) -> None:
    data = RedditData(clock=time.time() - 600)
    post = data.add_post("python", author="joerg_k", title="t")
    kept = data.add_post("python", author="anna", title="u")
    del post["author_fullname"]
    fake_reddit.data = data

    by_id = {m.external_id: m for m in make_reddit().fetch("subreddit", "python", None).mentions}

    missing = by_id[post["name"]]
    assert missing.raw["author_fullname_missing"] is True
    assert missing.author.id == "joerg_k"
    assert "author_fullname_missing" not in by_id[kept["name"]].raw
    assert by_id[kept["name"]].author.id == kept["author_fullname"]
