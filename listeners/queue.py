"""Where jobs go: RQ queues when REDIS_URL is set, otherwise the same functions run inline.

Enqueue only after the commit that created the rows a job reads: inside a transaction use
:func:`listeners.runtime.enqueue_after_commit` (warehouse's pattern), which holds the job
until the session commits and drops it on rollback, so no call site can get the order wrong.

Job ids are deterministic where a job must not run twice at once (``poll-source-3``): a second
job with the id of one still queued or running is refused, atomically (a short Redis lock
around the check). A job counts as running only while its worker is alive: a started job whose
worker stopped sending heartbeats (``kill -9``, a lost machine) is abandoned, and may be
enqueued again. Retries (:class:`RetryPolicy`) run on both queues: RQ's ``Retry`` on Redis,
the same attempts and pauses in-process when inline.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from crm.settings import Settings

log = logging.getLogger(__name__)
QUEUES = ("ingest", "alerts", "default")


@dataclass(frozen=True)
class RetryPolicy:
    """Try again up to ``max`` times, pausing ``intervals`` seconds (the last one repeats)."""

    max: int = 3
    intervals: Sequence[float] = (5, 30, 120)

    def pause(self, attempt: int) -> float:
        """The pause before retry number ``attempt`` (1-based)."""
        return float(self.intervals[min(attempt, len(self.intervals)) - 1]) if self.intervals else 0.0


class JobQueue(Protocol):
    """What callers need: put a job on a named queue, and ask whether a job id is alive."""

    def enqueue(
        self, func: Callable[..., Any], *args: Any, queue: str = "default", job_id: str | None = None,
        retry: RetryPolicy | None = None, **options: Any,
    ) -> Any: ...

    def is_active(self, job_id: str) -> bool: ...


class InlineQueue:
    """Runs jobs in this process: synchronously (tests, CLI) or on a background thread (serve).

    ``job_id`` de-duplicates like RQ's: while a job with that id runs, a second is dropped.
    A job with a ``retry`` policy is run again after its pauses when it raises; the last
    failure propagates (synchronous) or is logged (background).
    """

    def __init__(self, *, background: bool = False) -> None:
        self.background = background
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="crm-job") if background else None
        self._running: set[str] = set()
        self._lock = threading.Lock()

    def enqueue(
        self, func: Callable[..., Any], *args: Any, queue: str = "default", job_id: str | None = None,
        retry: RetryPolicy | None = None, **options: Any,
    ) -> Any:
        if queue not in QUEUES:
            raise ValueError(f"unknown queue {queue!r}")
        if job_id:
            with self._lock:
                if job_id in self._running:
                    return None
                self._running.add(job_id)
        if self._pool is None:
            try:
                return _run_with_retries(func, args, retry)
            finally:
                self._done(job_id)
        future = self._pool.submit(_run_with_retries, func, args, retry)
        future.add_done_callback(lambda f: self._finished(f, job_id, func))
        return future

    def is_active(self, job_id: str) -> bool:
        with self._lock:
            return job_id in self._running

    def _finished(self, future: Future[Any], job_id: str | None, func: Callable[..., Any]) -> None:
        self._done(job_id)
        exc = future.exception()
        if exc is not None:
            log.error("inline job %s failed", getattr(func, "__name__", func), exc_info=exc)

    def _done(self, job_id: str | None) -> None:
        if job_id:
            with self._lock:
                self._running.discard(job_id)


def _run_with_retries(func: Callable[..., Any], args: tuple[Any, ...], retry: RetryPolicy | None) -> Any:
    attempt = 0
    while True:
        try:
            return func(*args)
        except Exception:
            attempt += 1
            if retry is None or attempt > retry.max:
                raise
            pause = retry.pause(attempt)
            log.warning("job %s failed; retry %d of %d in %.0f s", getattr(func, "__name__", func),
                        attempt, retry.max, pause, exc_info=True)
            time.sleep(pause)


class RQQueue:
    """RQ queues on REDIS_URL, one per purpose (ingest, alerts, default)."""

    def __init__(self, redis_url: str, *, default_timeout: int = 600, heartbeat_seconds: int = 10) -> None:
        from redis import Redis  # imported here so the embedded default needs no Redis
        from rq import Queue

        self.connection = Redis.from_url(redis_url, socket_timeout=10, socket_connect_timeout=5)
        self.queues = {
            name: Queue(name, connection=self.connection, default_timeout=default_timeout) for name in QUEUES
        }
        # A worker that missed three heartbeats (and a margin) is gone.
        self.dead_after = timedelta(seconds=3 * heartbeat_seconds + 5)

    def enqueue(
        self, func: Callable[..., Any], *args: Any, queue: str = "default", job_id: str | None = None,
        retry: RetryPolicy | None = None, **options: Any,
    ) -> Any:
        from rq import Retry

        q = self.queues[queue]
        if retry is not None:
            options["retry"] = Retry(max=retry.max, interval=[int(i) for i in retry.intervals])
        if not job_id:
            return q.enqueue(func, *args, **options)
        # Check and enqueue under one short lock, so two dispatchers never both pass the check.
        with self.connection.lock(f"crm:enqueue:{job_id}", timeout=10, blocking_timeout=10):
            if self.is_active(job_id):
                return None
            self._forget_abandoned(job_id)
            return q.enqueue(func, *args, job_id=job_id, **options)

    def is_active(self, job_id: str) -> bool:
        """Queued, scheduled or deferred; or started by a worker that is still alive."""
        from rq.exceptions import NoSuchJobError
        from rq.job import Job, JobStatus

        try:
            job = Job.fetch(job_id, connection=self.connection)
        except NoSuchJobError:
            return False
        status = job.get_status(refresh=False)
        if status in (JobStatus.QUEUED, JobStatus.SCHEDULED, JobStatus.DEFERRED):
            return True
        if status == JobStatus.STARTED:
            return self._worker_alive(job.worker_name)
        return False

    def _worker_alive(self, name: str | None) -> bool:
        from rq import Worker

        if not name:
            return False
        worker = Worker.find_by_key(Worker.redis_worker_namespace_prefix + name, connection=self.connection)
        if worker is None or worker.last_heartbeat is None:
            return False
        beat = worker.last_heartbeat
        beat = beat if beat.tzinfo else beat.replace(tzinfo=UTC)
        return datetime.now(UTC) - beat < self.dead_after

    def _forget_abandoned(self, job_id: str) -> None:
        """Drop a dead worker's execution of this job, so RQ's clean-up never re-runs it later."""
        from rq.exceptions import NoSuchJobError
        from rq.job import Job
        from rq.registry import StartedJobRegistry

        try:
            job = Job.fetch(job_id, connection=self.connection)
        except NoSuchJobError:
            return
        if job.origin in self.queues:
            StartedJobRegistry(job.origin, connection=self.connection).remove_executions(job)

    def clean_up(self) -> None:
        """RQ's own registry maintenance (abandoned jobs with retries left are retried)."""
        from rq.registry import clean_registries

        for q in self.queues.values():
            clean_registries(q)


def make_queue(settings: Settings, *, background: bool = False) -> JobQueue:
    """RQ when REDIS_URL is set, inline otherwise."""
    if settings.redis_url:
        return RQQueue(settings.redis_url, heartbeat_seconds=settings.worker_heartbeat_seconds)
    return InlineQueue(background=background)
