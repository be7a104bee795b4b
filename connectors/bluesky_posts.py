"""Bluesky posts as Mentions: post views, notifications, facets, handles and DIDs.

Wire shapes (lexicons ``app.bsky.feed.defs#postView``, ``app.bsky.feed.post``,
``app.bsky.notification.listNotifications#notification``): a post's ``uri`` is
``at://<did>/app.bsky.feed.post/<rkey>`` and is its stable id; the author's DID is the stable
author id, the handle (which can change) is shown. Facets address the text in UTF-8 *byte*
offsets; a link facet's visible text is often shortened (``example.com/some-lo...``), so the
text gets the full URL, and links, mentions and tags are also listed in ``raw``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from connectors.base import Author, Mention

APP_URL = "https://bsky.app"
INVALID_HANDLE = "handle.invalid"
LINK = "app.bsky.richtext.facet#link"
MENTION = "app.bsky.richtext.facet#mention"
TAG = "app.bsky.richtext.facet#tag"


class MappingError(ValueError):
    """A post that cannot become a Mention; the message is the reason."""


def parse_time(value: object) -> datetime | None:
    """An atproto datetime (RFC 3339, ``Z`` or an offset) as aware UTC, or None."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)  # the lexicon requires a zone; some clients omit it
    return parsed.astimezone(UTC)


def rkey(uri: str) -> str:
    """The record key, the last part of an at:// URI."""
    return uri.rstrip("/").rsplit("/", 1)[-1]


def post_url(uri: str, handle: str | None, did: str) -> str:
    """https://bsky.app/profile/<handle>/post/<rkey> (the DID when the handle is not valid)."""
    who = handle if handle and handle != INVALID_HANDLE else did
    return f"{APP_URL}/profile/{who}/post/{rkey(uri)}"


def _shortened(shown: str, uri: str) -> bool:
    bare = uri.split("://", 1)[-1]
    stem = shown.rstrip(".…").split("://", 1)[-1]
    return "." in stem and (bare.startswith(stem) or uri.startswith(stem))


def apply_facets(text: str, facets: object) -> tuple[str, dict[str, list[Any]]]:
    """The text with full link targets, and the links, mentions and tags the facets name."""
    found: dict[str, list[Any]] = {"links": [], "mentions": [], "tags": []}
    if not isinstance(facets, list):
        return text, found
    data = text.encode("utf-8")
    spans: list[tuple[int, int, str]] = []
    for facet in facets:
        if not isinstance(facet, dict):
            continue
        raw_index = facet.get("index")
        index: dict[str, Any] = raw_index if isinstance(raw_index, dict) else {}
        b0, b1 = index.get("byteStart"), index.get("byteEnd")
        start: int = b0 if isinstance(b0, int) else 0
        end: int = b1 if isinstance(b1, int) else 0
        valid = isinstance(b0, int) and isinstance(b1, int) and 0 <= start < end <= len(data)
        for feature in facet.get("features") or []:
            if not isinstance(feature, dict):
                continue
            kind = feature.get("$type")
            if kind == LINK and isinstance(feature.get("uri"), str):
                found["links"].append(feature["uri"])
                if valid:
                    spans.append((start, end, feature["uri"]))
            elif kind == MENTION and isinstance(feature.get("did"), str):
                shown = data[start:end].decode("utf-8", "replace") if valid else None
                found["mentions"].append({"did": feature["did"], "text": shown})
            elif kind == TAG and isinstance(feature.get("tag"), str):
                found["tags"].append(feature["tag"])
    if not spans:
        return text, found
    out, pos = [], 0
    for start, end, uri in sorted(spans):
        if start < pos:
            continue  # overlapping facets: keep the first
        shown = data[start:end].decode("utf-8", "replace")
        out.append(data[pos:start].decode("utf-8", "replace"))
        if shown == uri or not uri.startswith(("http://", "https://")):
            out.append(shown)
        elif _shortened(shown, uri):
            out.append(uri)
        else:
            out.append(f"{shown} ({uri})")
        pos = end
    out.append(data[pos:].decode("utf-8", "replace"))
    return "".join(out), found


