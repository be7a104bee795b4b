"""How members and interactions look in JSON (the v1 API in web/api/v1 and the segments API)."""

from __future__ import annotations

from typing import Any

from crm.interactions.models import Interaction
from crm.members.models import Member


def member_json(m: Member) -> dict[str, Any]:
    """A member with identities and tags."""
    return {
        "id": m.id, "display_name": m.display_name, "platforms": [p for p in m.platforms.split(",") if p],
        "first_seen": m.first_seen.isoformat() if m.first_seen else None,
        "last_seen": m.last_seen.isoformat() if m.last_seen else None,
        "interaction_count": m.interaction_count, "sentiment_mean": m.sentiment_mean,
        "followers_max": m.followers_max,
        "identities": [
            {"platform": i.platform, "external_id": i.external_id, "handle": i.handle,
             "display_name": i.display_name, "profile_url": i.profile_url, "followers": i.followers}
            for i in m.identities
        ],
        "tags": [t.tag for t in m.tags],
    }


def interaction_json(i: Interaction) -> dict[str, Any]:
    """One interaction."""
    return {
        "id": i.id, "platform": i.platform, "external_id": i.external_id, "kind": i.kind,
        "title": i.title, "text": i.text, "url": i.url, "occurred_at": i.occurred_at.isoformat(),
        "language": i.language, "sentiment": i.sentiment, "sentiment_label": i.sentiment_label,
        "parent_id": i.parent_external_id, "thread_id": i.thread_external_id, "member_id": i.member_id,
    }
