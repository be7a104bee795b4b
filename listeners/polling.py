"""poll_source: fetch what is new for one source and ingest it with its cursor.

The cursor is saved in the same transaction as the last batch it covers: a crash anywhere
repeats work but never loses or duplicates it. Connector errors become source health (rate
limit: wait for the reset; transient: back off; auth: disable). Anything unexpected is
recorded on the poll and then propagates, so RQ marks the job failed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from connectors import registry
from connectors.base import Cursor, FetchResult, Mention
from connectors.errors import (
    AuthFailed,
    ConnectorDisabled,
    ConnectorError,
    Permanent,
    RateLimited,
    Transient,
)
from crm.ingest import IngestResult, Rejected, ingest_batch
from crm.settings import Settings
from crm.sources import services as sources
from crm.sources.models import PollRun, Source
from listeners.followups import kick
from listeners.runtime import get, transaction

log = logging.getLogger(__name__)


def connector_values(settings: Settings) -> dict[str, str | None]:
    """Every connector setting, keyed by its environment variable name (the classes name them)."""
    return registry.env_values(settings.connector_value)


def poll_job_id(source_id: int) -> str:
    """The deterministic job id of a source's poll (one poll per source at a time)."""
    return f"poll-source-{source_id}"


def poll_source(source_id: int) -> dict[str, Any]:
    """Poll one source once (bounded); return what it did."""
    rt = get()
    try:
        with transaction() as s:
            source = s.get(Source, source_id)
            if source is None or not source.enabled:
                if source is not None:
                    sources.release(source)
                return {"skipped": "gone or paused"}
            platform, kind, query = target = source.platform, source.kind, source.query
            cursor = Cursor(dict(source.cursor)) if source.cursor else None
            backfill = source.backfill_hours
            # This poll holds the source's lease, so no earlier poll of it is alive: a record
            # one left open (its finish could not be written, e.g. the database went away) is
            # closed as crashed here rather than waiting for a healing step to find the source
            # unleased, which a source polled every second rarely is.
            sources.close_crashed_runs(s, source_id=source_id)
            run = PollRun(source_id=source_id)
            s.add(run)
            s.flush()
            run_id, started = run.id, run.started_at
    except Exception:
        # The database went away before the poll began: give the lease back (if it can be
        # reached again) so the next tick polls the source, instead of waiting the lease out.
        _release_quietly(source_id)
        raise
    try:
        connector = registry.build(platform, connector_values(rt.settings))
        result = connector.fetch(kind, query, cursor, backfill_hours=float(backfill))
    except RateLimited as exc:
        try:
            outcome = _ingest(source_id, run_id, exc.partial, started, target) if exc.partial else None
        except Exception as crash:
            _record_crash(source_id, run_id, started, crash)
            raise
        retry_after, message = exc.retry_after, str(exc)
        _close_run(source_id, run_id, started,
                   lambda src, run: sources.record_rate_limited(src, run, retry_after, message))
        return {"rate_limited": exc.retry_after, **(outcome or {})}
    except (AuthFailed, Transient, Permanent, ConnectorError, ConnectorDisabled) as exc:
        recorder = {
            AuthFailed: sources.record_auth_failed,
            Permanent: sources.record_permanent,
            ConnectorDisabled: sources.record_auth_failed,
        }.get(type(exc), sources.record_transient)
        message = str(exc)
        _close_run(source_id, run_id, started, lambda src, run: recorder(src, run, message))
        return {"error": type(exc).__name__, "message": str(exc)}
    except Exception as exc:
        _record_crash(source_id, run_id, started, exc)
        raise
    try:
        return _ingest(source_id, run_id, result, started, target, final=True)
    except Exception as exc:
        _record_crash(source_id, run_id, started, exc)
        raise


def _release_quietly(source_id: int) -> None:
    try:
        with transaction() as s:
            sources.release_claim(s, source_id)
    except Exception:  # noqa: BLE001 - still down: the healing step releases the lease later
        log.warning("could not release the lease of source %s", source_id, exc_info=True)


def _rows(s: Any, source_id: int, run_id: int) -> tuple[Source | None, PollRun | None]:
    # Both are gone when the source was deleted during the poll (poll_runs cascade).
    return s.get(Source, source_id), s.get(PollRun, run_id)


