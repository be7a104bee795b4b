"""Mastodon API JSON -> Mentions: statuses (boosts as the original, content warnings and visibility kept, HTML to text) and accounts (user@instance handles, bio and profile-field links), and Mastodon.py's errors turned into the connector errors."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import mastodon as mastodon_sdk

from connectors.base import Author, Mention
from connectors.errors import AuthFailed, ConnectorError, Permanent, RateLimited, Transient
from connectors.html_text import html_to_text, profile_text

WINDOW_SECONDS = 300.0  # Mastodon's rate-limit window: 300 requests per 5 minutes per token/IP


_URL_IN_FIELD = re.compile(r"https?://[^\s<>\"')\]]+")


# The wire fields kept in ``raw`` (as Reddit's connector keeps a list): the thread, the
# audience and the counts. The HTML content is not kept (its text is the mention's text, and
# raw rows are written on every ingest); account, emojis, filters and per-viewer flags neither.
_RAW_FIELDS = ("id", "uri", "url", "created_at", "edited_at", "in_reply_to_id",
               "in_reply_to_account_id", "visibility", "sensitive", "spoiler_text", "language",
               "replies_count", "reblogs_count", "favourites_count")  # fmt: skip


class MappingError(ValueError):
    """A status that cannot become a Mention; the message is the reason."""


def _when(value: Any) -> datetime:
    if isinstance(value, datetime):
        when = value
    elif isinstance(value, str):
        try:
            when = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise MappingError("invalid created_at") from None
    else:
        raise MappingError("missing created_at")
    if when.tzinfo is None:
        raise MappingError("created_at without a timezone")
    return when.astimezone(UTC)


def id_key(item_id: str) -> tuple[int, str]:
    # Mastodon ids are decimal strings of varying length; other servers use sortable strings.
    return (len(item_id), item_id) if item_id.isdigit() else (0, item_id)


def newest_id(ids: Iterable[str | None]) -> str | None:
    """The newest of some ids (None when there are none)."""
    present = [i for i in ids if i]
    return max(present, key=id_key) if present else None


def full_acct(acct: str, domain: str) -> str:
    """``user@instance``: a local account's ``acct`` gets the instance's domain."""
    acct = acct.lstrip("@")
    return acct if "@" in acct else f"{acct}@{domain}"


def map_account(account: Mapping[str, Any], domain: str) -> tuple[Author, dict[str, Any]]:
    """An Author and the profile facts Author has no field for (bio, fields, counts)."""
    account_id = account.get("id")
    acct = account.get("acct") or account.get("username")
    if account_id is None or not isinstance(acct, str) or not acct:
        raise MappingError("status without a usable account")
    handle = full_acct(acct, domain)
    followers = account.get("followers_count")
    name = account.get("display_name")
    raw_fields = account.get("fields")
    fields: list[Any] = raw_fields if isinstance(raw_fields, list) else []
    bio = profile_text(account.get("note") or "") if isinstance(account.get("note"), str) else ""
    values = [profile_text(f.get("value") if isinstance(f.get("value"), str) else "") for f in fields if isinstance(f, dict)]
    profile = {
        "bio": bio,
        "fields": [
            {"name": f.get("name"), "value": v, "verified": bool(f.get("verified_at"))}
            for f, v in zip((f for f in fields if isinstance(f, dict)), values, strict=True)
        ],
        "url": account.get("url"),
        "bot": bool(account.get("bot")),
        "following": account.get("following_count"),
        "statuses": account.get("statuses_count"),
    }  # fmt: skip
    # Identity matching reads the bio and the links of the profile's fields (a person's other
    # accounts, their site): Mastodon has no website field, its fields are where links go.
    links = tuple(dict.fromkeys(u for v in values for u in _URL_IN_FIELD.findall(v)))[:20]
    author = Author(
        id=str(account_id),
        handle=handle,
        display_name=name if isinstance(name, str) and name else handle.partition("@")[0],
        profile_url=account.get("url") or None,
        avatar_url=account.get("avatar") or None,
        followers=followers if isinstance(followers, int) and not isinstance(followers, bool) else None,
        bio=bio or None,
        links=links,
    )
    return author, profile


def map_status(
    status: Mapping[str, Any], domain: str, *, kind: str | None = None,
    channel: str | None = None, thread_id: str | None = None,
) -> Mention:
    """Map one Status entity (a boost maps to its original) to a Mention."""
    boost = status.get("reblog")
    booster = status.get("account") if boost else None
    if isinstance(boost, Mapping):
        status = boost
    status_id = status.get("id")
    if status_id is None or not str(status_id):
        raise MappingError("missing id")
    status_id = str(status_id)
    created_at = _when(status.get("created_at"))
    account = status.get("account")
    if not isinstance(account, Mapping):
        raise MappingError("status without a usable account")
    author, profile = map_account(account, domain)
    content = status.get("content")
    if not isinstance(content, str):
        raise MappingError("missing content")
    mentions = {
        m["url"]: full_acct(m.get("acct") or m.get("username") or "", domain)
        for m in status.get("mentions") or () if isinstance(m, Mapping) and m.get("url")
    }
    text = html_to_text(content, mentions)
    spoiler = status.get("spoiler_text") or ""
    parent = status.get("in_reply_to_id")
    raw: dict[str, Any] = {k: status[k] for k in _RAW_FIELDS if k in status}
    raw["mentions"] = sorted(mentions.values())
    raw["tags"] = [t.get("name") for t in status.get("tags") or () if isinstance(t, Mapping)]
    media = [m for m in status.get("media_attachments") or () if isinstance(m, Mapping)]
    if media:
        raw["media"] = [{"type": m.get("type"), "url": m.get("url"), "description": m.get("description")}
                        for m in media]  # fmt: skip
    raw["account"] = {"id": author.id, "acct": author.handle, "profile": profile}
    if booster is not None:
        raw["boosted_by"] = full_acct(str(booster.get("acct") or ""), domain)
    if not text and status.get("media_attachments"):
        # A picture post: its descriptions are the words it has.
        alts = [m.get("description") for m in status["media_attachments"] if isinstance(m, Mapping)]
        text = "\n".join(a for a in alts if isinstance(a, str) and a)
    language = status.get("language")
    return Mention(
        platform="mastodon",
        external_id=status_id,
        author=author,
        created_at=created_at,
        text=text,
        kind=kind or ("reply" if parent else "post"),
        title=spoiler if isinstance(spoiler, str) and spoiler else None,
        url=status.get("url") or status.get("uri") or None,
        parent_id=str(parent) if parent else None,
        thread_id=thread_id or (None if parent else status_id),
        language=language if isinstance(language, str) and language else None,
        channel=channel,
        raw=raw,
    )


def translate(
    exc: Exception, reset_at: float | None, now: float, body: Any = None
) -> ConnectorError:
    """Turn a Mastodon.py exception (and the error body it came with) into one of ours."""
    if isinstance(exc, ConnectorError):
        return exc
    if isinstance(exc, mastodon_sdk.MastodonRatelimitError):
        wait = reset_at - now if reset_at is not None and reset_at > now else WINDOW_SECONDS
        return RateLimited("Mastodon rate limit reached", max(1.0, wait))
    if isinstance(exc, mastodon_sdk.MastodonNetworkError):
        return Transient(f"Could not reach the Mastodon instance: {exc.__class__.__name__}")
    if isinstance(exc, mastodon_sdk.MastodonAPIError):
        args = exc.args
        status = args[1] if len(args) > 1 and isinstance(args[1], int) else None
        detail = args[3] if len(args) > 3 and args[3] else ""
        if not detail and isinstance(body, dict) and isinstance(body.get("error"), str):
            detail = body["error"]
        said = f": {detail}" if detail else ""
        if status is None:
            return Transient("Mastodon sent a response that is not valid JSON")
        if status == 401:
            return AuthFailed(f"Mastodon rejected the access token (401){said}")
        if status == 403:
            low = str(detail).lower()
            if any(w in low for w in ("token", "scope", "authenticat", "login")):
                return AuthFailed(f"Mastodon refused the access token (403){said}")
            return Permanent(f"Mastodon does not allow this (403){said}")
        if status == 404:
            return Permanent(f"Mastodon says it does not exist (404){said}")
        if status == 410:
            return Permanent(f"Deleted on Mastodon (410){said}")
        if status == 422:
            return Permanent(f"Mastodon rejected the request (422){said}")
        if status == 429:
            return RateLimited("Mastodon rate limit reached", WINDOW_SECONDS)
        if status >= 500 or status == 408:
            return Transient(f"The Mastodon instance answered {status}")
        return Permanent(f"Mastodon answered {status}{said}")
    if isinstance(exc, mastodon_sdk.MastodonError):
        return Permanent(f"Mastodon client error: {exc}")
    return Transient(f"Unexpected Mastodon error: {exc.__class__.__name__}")
