"""What a mention must be to be stored, and the cleaning its text fields get on the way in.

Everything here comes from a social network or a file: attacker-controlled text. Ids are keys
and are refused, never cleaned (cleaning would merge distinct items); text is NFC-normalised
and loses control characters; only http(s) URLs are kept, so a ``javascript:`` link never
renders. :func:`validation_error` names the reason an item goes to the quarantine.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime, timedelta

from connectors.base import Mention
from crm.interactions.models import KINDS

MAX_TEXT = 40_000
MAX_TITLE = 1_000
MAX_ID = 255
MAX_URL = 2_000
PLATFORM_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_-.")


def clean_text(value: str | None, limit: int) -> str | None:
    """NFC-normalise, drop NUL and other control characters (but keep newlines and tabs)."""
    if value is None:
        return None
    if not isinstance(value, str):
        value = str(value)
    value = unicodedata.normalize("NFC", value)
    if any(ch < " " and ch not in "\n\t\r" for ch in value) or "\x7f" in value:
        value = "".join(ch for ch in value if ch >= " " or ch in "\n\t\r").replace("\x7f", "")
    return value[:limit]


def safe_url(value: str | None) -> str | None:
    """Keep only http(s) URLs: a ``javascript:`` link from a social network must never render."""
    if not value or not isinstance(value, str):
        return None
    value = value.strip()
    if len(value) > MAX_URL or any(ch.isspace() or ch < " " for ch in value):
        return None
    if not value.lower().startswith(("https://", "http://")):
        return None
    return value


def website_url(value: str | None) -> str | None:
    """A profile's website field: people write "example.org" without a scheme."""
    if isinstance(value, str) and value.strip() and "://" not in value and "." in value and " " not in value.strip():
        value = "https://" + value.strip()
    return safe_url(value)


def _has_control(value: str) -> bool:
    # Ids are keys: cleaning them would merge distinct items, and PostgreSQL refuses NUL.
    return any(ch < " " or ch == "\x7f" for ch in value)


def validation_error(m: Mention, now: datetime) -> str | None:
    """The reason an item cannot be ingested (and is quarantined), or None."""
    if not isinstance(m.platform, str) or not m.platform:
        return "platform is missing"
    if len(m.platform) > 32 or not set(m.platform) <= PLATFORM_CHARS:
        return f"platform {m.platform[:40]!r} must be lower-case letters, digits, '_', '-' or '.'"
    if not isinstance(m.external_id, str) or not m.external_id.strip():
        return "external_id is missing"
    if len(m.external_id) > MAX_ID:
        return f"external_id is longer than {MAX_ID} characters"
    if _has_control(m.external_id):
        return "external_id contains control characters"
    if m.author is None or not isinstance(m.author.id, str) or not m.author.id.strip():
        return "author.id is missing"
    if len(m.author.id) > MAX_ID:
        return f"author.id is longer than {MAX_ID} characters"
    if _has_control(m.author.id):
        return "author.id contains control characters"
    if not (isinstance(m.text, str) and m.text.strip()) and not (
        isinstance(m.title, str) and m.title.strip()
    ):
        return "text and title are both empty"
    if m.kind not in KINDS:
        return f"kind {str(m.kind)[:40]!r} is not one of {', '.join(KINDS)}"
    if not isinstance(m.created_at, datetime):
        return "created_at is not a timestamp"
    if m.created_at.tzinfo is None:
        return "created_at has no time zone"
    if m.created_at > now + timedelta(days=1):
        return "created_at is more than a day in the future"
    if m.created_at.year < 1990:
        return "created_at is before 1990"
    if m.author.followers is not None and (
        not isinstance(m.author.followers, int) or m.author.followers < 0
    ):
        return "author.followers must be a whole number >= 0"
    return None
