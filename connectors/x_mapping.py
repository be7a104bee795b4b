"""X API v2 payloads -> Mentions: a tweet with its expansions (author, referenced tweets), profile links, and errors of the SDK turned into the connector errors."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import requests
import tweepy

from connectors.base import Author, Mention
from connectors.errors import (
    AuthFailed,
    ConnectorError,
    Permanent,
    RateLimited,
    Transient,
    error_for_status,
)

PUBLIC_URL = "https://x.com"


RATE_WINDOW_SECONDS = 900.0  # X's windows are 15 minutes: the wait when no reset header came


class MappingError(ValueError):
    """A tweet that cannot become a Mention; the message is the reason."""


def _expanded(entity: Any) -> list[str]:
    """The real URLs behind X's t.co links in one entities block ({"urls": [...]})."""
    urls = entity.get("urls") if isinstance(entity, dict) else None
    out = []
    for u in urls if isinstance(urls, list) else []:
        if isinstance(u, dict):
            value = u.get("expanded_url") or u.get("url")
            if isinstance(value, str) and value:
                out.append(value)
    return out


def _profile_links(user: Mapping[str, Any]) -> tuple[str | None, tuple[str, ...]]:
    """The profile's website field and the links in its description, expanded from t.co."""
    raw = user.get("entities")
    entities: Mapping[str, Any] = raw if isinstance(raw, dict) else {}
    site = _expanded(entities.get("url"))
    website = site[0] if site else (user.get("url") if isinstance(user.get("url"), str) and user.get("url") else None)
    return website, tuple(_expanded(entities.get("description"))[:20])


def _created(tweet: Mapping[str, Any]) -> datetime:
    created = tweet.get("created_at")
    if not isinstance(created, str):
        raise MappingError("missing created_at")
    try:
        parsed = datetime.fromisoformat(created)
    except ValueError:
        raise MappingError("invalid created_at") from None
    if parsed.tzinfo is None:
        raise MappingError("created_at without a timezone")
    return parsed.astimezone(UTC)


def map_tweet(
    tweet: Mapping[str, Any], users: Mapping[str, Mapping[str, Any]], *, default_kind: str
) -> Mention:
    """Map one tweet of ``data`` to a Mention, with its author from ``includes.users``."""
    tweet_id = tweet.get("id")
    if not isinstance(tweet_id, str) or not tweet_id.isdigit():
        raise MappingError("missing or invalid id")
    text = tweet.get("text")
    if not isinstance(text, str):
        raise MappingError("missing text")
    author_id = tweet.get("author_id")
    if not isinstance(author_id, str) or not author_id:
        raise MappingError("missing author_id")
    created_at = _created(tweet)
    user = users.get(author_id) or {}
    username = user.get("username") if isinstance(user.get("username"), str) else None
    name = user.get("name")
    metrics = user.get("public_metrics")
    followers = metrics.get("followers_count") if isinstance(metrics, dict) else None
    website, links = _profile_links(user)
    description = user.get("description")
    author = Author(
        id=author_id,
        handle=username or "",
        display_name=name if isinstance(name, str) else "",
        profile_url=f"{PUBLIC_URL}/{username}" if username else None,
        avatar_url=user.get("profile_image_url") or None,
        followers=followers if isinstance(followers, int) else None,
        bio=description if isinstance(description, str) and description else None,
        website=website,
        links=links,
    )
    referenced = tweet.get("referenced_tweets")
    parent_id = None
    if isinstance(referenced, list):
        for ref in referenced:
            if isinstance(ref, dict) and ref.get("type") == "replied_to":
                parent_id = str(ref.get("id"))
    lang = tweet.get("lang")
    conversation = tweet.get("conversation_id")
    url_user = username or "i/web"
    return Mention(
        platform="x",
        external_id=tweet_id,
        author=author,
        created_at=created_at,
        text=text,
        kind="reply" if parent_id else default_kind,
        url=f"{PUBLIC_URL}/{url_user}/status/{tweet_id}",
        parent_id=parent_id,
        thread_id=conversation if isinstance(conversation, str) else None,
        language=lang if isinstance(lang, str) and lang and lang != "und" else None,
        raw=dict(tweet),
    )


def translate(exc: Exception, now: float) -> ConnectorError:
    """Turn a tweepy/requests exception into one of ours."""
    if isinstance(exc, ConnectorError):
        return exc
    if isinstance(exc, tweepy.TooManyRequests):
        reset = exc.reset_time
        retry = max(1.0, reset - now) if reset is not None else RATE_WINDOW_SECONDS
        return RateLimited("X rate limit reached", retry)
    if isinstance(exc, tweepy.Unauthorized | tweepy.Forbidden):
        detail = "; ".join(exc.api_messages) or str(exc.response.status_code)
        return AuthFailed(f"X rejected the bearer token: {detail}")
    if isinstance(exc, tweepy.HTTPException):
        status = exc.response.status_code
        detail = "; ".join(exc.api_messages)
        return error_for_status(status, f"X answered {status}{f': {detail}' if detail else ''}")
    if isinstance(exc, requests.Timeout):
        return Transient("X did not answer in time")
    if isinstance(exc, ValueError):  # requests' JSONDecodeError is one, too
        return Transient("X sent a response that is not valid JSON")
    if isinstance(exc, requests.RequestException):
        return Transient(f"Could not reach X: {exc.__class__.__name__}")
    if isinstance(exc, tweepy.TweepyException):
        return Permanent(f"X client error: {exc}")
    return Transient(f"Unexpected X error: {exc.__class__.__name__}")
