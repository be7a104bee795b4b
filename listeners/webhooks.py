"""Delivering outgoing webhooks: one job per try, the back-off kept in the database.

A delivery row is written in the transaction of the change it announces (crm.webhooks.emit);
after the commit :func:`kick_deliveries` enqueues a sweep, and the dispatcher sweeps every few
seconds too, so a lost enqueue or a crash only delays a delivery. Each try is recorded; a
failure waits by the back-off table (seconds to hours) in the row, not in a sleeping worker,
which is why this does not use the queue's in-process RetryPolicy pauses.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any

import requests
from sqlalchemy import select

from crm.interactions.models import Interaction
from crm.outgoing import BlockedAddress
from crm.webhooks import services as hooks
from crm.webhooks.models import WebhookDelivery
from listeners import outgoing, runtime
from listeners.runtime import transaction

log = logging.getLogger(__name__)
SWEEP_JOB_ID = "webhooks-sweep"
TIMEOUT = 10.0
USER_AGENT = "social-crm-webhooks/1"


def post(url: str, body: bytes, headers: dict[str, str], *, allow: Sequence[str] = ()) -> hooks.AttemptResult:
    """One HTTP POST through the SSRF guard (listeners.outgoing); any 2xx is a success."""
    started = time.monotonic()
    try:
        r = outgoing.post(url, allow=allow, timeout=TIMEOUT, data=body, headers=headers)
    except BlockedAddress as exc:  # the host now resolves somewhere we do not call
        return hooks.AttemptResult(False, None, exc.message)
    except requests.RequestException as exc:
        return hooks.AttemptResult(False, None, f"{type(exc).__name__}: {exc}"[:500],
                                   int((time.monotonic() - started) * 1000))
    ms = int((time.monotonic() - started) * 1000)
    if 200 <= r.status_code < 300:
        return hooks.AttemptResult(True, r.status_code, None, ms)
    return hooks.AttemptResult(False, r.status_code, f"HTTP {r.status_code}: {r.text[:200]}", ms)


def deliver_webhook(delivery_id: int) -> str:
    """Try one delivery now; return its status. The row is re-read: a gone row is a no-op."""
    allow = runtime.get().settings.outgoing_allow
    with transaction() as s:
        d = s.get(WebhookDelivery, delivery_id)
        if d is None or d.status in ("sent", "failed"):
            return d.status if d else "gone"
        sub = d.subscription
        if not sub.enabled:
            return "subscription disabled"
        url, secret, body, event, event_id = sub.url, sub.secret, hooks.body_of(d), d.event, d.event_id
    ts = int(time.time())
    result = post(url, body, {
        "Content-Type": "application/json", "User-Agent": USER_AGENT, "X-Event": event,
        "X-Event-Id": event_id, "X-Delivery-Id": str(delivery_id), "X-Signature": hooks.sign(secret, ts, body),
    }, allow=allow)
    with transaction() as s:
        d = s.get(WebhookDelivery, delivery_id)
        if d is None:
            return "gone"
        hooks.record_attempt(s, d, result)
        return d.status


def deliver_due(limit: int = 200) -> dict[str, int]:
    """Try every delivery that is due (the sweep); counts by outcome."""
    with transaction() as s:
        ids = hooks.due_ids(s, limit=limit)
    out: dict[str, int] = {}
    for i in ids:
        status = deliver_webhook(i)
        out[status] = out.get(status, 0) + 1
    return out


def kick_deliveries() -> None:
    """Make a sweep run soon (after a commit that wrote deliveries)."""
    try:
        runtime.queue().enqueue(deliver_due, queue="default", job_id=SWEEP_JOB_ID)
    except Exception:  # noqa: BLE001 - the rows are committed; the dispatcher sweeps anyway
        log.warning("could not enqueue the webhook sweep; the dispatcher will", exc_info=True)


def mention_json(i: Any) -> dict[str, Any]:
    """An interaction as a mention.created item."""
    return {
        "id": i.id, "platform": i.platform, "external_id": i.external_id, "kind": i.kind, "title": i.title,
        "text": i.text, "url": i.url, "occurred_at": i.occurred_at.isoformat(), "language": i.language,
        "sentiment": i.sentiment, "sentiment_label": i.sentiment_label, "member_id": i.member_id,
        "source_id": i.source_id,
    }


def emit_mentions(interaction_ids: Sequence[int]) -> int:
    """mention.created for new interactions, in batches (a follow-up step of ingest)."""
    if not interaction_ids:
        return 0
    written = 0
    with transaction() as s:
        if not hooks.wants(s, "mention.created"):
            return 0
        for batch in hooks.mention_batches(interaction_ids):
            rows = list(s.scalars(select(Interaction).where(Interaction.id.in_(batch)).order_by(Interaction.id)))
            if not rows:
                continue
            # Keyed by the batch's ids: a drain that runs twice writes each batch once.
            written += len(hooks.emit(
                s, "mention.created", {"mentions": [mention_json(i) for i in rows]},
                dedupe_key=f"mention.created:{batch[0]}-{batch[-1]}:{len(batch)}",
                interaction_ids=[i.id for i in rows],
            ))
    if written:
        kick_deliveries()
    return written




# (job id, function, every N seconds, queue, delay the first run): see listeners.dispatcher.
PERIODIC = ((SWEEP_JOB_ID, deliver_due, 15.0, "default", False),)
