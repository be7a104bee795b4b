"""After a committed ingest batch, every area's follow-up runs from the outbox (inline here)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from connectors.base import Author, Mention
from crm.identities.models import MergeSuggestion
from crm.inbox.models import InboxItem
from crm.ingest import ingest_batch
from crm.members.models import Identity
from crm.outbox import services as outbox
from listeners.followups import kick


def _mention(platform: str, ext: str, author_id: str, text: str) -> Mention:
    return Mention(
        platform=platform, external_id=ext, created_at=datetime.now(UTC) - timedelta(minutes=5),
        author=Author(id=author_id, handle="juergen_mueller", display_name="Jürgen Müller"), text=text,
    )


def test_a_batch_triggers_suggestions_and_triage(app, db):  # noqa: ANN001
    batch = [
        _mention("reddit", "t1_f1", "t2_jm", "Wie kann ich den Sync pausieren?"),
        _mention("x", "9001", "77", "How do I pause the sync on Linux?"),
    ]
    result = ingest_batch(db, batch)
    db.commit()
    assert result.new == 2
    assert outbox.backlog(db) == 1  # written with the batch, in its transaction

    kick()
    assert outbox.backlog(db) == 0

    ids = db.scalars(select(Identity.id).where(Identity.handle == "juergen_mueller")).all()
    assert len(ids) == 2
    pair = db.scalar(
        select(func.count()).select_from(MergeSuggestion).where(
            MergeSuggestion.identity_a_id.in_(ids), MergeSuggestion.identity_b_id.in_(ids)
        )
    )
    assert pair == 1
    # Both are questions: the inbox has them.
    assert db.scalar(select(func.count()).select_from(InboxItem).where(InboxItem.interaction_id.in_(result.new_ids))) == 2


def test_nothing_new_enqueues_nothing(app, db):  # noqa: ANN001
    batch = [_mention("reddit", "t1_f2", "t2_jm", "Danke für das Update!")]
    assert ingest_batch(db, batch).new == 1
    db.commit()
    kick()
    again = ingest_batch(db, batch)
    db.commit()
    assert again.new == 0
    assert outbox.backlog(db) == 0  # nothing new, nothing to follow up
    before = db.scalar(select(func.count()).select_from(InboxItem))
    kick()
    assert db.scalar(select(func.count()).select_from(InboxItem)) == before
