"""Members list, profile with timeline and thread context, search page, junk query arguments."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from connectors.base import Author
from crm.db import utcnow
from crm.members.models import Member
from tests.factories import BASE_TIME, ingest, member_of, mention
from tests.web.htmlpage import Page, parse

POSITIVE = "Absolutely love the new release, great work team!"
NEGATIVE = "The app is broken again, terrible and awful support."


@pytest.fixture()
def people(db: Session) -> dict[str, Member]:
    """Three members; 'anna' has a reply whose parent was written by 'bert'."""
    anna = Author(id="anna-1", handle="anna_s", display_name="Anna Schmidt", followers=300,
                  profile_url="https://example.com/anna")
    bert = Author(id="bert-1", handle="bertie", display_name="Bert Jones", followers=40)
    cleo = Author(id="cleo-1", handle="cleo_p", display_name="Cleo Park")
    parent = mention(external_id="p-1", by=bert, text="Has anyone tried the export feature yet?",
                     created_at=BASE_TIME)
    ingest(
        db,
        parent,
        mention(external_id="a-1", by=anna, text="First post: " + POSITIVE, created_at=BASE_TIME + timedelta(hours=1)),
        mention(external_id="a-2", by=anna, text="Second post: " + NEGATIVE, created_at=BASE_TIME + timedelta(hours=2)),
        mention(external_id="a-3", by=anna, kind="reply", parent_id="p-1", thread_id="p-1",
                text="Third post: yes, export works fine for me", created_at=BASE_TIME + timedelta(hours=3)),
        mention(external_id="c-1", platform="x", by=cleo, text="Cleo on X: " + NEGATIVE,
                created_at=BASE_TIME + timedelta(hours=4)),
    )
    return {
        "anna": member_of(db, "reddit", "anna-1"),
        "bert": member_of(db, "reddit", "bert-1"),
        "cleo": member_of(db, "x", "cleo-1"),
    }


def member_names(page: Page) -> list[str]:
    """Display names in the members table, in order."""
    return [a.text.strip() for a in page.find("a", class_="strong")]


def get(client, url: str, status: int = 200) -> Page:  # type: ignore[no-untyped-def]
    resp = client.get(url)
    assert resp.status_code == status, (url, resp.status_code)
    return parse(resp.data)


def test_members_list_search_by_name_and_handle(client, login, people) -> None:  # type: ignore[no-untyped-def]
    login("viewer")
    assert sorted(member_names(get(client, "/members/"))) == ["Anna Schmidt", "Bert Jones", "Cleo Park"]
    assert member_names(get(client, "/members/?q=schmidt")) == ["Anna Schmidt"]
    assert member_names(get(client, "/members/?q=%40bertie")) == ["Bert Jones"]
    empty = get(client, "/members/?q=nobody")
    assert member_names(empty) == [] and "No members match" in empty.text


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("name", ["Anna Schmidt", "Bert Jones", "Cleo Park"]),
        ("last_active", ["Cleo Park", "Anna Schmidt", "Bert Jones"]),
        ("interactions", ["Anna Schmidt", "Cleo Park", "Bert Jones"]),
        ("reach", ["Anna Schmidt", "Bert Jones", "Cleo Park"]),
        ("first_seen", ["Cleo Park", "Anna Schmidt", "Bert Jones"]),
        ("sentiment", ["Anna Schmidt", "Bert Jones", "Cleo Park"]),
        ("sentiment_asc", ["Cleo Park", "Bert Jones", "Anna Schmidt"]),
    ],
)
def test_members_list_sorts(client, login, people, sort: str, expected: list[str]) -> None:  # type: ignore[no-untyped-def]
    login("viewer")
    page = get(client, f"/members/?sort={sort}")
    assert member_names(page) == expected
    # The sort survives the search form, and the active column is marked.
    assert page.find("input", type="hidden", name="sort")[0].attrs["value"] == sort


def test_sort_links_cover_every_sort_key(client, login, people) -> None:  # type: ignore[no-untyped-def]
    from crm.members.services import SORTS

    login("viewer")
    hrefs = {a.attrs.get("href") for a in get(client, "/members/").find("a") if "sort" in (a.attrs.get("class") or "")}
    assert {f"/members/?sort={key}" for key in SORTS} <= hrefs


def test_members_list_platform_filter(client, login, people) -> None:  # type: ignore[no-untyped-def]
    login("viewer")
    assert member_names(get(client, "/members/?platform=x")) == ["Cleo Park"]
    assert sorted(member_names(get(client, "/members/?platform=reddit"))) == ["Anna Schmidt", "Bert Jones"]


def test_members_list_pages(client, login, people) -> None:  # type: ignore[no-untyped-def]
    login("viewer")
    first = get(client, "/members/?sort=name&per_page=2")
    second = get(client, "/members/?sort=name&per_page=2&page=2")
    assert member_names(first) == ["Anna Schmidt", "Bert Jones"]
    assert member_names(second) == ["Cleo Park"]
    assert "Page 1 of 2" in first.text and "Page 2 of 2" in second.text
    nxt = [a.attrs["href"] for a in first.find("a") if a.text.startswith("Next")]
    assert nxt == ["/members/?sort=name&per_page=2&page=2"]


def test_profile_shows_identities_and_a_newest_first_timeline(client, login, people) -> None:  # type: ignore[no-untyped-def]
    login("viewer")
    page = get(client, f"/members/{people['anna'].id}")
    assert page.find("h1")[0].text == "Anna Schmidt"
    identities = page.find("ul", class_="identities")[0].text
    assert "@anna_s" in identities and "300 followers" in identities
    assert any(a.attrs.get("href") == "https://example.com/anna" for a in page.find("a"))
    texts = [p.text for p in page.find("p", class_="text")]
    assert [t.split(":")[0] for t in texts] == ["Third post", "Second post", "First post"]


def test_profile_thread_context_shows_the_parent(client, login, people) -> None:  # type: ignore[no-untyped-def]
    login("viewer")
    page = get(client, f"/members/{people['anna'].id}")
    quotes = page.find("blockquote", class_="parent")
    assert len(quotes) == 1
    assert "Bert Jones" in quotes[0].text
    assert "Has anyone tried the export feature yet?" in quotes[0].text


def test_profile_timeline_search_and_filters(client, login, people) -> None:  # type: ignore[no-untyped-def]
    login("viewer")
    base = f"/members/{people['anna'].id}"

    def texts(query: str) -> list[str]:
        return [p.text.split(":")[0] for p in get(client, base + query).find("p", class_="text")]

    assert texts("?q=export") == ["Third post"]
    assert texts("?q=post+-export") == ["Second post", "First post"]
    assert texts("?sentiment=negative") == ["Second post"]
    assert texts("?since=2026-03-01&until=2026-03-01") == ["Third post", "Second post", "First post"]
    assert texts("?since=2026-03-02") == []
    assert texts("?platform=x") == []
    bad = get(client, base + "?since=notadate")  # the profile still renders, with the error
    assert "is not a date" in bad.find("div", class_="field-error")[0].text
    assert len(bad.find("p", class_="text")) == 3


def test_unknown_member_is_a_404_page(client, login) -> None:  # type: ignore[no-untyped-def]
    login("viewer")
    page = get(client, "/members/999999", status=404)
    assert "There is no member 999999." in page.text


def test_search_page(client, login, people) -> None:  # type: ignore[no-untyped-def]
    login("viewer")
    start = get(client, "/search/")
    assert "Search every mention" in start.text and not start.find("article")
    page = get(client, "/search/?q=broken+terrible")
    texts = [p.text.split(":")[0] for p in page.find("p", class_="text")]
    assert texts == ["Cleo on X", "Second post"]
    assert [a.text for a in page.find("a", class_="who")] == ["Cleo Park", "Anna Schmidt"]
    assert [p.text.split(":")[0] for p in get(client, "/search/?q=broken&platform=x").find("p", class_="text")] == ["Cleo on X"]
    reply = get(client, "/search/?q=export+works")
    assert "Has anyone tried the export feature yet?" in reply.find("blockquote", class_="parent")[0].text
    nothing = get(client, "/search/?q=zebra")
    assert "Nothing found" in nothing.text


def test_search_errors_are_shown_with_422(client, login, people) -> None:  # type: ignore[no-untyped-def]
    login("viewer")
    for query in ("?q=-only", "?sentiment=angry", "?since=2026-02-30", "?since=2026-03-05&until=2026-03-01"):
        page = get(client, "/search/" + query, status=422)
        assert page.find("div", class_="field-error"), query


def test_search_pages(client, login, db: Session) -> None:  # type: ignore[no-untyped-def]
    who = Author(id="many-1", handle="many")
    now = utcnow()
    ingest(db, *[mention(by=who, text=f"pagination probe {n}", created_at=now - timedelta(minutes=n))
                 for n in range(55)])
    login("viewer")
    first = get(client, "/search/?q=probe")
    second = get(client, "/search/?q=probe&page=2")
    assert len(first.find("article")) == 50 and len(second.find("article")) == 5
    assert first.find("p", class_="text")[0].text == "pagination probe 0"
    assert any(a.text.startswith("Older") for a in first.find("a"))
    assert not any(a.text.startswith("Older") for a in second.find("a"))


JUNK = [
    "page=abc", "page=-1", "page=0", "page=99999999999999999999999", "per_page=abc", "per_page=-5",
    "sort=bogus", "since=notadate", "until=2026-13-45", "since=2026-03-05&until=2026-03-01",
    "sentiment=angry", "platform=%25", "q=-only", "q=" + "x" * 1200, "q=%00", "tag=%00",
    "origin=%25%5F", "q=NEAR(", 'q="', "page=1e3",
]
PATHS = ["/", "/members/", "/members/{anna}", "/search/", "/quarantine/", "/imports/", "/imports/1",
         "/api/v1/members", "/api/v1/members/{anna}", "/api/v1/members/{anna}/interactions",
         "/api/v1/search"]


@pytest.mark.parametrize("path", PATHS)
def test_junk_query_arguments_never_give_a_500(client, login, people, path: str) -> None:  # type: ignore[no-untyped-def]
    login("viewer")
    url = path.format(anna=people["anna"].id)
    for junk in JUNK:
        resp = client.get(f"{url}?{junk}")
        assert resp.status_code < 500, (url, junk, resp.status_code)
        assert resp.status_code in (200, 400, 404, 422), (url, junk, resp.status_code)
        if url.startswith("/api/"):
            assert resp.is_json, (url, junk)


def test_nul_bytes_are_refused_not_a_500(client, login, csrf, people, db: Session) -> None:  # type: ignore[no-untyped-def]
    # PostgreSQL cannot store or even compare text with NUL; every backend answers 400.
    login("manager")
    anna = people["anna"].id
    for url in ("/members/?q=a%00b", "/members/?tag=%00", "/search/?platform=%00", "/quarantine/?origin=%00",
                "/api/v1/members?q=%00"):
        resp = client.get(url)
        assert resp.status_code == 400, url
        assert "NUL character" in (resp.get_json()["message"] if resp.is_json else parse(resp.data).text)
    token = csrf(client, f"/members/{anna}")
    resp = client.post(f"/members/{anna}/notes", data={"csrf_token": token, "body": "hi\x00there"})
    assert resp.status_code == 400
    db.expire_all()
    assert members_notes(db, anna) == []


def members_notes(db: Session, member_id: int) -> list[str]:
    from sqlalchemy import select

    from crm.members.models import Note

    return list(db.scalars(select(Note.body).where(Note.member_id == member_id)))
