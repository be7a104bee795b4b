"""The public import schema: one parsed item (a JSONL line, a CSV row, an API item) -> a Mention.

Shared by the file reader (connectors/files.py) and the inbound API. Every problem of an item
is collected into one :class:`LineError` with its line number (or index) and reasons a user
can act on; the raw item travels with it to the quarantine.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from connectors.base import Author, Mention

# How much of a bad line is kept for the report; the whole line can be 1 MB.
RAW_TEXT_LIMIT = 10_000


@dataclass(frozen=True, slots=True)
class LineError:
    """A line (or CSV row) that could not be parsed. ``line_no`` is its first physical line."""

    line_no: int
    reason: str
    raw_text: str
    raw: dict[str, Any] | None = None
    platform: str | None = None
    external_id: str | None = None

    @property
    def message(self) -> str:
        """The reason with its line number, as shown in an import report."""
        return f"line {self.line_no}: {self.reason}"


ParsedLine = tuple[int, Mention] | LineError


def parse_item(index: int, obj: object) -> ParsedLine:
    """One item of the import schema given as a parsed JSON value (the inbound API's items).

    ``index`` stands in for the line number: the result is ``(index, Mention)`` or a
    ``LineError`` whose ``line_no`` is ``index``.
    """
    try:
        raw_text = json.dumps(obj, ensure_ascii=False)[:RAW_TEXT_LIMIT]
    except (TypeError, ValueError):
        raw_text = repr(obj)[:RAW_TEXT_LIMIT]
    if not isinstance(obj, dict):
        return LineError(index, f"expected a JSON object {{...}}, got {type_name(obj)}", raw_text)
    return convert(index, obj, obj, raw_text, csv_names=False)


def type_name(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


class _Fields:
    """Reads typed fields from one item, collecting every problem instead of stopping."""

    def __init__(self, obj: Mapping[str, Any], csv_names: bool) -> None:
        self.obj = obj
        self.csv_names = csv_names
        self.problems: list[str] = []

    def label(self, path: str) -> str:
        return path.replace(".", "_") if self.csv_names else path

    def text(
        self,
        obj: Mapping[str, Any],
        key: str,
        path: str,
        *,
        is_id: bool = False,
        strip: bool = False,
    ) -> str | None:
        """A string field; None when absent, null or (stripped fields and CSV cells) empty."""
        value = obj.get(key)
        if value is None:
            return None
        if is_id and isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        if not isinstance(value, str):
            kind = "a string or whole number" if is_id else "a string"
            self.problems.append(f"{self.label(path)} must be {kind}, got {type_name(value)}")
            return None
        if is_id or strip:
            value = value.strip()
        if value == "" and (is_id or strip or self.csv_names):
            return None
        return value

    def required(self, obj: Mapping[str, Any], key: str, path: str) -> str | None:
        before = len(self.problems)
        value = self.text(obj, key, path, is_id=True)
        if value is None and len(self.problems) == before:
            self.problems.append(f"{self.label(path)} is missing")
        return value

    def links(self, obj: Mapping[str, Any]) -> tuple[str, ...]:
        """author.links: a list of URLs the profile shows (JSON only)."""
        value = obj.get("links")
        if value is None or value == "":
            return ()
        if not isinstance(value, list) or not all(isinstance(u, str) for u in value):
            self.problems.append(f"{self.label('author.links')} must be a list of URLs")
            return ()
        return tuple(u.strip() for u in value if u.strip())[:50]

    def followers(self, obj: Mapping[str, Any]) -> int | None:
        value = obj.get("followers")
        label = self.label("author.followers")
        if value is None or value == "":
            return None
        if isinstance(value, str) and value.strip().isdecimal():
            # isdecimal() also accepts other scripts' digits; int() reads them correctly.
            value = int(value.strip())
        if not isinstance(value, int) or isinstance(value, bool):
            shown = _short(value) if isinstance(value, str) else type_name(value)
            self.problems.append(f"{label} must be a whole number, got {shown}")
            return None
        if value < 0:
            self.problems.append(f"{label} must be a whole number >= 0, got {value}")
            return None
        return value

    def timestamp(self, obj: Mapping[str, Any]) -> datetime | None:
        value = obj.get("created_at")
        if value is None or value == "":
            self.problems.append("created_at is missing")
            return None
        if not isinstance(value, str):
            self.problems.append(f"created_at must be an ISO 8601 string, got {type_name(value)}")
            return None
        try:
            parsed = datetime.fromisoformat(value.strip())
            if parsed.tzinfo is None:
                return parsed.replace(tzinfo=UTC)  # no zone: documented as UTC
            return parsed.astimezone(UTC)
        except (ValueError, OverflowError):
            self.problems.append(
                f"created_at {_short(value)} is not an ISO 8601 timestamp "
                "(e.g. 2026-09-01T12:00:00Z)"
            )
            return None


def _short(value: str, limit: int = 60) -> str:
    return repr(value if len(value) <= limit else value[:limit] + "…")


def convert(
    line_no: int, obj: dict[str, Any], raw: dict[str, Any], raw_text: str, *, csv_names: bool
) -> ParsedLine:
    """Map one parsed item to a Mention, or to a LineError listing every problem."""
    f = _Fields(obj, csv_names)
    platform = f.required(obj, "platform", "platform")
    external_id = f.required(obj, "external_id", "external_id")
    author_obj = obj.get("author")
    author: Author | None = None
    if author_obj is None or author_obj == {}:
        f.problems.append(f"{f.label('author.id')} is missing")
    elif not isinstance(author_obj, dict):
        f.problems.append(f"author must be an object, got {type_name(author_obj)}")
    else:
        author_id = f.required(author_obj, "id", "author.id")
        handle = f.text(author_obj, "handle", "author.handle")
        display_name = f.text(author_obj, "display_name", "author.display_name")
        profile_url = f.text(author_obj, "profile_url", "author.profile_url", strip=True)
        avatar_url = f.text(author_obj, "avatar_url", "author.avatar_url", strip=True)
        followers = f.followers(author_obj)
        bio = f.text(author_obj, "bio", "author.bio")
        website = f.text(author_obj, "website", "author.website", strip=True)
        links = f.links(author_obj)
        if author_id is not None:
            author = Author(
                id=author_id,
                handle=handle or "",
                display_name=display_name or "",
                profile_url=profile_url,
                avatar_url=avatar_url,
                followers=followers,
                bio=bio,
                website=website,
                links=links,
            )
    text = f.text(obj, "text", "text")
    title = f.text(obj, "title", "title")
    if not (text and text.strip()) and not (title and title.strip()):
        if not any(p.startswith(("text ", "title ")) for p in f.problems):
            f.problems.append("text and title are both empty")
    created_at = f.timestamp(obj)
    kind = f.text(obj, "kind", "kind", strip=True)
    url = f.text(obj, "url", "url", strip=True)
    parent_id = f.text(obj, "parent_id", "parent_id", is_id=True)
    thread_id = f.text(obj, "thread_id", "thread_id", is_id=True)
    language = f.text(obj, "language", "language", strip=True)
    channel = f.text(obj, "channel", "channel", strip=True)

    if (
        f.problems
        or platform is None
        or external_id is None
        or author is None
        or created_at is None
    ):
        return LineError(
            line_no,
            "; ".join(f.problems),
            raw_text,
            raw=raw,
            platform=platform,
            external_id=external_id,
        )
    return (
        line_no,
        Mention(
            platform=platform.lower(),
            external_id=external_id,
            author=author,
            created_at=created_at,
            text=text or "",
            kind=(kind or "post").lower(),
            title=title,
            url=url,
            parent_id=parent_id,
            thread_id=thread_id,
            language=language.lower() if language else None,
            channel=channel,
            raw=raw,
        ),
    )
