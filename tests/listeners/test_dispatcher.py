"""The poll dispatcher: leases, unique job ids, "poll now", and real Redis + a real RQ worker.

The Redis tests cannot use the rolled-back test session (the worker's job opens its own
connections and must see committed rows), so they use a scratch database of the run's backend
(a SQLite file, or a PostgreSQL database created and dropped here) and point listeners.runtime
at it; the previous runtime is restored afterwards.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fakes.reddit_api import FakeReddit
from fakes.x_api import FakeX
from redis import Redis
from rq import Queue
from rq.job import Job, JobStatus
from sqlalchemy import Engine, create_engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from crm.db import utcnow
from crm.migrate import upgrade
from crm.settings import Settings
from crm.sources import services as sources
from crm.sources.models import PollRun, Source
from listeners import dispatcher, runtime
from listeners.polling import poll_source
from listeners.queue import RQQueue
from listeners.rq_workers import PromptSimpleWorker as SimpleWorker
from tests.listeners.conftest import Listening, fake_settings


class RecordingQueue:
    """Records what would be enqueued without running it; ``refuse`` plays a duplicate job id."""

    def __init__(self, *, refuse: bool = False) -> None:
        self.jobs: list[tuple[Any, tuple[Any, ...], str, str | None]] = []
        self.refuse = refuse

    def enqueue(self, func: Any, *args: Any, queue: str = "default", job_id: str | None = None, **options: Any) -> Any:
        if self.refuse:
            return None
        self.jobs.append((func, args, queue, job_id))
        return object()


def lease_of(listening: Listening, source_id: int) -> Any:
    return listening.source(source_id).lease_until


# --- leases and job ids (rolled-back test database) ----------------------------------------
def test_tick_enqueues_each_due_source_once_with_its_job_id(listening: Listening) -> None:
    due = listening.add_source()
    later = listening.add_source("x", "search", "widget")
    paused = listening.add_source(query="django")
    with listening.session_factory.begin() as s:
        s.get(Source, later).next_poll_at = utcnow() + timedelta(minutes=5)
        sources.set_enabled(s, paused, False)
    queue = RecordingQueue()

    assert dispatcher.tick(queue) == [due]
    assert queue.jobs == [(poll_source, (due,), "ingest", f"poll-source-{due}")]
    assert lease_of(listening, due) > utcnow() + timedelta(minutes=14)
    # The poll has not run yet: the next ticks leave the source alone.
    assert dispatcher.tick(queue) == [] and dispatcher.tick(queue) == []
    assert len(queue.jobs) == 1


def test_a_finished_poll_gives_the_lease_back_and_schedules_the_next(listening: Listening) -> None:
    sid = listening.add_source(interval_seconds=120)

    assert dispatcher.tick(listening.queue) == [sid]  # the inline queue runs the poll right away
    source = listening.source(sid)
    assert source.lease_until is None and source.status == "ok"
    assert dispatcher.tick(listening.queue) == []
    with listening.session_factory.begin() as s:
        assert sources.claim_due(s, now=utcnow() + timedelta(seconds=121)) == [sid]


def test_poll_now_skips_the_schedule_but_not_a_running_poll(listening: Listening) -> None:
    sid = listening.add_source()
    with listening.session_factory.begin() as s:
        s.get(Source, sid).next_poll_at = utcnow() + timedelta(hours=1)
    queue = RecordingQueue()

    assert dispatcher.poll_now(queue, sid) is True
    assert queue.jobs[0][3] == f"poll-source-{sid}"
    assert dispatcher.poll_now(queue, sid) is False  # queued or running: no twin
    assert dispatcher.tick(queue) == []
    assert len(queue.jobs) == 1


def test_poll_now_refuses_a_paused_source(listening: Listening) -> None:
    sid = listening.add_source()
    with listening.session_factory.begin() as s:
        sources.set_enabled(s, sid, False)
    queue = RecordingQueue()
    assert dispatcher.poll_now(queue, sid) is False and queue.jobs == []


def test_a_job_refused_by_the_queue_gives_the_lease_back(listening: Listening) -> None:
    # The previous poll released its lease, but its job is not marked finished yet: the queue
    # refuses the duplicate id. Keeping the lease would stall the source for 15 minutes.
    sid = listening.add_source()

    assert dispatcher.tick(RecordingQueue(refuse=True)) == []
    assert lease_of(listening, sid) is None
    assert dispatcher.poll_now(RecordingQueue(refuse=True), sid) is False
    assert lease_of(listening, sid) is None
    assert dispatcher.tick(RecordingQueue()) == [sid]


def test_pause_and_resume_during_a_poll_keep_its_lease(listening: Listening) -> None:
    sid = listening.add_source()
    queue = RecordingQueue()
    assert dispatcher.tick(queue) == [sid]

    with listening.session_factory.begin() as s:
        sources.set_enabled(s, sid, False)
    with listening.session_factory.begin() as s:
        sources.set_enabled(s, sid, True)

    assert dispatcher.tick(queue) == [] and dispatcher.poll_now(queue, sid) is False
    assert len(queue.jobs) == 1


def test_an_expired_lease_is_taken_over(listening: Listening) -> None:
    # A worker that died mid-poll releases nothing; its lease runs out and the source is polled again.
    sid = listening.add_source()
    with listening.session_factory.begin() as s:
        assert sources.claim_due(s) == [sid]
        assert sources.claim_due(s, now=utcnow() + timedelta(minutes=10)) == []
        assert sources.claim_due(s, now=utcnow() + sources.LEASE + timedelta(seconds=1)) == [sid]


def test_run_forever_ticks_until_stopped(listening: Listening) -> None:
    sid = listening.add_source()
    queue = RecordingQueue()
    stop = dispatcher.start_in_background(queue, interval=0.01)
    try:
        deadline = utcnow() + timedelta(seconds=5)
        while not queue.jobs and utcnow() < deadline:
            threading.Event().wait(0.01)
    finally:
        stop.set()
    # Only poll jobs: the loop also drives other timers (alerts) on the same queue.
    assert [job[1] for job in queue.jobs if job[0] is poll_source] == [(sid,)]


def test_run_forever_outlives_a_failing_tick(listening: Listening, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    stop = threading.Event()

    def flaky_tick(queue: Any) -> list[int]:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database restarting")
        stop.set()
        return []

    monkeypatch.setattr(dispatcher, "tick", flaky_tick)
    dispatcher.run_forever(RecordingQueue(), interval=0.0, stop=stop)
    assert len(calls) == 2


# --- a scratch database, real Redis, a real RQ worker --------------------------------------
@dataclass
class Scratch:
    settings: Settings
    session_factory: sessionmaker[Session]

    def add_source(self, **fields: Any) -> int:
        with self.session_factory.begin() as s:
            fields.setdefault("interval_seconds", 300)
            return sources.save_source(s, platform="reddit", kind="subreddit", query="python", min_interval=1,
                                       **fields).id

    def count(self, model: Any, **where: Any) -> int:
        with self.session_factory() as s:
            query = select(func.count()).select_from(model)
            for name, value in where.items():
                query = query.where(getattr(model, name) == value)
            return s.scalar(query) or 0


@pytest.fixture()
def scratch(
    engine: Engine, settings: Settings, tmp_path: Path, fake_reddit: FakeReddit, fake_x: FakeX
) -> Iterator[Scratch]:
    """A migrated database of the run's backend with committed data, set as the runtime."""
    dropped: str | None = None
    if engine.url.get_backend_name() == "postgresql":
        dropped = f"crm_scratch_{uuid.uuid4().hex[:8]}"
        admin = create_engine(engine.url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{dropped}"'))
        url = engine.url.set(database=dropped).render_as_string(hide_password=False)
    else:
        url = f"sqlite:///{tmp_path / 'dispatch.sqlite3'}"
    upgrade(url)
    before = runtime._runtime
    configured = fake_settings(replace(settings, database_url=url), fake_reddit, fake_x)
    rt = runtime.configure(configured)
    yield Scratch(configured, rt.session_factory)
    runtime._runtime = before
    rt.engine.dispose()
    if dropped:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{dropped}" WITH (FORCE)'))
        admin.dispose()


def test_concurrent_claims_take_a_source_once(scratch: Scratch) -> None:
    sid = scratch.add_source()
    barrier = threading.Barrier(8)
    won: list[bool] = []

    def race() -> None:
        barrier.wait()
        with scratch.session_factory.begin() as s:
            won.append(sources.claim(s, sid, force=True))

    threads = [threading.Thread(target=race) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert sorted(won) == [False] * 7 + [True]


def test_two_dispatcher_ticks_never_run_two_polls_of_one_source_real_redis(
    scratch: Scratch, redis_url: str, fake_reddit: FakeReddit
) -> None:
    queue = RQQueue(redis_url)
    runtime.configure(scratch.settings, scratch.session_factory, queue)  # follow-ups go to Redis too
    sid = scratch.add_source()
    ingest = queue.queues["ingest"]

    # Two dispatchers tick at the same moment, then once more each.
    barrier = threading.Barrier(2)
    enqueued: list[list[int]] = []

    def dispatch() -> None:
        barrier.wait()
        enqueued.append(dispatcher.tick(queue))
        enqueued.append(dispatcher.tick(queue))

    threads = [threading.Thread(target=dispatch) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert sorted(enqueued) == [[], [], [], [sid]]
    assert ingest.job_ids == [f"poll-source-{sid}"]

    # Even with the lease gone (say it ran out), the queued job id refuses a twin...
    with scratch.session_factory.begin() as s:
        sources.release_claim(s, sid)
    assert dispatcher.tick(queue) == [] and dispatcher.poll_now(queue, sid) is False
    assert ingest.count == 1
    with scratch.session_factory() as s:  # ...and the refused claim was given back.
        assert s.get(Source, sid).lease_until is None  # type: ignore[union-attr]

    connection = Redis.from_url(redis_url)
    assert SimpleWorker([Queue("ingest", connection=connection)], connection=connection).work(burst=True)
    job = Job.fetch(f"poll-source-{sid}", connection=connection)
    assert job.get_status(refresh=True) == JobStatus.FINISHED, job.latest_result()
    assert job.return_value()["new"] > 0

    assert len([r for r in fake_reddit.requests if r.path.startswith("/r/python/new")]) == 1
    assert scratch.count(PollRun, source_id=sid) == 1
    with scratch.session_factory() as s:
        source = s.get(Source, sid)
        assert source is not None and source.status == "ok" and source.lease_until is None
    # Follow-up work was enqueued after the batch committed.
    assert queue.queues["default"].count >= 1
    # Polled and not due: nothing more until the interval has passed.
    assert dispatcher.tick(queue) == []
    queue.connection.close()
    connection.close()


def test_the_next_poll_can_be_enqueued_once_the_job_finished_real_redis(scratch: Scratch, redis_url: str) -> None:
    queue = RQQueue(redis_url)
    runtime.configure(scratch.settings, scratch.session_factory, queue)
    sid = scratch.add_source(interval_seconds=300)
    connection = Redis.from_url(redis_url)
    worker = SimpleWorker([Queue("ingest", connection=connection)], connection=connection)

    assert dispatcher.tick(queue) == [sid]
    assert worker.work(burst=True)
    # A finished job with the same id does not block "poll now".
    assert dispatcher.poll_now(queue, sid) is True
    assert worker.work(burst=True)
    assert scratch.count(PollRun, source_id=sid) == 2
    with scratch.session_factory() as s:
        runs = list(s.scalars(select(PollRun.outcome).where(PollRun.source_id == sid)))
    assert runs == ["ok", "ok"]
    queue.connection.close()
    connection.close()
