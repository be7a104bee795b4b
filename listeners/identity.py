"""Identity jobs: keep merge suggestions current after each committed ingest batch."""

from __future__ import annotations

from collections.abc import Sequence

from crm.identities.suggestions import update_after_ingest
from listeners.runtime import transaction


def update_suggestions_for(member_ids: Sequence[int]) -> dict[str, int]:
    """Key the new identities of these members and refresh their suggestions (idempotent)."""
    with transaction() as s:
        result = update_after_ingest(s, member_ids)
    return {"identities": result.identities, "suggestions": result.created, "auto_merges": len(result.auto_merges)}
