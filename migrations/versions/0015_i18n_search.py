"""German UI and search that understands words (issue 20).

Written by hand.
- ``users.language`` and ``users.timezone``: the UI language ('en', 'de'; empty: the browser's
  Accept-Language) and the time zone every time is shown in (empty: the site default).
- ``interactions.search_terms``: every word of title and text folded and stemmed in the text's
  language, then the author handle's name parts (crm/interactions/terms.py). Both backends index
  this column: PostgreSQL's ``search_vector`` becomes ``to_tsvector('simple', search_terms)``,
  SQLite's ``interactions_fts`` an FTS5 table over it. Existing rows are re-indexed here.
- ``quarantine.fingerprint``: the same bad line imported twice is kept once (duplicates held
  now are removed).
- One notes model: notes written on inbox items so far (inbox_events of kind 'note') are
  copied to the member's notes, where inbox notes are written from now on.

Revision ID: 0015_i18n_search
Revises: 0014_identity
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0015_i18n_search"
down_revision = "0014_identity"
branch_labels = None
depends_on = None

BATCH = 2_000
FTS_TRIGGERS = {
    "interactions_fts_ai": "AFTER INSERT ON interactions BEGIN "
    "INSERT INTO interactions_fts(rowid, search_terms) VALUES (new.id, new.search_terms); END",
    "interactions_fts_ad": "AFTER DELETE ON interactions BEGIN "
    "INSERT INTO interactions_fts(interactions_fts, rowid, search_terms) "
    "VALUES ('delete', old.id, old.search_terms); END",
    "interactions_fts_au": "AFTER UPDATE OF search_terms ON interactions BEGIN "
    "INSERT INTO interactions_fts(interactions_fts, rowid, search_terms) "
    "VALUES ('delete', old.id, old.search_terms); "
    "INSERT INTO interactions_fts(rowid, search_terms) VALUES (new.id, new.search_terms); END",
}
OLD_FTS_TRIGGERS = {
    "interactions_fts_ai": "AFTER INSERT ON interactions BEGIN "
    "INSERT INTO interactions_fts(rowid, title, text) VALUES (new.id, new.title, new.text); END",
    "interactions_fts_ad": "AFTER DELETE ON interactions BEGIN "
    "INSERT INTO interactions_fts(interactions_fts, rowid, title, text) "
    "VALUES ('delete', old.id, old.title, old.text); END",
    "interactions_fts_au": "AFTER UPDATE OF title, text ON interactions BEGIN "
    "INSERT INTO interactions_fts(interactions_fts, rowid, title, text) "
    "VALUES ('delete', old.id, old.title, old.text); "
    "INSERT INTO interactions_fts(rowid, title, text) VALUES (new.id, new.title, new.text); END",
}


def _reindex(bind: sa.engine.Connection) -> None:
    """Fill search_terms for every existing interaction, in id batches."""
    from crm.interactions.terms import index_terms

    last = 0
    while True:
        rows = bind.execute(
            sa.text(
                "SELECT i.id, i.language, i.title, i.text, d.handle FROM interactions i "
                "LEFT JOIN identities d ON d.id = i.identity_id WHERE i.id > :last ORDER BY i.id LIMIT :n"
            ),
            {"last": last, "n": BATCH},
        ).all()
        if not rows:
            return
        bind.execute(
            sa.text("UPDATE interactions SET search_terms = :t WHERE id = :id"),
            [{"id": r.id, "t": index_terms(r.language, r.title, r.text, r.handle)} for r in rows],
        )
        last = rows[-1].id


def upgrade() -> None:
    bind = op.get_bind()
    pg = bind.dialect.name == "postgresql"
    # Plain ALTERs, never a batch on interactions (a batch copy on SQLite drops its triggers).
    op.add_column("users", sa.Column("language", sa.String(length=8), nullable=True))
    op.add_column("users", sa.Column("timezone", sa.String(length=64), nullable=True))
    from crm.interactions.models import quarantine_fingerprint as fingerprint

    op.add_column("quarantine", sa.Column("fingerprint", sa.String(length=40), nullable=True))
    items = bind.execute(sa.text("SELECT id, origin, reason, raw, raw_text FROM quarantine ORDER BY id")).all()
    seen: set[str] = set()
    for q in items:
        raw = json.loads(q.raw) if isinstance(q.raw, str) else q.raw
        fp = fingerprint(q.origin, q.reason, raw, q.raw_text)
        if fp in seen:
            bind.execute(sa.text("DELETE FROM quarantine WHERE id = :id"), {"id": q.id})
        else:
            seen.add(fp)
            bind.execute(sa.text("UPDATE quarantine SET fingerprint = :f WHERE id = :id"), {"f": fp, "id": q.id})
    op.create_index("uq_quarantine_fingerprint", "quarantine", ["fingerprint"], unique=True)
    op.execute(
        "INSERT INTO notes (member_id, author_id, body, created_at) "
        "SELECT t.member_id, e.actor_id, e.detail, e.created_at FROM inbox_events e "
        "JOIN inbox_items i ON i.id = e.item_id JOIN interactions t ON t.id = i.interaction_id "
        "WHERE e.kind = 'note' ORDER BY e.id"
    )

    if pg:
        op.execute("DROP INDEX IF EXISTS ix_interactions_search")
        op.execute("ALTER TABLE interactions DROP COLUMN IF EXISTS search_vector")
    else:
        for name in FTS_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS interactions_fts")
    op.add_column("interactions", sa.Column("search_terms", sa.Text(), nullable=True))
    _reindex(bind)
    if pg:
        op.execute(
            "ALTER TABLE interactions ADD COLUMN search_vector tsvector GENERATED ALWAYS AS "
            "(to_tsvector('simple'::regconfig, coalesce(search_terms, ''))) STORED"
        )
        op.execute("CREATE INDEX ix_interactions_search ON interactions USING gin (search_vector)")
        return
    op.execute(
        "CREATE VIRTUAL TABLE interactions_fts USING fts5(search_terms, content='interactions', "
        "content_rowid='id', tokenize='unicode61 remove_diacritics 0')"
    )
    op.execute("INSERT INTO interactions_fts(interactions_fts) VALUES ('rebuild')")
    for name, body in FTS_TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {body}")


def downgrade() -> None:
    pg = op.get_bind().dialect.name == "postgresql"
    if pg:
        op.execute("DROP INDEX IF EXISTS ix_interactions_search")
        op.execute("ALTER TABLE interactions DROP COLUMN IF EXISTS search_vector")
    else:
        for name in FTS_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS interactions_fts")
    op.drop_column("interactions", "search_terms")
    if pg:
        op.execute(
            "ALTER TABLE interactions ADD COLUMN search_vector tsvector GENERATED ALWAYS AS "
            "(to_tsvector('simple'::regconfig, coalesce(title, '') || ' ' || coalesce(text, ''))) STORED"
        )
        op.execute("CREATE INDEX ix_interactions_search ON interactions USING gin (search_vector)")
    else:
        op.execute(
            "CREATE VIRTUAL TABLE interactions_fts USING fts5(title, text, content='interactions', "
            "content_rowid='id', tokenize='unicode61 remove_diacritics 2')"
        )
        op.execute("INSERT INTO interactions_fts(interactions_fts) VALUES ('rebuild')")
        for name, body in OLD_FTS_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {body}")
    op.drop_index("uq_quarantine_fingerprint", table_name="quarantine")
    op.drop_column("quarantine", "fingerprint")
    op.drop_column("users", "timezone")
    op.drop_column("users", "language")
