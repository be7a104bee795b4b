"""Where jobs go: RQ queues when REDIS_URL is set, otherwise the same functions run inline.

Enqueue only after the commit that created the rows a job reads: callers commit first, then
call :meth:`JobQueue.enqueue`. Job ids are deterministic where a job must not run twice at
once (``poll-source-3``); RQ refuses a second job with the id of one still queued or running.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Protocol

from crm.settings import Settings

log = logging.getLogger(__name__)
QUEUES = ("ingest", "alerts", "default")


class JobQueue(Protocol):
    """What callers need: put a job on a named queue."""

    def enqueue(
        self, func: Callable[..., Any], *args: Any, queue: str = "default", job_id: str | None = None,
        **options: Any,
    ) -> Any: ...


class InlineQueue:
    """Runs jobs in this process: synchronously (tests, CLI) or on a background thread (serve).

    ``job_id`` de-duplicates like RQ's: while a job with that id runs, a second is dropped.
    """

    def __init__(self, *, background: bool = False) -> None:
        self.background = background
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="crm-job") if background else None
        self._running: set[str] = set()
        self._lock = threading.Lock()

    def enqueue(
        self, func: Callable[..., Any], *args: Any, queue: str = "default", job_id: str | None = None,
        **options: Any,
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
                return func(*args)
            finally:
                self._done(job_id)
        future = self._pool.submit(func, *args)
        future.add_done_callback(lambda f: self._finished(f, job_id, func))
        return future

    def _finished(self, future: Future[Any], job_id: str | None, func: Callable[..., Any]) -> None:
        self._done(job_id)
        exc = future.exception()
        if exc is not None:
            log.error("inline job %s failed", getattr(func, "__name__", func), exc_info=exc)

    def _done(self, job_id: str | None) -> None:
        if job_id:
            with self._lock:
                self._running.discard(job_id)


class RQQueue:
    """RQ queues on REDIS_URL, one per purpose (ingest, alerts, default)."""

    def __init__(self, redis_url: str, *, default_timeout: int = 600) -> None:
        from redis import Redis  # imported here so the embedded default needs no Redis
        from rq import Queue

        self.connection = Redis.from_url(redis_url)
        self.queues = {
            name: Queue(name, connection=self.connection, default_timeout=default_timeout) for name in QUEUES
        }

    def enqueue(
        self, func: Callable[..., Any], *args: Any, queue: str = "default", job_id: str | None = None,
        **options: Any,
    ) -> Any:
        q = self.queues[queue]
        if job_id:
            from rq.exceptions import NoSuchJobError
            from rq.job import Job, JobStatus

            try:
                existing = Job.fetch(job_id, connection=self.connection)
                if existing.get_status(refresh=True) in (
                    JobStatus.QUEUED, JobStatus.STARTED, JobStatus.SCHEDULED, JobStatus.DEFERRED,
                ):
                    return None
            except NoSuchJobError:
                pass
        return q.enqueue(func, *args, job_id=job_id, **options)


def make_queue(settings: Settings, *, background: bool = False) -> JobQueue:
    """RQ when REDIS_URL is set, inline otherwise."""
    if settings.redis_url:
        return RQQueue(settings.redis_url)
    return InlineQueue(background=background)
