"""Sources: configure them, claim due polls, and record how each poll went.

Status is derived from the last outcomes: ``ok``; ``degraded`` after a transient failure or a
rate limit; ``failing`` after five transient failures in a row or a permanent error; ``disabled``
when paused or when credentials failed (no retry storm: nothing polls it until someone acts).
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, func, or_, select, update
from sqlalchemy.orm import Session

from crm.db import utcnow
from crm.errors import InvalidInput, NotFound
from crm.interactions.models import Interaction
from crm.sources.models import PollRun, Source

MIN_INTERVAL = 30
MAX_INTERVAL = 7 * 86400
MAX_BACKOFF = 3600
FAILING_AFTER = 5
LEASE = timedelta(minutes=15)
PUSHED_KIND = "inbound"  # inbound API sources receive data; nothing polls them


def list_sources(session: Session) -> list[Source]:
    """Every source, by name."""
    return list(session.scalars(select(Source).order_by(Source.name)))


def get_source(session: Session, source_id: int) -> Source:
    """The source, or NotFound."""
    source = session.get(Source, source_id)
    if source is None:
        raise NotFound(f"There is no source {source_id}.")
    return source


def save_source(
    session: Session, *, platform: str, kind: str, query: str, interval_seconds: int, name: str = "",
    min_interval: int = MIN_INTERVAL, backfill_hours: int = 24, source_id: int | None = None,
    user_id: int | None = None,
) -> Source:
    """Create or edit a source. Connector-specific query rules are checked by the caller."""
    if not (min_interval <= interval_seconds <= MAX_INTERVAL):
        raise InvalidInput(
            f"The interval must be between {min_interval} seconds and {MAX_INTERVAL // 86400} days "
            "for this platform's rate limits.", field="interval_seconds",
        )
    if not 0 <= backfill_hours <= 24 * 30:
        raise InvalidInput("Backfill must be between 0 and 720 hours.", field="backfill_hours")
    source = get_source(session, source_id) if source_id else Source(created_by_id=user_id, enabled=True)
    changed_target = source_id is not None and (source.platform, source.kind, source.query) != (platform, kind, query)
    source.platform, source.kind, source.query = platform, kind, query
    source.name = (name or f"{platform} {kind}: {query}").strip()[:200]
    source.interval_seconds = interval_seconds
    source.backfill_hours = backfill_hours
    if source_id is None or changed_target:
        # A new target starts from scratch: its first poll backfills.
        source.cursor = None
        source.status, source.status_reason = "new", None
        source.next_poll_at = utcnow()
    session.add(source)
    session.flush()
    return source


def set_enabled(session: Session, source_id: int, enabled: bool) -> Source:
    """Pause or resume a source; resuming clears a 'disabled' status and polls soon."""
    source = get_source(session, source_id)
    source.enabled = enabled
    if enabled:
        source.status = "new" if source.status in ("disabled", "new") else source.status
        source.status_reason = None
        source.consecutive_failures = 0
        source.next_poll_at = utcnow()
        # The lease stays: a poll still running from before the pause must not get a twin.
    else:
        source.status, source.status_reason = "disabled", "Paused by a teammate."
    return source


def delete_source(session: Session, source_id: int) -> None:
    """Delete a source; its interactions stay (their source_id becomes empty)."""
    session.delete(get_source(session, source_id))
    session.flush()


def claim_due(session: Session, now: datetime | None = None, limit: int = 500) -> list[int]:
    """Claim the sources due for a poll; a claimed source cannot be claimed again until its lease ends.

    The claim is a conditional UPDATE, so two dispatchers (or a tick and "poll now") racing on
    one source get it once.
    """
    now = now or utcnow()
    due = session.scalars(
        select(Source.id)
        .where(Source.enabled.is_(True), or_(Source.next_poll_at.is_(None), Source.next_poll_at <= now))
        .where(Source.kind != PUSHED_KIND)
        .where(or_(Source.lease_until.is_(None), Source.lease_until < now))
        .order_by(Source.next_poll_at)
        .limit(limit)
    ).all()
    return [sid for sid in due if claim(session, sid, now)]


def claim(session: Session, source_id: int, now: datetime | None = None, *, force: bool = False) -> bool:
    """Take the lease of one source (``force``: even if it is not due yet, as "poll now" does)."""
    now = now or utcnow()
    cond = [Source.id == source_id, Source.enabled.is_(True), Source.kind != PUSHED_KIND, or_(Source.lease_until.is_(None), Source.lease_until < now)]
    if not force:
        cond.append(or_(Source.next_poll_at.is_(None), Source.next_poll_at <= now))
    result = session.execute(
        update(Source).where(*cond).values(lease_until=now + LEASE).execution_options(synchronize_session=False)
    )
    return bool(cast("CursorResult[Any]", result).rowcount)


def release_claim(session: Session, source_id: int) -> None:
    """Give back a lease taken by :func:`claim` when no poll was started for it."""
    session.execute(
        update(Source).where(Source.id == source_id).values(lease_until=None).execution_options(synchronize_session=False)
    )


def leases_taken_before(session: Session, cutoff: datetime, now: datetime | None = None) -> list[int]:
    """Sources whose current lease was taken before ``cutoff`` (candidates for a lost poll)."""
    now = now or utcnow()
    rows = session.execute(select(Source.id, Source.lease_until).where(Source.lease_until > now)).all()
    return [sid for sid, until in rows if until is not None and until - LEASE < cutoff]


CRASHED = "The poll stopped without finishing (its worker crashed or was killed); polled again."


def reclaim_lease(session: Session, source_id: int) -> int:
    """Release a lease no live job holds, and close its unfinished polls as crashed; how many."""
    source = session.get(Source, source_id)
    if source is None:
        return 0
    source.lease_until = None
    return close_crashed_runs(session, source_id=source_id)


def close_crashed_runs(
    session: Session, *, source_id: int | None = None, started_before: datetime | None = None
) -> int:
    """Mark unfinished poll records as crashed (outcome "crashed", finished now)."""
    stmt = select(PollRun).where(PollRun.finished_at.is_(None))
    if source_id is not None:
        stmt = stmt.where(PollRun.source_id == source_id)
    if started_before is not None:
        stmt = stmt.where(PollRun.started_at < started_before)
    runs = session.scalars(stmt).all()
    for run in runs:
        run.outcome, run.error = "crashed", CRASHED
        finish_run(run, run.started_at)
    return len(runs)


def release(source: Source) -> None:
    """End the lease after a poll."""
    source.lease_until = None


def _set_status(source: Source, status: str, reason: str | None) -> None:
    """Set the health status, unless the source was paused meanwhile: "disabled" stays."""
    if source.enabled:
        source.status, source.status_reason = status, reason


def record_success(source: Source, run: PollRun, *, exhausted: bool, cursor: Mapping[str, Any] | None) -> None:
    """A poll went through: save the cursor and schedule the next one."""
    now = utcnow()
    source.cursor = dict(cursor) if cursor is not None else source.cursor
    _set_status(source, "ok", None)
    source.last_polled_at = now
    source.consecutive_failures = 0
    # When the per-run bound stopped us, continue right away; otherwise wait the interval.
    source.next_poll_at = now if not exhausted else now + timedelta(seconds=source.interval_seconds)
    run.outcome = "ok" if exhausted else "partial"


def record_rate_limited(source: Source, run: PollRun, retry_after: float, message: str) -> None:
    """Wait for the platform's reset time; never hammer."""
    now = utcnow()
    source.last_polled_at = now
    _set_status(source, "degraded", f"Rate limited by the platform; next poll after the reset ({int(retry_after)} s).")
    source.last_error = message[:2000]
    source.next_poll_at = now + timedelta(seconds=max(1.0, retry_after) + 1)
    run.outcome, run.error = "rate_limited", message[:2000]


