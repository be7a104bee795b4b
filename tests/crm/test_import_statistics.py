"""After a large import the planner's statistics are refreshed (search picks its plan by them)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from connectors.base import Author, Mention
from crm.imports.services import refresh_statistics
from crm.ingest import ingest_batch


def test_refresh_statistics_updates_the_search_column_stats(db):  # noqa: ANN001
    now = datetime.now(UTC)
    words = ["sync", "abgleich", "crash", "login", "update"]
    mentions = [
        Mention(platform="x", external_id=f"stat{i}", author=Author(id=f"a{i % 50}"),
                created_at=now - timedelta(minutes=i), text=f"{words[i % 5]} number {i}")
        for i in range(600)
    ]
    ingest_batch(db, mentions)
    refresh_statistics(db)
    if db.get_bind().dialect.name == "postgresql":
        elems = db.execute(text(
            "SELECT most_common_elems::text FROM pg_stats WHERE tablename = 'interactions' "
            "AND attname = 'search_vector' AND schemaname = current_schema()"
        )).scalar()
        assert elems is not None and "sync" in elems
    else:
        # SQLite: PRAGMA optimize ran inside the transaction and left the data readable.
        assert db.execute(text("SELECT count(*) FROM interactions_fts WHERE interactions_fts MATCH 'sync'")).scalar() >= 120