def _close_run(
    source_id: int, run_id: int, started: Any, record: Callable[[Source, PollRun], None]
) -> None:
    """Record how a poll ended, release the source's lease and stamp the poll, in one transaction."""
    with transaction() as s:
        src, run = _rows(s, source_id, run_id)
        if src is None or run is None:
            return
        record(src, run)
        sources.release(src)
        sources.finish_run(run, started)


def _record_crash(source_id: int, run_id: int, started: Any, exc: BaseException) -> None:
    message = f"{type(exc).__name__}: {exc}"
    _close_run(source_id, run_id, started, lambda src, run: sources.record_crash(src, run, message))


def _ingest(
    source_id: int, run_id: int, result: FetchResult, started: Any, target: tuple[str, str, str],
    *, final: bool = False,
) -> dict[str, Any]:
    """Ingest a fetch in batches; the cursor lands with the last batch.

    The cursor is saved only if the source still has the ``target`` (platform, kind, query)
    this fetch was made for: an edit during the poll reset it for the new target, and the old
    target's cursor would make the new one skip its backfill.
    """
    size = get().settings.ingest_batch_size
    origin = f"source:{source_id}"
    rejected = [Rejected(origin, reason, raw) for reason, raw in result.failures]
    batches: list[Sequence[Mention]] = [result.mentions[i : i + size] for i in range(0, len(result.mentions), size)] or [[]]
    total = IngestResult()
    for i, batch in enumerate(batches):
        last = i == len(batches) - 1
        with transaction() as s:
            src, run = _rows(s, source_id, run_id)
            if src is None or run is None:
                return {"skipped": "source deleted during the poll"}
            res = ingest_batch(s, batch, source_id=source_id, origin=origin, rejected=rejected if i == 0 else ())
            total += res
            # Counted per committed batch: a poll that crashes later still collected these.
            src.items_collected += res.new
            run.fetched = len(result.mentions)
            run.new, run.duplicates, run.quarantined = total.new, total.duplicate, total.quarantined
            run.suppressed = total.suppressed
            if last:
                same_target = (src.platform, src.kind, src.query) == target
                cursor: Mapping[str, Any] | None = dict(result.next_cursor.values) if same_target else None
                if final:
                    if same_target:
                        sources.record_success(src, run, exhausted=result.exhausted, cursor=cursor)
                    else:  # the edit already made the source new and due
                        run.outcome = "ok"
                    sources.release(src)
                    sources.finish_run(run, started)
                else:
                    if cursor is not None:
                        src.cursor = dict(cursor)
        if res.new:
            kick()
    return {"fetched": len(result.mentions), "new": total.new, "duplicates": total.duplicate,
            "quarantined": total.quarantined, "suppressed": total.suppressed, "exhausted": result.exhausted}


def connector_statuses(settings: Settings) -> list[registry.ConnectorStatus]:
    """Every connector, enabled or not, with the reason (for the UI and `crm sources check`)."""
    return registry.available(connector_values(settings))


def kind_labels() -> dict[str, str]:
    """A label for every source kind (for the source form and pages)."""
    return registry.kind_labels()


def unavailable_reason(platform: str, kind: str, settings: Settings) -> str | None:
    """Why a source of this platform and kind could not poll now, naming what to set; or None."""
    if kind not in registry.kinds().get(platform, (kind,)):
        kind = ""  # not a kind of this platform: the query check says so, next to the field
    reason = registry.disabled_reason(platform, kind or None, connector_values(settings))
    return None if reason is None else reason.rstrip(".") + "."


def check_source(platform: str, kind: str, query: str) -> tuple[str, str | None, int]:
    """(normalised query, error message or None, minimum interval in seconds) for a source form."""
    try:
        normalised = registry.normalize_query(platform, kind, query)
    except (KeyError, ValueError) as exc:
        return query, str(exc), sources.MIN_INTERVAL
    error = registry.validate_query(platform, kind, normalised)
    if error:  # e.g. an X "subreddit": there is no rate budget to ask for
        return normalised, error, sources.MIN_INTERVAL
    return normalised, None, registry.min_interval_seconds(platform, kind)
