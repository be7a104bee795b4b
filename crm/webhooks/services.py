"""Subscriptions, events written as deliveries in the caller's transaction, signatures, back-off.

Signatures follow Stripe's scheme: ``X-Signature: t=<unix time>,v1=<hex HMAC-SHA256>`` over
``"<t>.<body>"`` with the subscription's secret. A receiver recomputes it and refuses a
timestamp older than a few minutes, so a captured request cannot be replayed later.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from crm.db import utcnow
from crm.errors import InvalidInput, NotFound
from crm.outgoing import check_url
from crm.webhooks.models import EVENTS, WebhookDelivery, WebhookSubscription

# Pauses before attempt 2, 3, ... (the last repeats): about a day in all, as GitHub and Stripe do.
BACKOFF = (10, 60, 300, 1800, 7200, 21600, 43200)
MAX_ATTEMPTS = 8
# Deliveries that failed for good in a row before a subscription is switched off.
DISABLE_AFTER = 5
TOLERANCE_SECONDS = 300
MENTION_BATCH = 100


@dataclass(frozen=True)
class AttemptResult:
    """One HTTP try: ok, the status code if the server answered, the error, how long."""

    ok: bool
    status_code: int | None = None
    error: str | None = None
    duration_ms: int = 0


def new_secret() -> str:
    """A fresh signing secret ("whsec_..."), shown once to the person who creates the hook."""
    return "whsec_" + secrets.token_urlsafe(32)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The ``X-Signature`` header value for a body sent at ``timestamp``."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify(secret: str, header: str, body: bytes, *, now: int, tolerance: int = TOLERANCE_SECONDS) -> bool:
    """What a receiver does: the signature matches and the timestamp is recent (no replays)."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        ts = int(parts.get("t", ""))
    except ValueError:
        return False
    if abs(now - ts) > tolerance:
        return False
    expected = sign(secret, ts, body).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))


def _events(events: Sequence[str]) -> list[str]:
    chosen = sorted(set(events))
    unknown = [e for e in chosen if e not in EVENTS]
    if unknown or not chosen:
        raise InvalidInput(f"Pick events among {', '.join(EVENTS)}.", field="events")
    return chosen


def create_subscription(
    session: Session, *, url: str, events: Sequence[str], name: str = "", actor_id: int | None = None,
    allow: Sequence[str] = (),
) -> WebhookSubscription:
    """A new enabled subscription with a fresh secret."""
    sub = WebhookSubscription(
        name=(name or "").strip()[:120], url=check_url(url, allow),
        secret=new_secret(), events=_events(events), enabled=True, consecutive_failures=0,
        created_by_id=actor_id,
    )
    session.add(sub)
    session.flush()
    return sub


def get_subscription(session: Session, sub_id: int) -> WebhookSubscription:
    """The subscription; NotFound otherwise."""
    sub = session.get(WebhookSubscription, sub_id)
    if sub is None:
        raise NotFound(f"There is no webhook {sub_id}.")
    return sub


def list_subscriptions(session: Session) -> list[WebhookSubscription]:
    """Every subscription, newest first."""
    return list(session.scalars(select(WebhookSubscription).order_by(WebhookSubscription.id.desc())))


def set_enabled(session: Session, sub_id: int, enabled: bool) -> WebhookSubscription:
    """Switch a subscription on (clearing its failure count and notice) or off."""
    sub = get_subscription(session, sub_id)
    sub.enabled = enabled
    if enabled:
        sub.consecutive_failures, sub.disabled_reason, sub.disabled_at = 0, None, None
    session.flush()
    return sub


def delete_subscription(session: Session, sub_id: int) -> None:
    """Remove a subscription and its delivery log."""
    session.delete(get_subscription(session, sub_id))
    session.flush()


def wants(session: Session, event: str) -> bool:
    """Whether any enabled subscription takes this event (so callers can skip building bodies)."""
    return bool(subscribers(session, event))


def subscribers(session: Session, event: str) -> list[WebhookSubscription]:
    """Enabled subscriptions that take ``event``."""
    return [s for s in session.scalars(select(WebhookSubscription).where(WebhookSubscription.enabled.is_(True)))
            if event in (s.events or [])]


