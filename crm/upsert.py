"""INSERT .. ON CONFLICT for both backends, and bulk writes with one statement per batch.

On PostgreSQL a batch is sent as one array per column and expanded with ``unnest``: one
small statement whatever the batch size. SQLAlchemy's executemany ("insertmanyvalues")
renders one multi-VALUES statement with ~19 parameters per row instead; psycopg re-parses
that statement on every execute (it only caches short queries) and adapts every parameter
separately, which cost more than the insert itself (measured: ~230 -> ~90 µs per interaction).
Updates get the same treatment (``UPDATE .. FROM unnest(..)``) instead of one UPDATE per row.
SQLite keeps executemany: there a prepared statement re-run per row is already the fast path.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import JSON, Column, Table, TypeDecorator, bindparam, column, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeEngine


def insert_ignore(session: Session, table: Table, conflict_cols: Sequence[str]) -> Any:
    """``INSERT .. ON CONFLICT (cols) DO NOTHING`` for the session's backend."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing(index_elements=list(conflict_cols))
    return sqlite.insert(table).on_conflict_do_nothing(index_elements=list(conflict_cols))


def _pg_array_param(col_type: TypeEngine[Any], values: list[Any], dialect: Dialect) -> list[Any]:
    """Values as psycopg should send them in an array: JSON as text, TypeDecorators applied."""
    if isinstance(col_type, JSON):
        return [json.dumps(v) for v in values]  # None -> 'null', as the JSON type stores it
    if isinstance(col_type, TypeDecorator):
        process = col_type.process_bind_param
        return [process(v, dialect) for v in values]
    return values


def _pg_unnest(
    dialect: Dialect, rows: Sequence[Mapping[str, Any]], types: Mapping[str, TypeEngine[Any]]
) -> tuple[str, dict[str, list[Any]]]:
    """``unnest(CAST(:a0 AS type[]), ..)`` and its parameters, one array per name in ``types``."""
    parts, params = [], {}
    for i, (name, col_type) in enumerate(types.items()):
        sql_type = col_type.compile(dialect=dialect)
        parts.append(f"CAST(:a{i} AS {sql_type}[])")
        params[f"a{i}"] = _pg_array_param(col_type, [r[name] for r in rows], dialect)
    return f"unnest({', '.join(parts)})", params


def _with_defaults(table: Table, rows: Sequence[dict[str, Any]]) -> Sequence[dict[str, Any]]:
    """Fill Python-side column defaults the rows lack (the text INSERT does not apply them)."""
    given = rows[0].keys()
    missing: dict[str, Any] = {}
    for c in table.columns:
        if c.name in given or c.default is None or c.server_default is not None:
            continue
        if getattr(c.default, "is_scalar", False):
            missing[c.name] = c.default.arg  # type: ignore[attr-defined]
        elif getattr(c.default, "is_callable", False):
            missing[c.name] = c.default.arg(None)  # type: ignore[attr-defined]
    if not missing:
        return rows
    return [{**missing, **r} for r in rows]


def bulk_insert(
    session: Session,
    table: Table,
    rows: Sequence[dict[str, Any]],
    *,
    conflict_cols: Sequence[str] = (),
    returning: Sequence[str] = (),
) -> list[Any]:
    """Insert ``rows`` (dicts with the same keys) in one statement; return ``returning`` columns.

    With ``conflict_cols`` a row whose key exists is skipped (ON CONFLICT DO NOTHING) and
    returns nothing. Returned rows come in no particular order.
    """
    if not rows:
        return []
    dialect = session.get_bind().dialect
    if dialect.name != "postgresql":
        stmt = insert_ignore(session, table, conflict_cols) if conflict_cols else table.insert()
        if returning:
            stmt = stmt.returning(*(table.c[c] for c in returning))
            return list(session.execute(stmt, list(rows)).all())
        session.execute(stmt, list(rows))
        return []
    rows = _with_defaults(table, rows)
    names = list(rows[0])
    source, params = _pg_unnest(dialect, rows, {n: table.c[n].type for n in names})
    # Only our own table and column names are formatted in; every value is a bound array.
    sql = f"INSERT INTO {table.name} ({', '.join(names)}) SELECT * FROM {source}"  # noqa: S608
    if conflict_cols:
        sql += f" ON CONFLICT ({', '.join(conflict_cols)}) DO NOTHING"
    if returning:
        sql += f" RETURNING {', '.join(returning)}"
        stmt = text(sql).bindparams(**params).columns(*(table.c[c] for c in returning))
        return list(session.execute(stmt).all())
    session.execute(text(sql).bindparams(**params))
    return []


def insert_returning_ids(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Insert ``rows``; their new ids in the same order as ``rows``."""
    if not rows:
        return []
    if session.get_bind().dialect.name != "postgresql":
        stmt = table.insert().returning(table.c.id, sort_by_parameter_order=True)
        return list(session.execute(stmt, list(rows)).scalars().all())
    # RETURNING of INSERT .. SELECT promises no order, so take the ids first.
    ids = list(
        session.execute(
            text("SELECT nextval(pg_get_serial_sequence(:t, 'id')) FROM generate_series(1, :n)"),
            {"t": table.name, "n": len(rows)},
        ).scalars()
    )
    bulk_insert(session, table, [{"id": i, **r} for i, r in zip(ids, rows, strict=True)])
    return ids


def bulk_update(
    session: Session,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    types: Mapping[str, TypeEngine[Any]],
    values: Callable[[Mapping[str, Any]], Mapping[str, Any]],
    key: str = "b_id",
) -> None:
    """UPDATE ``table`` once per row, matched on ``table.c.id == row[key]``, in one statement.

    ``types`` names every row field with its SQL type; ``values(src)`` builds the SET clause
    from ``src[field]`` (the row's value) and the table's own columns.
    """
    if not rows:
        return
    dialect = session.get_bind().dialect
    if dialect.name != "postgresql":
        src: Mapping[str, Any] = {n: bindparam(n, type_=t) for n, t in types.items()}
        stmt = update(table).where(table.c.id == src[key]).values(**values(src))
        session.connection().execute(stmt, list(rows))
        return
    source, params = _pg_unnest(dialect, rows, types)
    names = ", ".join(types)
    v = (
        text(f"SELECT * FROM {source} AS u({names})")  # noqa: S608 - names from our schema, values bound
        .bindparams(**params)
        .columns(*(column(n, t) for n, t in types.items()))
        .subquery("v")
    )
    session.execute(update(table).where(table.c.id == v.c[key]).values(**values(v.c)))  # type: ignore[arg-type]


def column_types(table: Table, names: Sequence[str]) -> dict[str, TypeEngine[Any]]:
    """The SQL types of ``table``'s columns ``names`` (for :func:`bulk_update` fields)."""
    cols: dict[str, Column[Any]] = {c.name: c for c in table.columns}
    return {n: cols[n].type for n in names}