def backoff_seconds(interval: int, failures: int, rng: random.Random | None = None) -> float:
    """Exponential back-off with ±20 % jitter, capped at an hour (never shorter than 30 s)."""
    rng = rng or random.Random()
    base = min(MAX_BACKOFF, max(30, interval) * 2 ** max(0, failures - 1))
    return base * rng.uniform(0.8, 1.2)


def record_transient(source: Source, run: PollRun, message: str) -> None:
    """A 5xx, timeout or connection error: back off, degraded, failing after several in a row."""
    now = utcnow()
    source.consecutive_failures += 1
    source.last_polled_at = now
    source.last_error = message[:2000]
    _set_status(
        source, "failing" if source.consecutive_failures >= FAILING_AFTER else "degraded",
        f"{source.consecutive_failures} failed poll(s) in a row: {message[:300]}",
    )
    source.next_poll_at = now + timedelta(seconds=backoff_seconds(source.interval_seconds, source.consecutive_failures))
    run.outcome, run.error = "transient", message[:2000]


def record_crash(source: Source, run: PollRun, message: str) -> None:
    """An unexpected error (a bug, the database): back off like a transient failure.

    Without the back-off the source stays due and every dispatcher tick would repeat a crash
    that will most likely happen again. The job still fails loudly; this only paces retries.
    """
    record_transient(source, run, message)
    run.outcome = "error"