def emit(
    session: Session, event: str, data: dict[str, Any], *, dedupe_key: str | None = None,
    member_id: int | None = None, interaction_ids: Sequence[int] | None = None,
) -> list[int]:
    """Write one delivery per interested subscription, in the caller's transaction; their ids.

    A repeat with the same ``dedupe_key`` (a follow-up run twice) writes nothing new.
    """
    if event not in EVENTS:
        raise ValueError(f"unknown webhook event {event!r}")
    subs = subscribers(session, event)
    if not subs:
        return []
    now = utcnow()
    event_id = "evt_" + uuid.uuid4().hex
    key = dedupe_key or event_id
    payload = {"id": event_id, "type": event, "created_at": now.isoformat(), "data": data}
    ids = []
    for sub in subs:
        exists = session.scalar(select(WebhookDelivery.id).where(
            WebhookDelivery.subscription_id == sub.id, WebhookDelivery.dedupe_key == key))
        if exists is not None:
            continue
        d = WebhookDelivery(
            subscription_id=sub.id, event=event, event_id=event_id, dedupe_key=key[:200], payload=payload,
            member_id=member_id, interaction_ids=list(interaction_ids) if interaction_ids else None,
            status="pending", attempts=0, next_attempt_at=now, created_at=now,
        )
        session.add(d)
        session.flush()
        ids.append(d.id)
    return ids


def body_of(delivery: WebhookDelivery) -> bytes:
    """The exact bytes sent (and signed)."""
    return json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def due_ids(session: Session, *, now: datetime | None = None, limit: int = 200) -> list[int]:
    """Deliveries waiting to be tried now."""
    now = now or utcnow()
    return list(session.scalars(
        select(WebhookDelivery.id).where(
            WebhookDelivery.status.in_(("pending", "retrying")),
            (WebhookDelivery.next_attempt_at.is_(None)) | (WebhookDelivery.next_attempt_at <= now),
        ).order_by(WebhookDelivery.id).limit(limit)
    ))


def record_attempt(session: Session, delivery: WebhookDelivery, result: AttemptResult, *,
                   now: datetime | None = None) -> None:
    """Fold one try into the delivery: sent, retry later with back-off, or failed for good.

    A delivery that fails for good counts against its subscription; DISABLE_AFTER in a row
    switch the subscription off with a notice the webhooks page shows. A success resets it.
    """
    now = now or utcnow()
    sub = delivery.subscription
    delivery.attempts += 1
    delivery.last_status_code, delivery.last_error = result.status_code, (result.error or None) and result.error[:2000]
    delivery.duration_ms = result.duration_ms
    if result.ok:
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = "sent", now, None
        sub.consecutive_failures = 0
    elif delivery.attempts >= MAX_ATTEMPTS:
        delivery.status, delivery.next_attempt_at = "failed", None
        sub.consecutive_failures += 1
        if sub.enabled and sub.consecutive_failures >= DISABLE_AFTER:
            sub.enabled, sub.disabled_at = False, now
            sub.disabled_reason = (
                f"Switched off on {now:%Y-%m-%d %H:%M} UTC after {sub.consecutive_failures} deliveries in a row "
                f"failed (last: {result.error or f'HTTP {result.status_code}'}). Fix the endpoint, then switch it on."
            )[:2000]
    else:
        pause = BACKOFF[min(delivery.attempts, len(BACKOFF)) - 1]
        delivery.status, delivery.next_attempt_at = "retrying", now + timedelta(seconds=pause)
    session.flush()


def redeliver(session: Session, delivery_id: int) -> WebhookDelivery:
    """Queue a delivery again now (from the log), whatever its outcome; attempts start over."""
    d = session.get(WebhookDelivery, delivery_id)
    if d is None:
        raise NotFound(f"There is no delivery {delivery_id}.")
    d.status, d.attempts, d.next_attempt_at = "pending", 0, utcnow()
    session.flush()
    return d


def list_deliveries(session: Session, sub_id: int, *, limit: int = 100) -> list[WebhookDelivery]:
    """A subscription's deliveries, newest first."""
    return list(session.scalars(select(WebhookDelivery).where(WebhookDelivery.subscription_id == sub_id)
                                .order_by(WebhookDelivery.id.desc()).limit(limit)))


def counts_by_status(session: Session, sub_id: int) -> dict[str, int]:
    """How many deliveries of a subscription are in each status."""
    rows = session.execute(select(WebhookDelivery.status, func.count()).where(
        WebhookDelivery.subscription_id == sub_id).group_by(WebhookDelivery.status)).all()
    return {status: n for status, n in rows}


def mention_batches(interaction_ids: Sequence[int]) -> list[list[int]]:
    """mention.created goes in batches of up to MENTION_BATCH interactions."""
    ids = sorted(set(interaction_ids))
    return [ids[i:i + MENTION_BATCH] for i in range(0, len(ids), MENTION_BATCH)]


def disable_quietly(session: Session, sub_id: int, reason: str) -> None:
    """Switch a subscription off with a notice (its URL is no longer allowed)."""
    session.execute(update(WebhookSubscription).where(WebhookSubscription.id == sub_id).values(
        enabled=False, disabled_reason=reason[:2000], disabled_at=utcnow()))
