"""Search that understands words: stems, umlaut folding, handles, counts, relevance, highlighting.

The texts are written the way people post (German and English, mixed spellings); run on SQLite
(FTS5) and PostgreSQL (tsvector) by the suite's two backends.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from crm.interactions import search
from crm.interactions.services import InteractionFilter, count_matches, search_interactions
from crm.interactions.terms import fold, index_terms, query_forms
from tests.factories import BASE_TIME, author, ingest, mention

TEXTS = {
    "de_stoerung": ("de", "Seit heute früh gibt es eine Störung beim Login."),
    "de_stoerungen": ("de", "Schon wieder Störungen in der App, das nervt."),
    "de_fehler": ("de", "Wegen eines Fehlers kann ich nicht synchronisieren."),
    "de_strasse": ("de", "Die Lieferung hängt in der Hauptstraße fest."),
    "en_crash": ("en", "The app crashes every time I open settings."),
    "en_crashed": ("en", "It crashed twice today, not great."),
    "en_refund": ("en", "Still waiting for my refund after three weeks."),
}


@pytest.fixture()
def posts(db: Session) -> dict[str, int]:
    mentions = {
        key: mention(text=body, language=lang, created_at=BASE_TIME + timedelta(minutes=i))
        for i, (key, (lang, body)) in enumerate(TEXTS.items())
    }
    juergen = author(handle="juergen_b", display_name="J. B.")
    mentions["by_juergen"] = mention(text="Läuft alles wieder, danke!", language="de", by=juergen,
                                     created_at=BASE_TIME + timedelta(hours=2))
    result = ingest(db, *mentions.values())
    db.commit()
    return dict(zip(mentions, result.new_ids, strict=True))


def found(db: Session, posts: dict[str, int], query: str, **kw: str) -> set[str]:
    by_id = {v: k for k, v in posts.items()}
    page = search_interactions(db, InteractionFilter(q=query, **kw), per_page=50)  # type: ignore[arg-type]
    return {by_id[i.id] for i in page.items if i.id in by_id}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Störung", {"de_stoerung", "de_stoerungen"}),
        ("Störungen", {"de_stoerung", "de_stoerungen"}),
        ("stoerung", {"de_stoerung", "de_stoerungen"}),
        ("STOERUNGEN", {"de_stoerung", "de_stoerungen"}),
        ("Fehler", {"de_fehler"}),
        ("Fehlers", {"de_fehler"}),
        ("crash", {"en_crash", "en_crashed"}),
        ("crashes", {"en_crash", "en_crashed"}),
        ("Hauptstrasse", {"de_strasse"}),
        ("Hauptstraße", {"de_strasse"}),
        ("refunds", {"en_refund"}),
    ],
)
def test_word_forms_and_spellings_find_each_other(db: Session, posts: dict[str, int], query: str,
                                                   expected: set[str]) -> None:
    assert found(db, posts, query) == expected


def test_a_handle_is_found_by_the_name_it_spells(db: Session, posts: dict[str, int]) -> None:
    assert found(db, posts, "Jürgen") == {"by_juergen"}
    assert found(db, posts, "juergen") == {"by_juergen"}


def test_query_syntax_keeps_working_with_word_forms(db: Session, posts: dict[str, int]) -> None:
    assert found(db, posts, '"Störungen in der App"') == {"de_stoerungen"}
    assert found(db, posts, "Störung -Login") == {"de_stoerungen"}
    assert found(db, posts, "crashes OR Fehler") == {"en_crash", "en_crashed", "de_fehler"}
    assert found(db, posts, "crash twice") == {"en_crashed"}


def test_result_count_is_exact_up_to_the_cap(db: Session, posts: dict[str, int], monkeypatch) -> None:  # type: ignore[no-untyped-def]
    assert count_matches(db, InteractionFilter(q="Störung")) == 2
    assert count_matches(db, InteractionFilter(q="crash", platform="x")) == 0
    page = search_interactions(db, InteractionFilter(q="crash"), count=True)
    assert page.total == 2 and not page.more_than
    monkeypatch.setattr(search, "COUNT_CAP", 1)
    import crm.interactions.services as services

    monkeypatch.setattr(services, "COUNT_CAP", 1)
    capped = search_interactions(db, InteractionFilter(q="crash"), count=True)
    assert capped.more_than


@pytest.mark.parametrize("sort", ["newest", "relevance"])
def test_the_count_is_the_same_on_every_page_with_or_without_filters(db: Session, posts: dict[str, int],
                                                                     sort: str) -> None:
    """PostgreSQL counts in the page's own query (count(*) OVER ()); a page past the end has no
    row to carry the count and asks count_matches instead."""
    for q, kw in (("crash", {}), ("Störung", {}), ("crash", {"platform": "x"}), ("app -crash", {})):
        f = InteractionFilter(q=q, sort=sort, **kw)  # type: ignore[arg-type]
        want = count_matches(db, f)
        totals = [search_interactions(db, f, page=n, per_page=1, count=True).total for n in (1, 2, 9)]
        assert totals == [want] * 3, (q, kw)
    assert count_matches(db, InteractionFilter(q="crash")) == 2


def test_relevance_order_puts_the_better_match_first(db: Session) -> None:
    weak = mention(text="Sync is slow today. Also one thing about the export.", language="en",
                   created_at=BASE_TIME + timedelta(hours=5))
    strong = mention(text="Export, export, export: the export to CSV fails. Export broken.", language="en",
                     created_at=BASE_TIME)
    ids = ingest(db, weak, strong).new_ids
    db.commit()
    newest = search_interactions(db, InteractionFilter(q="export"))
    best = search_interactions(db, InteractionFilter(q="export", sort="relevance"))
    assert [i.id for i in newest.items] == [ids[0], ids[1]]
    assert [i.id for i in best.items] == [ids[1], ids[0]]


def test_an_unknown_sort_is_invalid(db: Session) -> None:
    from crm.errors import InvalidInput

    with pytest.raises(InvalidInput) as exc:
        search_interactions(db, InteractionFilter(q="x", sort="random"))
    assert exc.value.field == "sort"


def test_existing_rows_get_search_terms_and_the_index_follows_updates(db: Session, posts: dict[str, int]) -> None:
    row_id = posts["en_refund"]
    stored = db.execute(text("SELECT search_terms FROM interactions WHERE id = :i"), {"i": row_id}).scalar_one()
    assert stored.startswith(index_terms("en", None, TEXTS["en_refund"][1]) + " ")  # then the handle
    db.execute(text("UPDATE interactions SET search_terms = :t WHERE id = :i"),
               {"t": index_terms("de", None, "Rückerstattung fehlt"), "i": row_id})
    db.commit()
    assert found(db, posts, "Rückerstattungen") == {"en_refund"}
    assert "en_refund" not in found(db, posts, "refund")


def test_folding_and_forms() -> None:
    assert fold("Störung") == fold("stoerung") == "stoerung"
    assert fold("Straße") == "strasse" and fold("Café") == "cafe"
    assert "storung" in query_forms("Störungen") and "crash" in query_forms("crashes")
    assert index_terms("de", "Titel", "Störungen!", "@juergen_b@social.example") == "titel storung juergen b"


def test_relevance_for_a_common_word_ranks_only_the_most_recent_matches(db: Session, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The branch a word in many rows takes (PostgreSQL decides by the column statistics)."""
    old = mention(text="export export export export", language="en", created_at=BASE_TIME)
    newer = [mention(text=f"export number {i}", language="en", created_at=BASE_TIME + timedelta(hours=i + 1))
             for i in range(3)]
    ids = ingest(db, old, *newer).new_ids
    db.commit()
    monkeypatch.setattr(search, "RANKED", 3)
    monkeypatch.setattr(search, "_pg_share", lambda session, groups: 1.0)
    monkeypatch.setattr(search, "_pg_rows", lambda session: 1_000_000)
    got = [i.id for i in search_interactions(db, InteractionFilter(q="export", sort="relevance")).items]
    assert sorted(got) == sorted(ids[1:])  # the oldest (and best) match is outside the ranked window
