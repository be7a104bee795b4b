"""Alert jobs: count and evaluate after each batch, evaluate on a timer, deliver, send the digest.

Evaluation commits first and enqueues the deliveries after the commit. A delivery is attempted
outside any transaction (a slow webhook must not hold SQLite's write lock) and every attempt
is recorded. On RQ a failed attempt raises, and RQ's Retry brings it back with back-off; inline
(no Redis) a few quick retries run in-process, and what still fails stays "failed" in the
delivery log for the team to see.
"""

from __future__ import annotations

import logging
import smtplib
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from crm.alerts import counters, notify
from crm.alerts.evaluation import Outcome, evaluate_rules
from crm.alerts.models import AlertRule, Delivery
from crm.alerts.services import COUNTER_HISTORY, needs_counter_rebuild
from crm.db import utcnow
from crm.users.services import speaker_for
from listeners import runtime
from listeners.delivery import (
    DeliveryFailed,
    email_message,
    json_body,
    post_webhook,
    send_email,
    slack_body,
)
from listeners.runtime import transaction

log = logging.getLogger(__name__)
RETRY_INTERVALS = [10, 30, 60, 300, 900]
INLINE_RETRY_DELAYS: tuple[float, ...] = (0.5, 2.0)
TIMER_SECONDS = 60.0
DIGEST_SECONDS = 3600.0
# What a failed send raises: our own DeliveryFailed (HTTP errors) and the socket/SMTP errors.
SEND_ERRORS = (DeliveryFailed, OSError, smtplib.SMTPException)


def _summary(outcome: Outcome) -> dict[str, Any]:
    return {"rules": outcome.rules, "events": len(outcome.events), "opened": outcome.opened,
            "deliveries": len(outcome.deliveries)}


def evaluate_after_ingest(interaction_ids: list[int]) -> dict[str, Any]:
    """Recount the scopes and buckets a committed batch touched, and evaluate their rules."""
    with transaction() as s:
        touched = counters.update_counters(s, interaction_ids)
        outcome = evaluate_rules(s, utcnow(), scopes=touched.scopes) if touched.scopes else Outcome()
    send_deliveries(outcome.deliveries)
    return _summary(outcome)


def evaluate_all() -> dict[str, Any]:
    """The timer: evaluate every rule, so a finished bucket, a silence or a calm is seen too."""
    with transaction() as s:
        outcome = evaluate_rules(s, utcnow())
    send_deliveries(outcome.deliveries)
    return _summary(outcome)


def rebuild_rule_counters(rule_id: int) -> int:
    """Count a new (or changed) query or segment rule's scope over the baseline's history."""
    with transaction() as s:
        rule = s.get(AlertRule, rule_id)
        if rule is None or not needs_counter_rebuild(rule):
            return 0
        now = utcnow()
        return counters.rebuild_scope(s, rule.scope_key, now - COUNTER_HISTORY, now)


def send_deliveries(delivery_ids: Sequence[int]) -> None:
    """Enqueue one delivery job per id (after the commit that created them)."""
    if not delivery_ids:
        return
    queue = runtime.queue()
    on_rq = hasattr(queue, "queues")  # RQQueue; the inline queue has no retry scheduler
    for delivery_id in delivery_ids:
        job_id = f"alert-delivery-{delivery_id}"
        if on_rq:
            from rq import Retry

            queue.enqueue(
                deliver, delivery_id, queue="alerts", job_id=job_id, job_timeout=120,
                retry=Retry(max=len(RETRY_INTERVALS), interval=RETRY_INTERVALS),
            )
        else:
            queue.enqueue(deliver_inline, delivery_id, queue="alerts", job_id=job_id)


@dataclass
class _Prepared:
    channel: str
    target: str
    payload: Any = None
    error: str | None = None
    done: str | None = None


def _prepare(delivery_id: int) -> _Prepared:
    settings = runtime.get().settings
    with transaction() as s:
        row = s.get(Delivery, delivery_id)
        if row is None or row.status in notify.DONE or row.status == "digest":
            return _Prepared("", "", done=row.status if row is not None else "gone")
        found = notify.notices(s, [row], settings.base_url)
        if not found:
            return _Prepared("", "", done="gone")
        if row.channel == "email":
            if not settings.smtp_url:
                notify.record_attempt(s, row, error="SMTP_URL is not set", skipped=True)
                return _Prepared("", "", done="skipped")
            payload: Any = email_message(found, row.target, settings.mail_from, speaker_for(
                s, row.target, language=settings.default_language, timezone=settings.default_timezone))
        else:
            payload = (slack_body if row.webhook_format == "slack" else json_body)(found)
        return _Prepared(row.channel, row.target, payload)


