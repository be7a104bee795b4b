"""Assignment rules: round-robin fairness, shift boundaries in each agent's zone, out of office,
language and platform, and manual assignment winning."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.errors import InvalidInput
from crm.inbox import actions
from crm.inbox.models import InboxItem
from crm.inbox.triage import triage
from crm.sla import assignment
from crm.sla.clock import parse_windows
from crm.sla.intake import take_in
from crm.users.services import create_user
from tests.factories import ingest, mention, unique

# Mon 30 Mar 2026 13:00Z = 15:00 in Berlin (CEST), 09:00 in New York (EDT), 22:00 in Tokyo.
MONDAY_13Z = datetime(2026, 3, 30, 13, tzinfo=UTC)


def _user(db: Session, role: str = "manager"):  # type: ignore[no-untyped-def]
    return create_user(db, email=f"{unique(role)}@example.com", password="correct horse", role=role, name=role)


def _agent(db: Session, tz: str, hours: str = "09:00-17:00", languages: tuple[str, ...] = (),
           platforms: tuple[str, ...] = (), role: str = "manager") -> int:
    user = _user(db, role)
    assignment.save_agent(db, user_id=user.id, timezone=tz, languages=languages, platforms=platforms,
                          weekly={d: parse_windows(hours) for d in range(5)})
    return int(user.id)


def _items(db: Session, n: int, **fields) -> list[InboxItem]:  # type: ignore[no-untyped-def]
    result = ingest(db, *[mention(text=f"How do I share folder {unique('f')}?", created_at=MONDAY_13Z, **fields)
                          for _ in range(n)])
    triage(db, result.new_ids)
    db.flush()
    return list(db.scalars(select(InboxItem).where(InboxItem.interaction_id.in_(result.new_ids)).order_by(InboxItem.id)))


def test_round_robin_is_fair_among_agents_on_shift(db: Session) -> None:
    berlin = _agent(db, "Europe/Berlin")
    new_york = _agent(db, "America/New_York")
    _agent(db, "Asia/Tokyo")  # 22:00 there: off shift
    berlin2 = _agent(db, "Europe/Berlin")
    done = assignment.assign_new_items(db, _items(db, 9), now=MONDAY_13Z)
    assert Counter(done.values()) == {berlin: 3, new_york: 3, berlin2: 3}
    # Strict rotation: no agent gets two in a row, and a later batch continues the rotation.
    order = list(done.values())
    assert all(a != b for a, b in zip(order, order[1:], strict=False))
    more = assignment.assign_new_items(db, _items(db, 3), now=MONDAY_13Z)
    assert sorted(more.values()) == sorted([berlin, new_york, berlin2])


def test_shift_boundaries_in_each_agents_zone(db: Session) -> None:
    berlin = _agent(db, "Europe/Berlin")
    new_york = _agent(db, "America/New_York")
    on = lambda now: {a.user_id for a in assignment.on_shift(db, now)}  # noqa: E731
    # Berlin closes at 17:00 CEST = 15:00Z; New York opens at 09:00 EDT = 13:00Z.
    assert on(datetime(2026, 3, 30, 14, 59, 59, tzinfo=UTC)) == {berlin, new_york}
    assert on(datetime(2026, 3, 30, 15, tzinfo=UTC)) == {new_york}
    assert on(datetime(2026, 3, 30, 12, 59, tzinfo=UTC)) == {berlin}
    # Before the DST change in New York (Fri 6 Mar, EST): 09:00 is 14:00Z, not 13:00Z.
    assert on(datetime(2026, 3, 6, 13, 30, tzinfo=UTC)) == {berlin}
    assert on(datetime(2026, 3, 6, 14, tzinfo=UTC)) == {berlin, new_york}
    # Saturday: nobody.
    assert on(datetime(2026, 3, 28, 13, tzinfo=UTC)) == set()


def test_out_of_office_takes_an_agent_out(db: Session) -> None:
    a = _agent(db, "Europe/Berlin")
    b = _agent(db, "Europe/Berlin")
    away = assignment.add_away(db, a, first_day=date(2026, 3, 30), last_day=date(2026, 4, 3), note="Easter")
    done = assignment.assign_new_items(db, _items(db, 2), now=MONDAY_13Z)
    assert set(done.values()) == {b}
    assignment.remove_away(db, a, away.id)
    with pytest.raises(InvalidInput) as err:
        assignment.add_away(db, a, first_day=date(2026, 4, 3), last_day=date(2026, 4, 1))
    assert err.value.field == "last_day"


def test_language_and_platform(db: Session) -> None:
    german = _agent(db, "Europe/Berlin", languages=("de",))
    english = _agent(db, "Europe/Berlin", languages=("en",), platforms=("reddit",))
    de_items = _items(db, 2, language="de")
    x_items = _items(db, 2, platform="x", language="en")
    done = assignment.assign_new_items(db, de_items + x_items, now=MONDAY_13Z)
    assert [done.get(i.id) for i in de_items] == [german, german]
    # Nobody on shift both speaks English and takes X: left for a person to pick up.
    assert [done.get(i.id) for i in x_items] == [None, None]
    reddit_en = _items(db, 1, language="en")
    assert list(assignment.assign_new_items(db, reddit_en, now=MONDAY_13Z).values()) == [english]


def test_manual_assignment_wins(db: Session) -> None:
    agent = _agent(db, "Europe/Berlin")
    admin = _user(db, "admin")
    someone = _user(db, "manager")
    a, b = _items(db, 2)
    actions.assign(db, [a.id], assignee_id=someone.id, actor=admin)
    actions.assign(db, [b.id], assignee_id=someone.id, actor=admin)
    actions.assign(db, [b.id], assignee_id=None, actor=admin)  # a person chose "unassigned"
    assert assignment.assign_new_items(db, [a, b], now=MONDAY_13Z) == {}
    db.expire_all()
    assert db.get(InboxItem, a.id).assignee_id == someone.id  # type: ignore[union-attr]
    # And a person overrides the rule's choice.
    (c,) = _items(db, 1)
    assert assignment.assign_new_items(db, [c], now=MONDAY_13Z) == {c.id: agent}
    actions.assign(db, [c.id], assignee_id=someone.id, actor=admin)
    assert db.get(InboxItem, c.id).assignee_id == someone.id  # type: ignore[union-attr]


def test_viewers_and_out_of_rotation_agents_get_nothing(db: Session) -> None:
    with pytest.raises(InvalidInput) as err:
        _agent(db, "Europe/Berlin", role="viewer")
    assert err.value.field == "user_id"
    a = _agent(db, "Europe/Berlin")
    b = _agent(db, "Europe/Berlin")
    shift = assignment.get_agent(db, a)
    assignment.save_agent(db, user_id=a, timezone=shift.timezone, in_rotation=False)
    assert set(assignment.assign_new_items(db, _items(db, 3), now=MONDAY_13Z).values()) == {b}


def test_intake_assigns_once(db: Session) -> None:
    agent = _agent(db, "Europe/Berlin")
    result = ingest(db, mention(text="How do I share a folder?", created_at=MONDAY_13Z))
    triage(db, result.new_ids)
    assert take_in(db, result.new_ids, now=MONDAY_13Z).assigned == 1
    assert take_in(db, result.new_ids, now=MONDAY_13Z + timedelta(minutes=1)).assigned == 0
    item = db.scalar(select(InboxItem).where(InboxItem.interaction_id == result.new_ids[0]))
    assert item is not None and item.assignee_id == agent


def test_an_item_is_assigned_by_the_rule_at_most_once(db: Session) -> None:
    a = _agent(db, "Europe/Berlin")
    (item,) = _items(db, 1)
    assert assignment.assign_new_items(db, [item], now=MONDAY_13Z) == {item.id: a}
    item.assignee_id = None  # as when the agent's account is deleted (ON DELETE SET NULL)
    db.flush()
    assert assignment.assign_new_items(db, [item], now=MONDAY_13Z) == {}
