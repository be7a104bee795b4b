"""Alembic: one head, models and migrations agree, and the chain goes down and up again."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.engine import make_url

from crm.engine import make_engine
from crm.migrate import alembic_config, upgrade
from crm.models import Base

# The same filter as migrations/env.py (which cannot be imported outside Alembic: it runs at
# import): full-text search objects are made by hand per backend and are not in the models.
HAND_MADE = {"search_vector", "ix_interactions_search", "interactions_fts"}


def include_object(obj, name, type_, reflected, compare_to):  # type: ignore[no-untyped-def]
    return not (name in HAND_MADE or (name or "").startswith("interactions_fts"))


def test_exactly_one_head() -> None:
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    assert len(heads) == 1, f"several Alembic heads: {heads}; merge them"


def test_every_revision_reaches_the_base() -> None:
    script = ScriptDirectory.from_config(alembic_config())
    revisions = list(script.walk_revisions())
    assert revisions[-1].down_revision is None
    assert len({r.revision for r in revisions}) == len(revisions)


def test_models_and_migrations_agree(engine: Engine) -> None:
    with engine.connect() as conn:
        ctx = MigrationContext.configure(
            conn, opts={"include_object": include_object, "compare_type": True}
        )
        diff = compare_metadata(ctx, Base.metadata)
    assert diff == [], "models and migrations differ; write a migration:\n" + "\n".join(map(str, diff))


@pytest.fixture()
def scratch_url(engine: Engine, tmp_path: Path) -> Iterator[str]:
    """An empty database of the backend under test (a file, or a new PostgreSQL database)."""
    if engine.dialect.name == "sqlite":
        yield f"sqlite:///{tmp_path / 'scratch.sqlite3'}"
        return
    base = engine.url
    name = f"crm_scratch_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _tables(url: str) -> set[str]:
    eng = make_engine(url)
    try:
        return set(inspect(eng).get_table_names())
    finally:
        eng.dispose()


def test_downgrade_to_base_and_upgrade_again(scratch_url: str) -> None:
    model_tables = set(Base.metadata.tables)
    upgrade(scratch_url)
    assert model_tables <= _tables(scratch_url)

    command.downgrade(alembic_config(scratch_url), "base")
    left = _tables(scratch_url) - {"alembic_version"}
    assert left == set(), f"downgrade left tables behind: {left}"

    upgrade(scratch_url)
    assert model_tables <= _tables(scratch_url)
    eng = make_engine(scratch_url)
    try:
        with eng.connect() as conn:
            head = ScriptDirectory.from_config(alembic_config()).get_current_head()
            assert MigrationContext.configure(conn).get_current_revision() == head
            # The hand-made search objects come back too.
            if make_url(scratch_url).get_backend_name() == "sqlite":
                assert conn.execute(text("SELECT count(*) FROM interactions_fts")).scalar() == 0
            else:
                cols = {c["name"] for c in inspect(conn).get_columns("interactions")}
                assert "search_vector" in cols
    finally:
        eng.dispose()


def test_0015_reindexes_existing_rows_and_folds_the_quarantine(scratch_url: str) -> None:
    """Rows written before the search_terms column exist are found by word form after upgrade;
    duplicate quarantine rows are folded into one; inbox notes become member notes."""
    from crm.engine import make_session_factory
    from crm.interactions.services import InteractionFilter, search_interactions

    upgrade(scratch_url, "0010")
    eng = make_engine(scratch_url)
    now = "2026-01-01 10:00:00"
    try:
        with eng.begin() as conn:
            p = {"now": now}
            conn.execute(text(
                "INSERT INTO members (id, display_name, search_name, platforms, created_at, updated_at) "
                "VALUES (1, 'J', 'j', 'reddit', :now, :now)"), p)
            conn.execute(text(
                "INSERT INTO identities (id, member_id, platform, external_id, handle, display_name, created_at, "
                "updated_at) VALUES (1, 1, 'reddit', 'u1', 'juergen_b', 'J', :now, :now)"), p)
            conn.execute(text(
                "INSERT INTO interactions (id, platform, external_id, kind, text, occurred_at, language, sentiment, "
                "sentiment_label, identity_id, member_id, created_at, label_corrected) VALUES "
                "(1, 'reddit', 'e1', 'post', 'Schon wieder Störungen beim Login', :now, 'de', 0, 'neutral', 1, 1, "
                ":now, false)"), p)
            for _ in range(2):
                conn.execute(text(
                    "INSERT INTO quarantine (origin, reason, raw_text, created_at) VALUES "
                    "('import:a.jsonl:line 3', 'not JSON', '{oops', :now)"), p)
        upgrade(scratch_url)
        with make_session_factory(eng)() as s:
            for query in ("stoerung", "Störung", "Jürgen"):
                assert [i.id for i in search_interactions(s, InteractionFilter(q=query)).items] == [1], query
            assert s.execute(text("SELECT count(*) FROM quarantine")).scalar() == 1
    finally:
        eng.dispose()


def test_0022_fills_engagement_and_renames_levels(scratch_url: str) -> None:
    """Members written before the score was kept get it from their interactions; inbox items get
    the engagement rank; saved rules name the new levels."""
    from datetime import UTC, datetime, timedelta

    from crm.members import engagement

    upgrade(scratch_url, "0016_api_gdpr")
    eng = make_engine(scratch_url)
    now = datetime.now(UTC)
    stamp = lambda days: (now - timedelta(days=days)).strftime("%Y-%m-%d %H:%M:%S")  # noqa: E731
    rule = {"op": "and", "conditions": [{"field": "engagement", "levels": ["high", "low"]},
                                        {"op": "not", "condition": {"field": "engagement", "levels": ["inactive"]}}]}
    try:
        with eng.begin() as conn:
            p = {"now": stamp(0)}
            conn.execute(text(
                "INSERT INTO members (id, display_name, search_name, platforms, created_at, updated_at) "
                "VALUES (1, 'J', 'j', 'reddit', :now, :now)"), p)
            conn.execute(text(
                "INSERT INTO identities (id, member_id, platform, external_id, handle, display_name, created_at, "
                "updated_at) VALUES (1, 1, 'reddit', 'u1', 'j', 'J', :now, :now)"), p)
            for i, (kind, days) in enumerate((("post", 1), ("post", 1), ("comment", 30)), start=1):
                conn.execute(text(
                    "INSERT INTO interactions (id, platform, external_id, kind, text, occurred_at, language, "
                    "sentiment, sentiment_label, identity_id, member_id, created_at, label_corrected, search_terms) "
                    "VALUES (:i, 'reddit', :e, :k, 'hello', :at, 'en', 0, 'neutral', 1, 1, :now, false, '')"),
                    {**p, "i": i, "e": f"e{i}", "k": kind, "at": stamp(days)})
            conn.execute(text(
                "INSERT INTO inbox_items (id, interaction_id, platform, sentiment_label, member_level, occurred_at, "
                "thread_root, reasons, priority, status, escalation_level, created_at, updated_at) VALUES "
                "(1, 1, 'reddit', 'neutral', 3, :now, 'e1', 'question', 55, 'open', 0, :now, :now)"), p)
            conn.execute(text(
                "INSERT INTO segments (id, name, description, rule, created_at, updated_at) "
                "VALUES (901, 'S', '', :rule, :now, :now)"), {**p, "rule": json.dumps(rule)})
        upgrade(scratch_url)
        with eng.connect() as conn:
            stored = conn.execute(text("SELECT engagement FROM members WHERE id = 1")).scalar()
            # By hand: 3 x 0.977 x 2 + 2 x 0.5 = 6.9 points: "active"
            assert engagement.score(stored, now) == pytest.approx(6.86, abs=0.02)
            assert conn.execute(text("SELECT member_level FROM inbox_items WHERE id = 1")).scalar() == 2
            saved = conn.execute(text("SELECT rule FROM segments WHERE id = 901")).scalar()
        saved = json.loads(saved) if isinstance(saved, str) else saved
        assert saved["conditions"][0]["levels"] == ["engaged", "occasional"]
        assert saved["conditions"][1]["condition"]["levels"] == ["dormant"]
    finally:
        eng.dispose()