def _send(prepared: _Prepared) -> int | None:
    """Send a prepared notification; the HTTP status for webhooks."""
    if prepared.channel == "email":
        send_email(runtime.get().settings.smtp_url or "", prepared.payload)
        return None
    return post_webhook(prepared.target, prepared.payload, allow=runtime.get().settings.outgoing_allow)


def _attempt(delivery_id: int, *, retry: bool) -> tuple[str, BaseException | None]:
    """One try: prepare, send outside a transaction, record. Returns (status, send error)."""
    prepared = _prepare(delivery_id)
    if prepared.done is not None:
        return prepared.done, None
    started = time.perf_counter()
    failure: BaseException | None = None
    status_code = None
    try:
        status_code = _send(prepared)
    except SEND_ERRORS as exc:
        failure = exc
        status_code = getattr(exc, "status_code", None)
    elapsed = int((time.perf_counter() - started) * 1000)
    error = f"{type(failure).__name__}: {failure}"[:1000] if failure is not None else None
    with transaction() as s:
        row = s.get(Delivery, delivery_id)
        if row is None:
            return "gone", failure
        notify.record_attempt(
            s, row, error=error, status_code=status_code, duration_ms=elapsed, retry=retry
        )
        return row.status, failure


def deliver(delivery_id: int) -> str:
    """RQ job: one attempt; a failure raises so that RQ's Retry tries again with back-off."""
    from rq import get_current_job

    job = get_current_job()
    retries_left = (job.retries_left or 0) if job is not None else 0
    status, failure = _attempt(delivery_id, retry=retries_left > 0)
    if failure is not None:
        raise DeliveryFailed(f"delivery {delivery_id}: {failure}") from failure
    return status


def deliver_inline(delivery_id: int) -> str:
    """Inline (no Redis): a bounded number of quick attempts; the last failure stays recorded."""
    delays = (0.0, *INLINE_RETRY_DELAYS)
    status = "pending"
    for i, delay in enumerate(delays):
        time.sleep(delay)
        status, failure = _attempt(delivery_id, retry=i < len(delays) - 1)
        if failure is None:
            return status
    return status


def send_digest() -> dict[str, int]:
    """Send every waiting watch-level delivery, one message per (channel, target)."""
    settings = runtime.get().settings
    work = []
    with transaction() as s:
        for (channel, target, fmt), rows in notify.digest_groups(s).items():
            found = notify.notices(s, rows, settings.base_url)
            ids = [r.id for r in rows]
            if channel == "email" and not settings.smtp_url:
                for row in rows:
                    notify.record_attempt(s, row, error="SMTP_URL is not set", skipped=True)
                continue
            if channel == "email":
                payload: Any = email_message(found, target, settings.mail_from, speaker_for(
                    s, target, language=settings.default_language, timezone=settings.default_timezone))
            else:
                payload = (slack_body if fmt == "slack" else json_body)(found)
            work.append((ids, _Prepared(channel, target, payload)))
    sent = failed = 0
    for ids, prepared in work:
        error, code = None, None
        try:
            code = _send(prepared)
        except SEND_ERRORS as exc:
            error, code = f"{type(exc).__name__}: {exc}"[:1000], getattr(exc, "status_code", None)
        with transaction() as s:
            for delivery_id in ids:
                row = s.get(Delivery, delivery_id)
                if row is not None:
                    notify.record_attempt(s, row, error=error, status_code=code)
        sent, failed = (sent + 1, failed) if error is None else (sent, failed + 1)
    return {"sent": sent, "failed": failed}


# (job id, function, every N seconds, queue, first run delayed by one interval): the
# dispatcher's PeriodicJobs runs them. Evaluation every minute sees a finished bucket or a
# sudden silence without new data; the first digest goes out an interval after start.
PERIODIC = (
    ("alerts-evaluate", evaluate_all, TIMER_SECONDS, "alerts", False),
    ("alerts-digest", send_digest, DIGEST_SECONDS, "alerts", True),
)
