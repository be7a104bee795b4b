"""The one import loop: parsed lines of a file, in batches, through the one ingest path.

The caller (the import job) owns the transactions: one per batch, so progress and data are
committed together and a crash resumes after the last committed line.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy.orm import Session

from connectors.base import Mention
from connectors.import_schema import LineError
from crm.db import utcnow
from crm.imports.models import ImportRun
from crm.ingest import IngestResult, Rejected, ingest_batch
from crm.interactions.validation import validation_error

MAX_REPORTED_ERRORS = 1000


def batches(
    lines: Iterable[tuple[int, Mention] | LineError], size: int, *, origin: str, skip_through: int = 0
) -> Iterator[tuple[list[Mention], list[Rejected], list[dict[str, Any]], int]]:
    """Group parsed lines into (mentions, rejected, error report rows, last line number) batches."""
    mentions: list[Mention] = []
    rejected: list[Rejected] = []
    report: list[dict[str, Any]] = []
    last = 0
    for parsed in lines:
        if isinstance(parsed, LineError):
            last = parsed.line_no
            if last <= skip_through:
                continue
            rejected.append(
                Rejected(f"{origin}:line {last}", parsed.reason, parsed.raw, parsed.raw_text,
                         parsed.platform, parsed.external_id)
            )
            report.append({"line": last, "reason": parsed.reason})
        else:
            last, mention = parsed
            if last <= skip_through:
                continue
            # ingest_batch's own check, run here where the line number is known, so an item it
            # would reject (a bad kind, a date in the future) is reported by line like a parse error.
            reason = validation_error(mention, utcnow())
            if reason:
                rejected.append(
                    Rejected(f"{origin}:line {last}", reason, dict(mention.raw or {}), None,
                             mention.platform, mention.external_id)
                )
                report.append({"line": last, "reason": reason})
            else:
                mentions.append(mention)
        if len(mentions) + len(rejected) >= size:
            yield mentions, rejected, report, last
            mentions, rejected, report = [], [], []
    if mentions or rejected:
        yield mentions, rejected, report, last


def apply_batch(
    session: Session, run: ImportRun, mentions: list[Mention], rejected: list[Rejected],
    report: list[dict[str, Any]], *, last_line: int, bytes_read: int, origin: str,
) -> IngestResult:
    """Ingest one batch and fold its counts and errors into the run, in the caller's transaction."""
    result = ingest_batch(session, mentions, origin=origin, rejected=rejected)
    # ingest quarantines invalid items too (empty text, bad kind): report them with their line.
    invalid = result.quarantined - len(rejected)
    errors = list(run.errors or [])
    room = MAX_REPORTED_ERRORS - len(errors)
    if room > 0:
        errors.extend(report[:room])
    if invalid > 0 and len(errors) < MAX_REPORTED_ERRORS:
        errors.append({"line": None, "reason": f"{invalid} item(s) failed validation; see the quarantine"})
    run.errors = errors
    run.new_count += result.new
    run.duplicate_count += result.duplicate
    run.quarantined_count += result.quarantined
    run.suppressed_count += result.suppressed
    run.lines_read = last_line
    run.processed_bytes = bytes_read
    return result
