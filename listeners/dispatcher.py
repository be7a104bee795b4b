"""The poll dispatcher: every few seconds, claim due sources and enqueue one poll each.

Claiming is a conditional UPDATE with a lease (crm.sources.services.claim_due), and the job id
is ``poll-source-<id>``: two ticks, two dispatcher processes, or a tick and "poll now" never
run two polls of one source at once. Production runs it as ``crm scheduler``; ``crm serve``
runs it on a thread next to the web app.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from crm.sources.services import claim, claim_due, release_claim
from listeners import alerts, inbox, privacy, retention, sla, webhooks
from listeners.healing import heal
from listeners.polling import poll_job_id, poll_source
from listeners.queue import JobQueue, RetryPolicy
from listeners.runtime import transaction

log = logging.getLogger(__name__)
TICK_SECONDS = 5.0
HEAL_EVERY = 10.0
# A crashed poll is retried soon; the source's own back-off (record_crash) paces the rest.
POLL_RETRY = RetryPolicy(max=2, intervals=(15, 60))


def tick(queue: JobQueue) -> list[int]:
    """Claim every due source and enqueue its poll (after the claim is committed); the ids enqueued."""
    with transaction() as s:
        claimed = claim_due(s)
    enqueued = []
    for i, source_id in enumerate(claimed):
        try:
            if _enqueue(queue, source_id):
                enqueued.append(source_id)
        except Exception:
            with transaction() as s:  # the queue is down: release the claims not yet tried
                for rest in claimed[i + 1 :]:
                    release_claim(s, rest)
            raise
    return enqueued


def poll_now(queue: JobQueue, source_id: int) -> bool:
    """Poll one source now, unless a poll of it is already queued or running."""
    with transaction() as s:
        claimed = claim(s, source_id, force=True)
    return claimed and _enqueue(queue, source_id)


def _enqueue(queue: JobQueue, source_id: int) -> bool:
    """Enqueue a claimed source's poll; if the queue refuses it, give the lease back.

    The queue refuses a job whose id is still queued or running: the previous poll has just
    released its lease but its job has not been marked finished yet. Keeping our lease would
    leave the source unpolled until the lease runs out (15 minutes); that previous job
    releases nothing more, so the next tick simply claims the source again.
    """
    try:
        job = queue.enqueue(
            poll_source, source_id, queue="ingest", job_id=poll_job_id(source_id), job_timeout=600, retry=POLL_RETRY
        )
    except Exception:
        # Redis is down: keep nothing leased that no job will ever release.
        with transaction() as s:
            release_claim(s, source_id)
        raise
    if job is not None:
        return True
    with transaction() as s:
        release_claim(s, source_id)
    return False


@dataclass
class PeriodicJobs:
    """Enqueues the timer jobs each area declares (``PERIODIC`` in listeners.alerts, .inbox).

    Each entry is (job id, function, every N seconds, queue, delay the first run); the job id
    is fixed, so a slow run is never doubled by the next tick.
    """

    jobs: tuple[tuple[str, Callable[[], Any], float, str, bool], ...] = ()
    _last: dict[str, float] = field(default_factory=dict)

    @classmethod
    def default(cls) -> PeriodicJobs:

        return cls(alerts.PERIODIC + inbox.PERIODIC + retention.PERIODIC + privacy.PERIODIC + webhooks.PERIODIC
                   + sla.PERIODIC)

    def tick(self, queue: Any, now: float | None = None) -> list[str]:
        """Enqueue whatever is due; return the job ids enqueued."""
        now = time.monotonic() if now is None else now
        due = []
        for job_id, func, every, queue_name, delay_first in self.jobs:
            last = self._last.get(job_id)
            if last is None and delay_first:
                self._last[job_id] = now
                continue
            if last is None or now - last >= every:
                queue.enqueue(func, queue=queue_name, job_id=job_id)
                self._last[job_id] = now  # only once enqueued: a queue outage is retried next tick
                due.append(job_id)
        return due


def run_forever(queue: JobQueue, interval: float = TICK_SECONDS, stop: threading.Event | None = None) -> None:
    """Tick until stopped. A failing tick is logged and retried on the next one.

    Every HEAL_EVERY seconds it first takes up what a crash left behind (listeners.healing).
    Next to the polls, the periodic jobs: alert evaluation every minute (a finished bucket or a
    sudden silence is seen without new data), the hourly digest, the inbox's due work.
    """

    stop = stop or threading.Event()
    periodic = PeriodicJobs.default()
    last_heal = -HEAL_EVERY
    while not stop.is_set():
        started = time.monotonic()
        if started - last_heal >= HEAL_EVERY:
            try:
                heal(queue)
                last_heal = started
            except Exception:  # noqa: BLE001 - as below: logged, retried on the next tick
                log.exception("healing step failed")
        try:
            tick(queue)
        except Exception:  # noqa: BLE001 - the loop must outlive a database hiccup; it is logged
            log.exception("dispatcher tick failed")
        try:
            periodic.tick(queue)
        except Exception:  # noqa: BLE001 - as above: logged, retried on the next tick
            log.exception("periodic jobs tick failed")
        stop.wait(max(0.0, interval - (time.monotonic() - started)))


def start_in_background(queue: JobQueue, interval: float = TICK_SECONDS) -> threading.Event:
    """Run the dispatcher on a daemon thread (``crm serve``); set the returned event to stop it."""
    stop = threading.Event()
    threading.Thread(target=run_forever, args=(queue, interval, stop), name="crm-dispatcher", daemon=True).start()
    return stop
