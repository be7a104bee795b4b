"""Posting a reply on a platform, through each platform's own client library.

Kept beside the polling modules (which are long already): each function builds the polling
connector from the same settings and uses its client, so sign-in, base URLs, timeouts and
error translation are shared. Writing needs more than reading on some platforms; what is
missing is named by :func:`disabled_reason`.

``resend_safe`` says whether sending the same reply twice is harmless because the platform
de-duplicates it: Mastodon keeps an ``Idempotency-Key`` for an hour; a Bluesky record key
(derived here from the reply's idempotency key) can be created only once. Reddit, X and
Discourse have no such key, so a reply whose first attempt may have reached them is never
sent again automatically (crm/replies/services.py).
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import requests

from connectors.base import Author, Mention, value
from connectors.errors import (
    AuthFailed,
    ConnectorDisabled,
    ConnectorError,
    Permanent,
    RateLimited,
    Transient,
)


@dataclass(frozen=True, slots=True)
class ReplyTarget:
    """The post we answer, as stored: its id, its thread, the platform's payload (``raw``)."""

    platform: str
    external_id: str
    thread_id: str
    key: str  # the reply's idempotency key
    created_at: datetime  # when the reply was recorded (a stable base for derived record keys)
    raw: Mapping[str, Any] = field(default_factory=dict)


RESEND_SAFE = {"mastodon": True, "bluesky": True, "reddit": False, "x": False, "discourse": False}
# Settings a platform needs to write, beyond what polling needs.
WRITE_SETTINGS = {
    "reddit": ("REDDIT_USERNAME", "REDDIT_PASSWORD"),
    "x": ("X_CONSUMER_KEY", "X_CONSUMER_SECRET", "X_ACCESS_TOKEN", "X_ACCESS_TOKEN_SECRET"),
    "mastodon": ("MASTODON_ACCESS_TOKEN",),
    "bluesky": (),
    "discourse": ("DISCOURSE_API_KEY",),
}


def _classes() -> dict[str, Any]:
    from connectors.registry import connector_classes

    return dict(connector_classes())


def disabled_reason(platform: str, values: Mapping[str, str | None]) -> str | None:
    """Why we cannot post on ``platform`` with these settings (in words to act on), or None."""
    if platform not in WRITE_SETTINGS:
        return f"Replying on {platform} is not supported: copy the text and answer on the platform."
    cls = _classes()[platform]
    reason = cls.disabled_reason(values)
    if reason:
        return reason
    by_name = {s.name: s for s in cls.settings}
    missing = [n for n in WRITE_SETTINGS[platform] if n not in by_name or value(values, by_name[n]) is None]
    if missing:
        return f"Replying on {cls.label} needs {' and '.join(missing)} (an account allowed to write)."
    return None


def send_reply(platform: str, values: Mapping[str, str | None], target: ReplyTarget, text: str) -> Mention:
    """Post ``text`` in reply to ``target``; the posted reply as a Mention (our team's post).

    Raises RateLimited (nothing posted; try later), Permanent / AuthFailed (refused, with the
    platform's reason), Transient (we cannot tell whether it was posted), ConnectorDisabled.
    """
    reason = disabled_reason(platform, values)
    if reason:
        raise ConnectorDisabled(reason)
    senders: dict[str, Callable[[Mapping[str, str | None], ReplyTarget, str], Mention]] = {
        "reddit": _reddit, "x": _x, "mastodon": _mastodon, "bluesky": _bluesky, "discourse": _discourse,
    }
    return senders[platform](values, target, text)


# --- Reddit: praw ``reply`` (POST /api/comment) ----------------------------------------------
_MINUTES = re.compile(r"(\d+)\s*(minute|second)")


def _reddit(values: Mapping[str, str | None], target: ReplyTarget, text: str) -> Mention:
    import praw.exceptions

    from connectors.reddit import RedditConnector
    from connectors.reddit_mapping import map_thing, translate

    reddit = RedditConnector.from_values(values)._client()
    ext = target.external_id
    thing = reddit.comment(ext[3:]) if ext.startswith("t1_") else reddit.submission(ext.removeprefix("t3_"))
    try:
        comment = thing.reply(text)
    except praw.exceptions.RedditAPIException as exc:
        item = exc.items[0]
        said = f"Reddit: {item.error_type}: {item.message}"
        if item.error_type == "RATELIMIT":
            m = _MINUTES.search(item.message or "")
            wait = (int(m.group(1)) * (60 if m.group(2) == "minute" else 1)) if m else 600
            raise RateLimited(said, float(wait)) from None
        raise Permanent(said) from None
    except ConnectorError:
        raise
    except Exception as exc:  # noqa: BLE001 - prawcore/requests errors, translated
        raise translate(exc) from None
    if comment is None:
        raise Transient("Reddit answered without the comment it made")
    data = {k: v for k, v in vars(comment).items() if not k.startswith("_")}
    data["author"] = str(comment.author)
    data["subreddit"] = str(data.get("subreddit") or "")
    mention = map_thing("t1", data)
    if mention is None:
        raise Transient("Reddit answered with a deleted comment")
    return mention


