"""Full-text search over interactions, with the query syntax people expect from a search box.

``all words``, ``"exact phrase"``, ``-exclude`` and ``OR`` between terms. Both backends search
the ``search_terms`` column, words folded and stemmed by crm/interactions/terms.py; a query
word matches any of its forms (German stem, English stem, folded). PostgreSQL gets a tsquery
and SQLite an FTS5 expression, both built from parsed terms whose words are letters and digits
only, so nothing a user types is an operator. On SQLite a term found in many rows takes a
different query shape than a rare one (see :func:`_common_threshold`): SQLite's planner cannot
tell them apart. Results come newest first or by relevance (bm25 / ts_rank_cd), with a count
that is exact up to :data:`COUNT_CAP`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, bindparam, func, literal_column, select, text
from sqlalchemy.orm import Session

from crm.errors import InvalidInput
from crm.interactions.models import Interaction
from crm.interactions.terms import phrase_forms, query_forms
from crm.text import words

MAX_QUERY = 300
COUNT_CAP = 10_000  # counted exactly up to here; beyond, "more than 10,000"
RANKED = 2_000  # relevance ranks the most recently collected matches, at most this many
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
    """Keep the words the index knows (letters and digits); everything else separates them."""
    return " ".join(words(value))


def _forms(t: Term) -> list[list[str]]:
    """The term as alternatives, each a list of indexed words (one word, or a phrase)."""
    ws = words(t.text)
    if len(ws) == 1:
        return [[f] for f in query_forms(ws[0])]
    return phrase_forms(t.text)


def fts5_expression(groups: list[list[Term]]) -> str:
    """An FTS5 MATCH expression; every alternative is a quoted string, so nothing is an operator."""

    def term(t: Term) -> str:
        return " OR ".join('"' + " ".join(alt).replace('"', '""') + '"' for alt in _forms(t))

    positive = [g for g in groups if not g[0].negated]
    negative = [g[0] for g in groups if g[0].negated]
    expr = " AND ".join("(" + " OR ".join(term(t) for t in g) + ")" for g in positive)
    for t in negative:
        expr += " NOT (" + term(t) + ")"
    return expr


def pg_tsquery(groups: list[list[Term]]) -> str:
    """The same query as tsquery text: ``('a' | 'b') & !('c' <-> 'd')``; words are \\w only."""

    def term(t: Term) -> str:
        return " | ".join("(" + " <-> ".join(f"'{w}'" for w in alt) + ")" for alt in _forms(t))

    parts = [("!" if g[0].negated else "") + "(" + " | ".join(term(t) for t in g) + ")" for g in groups]
    return " & ".join(parts)


@lru_cache(maxsize=256)
def highlight_forms(raw_query: str) -> frozenset[str]:
    """Every indexed word form the query looks for (not the excluded ones), for highlighting."""
    try:
        groups = parse_query(raw_query)
    except InvalidInput:
        return frozenset()
    return frozenset(w for g in groups if not g[0].negated for t in g for alt in _forms(t) for w in alt)


def apply_text_search(session: Session, stmt: Select, raw_query: str) -> Select:
    """Restrict a select over Interaction to rows matching ``raw_query``."""
    groups = parse_query(raw_query)
    if session.get_bind().dialect.name == "postgresql":
        return stmt.where(_pg_match(groups))
    return stmt.where(Interaction.id.in_(select(_fts_matches(fts5_expression(groups)).subquery().c.rowid)))


def search_newest_first(session: Session, stmt: Select, raw_query: str, *, reads_all: bool = False) -> Select:
    """Like :func:`apply_text_search`, ordered newest first (occurred_at, id), for one page.

    How many rows the query matches decides the shape (see :func:`_common_threshold`). A
    common term: walk the rows newest first (the occurred_at index) and check each against the
    full-text index; the first page is found after a few hundred rows. A rare term, or any
    term when the caller reads every match anyway (``reads_all``): fetch all matches from the
    full-text index, then sort them.
    """
    groups = parse_query(raw_query)
    order = (Interaction.occurred_at.desc(), Interaction.id.desc())
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.where(_pg_match(groups))
        if not reads_all and _pg_is_common(session, groups):
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


def search_by_relevance(session: Session, stmt: Select, raw_query: str) -> Select:
    """Like :func:`apply_text_search`, best match first (ts_rank_cd / bm25), then newest.

    Ranking reads every candidate, so a common word ranks only its :data:`RANKED` most
    recently collected matches (highest ids): a ranked page stays fast at any size.
    """
    groups = parse_query(raw_query)
    if session.get_bind().dialect.name == "postgresql":
        tsq = pg_tsquery(groups)
        # Up to COUNT_CAP matches the page's count reads every match anyway (in the same query,
        # see pg_counts_with_page), so all of them are ranked.
        score = func.ts_rank_cd(
            literal_column("interactions.search_vector"),
            func.to_tsquery(literal_column("'simple'::regconfig"), bindparam("rankq", tsq, unique=True)),
        )
        if _pg_estimate(session, groups) > max(RANKED, COUNT_CAP):
            # The newest RANKED matches by id (a backward primary-key scan that stops early),
            # ranked as they are read: ranking every match of a common word read 150,000 rows,
            # and ranking them in a second pass read the 2,000 rows again.
            recent = (
                stmt.with_only_columns(Interaction.id, Interaction.occurred_at, score.label("score"))
                .where(_pg_match(groups)).order_by(Interaction.id.desc()).limit(RANKED).subquery("ranked")
            )
            return select(Interaction).join(recent, recent.c.id == Interaction.id).order_by(
                recent.c.score.desc(), recent.c.occurred_at.desc()
            )
        return stmt.where(_pg_match(groups)).order_by(score.desc(), Interaction.occurred_at.desc())
    ranked = (
        text(
            "SELECT rowid AS rid, rank AS score FROM (SELECT rowid, rank FROM interactions_fts "
            "WHERE interactions_fts MATCH :rq ORDER BY rowid DESC LIMIT :rn)"
        )
        .bindparams(rq=fts5_expression(groups), rn=RANKED)
        .columns(literal_column("rid"), literal_column("score"))
        .subquery("ranked")
    )
    return stmt.join(ranked, ranked.c.rid == Interaction.id).order_by(
        ranked.c.score, Interaction.occurred_at.desc()
    )


def pg_counts_with_page(session: Session, raw_query: str) -> bool:
    """Whether the page's own query should count the matches too (``count(*) OVER ()``).

    On PostgreSQL every match costs a heap visit, to count it or to sort it. Up to COUNT_CAP
    matches (by the statistics) the count reads them all; the page's query reading them once
    for both beats a time-ordered scan for the page (50 / share rows) plus a count (every
    match): 5,000 matches in 1M rows were 11,700 + 5,000 row visits, now 5,000. Above the cap
    the count stops at the cap or is skipped, and the ordered scan is cheap.
    """
    if session.get_bind().dialect.name != "postgresql":
        return False
    return _pg_estimate(session, parse_query(raw_query)) <= COUNT_CAP


def count_text_matches(session: Session, raw_query: str) -> int:
    """How many rows match the text alone: exact up to COUNT_CAP, else COUNT_CAP + 1."""
    groups = parse_query(raw_query)
    if session.get_bind().dialect.name == "postgresql":
        # A word the statistics put far above the cap is "more than": counting its matches
        # would read thousands of rows for a number nobody reads.
        if _pg_estimate(session, groups) >= 3 * COUNT_CAP:
            return COUNT_CAP + 1
        return int(session.execute(
            select(literal_column("count(*)")).select_from(
                select(literal_column("1")).select_from(Interaction).where(_pg_match(groups))
                .limit(COUNT_CAP + 1).subquery()
            )
        ).scalar_one())
    return int(session.execute(
        text("SELECT count(*) FROM (SELECT 1 FROM interactions_fts WHERE interactions_fts MATCH :q LIMIT :n)"),
        {"q": fts5_expression(groups), "n": COUNT_CAP + 1},
    ).scalar_one())


def _pg_match(groups: list[list[Term]]) -> Any:
    """``search_vector @@ to_tsquery('simple', ..)``; the parsed groups keep ``(a OR b) c``."""
    q: Any = bindparam("tsq", value=pg_tsquery(groups), unique=True)
    return literal_column("interactions.search_vector").op("@@")(
        text("to_tsquery('simple'::regconfig, :tsq)").bindparams(q)
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
    estimate = _pg_estimate(session, groups)
    rows = session.info["pg_rows"]
    # Lower than SQLite's threshold: PostgreSQL's own plan is right for mid-frequency terms
    # (the ordered scan reads ~2 µs a row), and a bitmap scan's heap reads cost ~8 µs a match.
    return estimate >= max(1_000, int(math.sqrt(12 * rows)))


def _pg_estimate(session: Session, groups: list[list[Term]]) -> float:
    """How many rows the query matches, by the statistics; asked once per query and session
    (the page's search and its count both need it)."""
    cache = session.info.setdefault("pg_match_estimates", {})
    key = pg_tsquery(groups)
    if key not in cache:
        session.info["pg_rows"] = _pg_rows(session)
        cache[key] = _pg_share(session, groups) * session.info["pg_rows"]
    return float(cache[key])


def _pg_rows(session: Session) -> int:
    return int(session.execute(
        text("SELECT greatest(reltuples, 0)::bigint FROM pg_class WHERE oid = 'interactions'::regclass")
    ).scalar() or 0)


def _pg_share(session: Session, groups: list[list[Term]]) -> float:
    """The share of rows the query matches, from the column statistics (an upper estimate)."""
    positive = [g for g in groups if not g[0].negated]
    lexemes = sorted({w for g in positive for t in g for alt in _forms(t) for w in alt})
    freq: dict[str, float] = dict(
        session.execute(
            text(
                "SELECT e, f FROM pg_stats, unnest(most_common_elems::text::text[], most_common_elem_freqs) AS u(e, f) "
                "WHERE schemaname = current_schema() AND tablename = 'interactions' "
                "AND attname = 'search_vector' AND e = ANY(:words)"
            ),
            {"words": lexemes},
        ).all()
    )
    # AND of groups: the rarest group; OR within a group and between a word's forms: the sum;
    # a phrase: its rarest word.
    return min(
        sum(min(freq.get(w, 0.0) for w in alt) for t in g for alt in _forms(t)) for g in positive
    )


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
