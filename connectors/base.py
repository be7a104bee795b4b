"""The connector contract: plain frozen dataclasses and the Connector protocol."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class Author:
    """The account that wrote a mention, as the platform describes it."""

    id: str
    handle: str = ""
    display_name: str = ""
    profile_url: str | None = None
    avatar_url: str | None = None
    followers: int | None = None
    # Profile facts that identity matching reads (links to the person's other accounts).
    bio: str | None = None
    website: str | None = None
    links: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Mention:
    """One public item (post, comment, reply, mention, message) from any channel.

    ``created_at`` must be timezone-aware. ``raw`` keeps the platform's payload (and any
    unknown fields of an import) for reprocessing. Ingest validates everything again: a
    connector's output is still attacker-controlled text.
    """

    platform: str
    external_id: str
    author: Author
    created_at: datetime
    text: str = ""
    kind: str = "post"
    title: str | None = None
    url: str | None = None
    parent_id: str | None = None
    thread_id: str | None = None
    language: str | None = None
    channel: str | None = None  # subreddit, forum board, feed
    raw: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where a source's next poll resumes; opaque to everything but its connector."""

    values: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class FetchResult:
    """One bounded poll: the mentions found, the cursor after them, and items that failed to map."""

    mentions: list[Mention]
    next_cursor: Cursor
    failures: list[tuple[str, Mapping[str, Any]]] = field(default_factory=list)
    exhausted: bool = True  # False when the per-run bound stopped us before the end


class Connector(Protocol):
    """A channel. ``fetch`` returns everything new since ``cursor``, bounded per run."""

    platform: str
    source_kinds: tuple[str, ...]

    def fetch(self, kind: str, query: str, cursor: Cursor | None) -> FetchResult: ...