# --- X: tweepy Client.create_tweet(in_reply_to_tweet_id=...) with user context ---------------
def _x(values: Mapping[str, str | None], target: ReplyTarget, text: str) -> Mention:
    import tweepy

    from connectors.http import RoutedSession
    from connectors.x import SDK_BASE, XConnector
    from connectors.x_mapping import PUBLIC_URL

    cls = XConnector
    v = {s.name: value(values, s) for s in cls.settings}
    client = tweepy.Client(
        consumer_key=v["X_CONSUMER_KEY"], consumer_secret=v["X_CONSUMER_SECRET"],
        access_token=v["X_ACCESS_TOKEN"], access_token_secret=v["X_ACCESS_TOKEN_SECRET"],
        return_type=dict, wait_on_rate_limit=False,
    )
    client.session = RoutedSession(sdk_base=SDK_BASE, base_url=v["X_API_URL"] or SDK_BASE, timeout=10.0)
    try:
        me = client.get_me(user_auth=True, user_fields=["username", "name"])["data"]
        posted = client.create_tweet(text=text, in_reply_to_tweet_id=target.external_id, user_auth=True)["data"]
    except tweepy.TooManyRequests as exc:
        reset = exc.response.headers.get("x-rate-limit-reset") if exc.response is not None else None
        wait = float(reset) - time.time() if reset and reset.isdigit() else 900.0
        raise RateLimited(f"X: {_x_said(exc)}", max(1.0, wait)) from None
    except tweepy.Unauthorized as exc:
        raise AuthFailed(f"X refused our account's keys: {_x_said(exc)}") from None
    except tweepy.TwitterServerError as exc:
        raise Transient(f"X answered {exc.response.status_code if exc.response is not None else ''}: {_x_said(exc)}") from None
    except tweepy.HTTPException as exc:  # 400, 403 (duplicate content, deleted parent), 404
        raise Permanent(f"X: {_x_said(exc)}") from None
    except requests.RequestException as exc:
        raise Transient(f"Could not reach X: {exc.__class__.__name__}") from None
    tweet_id, username = str(posted["id"]), str(me.get("username") or "")
    return Mention(
        platform="x", external_id=tweet_id,
        author=Author(id=str(me["id"]), handle=username, display_name=str(me.get("name") or ""),
                      profile_url=f"{PUBLIC_URL}/{username}"),
        created_at=datetime.now(UTC), text=str(posted.get("text") or text), kind="reply",
        url=f"{PUBLIC_URL}/{username}/status/{tweet_id}", parent_id=target.external_id,
        thread_id=target.thread_id, raw={"data": dict(posted)},
    )


def _x_said(exc: Any) -> str:
    """X's own words: v2 problems put them in "detail", v1.1-style errors in "errors"."""
    messages = [m for m in getattr(exc, "api_messages", []) if m]
    try:
        detail = exc.response.json().get("detail")
    except (AttributeError, ValueError):
        detail = None
    if isinstance(detail, str) and detail and detail not in messages:
        messages.insert(0, detail)
    return "; ".join(messages)[:500] or str(exc)[:500]


# --- Mastodon: Mastodon.py status_post(in_reply_to_id=..., idempotency_key=...) --------------
def _mastodon(values: Mapping[str, str | None], target: ReplyTarget, text: str) -> Mention:
    from connectors.mastodon import MastodonConnector
    from connectors.mastodon_mapping import map_status, translate

    conn = MastodonConnector.from_values(values)
    api = conn.client()
    try:
        status = api.status_post(text, in_reply_to_id=target.external_id, idempotency_key=target.key)
    except Exception as exc:  # noqa: BLE001 - Mastodon.py errors, translated
        raise translate(exc, api.ratelimit_reset, time.time()) from None
    return map_status(dict(status), conn.domain, kind="reply", thread_id=target.thread_id)


def mastodon_max_characters(values: Mapping[str, str | None]) -> int | None:
    """The instance's status length limit (configuration.statuses.max_characters), or None."""
    from connectors.mastodon import MastodonConnector

    if _classes()["mastodon"].disabled_reason(values):
        return None
    base = MastodonConnector.from_values(values).config.api_base_url
    try:
        body = requests.get(base + "/api/v2/instance", timeout=3).json()
        limit = body["configuration"]["statuses"]["max_characters"]
    except (requests.RequestException, ValueError, KeyError, TypeError):
        return None
    return limit if isinstance(limit, int) and limit > 0 else None


