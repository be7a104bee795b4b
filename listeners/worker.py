"""The RQ worker entry: imports everything before forking; no DB connection crosses a fork."""

from __future__ import annotations

import logging

from crm.settings import Settings
from listeners import runtime
from listeners.queue import QUEUES


def run_worker(settings: Settings, *, burst: bool = False) -> bool:
    """Work the ingest, alerts and default queues (in that priority order)."""
    from redis import Redis
    from rq import Queue, Worker

    import listeners.jobs  # noqa: F401  (loaded before the fork, shared by every child)

    logging.basicConfig(level=settings.log_level)
    runtime.configure(settings)  # engine built, not connected: children dispose it at fork
    connection = Redis.from_url(settings.redis_url or "")
    queues = [Queue(name, connection=connection) for name in QUEUES]
    return Worker(queues, connection=connection).work(burst=burst, with_scheduler=True)
