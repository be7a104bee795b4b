"""The send job of a reply: claim the recorded row, post through the platform, record the outcome.

``enqueue_send`` is called by the web view and the API after the commit that recorded the
reply (``queued``). With Redis the job runs on a worker with a retry policy; without Redis it
runs inline. What a retry may and may not do is decided by crm/replies/services.py (claim):
a rate limit is retried by the job itself (the platform refused, nothing was posted); an
answer we could not read is never blindly posted again on Reddit, X or Discourse.
"""

from __future__ import annotations

import time
from typing import Any

from connectors import replying
from connectors.errors import ConnectorDisabled, ConnectorError, RateLimited, Transient
from crm.replies import services
from listeners.polling import connector_values
from listeners.queue import RetryPolicy
from listeners.runtime import enqueue_after_commit, get, transaction

# Rate limits: the platform refused, nothing was posted; wait and try again by ourselves.
RETRY = RetryPolicy(max=3, intervals=(60, 300, 900))


class ReplyRateLimited(Exception):
    """Raised so the queue retries the job after a pause (the row stays ``failed`` meanwhile)."""


def send_reply(reply_id: int) -> dict[str, Any]:
    """Send one recorded reply. Safe to run twice: only a successful claim calls the platform."""
    settings = get().settings
    values = connector_values(settings)
    with transaction() as s:
        platform = s.scalar(services.platform_of(reply_id))
        if platform is None:
            return {"state": "gone"}
        job = services.claim(s, reply_id, resend_safe=replying.RESEND_SAFE.get(platform, False))
    if job is None:
        with transaction() as s:
            return {"state": services.state_of(s, reply_id)}
    target = replying.ReplyTarget(
        platform=job.platform, external_id=job.parent_external_id, thread_id=job.thread_external_id,
        key=job.key, created_at=job.created_at, raw=job.parent_raw,
    )
    try:
        posted = replying.send_reply(job.platform, values, target, job.text)
    except RateLimited as exc:
        with transaction() as s:
            services.mark_failed(s, reply_id, str(exc), retry_in=exc.retry_after)
        raise ReplyRateLimited(str(exc)) from exc
    except Transient as exc:
        resend = replying.RESEND_SAFE.get(job.platform, False)
        with transaction() as s:
            services.mark_failed(s, reply_id, str(exc), unknown=not resend, retry_in=0 if resend else None)
        if resend:
            raise ReplyRateLimited(str(exc)) from exc
        return {"state": "unknown", "error": str(exc)}
    except (ConnectorDisabled, ConnectorError) as exc:
        with transaction() as s:
            services.mark_failed(s, reply_id, str(exc))
        return {"state": "failed", "error": str(exc)}
    with transaction() as s:
        reply = services.record_sent(s, reply_id, posted)
        return {"state": reply.state, "external_id": reply.external_id}


def enqueue_send(session: Any, reply_id: int) -> None:
    """Send ``reply_id`` once ``session`` commits (one job per reply id)."""
    enqueue_after_commit(session, send_reply, reply_id, job_id=f"send-reply-{reply_id}", retry=RETRY)


def write_disabled_reason(platform: str) -> str | None:
    """Why we cannot post on ``platform`` here (the composer then offers copy-and-open)."""
    return replying.disabled_reason(platform, connector_values(get().settings))


_INSTANCE_LIMIT: dict[str, tuple[float, int | None]] = {}
INSTANCE_LIMIT_TTL = 3600.0  # an instance changes its limit rarely; a page must not wait on it


def platform_limit(platform: str) -> int | None:
    """The length limit to count against; Mastodon asks the instance (None: the default)."""
    if platform != "mastodon":
        return None
    values = connector_values(get().settings)
    base = values.get("MASTODON_API_BASE_URL") or ""
    cached = _INSTANCE_LIMIT.get(base)
    if cached is not None and time.monotonic() - cached[0] < INSTANCE_LIMIT_TTL:
        return cached[1]
    limit = replying.mastodon_max_characters(values)
    _INSTANCE_LIMIT[base] = (time.monotonic(), limit)
    return limit