def record_auth_failed(source: Source, run: PollRun, message: str) -> None:
    """Credentials are wrong or missing: disable, say why, and do not retry on our own."""
    source.enabled = False
    source.status = "disabled"
    source.status_reason = f"Credentials were refused: {message[:300]}. Fix them, then resume the source."
    source.last_error = message[:2000]
    source.last_polled_at = utcnow()
    run.outcome, run.error = "auth_failed", message[:2000]


def record_permanent(source: Source, run: PollRun, message: str) -> None:
    """The request itself is wrong (banned subreddit, bad query): failing; retried rarely."""
    now = utcnow()
    source.consecutive_failures += 1
    _set_status(source, "failing", f"The platform refused this source: {message[:300]}")
    source.last_error = message[:2000]
    source.last_polled_at = now
    source.next_poll_at = now + timedelta(hours=6)
    run.outcome, run.error = "permanent", message[:2000]


def finish_run(run: PollRun, started: datetime) -> None:
    """Stamp the end and duration of a poll record."""
    run.finished_at = utcnow()
    run.duration_ms = int((run.finished_at - started).total_seconds() * 1000)


def health(session: Session, sources: Sequence[Source], now: datetime | None = None) -> dict[int, dict[str, Any]]:
    """Items collected in the last 24 h and the last poll record, per source (two queries)."""
    now = now or utcnow()
    ids = [s.id for s in sources]
    if not ids:
        return {}
    counts = dict(
        session.execute(
            select(Interaction.source_id, func.count())
            .where(Interaction.source_id.in_(ids), Interaction.occurred_at >= now - timedelta(hours=24))
            .group_by(Interaction.source_id)
        ).all()
    )
    latest = select(PollRun.source_id, func.max(PollRun.id).label("id")).where(PollRun.source_id.in_(ids)).group_by(PollRun.source_id).subquery()
    runs = {r.source_id: r for r in session.scalars(select(PollRun).join(latest, PollRun.id == latest.c.id))}
    return {sid: {"items_24h": counts.get(sid, 0), "last_run": runs.get(sid)} for sid in ids}


def recent_runs(session: Session, source_id: int, limit: int = 50) -> list[PollRun]:
    """The newest poll records of a source."""
    return list(
        session.scalars(select(PollRun).where(PollRun.source_id == source_id).order_by(PollRun.id.desc()).limit(limit))
    )
