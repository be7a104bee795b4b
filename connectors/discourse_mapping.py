"""Discourse JSON -> Mentions: a post with its topic, deleted and hidden posts recognised, the forum's host as the identity's home."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlsplit

from connectors.base import Author, Mention
from connectors.html_text import html_to_text

REGULAR_POST = 1  # post_type: 2 moderator action, 3 small action ("closed the topic"), 4 whisper


class MappingError(ValueError):
    """A post that cannot become a Mention; the message is the reason."""


def forum_host(base_url: str) -> str:
    return urlsplit(base_url).netloc.lower()


def _created(post: Mapping[str, Any]) -> datetime:
    raw = post.get("created_at")
    try:
        parsed = datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
    except ValueError:
        raise MappingError("missing or invalid created_at") from None
    if parsed.tzinfo is None:
        raise MappingError("created_at without a timezone")
    return parsed.astimezone(UTC)


def is_gone(post: Mapping[str, Any]) -> bool:
    """Deleted, hidden or not a person's words (moderator and small actions, whispers)."""
    return bool(
        post.get("deleted_at") or post.get("user_deleted") or post.get("hidden")
        or post.get("post_type", REGULAR_POST) != REGULAR_POST
    )


def map_post(post: Mapping[str, Any], base_url: str, *, topic_title: str | None = None,
             channel: str | None = None) -> Mention:
    """One Discourse post (from /posts.json or a topic's post stream) as a Mention."""
    base = base_url.rstrip("/")
    host = forum_host(base)
    post_id, topic_id, number = post.get("id"), post.get("topic_id"), post.get("post_number")
    if not isinstance(post_id, int) or not isinstance(topic_id, int) or not isinstance(number, int):
        raise MappingError("missing id, topic_id or post_number")
    username = post.get("username")
    if not isinstance(username, str) or not username:
        raise MappingError("missing username")
    user_id = post.get("user_id")
    cooked = post.get("cooked")
    if not isinstance(cooked, str):
        raise MappingError("missing cooked")
    created = _created(post)
    avatar = post.get("avatar_template")
    avatar_url = None
    if isinstance(avatar, str) and avatar:
        avatar = avatar.replace("{size}", "96")
        avatar_url = avatar if avatar.startswith(("http://", "https://")) else base + avatar
    name = post.get("name")
    slug = post.get("topic_slug") or "-"
    title = topic_title or post.get("topic_title")
    first = number == 1
    reply_to = post.get("reply_to_post_number")
    return Mention(
        platform="discourse",
        external_id=f"{host}:{post_id}",
        author=Author(
            id=f"{host}:{user_id}" if isinstance(user_id, int) else f"{host}:@{username.lower()}",
            handle=username, display_name=name if isinstance(name, str) else "",
            profile_url=f"{base}/u/{quote(username)}", avatar_url=avatar_url,
        ),
        created_at=created,
        text=html_to_text(cooked),
        kind="post" if first else ("reply" if isinstance(reply_to, int) else "comment"),
        title=title if first and isinstance(title, str) else None,
        url=f"{base}/t/{quote(str(slug))}/{topic_id}/{number}",
        parent_id=None if first else f"{host}:topic:{topic_id}:{reply_to or 1}",
        thread_id=f"{host}:topic:{topic_id}",
        channel=channel or host,
        raw={**post, "topic_title": title} if title else dict(post),
    )
