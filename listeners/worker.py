"""The RQ worker entry: imports everything before forking; no DB connection crosses a fork.

The worker outlives a Redis outage: when the connection drops it waits (with a back-off) and
starts working again, instead of exiting and taking every process of a Procfile runner with it.
A database outage only fails the job at hand, which its retry policy brings back.
"""

from __future__ import annotations

import logging
import time

from crm.settings import Settings
from listeners import runtime
from listeners.queue import QUEUES

log = logging.getLogger(__name__)
MAX_PAUSE = 30.0


def run_worker(settings: Settings, *, burst: bool = False) -> bool:
    """Work the ingest, alerts and default queues (in that priority order), through outages."""
    from redis import Redis
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError
    from rq import Queue

    import listeners.followups  # noqa: F401  (loaded before the fork, shared by every child)
    import listeners.healing  # noqa: F401
    import listeners.jobs  # noqa: F401
    from listeners.rq_workers import PromptWorker

    logging.basicConfig(level=settings.log_level)
    runtime.configure(settings)  # engine built, not connected: children dispose it at fork
    pause = 1.0
    while True:
        connection = Redis.from_url(settings.redis_url or "", socket_connect_timeout=5, health_check_interval=10)
        queues = [Queue(name, connection=connection) for name in QUEUES]
        try:
            # Building the worker talks to Redis too (CLIENT SETNAME): while Redis is still down
            # after a restart, that is an outage to wait out like any other, not an exit.
            worker = PromptWorker(
                queues, connection=connection, job_monitoring_interval=settings.worker_heartbeat_seconds,
                maintenance_interval=60,
            )
            result = worker.work(burst=burst, with_scheduler=True)
            if burst or not _lost(worker):
                return result
        except (RedisConnectionError, RedisTimeoutError, OSError) as exc:
            log.warning("worker: Redis is unreachable (%s); reconnecting in %.0f s", exc, pause)
        else:
            log.warning("worker: stopped after losing Redis; reconnecting in %.0f s", pause)
        time.sleep(pause)
        pause = min(pause * 2, MAX_PAUSE)


def _lost(worker: object) -> bool:
    """Whether ``work`` returned because Redis went away rather than on a stop request."""
    return not getattr(worker, "_stop_requested", False)
