"""Alembic environment: the database comes from Settings (DATABASE_URL) or the caller."""

from __future__ import annotations

from alembic import context

from crm.engine import make_engine
from crm.models import Base
from crm.settings import Settings

# Search objects made by hand per backend; they are not in the models (see Interaction).
HAND_MADE = {"search_vector", "ix_interactions_search", "interactions_fts"}


def include_object(obj, name, type_, reflected, compare_to):  # type: ignore[no-untyped-def]
    """Leave backend-specific search objects out of the models-vs-migrations comparison."""
    if name in HAND_MADE or (name or "").startswith("interactions_fts"):
        return False
    return True


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = context.config.get_main_option("sqlalchemy.url") or Settings.from_env().database_url
    engine = make_engine(url)
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        include_object=include_object,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    if connection.in_transaction():
        connection.commit()


run_migrations_online()
