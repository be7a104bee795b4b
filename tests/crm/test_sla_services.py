"""SLA policies and clocks on real inbox items: first match wins, due times in the team's
business hours, next-response targets, states, settling, warnings, escalation exactly once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm.errors import InvalidInput
from crm.inbox import actions
from crm.inbox.models import InboxEvent, InboxItem
from crm.inbox.triage import triage
from crm.sla import checks, policies, teams
from crm.sla.clock import parse_windows
from crm.sla.intake import take_in
from crm.sla.models import ItemSla, Team
from crm.users.services import create_user
from tests.factories import author, ingest, mention, unique

# Fri 27 Mar 2026 15:00Z = 16:00 CET; the team is open Mon-Fri 09:00-17:00 Europe/Berlin.
FRIDAY_4PM = datetime(2026, 3, 27, 15, tzinfo=UTC)


def _user(db: Session, role: str = "manager"):  # type: ignore[no-untyped-def]
    return create_user(db, email=f"{unique(role)}@example.com", password="correct horse", role=role, name=role)


def _items(db: Session, *mentions) -> list[InboxItem]:  # type: ignore[no-untyped-def]
    result = ingest(db, *mentions)
    triage(db, result.new_ids)
    db.flush()
    return list(db.scalars(select(InboxItem).where(InboxItem.interaction_id.in_(result.new_ids)).order_by(InboxItem.id)))


@pytest.fixture()
def berlin(db: Session) -> Team:
    lead = _user(db, "manager")
    team = teams.save_team(db, name="Community DE", timezone="Europe/Berlin", lead_id=lead.id)
    teams.set_weekly_hours(db, team.id, {d: parse_windows("09:00-17:00") for d in range(5)})
    return team


def test_first_matching_policy_by_order_wins(db: Session, berlin: Team) -> None:
    policies.save_policy(db, name="catch-all", position=30, team_id=berlin.id, first_response_minutes=480)
    x = policies.save_policy(db, name="X", position=10, platform="x", team_id=berlin.id, first_response_minutes=60)
    q = policies.save_policy(db, name="questions", position=20, reason="question", team_id=berlin.id,
                             first_response_minutes=120)
    items = _items(
        db,
        mention(platform="x", text="How do I share a folder?", created_at=FRIDAY_4PM),
        mention(text="How do I share a folder?", created_at=FRIDAY_4PM),
        mention(text="This is terrible, awful, broken software. I hate it.", created_at=FRIDAY_4PM),
    )
    clocks = {c.item_id: c for c in policies.start_clocks(db, items)}
    got = [clocks[i.id].policy_id for i in items]
    assert got[0] == x.id and got[1] == q.id and got[2] not in (x.id, q.id, None)
    # 60 min from Friday 16:00 CET: exactly at closing, 17:00 CET = 16:00Z.
    assert clocks[items[0].id].due_at == datetime(2026, 3, 27, 16, tzinfo=UTC)
    # 120 min: 60 on Friday, then Monday 09:00 CEST (07:00Z) + 60 = 08:00Z, across the DST change.
    assert clocks[items[1].id].due_at == datetime(2026, 3, 30, 8, tzinfo=UTC)
    # Warning at 80 % = 96 business minutes: 60 Friday + 36 Monday = 07:36Z.
    assert clocks[items[1].id].warn_at == datetime(2026, 3, 30, 7, 36, tzinfo=UTC)
    assert policies.start_clocks(db, items) == []  # idempotent


def test_inactive_policies_and_no_match_leave_no_target(db: Session, berlin: Team) -> None:
    policies.save_policy(db, name="off", active=False, team_id=berlin.id, first_response_minutes=60)
    policies.save_policy(db, name="reddit only", platform="reddit", team_id=berlin.id, first_response_minutes=60)
    (item,) = _items(db, mention(platform="x", text="How do I share a folder?", created_at=FRIDAY_4PM))
    (clock,) = policies.start_clocks(db, [item])
    assert clock.policy_id is None and clock.due_at is None
    assert policies.state_of(item, clock, FRIDAY_4PM + timedelta(days=9)).state == "none"


def test_next_response_target_for_a_follow_up_after_our_answer(db: Session, berlin: Team) -> None:
    policies.save_policy(db, name="p", team_id=berlin.id, first_response_minutes=240, next_response_minutes=30)
    asker = author()
    q = mention(by=asker, external_id=unique("q"), text="How do I restore a file?", created_at=FRIDAY_4PM)
    (first,) = _items(db, q)
    actions.mark_handled(db, [first.id], actor=_user(db), now=FRIDAY_4PM + timedelta(minutes=20))
    follow = mention(by=asker, text="And how do I restore a folder?", kind="reply", parent_id=q.external_id,
                     thread_id=q.external_id, created_at=datetime(2026, 3, 30, 8, tzinfo=UTC))
    (second,) = _items(db, follow)
    clocks = {c.item_id: c for c in policies.start_clocks(db, [first, second])}
    assert (clocks[first.id].kind, clocks[first.id].target_minutes) == ("first", 240)
    assert (clocks[second.id].kind, clocks[second.id].target_minutes) == ("next", 30)
    assert clocks[second.id].due_at == datetime(2026, 3, 30, 8, 30, tzinfo=UTC)
    # The first one was answered in 20 business minutes: met, settled at once.
    assert clocks[first.id].met is True and clocks[first.id].response_business_seconds == 1200


def test_states_over_time(db: Session, berlin: Team) -> None:
    policies.save_policy(db, name="p", team_id=berlin.id, first_response_minutes=120)
    (item,) = _items(db, mention(text="How do I share a folder?", created_at=FRIDAY_4PM))
    (clock,) = policies.start_clocks(db, [item])
    # Saturday: the clock is paused with 60 business minutes left; the due time is Monday.
    sat = policies.state_of(item, clock, datetime(2026, 3, 28, 12, tzinfo=UTC))
    assert sat.state == "ok" and sat.due_at == datetime(2026, 3, 30, 8, tzinfo=UTC)
    assert policies.state_of(item, clock, datetime(2026, 3, 30, 7, 40, tzinfo=UTC)).state == "warning"
    assert policies.state_of(item, clock, datetime(2026, 3, 30, 8, tzinfo=UTC)).state == "breached"
    item.first_response_at = datetime(2026, 3, 30, 7, 59, tzinfo=UTC)
    assert policies.state_of(item, clock, datetime(2026, 3, 30, 9, tzinfo=UTC)).state == "met"
    item.first_response_at = datetime(2026, 3, 30, 8, 1, tzinfo=UTC)
    assert policies.state_of(item, clock, datetime(2026, 3, 30, 9, tzinfo=UTC)).state == "missed"


def test_a_breach_escalates_once_to_the_on_call_person(db: Session, berlin: Team) -> None:
    oncall = _user(db, "manager")
    teams.save_team(db, team_id=berlin.id, name=berlin.name, timezone="Europe/Berlin",
                    lead_id=berlin.lead_id, oncall_id=oncall.id)
    policies.save_policy(db, name="p", team_id=berlin.id, first_response_minutes=120)
    (item,) = _items(db, mention(text="How do I share a folder?", created_at=FRIDAY_4PM))
    # Monday 07:40Z: warned, not breached.
    r = checks.run_checks(db, datetime(2026, 3, 30, 7, 40, tzinfo=UTC))
    assert (r.started, r.warned, len(r.escalations)) == (1, 1, 0)
    r = checks.run_checks(db, datetime(2026, 3, 30, 7, 50, tzinfo=UTC))
    assert (r.warned, len(r.escalations)) == (0, 0)
    # Monday 08:05Z: breached and escalated to the on-call person (who beats the lead).
    r = checks.run_checks(db, datetime(2026, 3, 30, 8, 5, tzinfo=UTC))
    assert [(e.item_id, e.user_id, e.team) for e in r.escalations] == [(item.id, oncall.id, "Community DE")]
    for minutes in (6, 60, 600):
        again = checks.run_checks(db, datetime(2026, 3, 30, 8, 5, tzinfo=UTC) + timedelta(minutes=minutes))
        assert again.escalations == ()
    db.expire_all()
    assert db.get(InboxItem, item.id).escalation_level == 1  # type: ignore[union-attr]
    kinds = list(db.scalars(select(InboxEvent.kind).where(InboxEvent.item_id == item.id, InboxEvent.kind.like("sla_%"))))
    assert sorted(kinds) == ["sla_breach", "sla_warning"]
    clock = db.get(ItemSla, item.id)
    assert clock is not None and clock.escalated_to_id == oncall.id and clock.breached_at is not None


def test_an_old_backlog_is_recorded_as_breached_but_pages_nobody(db: Session, berlin: Team) -> None:
    policies.save_policy(db, name="p", team_id=berlin.id, first_response_minutes=60)
    (item,) = _items(db, mention(text="How do I share a folder?", created_at=FRIDAY_4PM))
    r = checks.run_checks(db, FRIDAY_4PM + timedelta(days=30))
    assert r.escalations == ()
    clock = db.get(ItemSla, item.id)
    assert clock is not None and clock.breached_at is not None and clock.escalated_at is None


def test_answered_items_are_settled_with_business_time(db: Session, berlin: Team) -> None:
    policies.save_policy(db, name="p", team_id=berlin.id, first_response_minutes=120)
    (item,) = _items(db, mention(text="How do I share a folder?", created_at=FRIDAY_4PM))
    checks.run_checks(db, FRIDAY_4PM + timedelta(minutes=1))
    # Answered Monday 07:30Z (09:30 CEST): 60 + 30 business minutes, 2 days 16.5 h wall-clock.
    actions.mark_handled(db, [item.id], actor=_user(db), now=datetime(2026, 3, 30, 7, 30, tzinfo=UTC))
    r = checks.run_checks(db, datetime(2026, 3, 30, 9, tzinfo=UTC))
    assert r.settled == 1 and r.escalations == ()
    clock = db.get(ItemSla, item.id)
    assert clock is not None and clock.met is True and clock.response_business_seconds == 90 * 60
    assert db.get(InboxItem, item.id).first_response_seconds == (2 * 24 + 16.5) * 3600  # type: ignore[union-attr]


def test_changing_policies_recomputes_open_clocks_only(db: Session, berlin: Team) -> None:
    p = policies.save_policy(db, name="p", team_id=berlin.id, first_response_minutes=120)
    a, b = _items(db, mention(text="How do I share a folder?", created_at=FRIDAY_4PM),
                  mention(text="How do I move a folder?", created_at=FRIDAY_4PM))
    policies.start_clocks(db, [a, b])
    actions.mark_handled(db, [b.id], actor=_user(db), now=FRIDAY_4PM + timedelta(minutes=5))
    policies.save_policy(db, policy_id=p.id, name="p", team_id=berlin.id, first_response_minutes=30)
    db.expire_all()
    assert db.get(ItemSla, a.id) is None and db.get(ItemSla, b.id) is not None
    checks.run_checks(db, FRIDAY_4PM + timedelta(minutes=1))
    assert db.get(ItemSla, a.id).due_at == FRIDAY_4PM + timedelta(minutes=30)  # type: ignore[union-attr]


def test_holiday_moves_the_due_time(db: Session, berlin: Team) -> None:
    from datetime import date

    teams.add_holiday(db, berlin.id, day=date(2026, 3, 30), name="Closed")
    policies.save_policy(db, name="p", team_id=berlin.id, first_response_minutes=120)
    (item,) = _items(db, mention(text="How do I share a folder?", created_at=FRIDAY_4PM))
    (clock,) = policies.start_clocks(db, [item])
    assert clock.due_at == datetime(2026, 3, 31, 8, tzinfo=UTC)  # Tuesday 10:00 CEST


def test_bad_input_names_the_field(db: Session, berlin: Team) -> None:
    cases = [
        (dict(name="", first_response_minutes=10), "name"),
        (dict(name="p", first_response_minutes=0), "first_response_minutes"),
        (dict(name="p", first_response_minutes=10, next_response_minutes=-1), "next_response_minutes"),
        (dict(name="p", first_response_minutes=10, reason="spam"), "reason"),
        (dict(name="p", first_response_minutes=10, warn_percent=100), "warn_percent"),
        (dict(name="p", first_response_minutes=10, team_id=berlin.id + 999), "team_id"),
    ]
    for fields, field in cases:
        with pytest.raises(InvalidInput) as err:
            policies.save_policy(db, **fields)  # type: ignore[arg-type]
        assert err.value.field == field
    with pytest.raises(InvalidInput) as err:
        teams.save_team(db, name="T", timezone="Europe/Berlinn")
    assert err.value.field == "timezone"


def test_intake_after_triage_is_idempotent(db: Session, berlin: Team) -> None:
    policies.save_policy(db, name="p", team_id=berlin.id, first_response_minutes=120)
    result = ingest(db, mention(text="How do I share a folder?", created_at=FRIDAY_4PM))
    triage(db, result.new_ids)
    first = take_in(db, result.new_ids, now=FRIDAY_4PM)
    again = take_in(db, result.new_ids, now=FRIDAY_4PM)
    assert (first.clocks, again.clocks) == (1, 0)
    assert db.scalar(select(func.count()).select_from(ItemSla)) == 1


def test_a_segment_policy_matches_its_members_only(db: Session, berlin: Team) -> None:
    from crm.segments.services import create_segment

    vip = author(followers=250_000)
    segment = create_segment(db, name=unique("VIPs"), rule={"field": "reach", "min": 100_000})
    fast = policies.save_policy(db, name="VIP", position=1, segment_id=segment.id, team_id=berlin.id,
                                first_response_minutes=30)
    slow = policies.save_policy(db, name="rest", position=2, team_id=berlin.id, first_response_minutes=480)
    a, b = _items(db, mention(by=vip, text="How do I share a folder?", created_at=FRIDAY_4PM),
                  mention(by=author(followers=12), text="How do I move a folder?", created_at=FRIDAY_4PM))
    clocks = {c.item_id: c.policy_id for c in policies.start_clocks(db, [a, b])}
    assert clocks == {a.id: fast.id, b.id: slow.id}
