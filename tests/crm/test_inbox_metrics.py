"""crm/inbox/metrics.py against hand-computed answers, on both backends; team posts left out."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session

from connectors.base import Author
from crm.inbox import metrics, services
from crm.inbox.models import InboxItem
from crm.inbox.triage import triage
from tests.factories import author, ingest, mention, unique

MON = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday
PLAT = "metricsland"


def _setup(db: Session) -> None:
    services.add_team_account(db, platform=PLAT, handle="crew")
    crew = Author(id=unique("crew"), handle="crew")
    alice, bob = author(), author()
    qs = [
        mention(platform=PLAT, by=alice, external_id=unique("q"), text="How do I export?", created_at=MON,
                channel="help"),
        mention(platform=PLAT, by=bob, external_id=unique("q"), text="How do I import?",
                created_at=MON + timedelta(hours=1), channel="help"),
        mention(platform=PLAT, by=alice, external_id=unique("q"), text="How do I sync?",
                created_at=MON + timedelta(days=7), channel="general"),
        mention(platform=PLAT, by=bob, external_id=unique("q"), text="How do I pause?",
                created_at=MON + timedelta(days=7, hours=2), channel="general"),
    ]
    res = ingest(db, *qs)
    triage(db, res.new_ids)
    # Team answers: q0 after 10 min, q1 after 30 min, q2 after 2 h; q3 stays open.
    replies = [
        mention(platform=PLAT, by=crew, text="Like this.", kind="reply", parent_id=q.external_id,
                thread_id=q.external_id, created_at=q.created_at + delay, channel=q.channel)
        for q, delay in zip(qs[:3], (timedelta(minutes=10), timedelta(minutes=30), timedelta(hours=2)), strict=True)
    ]
    res = ingest(db, *replies)
    triage(db, res.new_ids)


def test_first_response_by_week(db: Session) -> None:
    _setup(db)
    stats = metrics.first_response_by_week(db, MON - timedelta(days=1), MON + timedelta(days=14))[PLAT]
    assert [(s.week, s.count, s.median_seconds, s.p90_seconds) for s in stats] == [
        (date(2026, 3, 2), 2, 600.0, 1800.0),
        (date(2026, 3, 9), 1, 7200.0, 7200.0),
    ]


def test_backlog_by_day(db: Session) -> None:
    _setup(db)
    db.execute(update(InboxItem).where(InboxItem.platform != PLAT).values(occurred_at=MON + timedelta(days=400)))
    backlog = dict(metrics.backlog_by_day(db, MON, MON + timedelta(days=9)))
    # All answered the day they came, except the last one: open from day 7 on.
    assert backlog[date(2026, 3, 2)] == 0
    assert backlog[date(2026, 3, 9)] == 1
    assert backlog[date(2026, 3, 10)] == 1
    assert len(backlog) == 10  # 09:00 Monday to 09:00 nine days later touches ten dates


def test_people_metrics_leave_team_posts_out(db: Session) -> None:
    _setup(db)
    since, until = MON - timedelta(days=1), MON + timedelta(days=14)
    sov = dict(metrics.share_of_voice(db, since, until))
    assert sov[f"{PLAT} / help"] == 2 and sov[f"{PLAT} / general"] == 2  # 3 team replies not counted
    active = [n for _m, n in metrics.most_active_members(db, since, until)]
    assert active == [2, 2]  # alice and bob; the team account is not a member to rank
    volume = metrics.volume_by_day(db, since, until)
    assert sum(n for rows in volume.values() for _d, n in rows) == 4
    summary = metrics.summary(db, since, until)
    assert (summary["arrived"], summary["answered"], summary["open"]) == (4, 3, 1)
    assert summary["median_seconds"] == 1800


def test_percentile_is_nearest_rank() -> None:
    assert metrics.percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90) == 9
    assert metrics.percentile([5], 50) == 5
    assert metrics.week_of(date(2026, 3, 8)) == date(2026, 3, 2)
