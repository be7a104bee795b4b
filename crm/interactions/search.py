"""Full-text search over interactions, with the query syntax people expect from a search box.

``all words``, ``"exact phrase"``, ``-exclude`` and ``OR`` between terms. PostgreSQL gets the
user's text through ``websearch_to_tsquery`` (which speaks exactly this syntax); SQLite gets an
FTS5 expression we build from parsed terms, every term quoted so that FTS5 operators typed by
a user are plain words. On SQLite a term found in many rows takes a different query shape
than a rare one (see :func:`_is_common`): SQLite's planner cannot tell them apart.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, bindparam, literal_column, select, text
from sqlalchemy.orm import Session

from crm.errors import InvalidInput
from crm.interactions.models import Interaction

MAX_QUERY = 300
_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')


@dataclass(frozen=True)
class Term:
    """A word or phrase; ``negated`` for -exclude."""

    text: str
    negated: bool = False


def parse_query(raw: str) -> list[list[Term]]:
    """Parse into AND-ed groups of OR-ed terms; raise InvalidInput for a query that finds nothing."""
    raw = (raw or "").strip()
    if len(raw) > MAX_QUERY:
        raise InvalidInput(f"The search is longer than {MAX_QUERY} characters.", field="q")
    groups: list[list[Term]] = []
    join_next = False
    for m in _TOKEN.finditer(raw):
        if m.group(3) is not None:
            word = m.group(3)
            if word == "OR":
                join_next = bool(groups)
                continue
            negated = word.startswith("-") and len(word) > 1
            term_text = word[1:] if negated else word
        else:
            negated, term_text = bool(m.group(1)), m.group(2)
        term_text = _words(term_text)
        if not term_text:
            continue
        term = Term(term_text, negated)
        if join_next and not negated and not any(t.negated for t in groups[-1]):
            groups[-1].append(term)
        else:
            groups.append([term])
        join_next = False
    if not any(not g[0].negated for g in groups):
        raise InvalidInput("Type at least one word to search for (not only -excluded words).", field="q")
    return groups


def _words(value: str) -> str:
    """Keep letters, digits and inner apostrophes/hyphens; the tokenizers drop the rest anyway."""
    return " ".join(re.findall(r"[\w][\w'’\-]*", value, flags=re.UNICODE))


def fts5_expression(groups: list[list[Term]]) -> str:
    """An FTS5 MATCH expression; every term is a quoted string, so nothing is an operator."""
    def quote(t: Term) -> str:
        return '"' + t.text.replace('"', '""') + '"'

    positive = [g for g in groups if not g[0].negated]
    negative = [g[0] for g in groups if g[0].negated]
    expr = " AND ".join("(" + " OR ".join(quote(t) for t in g) + ")" for g in positive)
    for t in negative:
        expr += " NOT " + quote(t)
    return expr


def apply_text_search(session: Session, stmt: Select, raw_query: str) -> Select:
    """Restrict a select over Interaction to rows matching ``raw_query``."""
    groups = parse_query(raw_query)
    if session.get_bind().dialect.name == "postgresql":
        return stmt.where(_pg_match(groups))
    return stmt.where(Interaction.id.in_(select(_fts_matches(fts5_expression(groups)).subquery().c.rowid)))


def search_newest_first(session: Session, stmt: Select, raw_query: str) -> Select:
    """Like :func:`apply_text_search`, ordered newest first (occurred_at, id), for one page.

    How many rows the query matches decides the shape (see :func:`_common_threshold`). A
    common term: walk the rows newest first (the occurred_at index) and check each against the
    full-text index; the first page is found after a few hundred rows. A rare term: fetch all
    matches from the full-text index, then sort them.
    """
    groups = parse_query(raw_query)
    order = (Interaction.occurred_at.desc(), Interaction.id.desc())
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.where(_pg_match(groups))
        if _pg_is_common(session, groups):
            return stmt.order_by(*order)
        # "+ interval '0'" hides the occurred_at index from the ORDER BY: with a rare term the
        # planner otherwise may scan that index and filter (its estimate for a term outside the
        # column statistics can be 4x high; a 500-match term read 75,000 rows in 135 ms).
        hidden = Interaction.occurred_at + literal_column("interval '0 seconds'")
        return stmt.order_by(hidden.desc(), Interaction.id.desc())
    expr = fts5_expression(groups)
    n = _common_threshold(session)
    found = session.execute(
        text("SELECT count(*) FROM (SELECT 1 FROM interactions_fts WHERE interactions_fts MATCH :q LIMIT :n)"),
        {"q": expr, "n": n},
    ).scalar_one()
    if found >= n:
        return stmt.where(
            text(
                "EXISTS (SELECT 1 FROM interactions_fts WHERE interactions_fts MATCH :q "
                "AND interactions_fts.rowid = interactions.id)"
            ).bindparams(q=expr)
        ).order_by(*order)
    return stmt.where(Interaction.id.in_(select(_fts_matches(expr).subquery().c.rowid))).order_by(*order)


def _pg_match(groups: list[list[Term]]) -> Any:
    """``search_vector @@ (g1 && g2 && !!g3)``: one websearch_to_tsquery per AND-group.

    A single websearch_to_tsquery over the whole text would bind AND tighter than OR
    (``a OR b c`` as ``a | (b & c)``); the parsed groups say ``(a | b) & c``, as on SQLite.
    """
    parts: list[str] = []
    params: list[Any] = []
    for i, g in enumerate(groups):
        name = f"q{i}"
        negated = g[0].negated
        rendered = " OR ".join(f'"{t.text}"' if " " in t.text else t.text for t in g)
        parts.append(("!!" if negated else "") + f"websearch_to_tsquery('simple'::regconfig, :{name})")
        params.append(bindparam(name, value=rendered, unique=True))
    return literal_column("interactions.search_vector").op("@@")(
        text("(" + " && ".join(parts) + ")").bindparams(*params)
    )


def _fts_matches(expr: str) -> Any:
    return text("SELECT rowid FROM interactions_fts WHERE interactions_fts MATCH :q").bindparams(
        q=expr
    ).columns(literal_column("rowid"))


def _pg_is_common(session: Session, groups: list[list[Term]]) -> bool:
    """Whether the query matches more than the threshold, by the column's statistics.

    ANALYZE keeps the most common lexemes of search_vector with their frequencies; a word not
    among them is rarer than all of them. Counting matches instead would cost a scan.
    """
    positive = [g for g in groups if not g[0].negated]
    words = sorted({w.lower() for g in positive for t in g for w in t.text.split()})
    freq: dict[str, float] = dict(
        session.execute(
            text(
                "SELECT e, f FROM pg_stats, unnest(most_common_elems::text::text[], most_common_elem_freqs) AS u(e, f) "
                "WHERE schemaname = current_schema() AND tablename = 'interactions' "
                "AND attname = 'search_vector' AND e = ANY(:words)"
            ),
            {"words": words},
        ).all()
    )
    # AND of groups: the rarest group; OR within a group: the sum; a phrase: its rarest word.
    share = min(
        sum(min(freq.get(w.lower(), 0.0) for w in t.text.split()) for t in g) for g in positive
    )
    rows = session.execute(
        text("SELECT greatest(reltuples, 0)::bigint FROM pg_class WHERE oid = 'interactions'::regclass")
    ).scalar() or 0
    # Lower than SQLite's threshold: PostgreSQL's own plan is right for mid-frequency terms
    # (the ordered scan reads ~2 µs a row), and a bitmap scan's heap reads cost ~8 µs a match.
    return share * rows >= max(1_000, int(math.sqrt(12 * rows)))


def _common_threshold(session: Session) -> int:
    """How many matches make a term "common": scanning in time order then beats sorting matches.

    Neither planner can tell on its own: SQLite never estimates a MATCH and always fetches
    every match, then sorts (150,000 matches in 1M rows: ~105 ms); PostgreSQL's estimate for a
    rare term can be off enough to pick the time-ordered scan and filter 75,000 rows. Fetching
    and sorting costs ~1-3 µs a match; the ordered scan ~2-11 µs a row and needs about
    50 / (matches / rows) rows, so it wins above about sqrt(100 * rows) matches (~10,000 in
    1,000,000 rows). Counting up to that many matches is an index read stopped at the limit.
    """
    rows = session.execute(text("SELECT max(id) FROM interactions")).scalar() or 0
    return max(2_000, int(math.sqrt(100 * rows)))