def author_of(profile: object) -> Author:
    """An Author from a profileViewBasic / profileView (the DID is the id)."""
    if not isinstance(profile, dict) or not isinstance(profile.get("did"), str) or not profile["did"]:
        raise MappingError("missing author.did")
    did = profile["did"]
    raw_handle = profile.get("handle")
    handle: str = raw_handle if isinstance(raw_handle, str) else ""
    name = profile.get("displayName")
    avatar = profile.get("avatar")
    followers = profile.get("followersCount")
    return Author(
        id=did,
        handle=handle if handle != INVALID_HANDLE else "",
        display_name=name if isinstance(name, str) else "",
        profile_url=f"{APP_URL}/profile/{did}",
        avatar_url=avatar if isinstance(avatar, str) and avatar else None,
        followers=followers if isinstance(followers, int) and not isinstance(followers, bool) else None,
    )


def sort_at(record: object, indexed_at: object) -> datetime | None:
    """The AppView's sort time: the earlier of createdAt and indexedAt."""
    created = parse_time(record.get("createdAt")) if isinstance(record, dict) else None
    indexed = parse_time(indexed_at)
    if created and indexed:
        return min(created, indexed)
    return created or indexed


def _build(uri: object, record: object, profile: object, indexed_at: object, *, kind: str | None,
           raw: dict[str, Any]) -> Mention:
    if not isinstance(uri, str) or not uri.startswith("at://"):
        raise MappingError("missing or invalid uri")
    if not isinstance(record, dict):
        raise MappingError("missing record")
    author = author_of(profile)
    text = record.get("text")
    if not isinstance(text, str):
        raise MappingError("missing record.text")
    created = parse_time(record.get("createdAt"))
    indexed = parse_time(indexed_at)
    if created is None and indexed is None:
        raise MappingError("missing createdAt and indexedAt")
    # A client clock far ahead would put the post in the future: the server's time wins then.
    if created is None or (indexed is not None and created > indexed + timedelta(hours=1)):
        created = indexed
    assert created is not None
    full_text, found = apply_facets(text, record.get("facets"))
    reply = record.get("reply") if isinstance(record.get("reply"), dict) else None
    parent = reply.get("parent", {}).get("uri") if reply and isinstance(reply.get("parent"), dict) else None
    root = reply.get("root", {}).get("uri") if reply and isinstance(reply.get("root"), dict) else None
    langs = record.get("langs")
    language = None
    if isinstance(langs, list) and langs and isinstance(langs[0], str) and langs[0]:
        language = langs[0].split("-")[0].lower()
    handle = profile.get("handle") if isinstance(profile, dict) else None
    return Mention(
        platform="bluesky",
        external_id=uri,
        author=author,
        created_at=created,
        text=full_text,
        kind=kind or ("reply" if parent else "post"),
        url=post_url(uri, handle if isinstance(handle, str) else None, author.id),
        parent_id=parent if isinstance(parent, str) else None,
        thread_id=root if isinstance(root, str) else uri,
        language=language,
        raw={**raw, "facet_links": found["links"], "facet_mentions": found["mentions"],
             "facet_tags": found["tags"]},
    )


def map_post_view(post: Mapping[str, Any], *, kind: str | None = None) -> Mention:
    """An ``app.bsky.feed.defs#postView`` as a Mention."""
    return _build(post.get("uri"), post.get("record"), post.get("author"), post.get("indexedAt"),
                  kind=kind, raw=dict(post))


NOTIFICATION_KINDS = {"mention": "mention", "reply": "reply", "quote": "mention"}


def map_notification(note: Mapping[str, Any]) -> Mention:
    """A mention, reply or quote notification (its ``record`` is the post) as a Mention."""
    reason = note.get("reason")
    if reason not in NOTIFICATION_KINDS:
        raise MappingError(f"notification reason {str(reason)[:40]!r} is not a post")
    return _build(note.get("uri"), note.get("record"), note.get("author"), note.get("indexedAt"),
                  kind=NOTIFICATION_KINDS[str(reason)], raw=dict(note))