# --- Bluesky: com.atproto.repo.createRecord with reply refs (root + parent: uri and cid) -----
_TID_CHARS = "234567abcdefghijklmnopqrstuvwxyz"
_LINK = re.compile(r"https?://[^\s<>\"]+[^\s<>\".,;:!?)\]']")


def record_key(created_at: datetime, key: str) -> str:
    """A TID (the key app.bsky.feed.post records use) fixed by the reply: the same on every retry."""
    micros = int(created_at.timestamp() * 1_000_000) & ((1 << 53) - 1)
    clock_id = int.from_bytes(hashlib.sha256(key.encode()).digest()[:2], "big") & 0x3FF
    n = (micros << 10) | clock_id
    return "".join(_TID_CHARS[(n >> (5 * i)) & 31] for i in reversed(range(13)))


def _link_facets(text: str) -> list[dict[str, Any]]:
    facets = []
    for m in _LINK.finditer(text):
        start = len(text[: m.start()].encode())
        facets.append({"index": {"byteStart": start, "byteEnd": start + len(m.group().encode())},
                       "features": [{"$type": "app.bsky.richtext.facet#link", "uri": m.group()}]})
    return facets


def _bluesky(values: Mapping[str, str | None], target: ReplyTarget, text: str) -> Mention:
    from atproto_client import exceptions as atx

    from connectors.bluesky import BlueskyConnector, _xrpc_error
    from connectors.bluesky_posts import post_url

    conn = BlueskyConnector.from_values(values)
    raw = dict(target.raw)
    cid = raw.get("cid")
    record = raw.get("record") if isinstance(raw.get("record"), dict) else {}
    if not isinstance(cid, str):  # stored without its cid: ask the AppView
        posts = conn._query("app.bsky.feed.getPosts", {"uris": [target.external_id]}).get("posts") or []
        if not posts:
            raise Permanent("Bluesky: the post we answer was deleted")
        cid, record = posts[0]["cid"], posts[0].get("record") or {}
    parent = {"uri": target.external_id, "cid": cid}
    root = (record.get("reply") or {}).get("root") if isinstance(record, dict) else None
    client = conn.client()
    did, handle = client._session.did, client._session.handle  # type: ignore[union-attr]
    rkey = record_key(target.created_at, target.key)
    now = datetime.now(UTC)
    post: dict[str, Any] = {"$type": "app.bsky.feed.post", "text": text,
                            "createdAt": now.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
                            "reply": {"root": root if isinstance(root, dict) else parent, "parent": parent}}
    facets = _link_facets(text)
    if facets:
        post["facets"] = facets
    uri = f"at://{did}/app.bsky.feed.post/{rkey}"
    try:
        created = client.com.atproto.repo.create_record(
            data={"repo": did, "collection": "app.bsky.feed.post", "rkey": rkey, "record": post})
        uri = created.uri
    except atx.BadRequestError as exc:
        status, name, message = _xrpc_error(exc)
        if "already exists" not in (message or "").lower():  # an earlier attempt wrote it: done
            raise Permanent(f"Bluesky: {name or status}: {message}".strip()) from None
    except Exception as exc:  # noqa: BLE001 - atproto/httpx errors, translated
        raise conn._translate(exc) from None
    return Mention(
        platform="bluesky", external_id=uri,
        author=Author(id=did, handle=handle, profile_url=f"https://bsky.app/profile/{handle}"),
        created_at=now, text=text, kind="reply", url=post_url(uri, handle, did),
        parent_id=target.external_id, thread_id=target.thread_id, raw={"record": post},
    )


# --- Discourse: POST /posts.json with topic_id and reply_to_post_number ----------------------
def _discourse(values: Mapping[str, str | None], target: ReplyTarget, text: str) -> Mention:
    from connectors.discourse import DiscourseConnector
    from connectors.discourse_mapping import map_post

    conn = DiscourseConnector.from_values(values)
    topic_id, number = target.raw.get("topic_id"), target.raw.get("post_number")
    if not isinstance(topic_id, int) or not isinstance(number, int):
        raise Permanent("Discourse: the stored post has no topic_id and post_number to answer")
    try:
        resp = conn._session.post(conn.base + "/posts.json", timeout=conn.config.timeout,
                                  json={"raw": text, "topic_id": topic_id, "reply_to_post_number": number})
    except requests.Timeout:
        raise Transient("The forum did not answer in time") from None
    except requests.RequestException as exc:
        raise Transient(f"Could not reach the forum: {exc.__class__.__name__}") from None
    if resp.status_code != 200:
        raise conn._error(resp)
    try:
        post = resp.json()
        return map_post(post, conn.base, topic_title=None)
    except ValueError as exc:  # not JSON, or a post we cannot map
        raise Transient(f"The forum sent a reply we cannot read: {exc}") from None
