"""Members services: list with search, filters, sorting and pages; profile; tags and notes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from crm.errors import InvalidInput, NotFound
from crm.members import services
from crm.members.models import Member
from tests.factories import BASE_TIME, author, ingest, member_of, mention

POSITIVE = "I love it, wonderful and great work!"
NEGATIVE = "Terrible, awful, I hate it."
MILDLY_NEGATIVE = "This is a bit disappointing."


@pytest.fixture()
def people(db: Session) -> dict[str, Member]:
    """Four members with distinct names, platforms, activity, sentiment and reach."""
    specs = {
        # key: (platform, display name, handle, followers, [(hours, text)])
        "anna": ("reddit", "Anna Schmidt", "anna_s", 120, [(1, POSITIVE), (2, POSITIVE), (30, POSITIVE)]),
        "bert": ("x", "Bert Jones", "bertie", 9000, [(5, NEGATIVE)]),
        "cleo": ("mastodon", "Cleo Park", "cleo_p", None, [(-48, NEGATIVE), (10, MILDLY_NEGATIVE)]),
        "dan": ("xenforo", "Dan 100% Real", "dan_x", 50, [(3, "Just a neutral remark about a parcel.")]),
    }
    found = {}
    for key, (platform, name, handle, followers, items) in specs.items():
        who = author(handle=handle, display_name=name, followers=followers)
        ingest(db, *[
            mention(platform=platform, by=who, text=text, created_at=BASE_TIME + timedelta(hours=h))
            for h, text in items
        ])
        found[key] = member_of(db, platform, who.id)
    return found


def names(page: services.MemberPage) -> list[str]:
    return [m.display_name for m in page.items]


def test_search_by_name_and_handle(db: Session, people: dict[str, Member]) -> None:
    assert names(services.list_members(db, q="anna")) == ["Anna Schmidt"]
    assert names(services.list_members(db, q="SCHMIDT")) == ["Anna Schmidt"]
    assert names(services.list_members(db, q="bertie")) == ["Bert Jones"]
    assert names(services.list_members(db, q="@bertie")) == ["Bert Jones"]
    assert names(services.list_members(db, q="nobody-like-this")) == []


def test_our_team_accounts_are_not_community_members(db: Session, people: dict[str, Member]) -> None:
    from crm.inbox.services import add_team_account

    team = author(handle="nimbus_support", display_name="Nimbus Support")
    ingest(db, mention(platform="x", by=team, text="We are on it, sorry for the trouble!"))
    assert "Nimbus Support" in names(services.list_members(db))
    add_team_account(db, platform="x", handle="nimbus_support")
    listed = names(services.list_members(db))
    assert "Nimbus Support" not in listed and sorted(listed) == sorted(m.display_name for m in people.values())


@pytest.mark.parametrize("wildcard", ["%", "_", "\\"])
def test_like_wildcards_are_literal(db: Session, people: dict[str, Member], wildcard: str) -> None:
    page = services.list_members(db, q=wildcard)
    expected = {"%": ["Dan 100% Real"], "_": ["Anna Schmidt", "Cleo Park", "Dan 100% Real"], "\\": []}
    assert sorted(names(page)) == expected[wildcard]


def test_platform_filter_matches_whole_platform_names(db: Session, people: dict[str, Member]) -> None:
    assert names(services.list_members(db, platform="reddit")) == ["Anna Schmidt"]
    # "x" is a platform of its own, not a substring of "xenforo".
    assert names(services.list_members(db, platform="x")) == ["Bert Jones"]
    assert names(services.list_members(db, platform="%")) == []
    assert names(services.list_members(db, platform="eddi")) == []


def test_tag_filter(db: Session, people: dict[str, Member]) -> None:
    services.add_tag(db, people["bert"].id, "  VIP   Customer ")
    assert names(services.list_members(db, tag="vip customer")) == ["Bert Jones"]
    assert names(services.list_members(db, tag="other")) == []


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("last_active", ["anna", "cleo", "bert", "dan"]),
        ("interactions", ["anna", "cleo", "dan", "bert"]),
        ("sentiment", ["anna", "dan", "cleo", "bert"]),
        ("sentiment_asc", ["bert", "cleo", "dan", "anna"]),
        ("reach", ["bert", "anna", "dan", "cleo"]),
        ("name", ["anna", "bert", "cleo", "dan"]),
        ("first_seen", ["bert", "dan", "anna", "cleo"]),
    ],
)
def test_every_sort_key(db: Session, people: dict[str, Member], sort: str, expected: list[str]) -> None:
    by_id = {m.id: k for k, m in people.items()}
    got = [by_id[m.id] for m in services.list_members(db, sort=sort).items]
    if sort == "interactions":
        # bert and dan have one each: ties go newest member first.
        assert got[:2] == expected[:2] and got[2:] == sorted(["bert", "dan"], key=lambda k: -people[k].id)
    else:
        assert got == expected


def test_every_sort_key_is_covered() -> None:
    assert set(services.SORTS) == {
        "last_active", "interactions", "sentiment", "sentiment_asc", "reach", "name", "first_seen",
    }


def test_unknown_sort_is_invalid(db: Session) -> None:
    with pytest.raises(InvalidInput) as err:
        services.list_members(db, sort="bogus")
    assert err.value.field == "sort"


def test_pagination(db: Session, people: dict[str, Member]) -> None:
    pages = [services.list_members(db, sort="name", page=n, per_page=3) for n in (1, 2, 3)]
    assert [names(p) for p in pages] == [["Anna Schmidt", "Bert Jones", "Cleo Park"], ["Dan 100% Real"], []]
    assert all(p.total == 4 and p.pages == 2 for p in pages)
    clamped = services.list_members(db, page=-5, per_page=100_000)
    assert (clamped.page, clamped.per_page) == (1, 200)


def test_get_member_and_not_found(db: Session, people: dict[str, Member]) -> None:
    m = services.get_member(db, people["anna"].id)
    assert [i.handle for i in m.identities] == ["anna_s"]
    with pytest.raises(NotFound):
        services.get_member(db, 10**9)


def test_tags_are_normalised_idempotent_and_removable(db: Session, people: dict[str, Member]) -> None:
    mid = people["anna"].id
    assert services.add_tag(db, mid, "  Power   User ") == "power user"
    assert services.add_tag(db, mid, "POWER USER") == "power user"
    services.add_tag(db, mid, "beta")
    db.expire_all()
    assert [t.tag for t in services.get_member(db, mid).tags] == ["beta", "power user"]
    services.remove_tag(db, mid, "power user")
    services.remove_tag(db, mid, "never-there")
    db.expire_all()
    assert [t.tag for t in services.get_member(db, mid).tags] == ["beta"]
    for bad in ("", "   ", "x" * 65):
        with pytest.raises(InvalidInput):
            services.add_tag(db, mid, bad)
    with pytest.raises(NotFound):
        services.add_tag(db, 10**9, "tag")


def test_notes(db: Session, people: dict[str, Member]) -> None:
    mid = people["cleo"].id
    note = services.add_note(db, mid, body="  Called back, all fine.  ", author_id=None)
    assert note.id is not None and note.body == "Called back, all fine."
    for bad in ("", "   ", "x" * 10_001):
        with pytest.raises(InvalidInput) as err:
            services.add_note(db, mid, body=bad, author_id=None)
        assert err.value.field == "body"
    with pytest.raises(NotFound):
        services.add_note(db, 10**9, body="hello", author_id=None)
