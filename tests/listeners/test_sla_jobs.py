"""SLA jobs through the real runtime: the escalation reaches a real SMTP server and a real
webhook exactly once however often the check runs; the follow-up drain assigns and starts clocks."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from crm.db import utcnow
from crm.inbox.models import InboxItem
from crm.inbox.triage import triage
from crm.settings import Settings
from crm.sla import assignment, policies, teams
from crm.sla.clock import parse_windows
from crm.sla.models import ItemSla
from crm.users.services import create_user
from listeners import runtime
from listeners import sla as sla_jobs
from listeners.queue import InlineQueue
from tests.factories import ingest, mention, unique
from tests.listeners.test_alerts_delivery import WebhookSink

ALL_WEEK = {d: parse_windows("00:00-24:00") for d in range(7)}


@pytest.fixture()
def use_runtime(settings: Settings, session_factory: sessionmaker[Session]) -> Iterator[Callable[..., None]]:
    before = runtime._runtime

    def do(**changes: Any) -> None:
        runtime.configure(replace(settings, **changes), session_factory, InlineQueue())

    do()
    yield do
    runtime._runtime = before


@pytest.fixture()
def webhook() -> Iterator[WebhookSink]:
    sink = WebhookSink()
    yield sink
    sink.close()


def test_escalation_is_delivered_once(db: Session, use_runtime, webhook, smtp) -> None:  # type: ignore[no-untyped-def]
    use_runtime(smtp_url=smtp.url)
    lead = create_user(db, email=f"{unique('lead')}@example.com", password="correct horse", role="manager",
                       name="Lead")
    team = teams.save_team(db, name="Always", timezone="Asia/Tokyo", lead_id=lead.id, webhook_url=webhook.url)
    teams.set_weekly_hours(db, team.id, ALL_WEEK)
    policies.save_policy(db, name="fast", team_id=team.id, first_response_minutes=60)
    result = ingest(db, mention(text="How do I share a folder? <@everyone> http://evil.example",
                                created_at=utcnow() - timedelta(hours=3)))
    triage(db, result.new_ids)
    db.flush()
    first = sla_jobs.run_sla_checks()
    second = sla_jobs.run_sla_checks()
    assert (first["escalated"], second["escalated"]) == (1, 0)
    assert len(webhook.received) == 1 and len(smtp.messages) == 1
    body = webhook.received[0][1]
    assert "SLA breached" in body["text"] and "evil.example" not in str(body)  # no member text
    assert smtp.messages[0][0] == [lead.email]
    item = db.scalar(select(InboxItem).where(InboxItem.interaction_id == result.new_ids[0]))
    assert item is not None
    db.expire_all()
    clock = db.get(ItemSla, item.id)
    assert clock is not None and clock.escalation_error is None and clock.escalated_to_id == lead.id


def test_a_failed_webhook_is_recorded_not_repeated(db: Session, use_runtime) -> None:  # type: ignore[no-untyped-def]
    sink = WebhookSink(codes=[500, 500])
    try:
        team = teams.save_team(db, name="Always", timezone="UTC", webhook_url=sink.url)
        teams.set_weekly_hours(db, team.id, ALL_WEEK)
        policies.save_policy(db, name="fast", team_id=team.id, first_response_minutes=10)
        result = ingest(db, mention(text="How do I share a folder?", created_at=utcnow() - timedelta(hours=1)))
        triage(db, result.new_ids)
        db.flush()
        assert sla_jobs.run_sla_checks()["escalated"] == 1
        assert sla_jobs.run_sla_checks()["escalated"] == 0
        assert len(sink.received) == 1
        item = db.scalar(select(InboxItem).where(InboxItem.interaction_id == result.new_ids[0]))
        db.expire_all()
        clock = db.get(ItemSla, item.id)  # type: ignore[union-attr]
        assert clock is not None and "HTTP 500" in (clock.escalation_error or "")
    finally:
        sink.close()


def test_the_followup_drain_assigns_and_starts_the_clock(db: Session, use_runtime) -> None:  # type: ignore[no-untyped-def]
    from listeners.followups import run_followups

    agent = create_user(db, email=f"{unique('a')}@example.com", password="correct horse", role="manager")
    assignment.save_agent(db, user_id=agent.id, timezone="UTC", weekly=ALL_WEEK)
    policies.save_policy(db, name="catch-all", first_response_minutes=60)
    result = ingest(db, mention(text="How do I share a folder?", created_at=utcnow()))
    db.flush()
    out = run_followups(result.new_ids, [])
    assert out["sla"] == {"assigned": 1, "clocks": 1}
    item = db.scalar(select(InboxItem).where(InboxItem.interaction_id == result.new_ids[0]))
    assert item is not None and item.assignee_id == agent.id


def test_the_assignee_gets_one_warning_email(db: Session, use_runtime, smtp) -> None:  # type: ignore[no-untyped-def]
    use_runtime(smtp_url=smtp.url)
    agent = create_user(db, email=f"{unique('a')}@example.com", password="correct horse", role="manager")
    team = teams.save_team(db, name="Always", timezone="UTC")
    teams.set_weekly_hours(db, team.id, ALL_WEEK)
    # Arrived 50 minutes ago, target 60, warning at 80 % (48 min): warned, not breached.
    policies.save_policy(db, name="p", team_id=team.id, first_response_minutes=60, warn_percent=80)
    result = ingest(db, mention(text="How do I share a folder?", created_at=utcnow() - timedelta(minutes=50)))
    triage(db, result.new_ids)
    item = db.scalar(select(InboxItem).where(InboxItem.interaction_id == result.new_ids[0]))
    assert item is not None
    item.assignee_id = agent.id
    db.flush()
    assert sla_jobs.run_sla_checks()["warned"] == 1
    assert sla_jobs.run_sla_checks()["warned"] == 0
    assert [to for to, _body in smtp.messages] == [[agent.email]]
    assert b"nearly due" in smtp.messages[0][1]
