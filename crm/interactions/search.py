"""Full-text search over interactions, with the query syntax people expect from a search box.

``all words``, ``"exact phrase"``, ``-exclude`` and ``OR`` between terms. PostgreSQL gets the
user's text through ``websearch_to_tsquery`` (which speaks exactly this syntax); SQLite gets an
FTS5 expression we build from parsed terms, every term quoted so that FTS5 operators typed by
a user are plain words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Select, literal_column, select, text
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


def websearch_text(groups: list[list[Term]]) -> str:
    """The parsed query re-serialised for websearch_to_tsquery (normalised, never empty)."""
    parts = []
    for g in groups:
        rendered = [('-' if t.negated else '') + (f'"{t.text}"' if " " in t.text else t.text) for t in g]
        parts.append(" OR ".join(rendered))
    return " ".join(parts)


def apply_text_search(session: Session, stmt: Select, raw_query: str) -> Select:
    """Restrict a select over Interaction to rows matching ``raw_query``."""
    groups = parse_query(raw_query)
    if session.get_bind().dialect.name == "postgresql":
        return stmt.where(
            literal_column("interactions.search_vector").op("@@")(
                text("websearch_to_tsquery('simple'::regconfig, :q)").bindparams(q=websearch_text(groups))
            )
        )
    matches = text("SELECT rowid FROM interactions_fts WHERE interactions_fts MATCH :q").bindparams(
        q=fts5_expression(groups)
    ).columns(literal_column("rowid"))
    return stmt.where(Interaction.id.in_(select(matches.subquery().c.rowid)))
