"""Reddit JSON things -> Mentions (posts, comments, inbox messages) and prawcore's errors turned into the connector errors."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import praw
import praw.exceptions
import prawcore
import prawcore.exceptions
import requests

from connectors.base import Author, Mention
from connectors.errors import AuthFailed, ConnectorError, Permanent, Transient, error_for_status

PUBLIC_URL = "https://www.reddit.com"


DELETED = frozenset({"[deleted]", "[removed]"})


_RAW_FIELDS = (
    "name", "subreddit", "subreddit_id", "score", "num_comments", "upvote_ratio", "link_id",
    "parent_id", "permalink", "context", "created_utc", "author", "author_fullname", "over_18",
    "edited", "distinguished", "stickied", "locked", "is_self", "domain", "url", "link_title",
    "link_flair_text", "type", "subject", "was_comment",
)  # fmt: skip


class MappingError(ValueError):
    """An item that cannot become a Mention; the message is the reason."""


def _created(data: Mapping[str, Any]) -> datetime:
    created = data.get("created_utc")
    if isinstance(created, bool) or not isinstance(created, int | float):
        raise MappingError("missing or invalid created_utc")
    if not math.isfinite(created) or created < 0:
        raise MappingError("missing or invalid created_utc")
    return datetime.fromtimestamp(created, tz=UTC)


def _thread_from_context(context: str) -> str | None:
    # "/r/sub/comments/<link id>/<slug>/<comment id>/?context=3"
    parts = context.split("/")
    if "comments" in parts:
        i = parts.index("comments")
        if i + 1 < len(parts) and parts[i + 1]:
            return "t3_" + parts[i + 1]
    return None


def _built_permalink(kind: str, name: str, subreddit: str | None, link_id: Any) -> str | None:
    """Reddit's canonical path when the listing left it out (the slug segment may be anything)."""
    if not subreddit:
        return None
    item = name.partition("_")[2]
    if kind == "t3":
        return f"/r/{subreddit}/comments/{item}/"
    if isinstance(link_id, str) and link_id.startswith("t3_"):
        return f"/r/{subreddit}/comments/{link_id[3:]}/_/{item}/"
    return None


def map_thing(kind: str, data: Mapping[str, Any], *, as_mention: bool = False) -> Mention | None:
    """Map one listing child (``kind`` t3 or t1) to a Mention; None means "skip, deleted"."""
    if kind not in ("t1", "t3"):
        raise MappingError(f"unexpected thing kind {kind!r}")
    name = data.get("name")
    if not isinstance(name, str) or not name.startswith(kind + "_"):
        raise MappingError("missing or invalid name")
    created_at = _created(data)
    author_name = data.get("author")
    author_deleted = not isinstance(author_name, str) or author_name in DELETED or not author_name
    text_field = "selftext" if kind == "t3" else "body"
    text = data.get(text_field) or ""
    if not isinstance(text, str):
        raise MappingError(f"invalid {text_field}")
    body_removed = text in DELETED
    if author_deleted and (body_removed or (kind == "t1" and not text)):
        return None
    raw = {k: data[k] for k in _RAW_FIELDS if k in data}
    raw["kind"] = kind
    if author_deleted:
        raw["author_deleted"] = True
        author = Author(id=f"reddit-deleted:{name}", handle="[deleted]", display_name="[deleted]")
    else:
        assert isinstance(author_name, str)
        fullname = data.get("author_fullname")
        if not isinstance(fullname, str) or not fullname:
            # Some listings (and suspended accounts) omit it; the identity is then keyed by
            # the username, which a rename would split. Say so for whoever reprocesses raw.
            raw["author_fullname_missing"] = True
        author = Author(
            id=fullname if isinstance(fullname, str) and fullname else author_name,
            handle=author_name,
            display_name=author_name,
            profile_url=f"{PUBLIC_URL}/user/{author_name}",
        )
    if body_removed:
        raw["body_removed"] = True
        # A post keeps its title; a comment keeps Reddit's own marker, so the person's
        # timeline shows that they wrote something that was taken down.
        text = "" if kind == "t3" else text
    subreddit = data.get("subreddit") if isinstance(data.get("subreddit"), str) else None
    permalink = data.get("permalink") or data.get("context")
    if not isinstance(permalink, str) or not permalink:
        permalink = _built_permalink(kind, name, subreddit, data.get("link_id"))
        if permalink:
            raw["permalink_built"] = True
    url = PUBLIC_URL + permalink.split("?")[0] if permalink else None
    if kind == "t3":
        title = data.get("title")
        if not isinstance(title, str):
            raise MappingError("missing title")
        return Mention(
            platform="reddit", external_id=name, author=author, created_at=created_at,
            text=text, kind="post", title=title, url=url, thread_id=name, channel=subreddit,
            raw=raw,
        )  # fmt: skip
    parent_id = data.get("parent_id")
    if not isinstance(parent_id, str):
        raise MappingError("missing parent_id")
    thread_id = data.get("link_id")
    if not isinstance(thread_id, str) and isinstance(data.get("context"), str):
        thread_id = _thread_from_context(data["context"])
    if as_mention:
        mention_kind = "mention"
    else:
        mention_kind = "reply" if parent_id.startswith("t1_") else "comment"
    return Mention(
        platform="reddit", external_id=name, author=author, created_at=created_at, text=text,
        kind=mention_kind, url=url, parent_id=parent_id,
        thread_id=thread_id if isinstance(thread_id, str) else None, channel=subreddit, raw=raw,
    )  # fmt: skip


def translate(exc: Exception) -> ConnectorError:
    """Turn a praw/prawcore exception into one of ours."""
    if isinstance(exc, ConnectorError):
        return exc
    if isinstance(exc, prawcore.exceptions.OAuthException):
        return AuthFailed(f"Reddit refused to log in: {exc}")
    if isinstance(exc, prawcore.exceptions.BadJSON):
        return Transient("Reddit sent a response that is not valid JSON")
    if isinstance(exc, prawcore.exceptions.Redirect):
        return Permanent(f"Reddit redirected to {exc.path}: the subreddit probably does not exist")
    if isinstance(exc, prawcore.exceptions.ResponseException):
        status = exc.response.status_code
        reason = _json_reason(exc.response)
        if status == 403 and reason in ("private", "quarantined", "gold_only", "banned"):
            return Permanent(f"The subreddit is {reason} (403)")
        if status == 403 and not reason:
            # Seen on real traffic from network-level blocks and short-lived refusals; the
            # credentials were accepted (the token request succeeded), so do not disable.
            return Transient("Reddit refused the request (403) without giving a reason")
        if status == 404:
            detail = f"banned or {reason}" if reason else "not found"
            return Permanent(f"Reddit says the listing is {detail} (404)")
        return error_for_status(
            status, f"Reddit answered {status}{f' ({reason})' if reason else ''}"
        )
    if isinstance(exc, praw.exceptions.RedditAPIException):
        return Permanent(f"Reddit rejected the request: {exc}")
    if isinstance(exc, prawcore.exceptions.RequestException):
        return Transient(f"Could not reach Reddit: {exc.original_exception.__class__.__name__}")
    if isinstance(exc, prawcore.exceptions.InvalidInvocation | praw.exceptions.PRAWException):
        return Permanent(f"Reddit client misconfigured: {exc}")
    return Transient(f"Unexpected Reddit error: {exc.__class__.__name__}")


def _json_reason(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    reason = body.get("reason") if isinstance(body, dict) else None
    return reason if isinstance(reason, str) else ""
