"""Full-text search and filters over interactions, on SQLite (FTS5) and PostgreSQL (tsvector)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from crm.errors import InvalidInput
from crm.interactions.services import InteractionFilter, search_interactions
from tests.factories import BASE_TIME, author, ingest, member_of, mention

# key -> (platform, hours after BASE_TIME, text)
CORPUS = {
    "refund_broken": ("reddit", 1, "I want a refund, my order arrived broken"),
    "refund_quick": ("reddit", 2, "The refund came back quickly, thanks a lot, great service!"),
    "shipping": ("x", 3, "Shipping was slow but the support team helped"),
    "german": ("x", 4, "Ich warte seit Wochen auf meine Rückerstattung"),
    "broken_screen": ("mastodon", 5, "The screen arrived broken, terrible and awful experience"),
    "order_status": ("reddit", 6, "Where is my order? Still waiting for the status update"),
}


@pytest.fixture()
def corpus(db: Session) -> dict[str, int]:
    """The corpus ingested by two authors; returns key -> interaction id."""
    alice, bob = author(), author()
    mentions = {
        key: mention(
            platform=platform, text=text, created_at=BASE_TIME + timedelta(hours=h),
            by=alice if key in ("refund_broken", "refund_quick", "order_status") else bob,
        )
        for key, (platform, h, text) in CORPUS.items()
    }
    result = ingest(db, *mentions.values())
    assert result.new == len(CORPUS)
    ids = dict(zip(mentions, result.new_ids, strict=True))
    ids["_alice_member"] = member_of(db, "reddit", alice.id).id
    return ids


def keys(db: Session, corpus: dict[str, int], f: InteractionFilter, **kw: int) -> list[str]:
    by_id = {v: k for k, v in corpus.items() if not k.startswith("_")}
    return [by_id[i.id] for i in search_interactions(db, f, **kw).items]


def q(db: Session, corpus: dict[str, int], text: str) -> set[str]:
    return set(keys(db, corpus, InteractionFilter(q=text)))


def test_all_words_must_appear(db: Session, corpus: dict[str, int]) -> None:
    assert q(db, corpus, "refund") == {"refund_broken", "refund_quick"}
    assert q(db, corpus, "arrived broken") == {"refund_broken", "broken_screen"}
    assert q(db, corpus, "refund broken") == {"refund_broken"}
    assert q(db, corpus, "REFUND") == {"refund_broken", "refund_quick"}


def test_exact_phrase(db: Session, corpus: dict[str, int]) -> None:
    assert q(db, corpus, '"arrived broken"') == {"refund_broken", "broken_screen"}
    assert q(db, corpus, '"broken arrived"') == set()
    assert q(db, corpus, '"support team"') == {"shipping"}


def test_exclusion(db: Session, corpus: dict[str, int]) -> None:
    assert q(db, corpus, "broken -refund") == {"broken_screen"}
    assert q(db, corpus, 'arrived -"my order"') == {"broken_screen"}


def test_or_between_terms(db: Session, corpus: dict[str, int]) -> None:
    assert q(db, corpus, "refund OR rückerstattung") == {"refund_broken", "refund_quick", "german"}
    assert q(db, corpus, "shipping OR screen") == {"shipping", "broken_screen"}
    # OR binds tighter than the implicit AND: (refund OR screen) AND broken.
    assert q(db, corpus, "refund OR screen broken") == {"refund_broken", "broken_screen"}


@pytest.mark.parametrize("query", ["-refund", "-refund -order", '-"arrived broken"', "", "   "])
def test_a_query_of_only_exclusions_is_invalid(db: Session, corpus: dict[str, int], query: str) -> None:
    if not query.strip():
        # An empty query is no text filter at all: everything, newest first.
        assert len(keys(db, corpus, InteractionFilter(q=query))) == len(CORPUS)
        return
    with pytest.raises(InvalidInput) as err:
        search_interactions(db, InteractionFilter(q=query))
    assert err.value.field == "q"


@pytest.mark.parametrize(
    "query",
    [
        "NEAR(refund broken)", "NEAR(", "refund*", "*", '"', '"refund', 'refund"', "^refund", "^",
        "text:refund", "title:refund", ":", "refund AND broken", "refund NOT broken", "(refund",
        "refund)", "()", "-", "--", "OR", "OR refund", "refund OR", "'", "refund'", "\\", "%",
        "_", "&|!", "refund & broken", "refund | broken", "!refund", "<->", "refund <-> broken",
        "{refund}", "[refund]", "+refund", "'; DROP TABLE interactions; --", "refund\x00",
        "ü" * 5, "\u202e", "😀 refund",
    ],
)
def test_operator_characters_never_cause_a_database_error(
    db: Session, corpus: dict[str, int], query: str
) -> None:
    try:
        page = search_interactions(db, InteractionFilter(q=query))
    except InvalidInput as exc:
        assert exc.field == "q"
        return
    found = {i.id for i in page.items}
    assert found <= {v for k, v in corpus.items() if not k.startswith("_")}
    # The session still works afterwards (PostgreSQL aborts a transaction on an error).
    assert q(db, corpus, "refund") == {"refund_broken", "refund_quick"}


@pytest.mark.parametrize("query", ["refund*", "^refund", "+refund", "!refund", "[refund]", "refund)"])
def test_operator_characters_around_a_word_search_for_the_word(
    db: Session, corpus: dict[str, int], query: str
) -> None:
    assert q(db, corpus, query) == {"refund_broken", "refund_quick"}


def test_overlong_query_is_invalid(db: Session, corpus: dict[str, int]) -> None:
    with pytest.raises(InvalidInput):
        search_interactions(db, InteractionFilter(q="refund " * 100))


def test_filters(db: Session, corpus: dict[str, int]) -> None:
    assert set(keys(db, corpus, InteractionFilter(platform="x"))) == {"shipping", "german"}
    negative = set(keys(db, corpus, InteractionFilter(sentiment="negative")))
    assert "broken_screen" in negative and "refund_quick" not in negative
    assert set(keys(db, corpus, InteractionFilter(sentiment="positive"))) >= {"refund_quick"}
    window = InteractionFilter(since=BASE_TIME + timedelta(hours=2), until=BASE_TIME + timedelta(hours=4))
    assert set(keys(db, corpus, window)) == {"refund_quick", "shipping"}  # until is exclusive
    alice = InteractionFilter(member_id=corpus["_alice_member"])
    assert set(keys(db, corpus, alice)) == {"refund_broken", "refund_quick", "order_status"}
    both = InteractionFilter(q="refund OR order", member_id=corpus["_alice_member"], platform="reddit",
                             since=BASE_TIME + timedelta(hours=2))
    assert set(keys(db, corpus, both)) == {"refund_quick", "order_status"}


def test_invalid_filters_name_the_field(db: Session, corpus: dict[str, int]) -> None:
    with pytest.raises(InvalidInput) as err:
        search_interactions(db, InteractionFilter(sentiment="angry"))
    assert err.value.field == "sentiment"
    with pytest.raises(InvalidInput) as err:
        search_interactions(db, InteractionFilter(since=BASE_TIME, until=BASE_TIME - timedelta(days=1)))
    assert err.value.field == "since"


def test_newest_first(db: Session, corpus: dict[str, int]) -> None:
    ordered = sorted(CORPUS, key=lambda k: CORPUS[k][1], reverse=True)
    assert keys(db, corpus, InteractionFilter()) == ordered
    assert keys(db, corpus, InteractionFilter(q="refund OR broken")) == [
        "broken_screen", "refund_quick", "refund_broken",
    ]


def test_pagination(db: Session, corpus: dict[str, int]) -> None:
    f = InteractionFilter()
    pages = [search_interactions(db, f, page=n, per_page=4) for n in (1, 2, 3)]
    assert [len(p.items) for p in pages] == [4, 2, 0]
    assert [p.has_next for p in pages] == [True, False, False]
    assert [p.has_prev for p in pages] == [False, True, True]
    seen = [i.id for p in pages for i in p.items]
    assert len(seen) == len(set(seen)) == len(CORPUS)
    exact = search_interactions(db, f, page=2, per_page=3)
    assert len(exact.items) == 3 and not exact.has_next
    assert search_interactions(db, f, page=0, per_page=0).page == 1  # clamped, not an error


def test_results_carry_identity_and_member(db: Session, corpus: dict[str, int]) -> None:
    page = search_interactions(db, InteractionFilter(q="refund"))
    for item in page.items:
        assert item.identity.handle
        assert item.member.id == corpus["_alice_member"]
