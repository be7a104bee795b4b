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

from crm.sources.services import claim, claim_due
from listeners.polling import poll_source
from listeners.queue import JobQueue
from listeners.runtime import transaction

log = logging.getLogger(__name__)
TICK_SECONDS = 5.0


def job_id(source_id: int) -> str:
    """The deterministic job id of a source's poll."""
    return f"poll-source-{source_id}"


def tick(queue: JobQueue) -> list[int]:
    """Claim every due source and enqueue its poll (after the claim is committed)."""
    with transaction() as s:
        claimed = claim_due(s)
    for source_id in claimed:
        queue.enqueue(poll_source, source_id, queue="ingest", job_id=job_id(source_id), job_timeout=600)
    return claimed


def poll_now(queue: JobQueue, source_id: int) -> bool:
    """Poll one source now, unless a poll of it is already queued or running."""
    with transaction() as s:
        claimed = claim(s, source_id, force=True)
    if claimed:
        queue.enqueue(poll_source, source_id, queue="ingest", job_id=job_id(source_id), job_timeout=600)
    return claimed


def run_forever(queue: JobQueue, interval: float = TICK_SECONDS, stop: threading.Event | None = None) -> None:
    """Tick until stopped. A failing tick is logged and retried on the next one."""
    stop = stop or threading.Event()
    while not stop.is_set():
        started = time.monotonic()
        try:
            tick(queue)
        except Exception:  # noqa: BLE001 - the loop must outlive a database hiccup; it is logged
            log.exception("dispatcher tick failed")
        stop.wait(max(0.0, interval - (time.monotonic() - started)))


def start_in_background(queue: JobQueue, interval: float = TICK_SECONDS) -> threading.Event:
    """Run the dispatcher on a daemon thread (``crm serve``); set the returned event to stop it."""
    stop = threading.Event()
    threading.Thread(target=run_forever, args=(queue, interval, stop), name="crm-dispatcher", daemon=True).start()
    return stop
