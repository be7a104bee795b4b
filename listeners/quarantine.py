"""Retrying a quarantined import line: parse its kept payload again and ingest it.

A line is quarantined for a reason that can go away: a date that was in the future, a parser
or a rule fixed since. Retry runs the line through the same parser and ingest path as the
import did. Items from a source poll are not retried here: the next poll fetches them again.
"""

from __future__ import annotations

import csv
import io
import json

from sqlalchemy.orm import Session

from connectors.files import iter_file
from connectors.import_schema import LineError
from crm.errors import InvalidInput, NotFound
from crm.ingest import ingest_batch
from crm.interactions.models import QuarantinedItem


def _reparse(item: QuarantinedItem) -> tuple[object, str]:
    """The item's line parsed again: (Mention or LineError, format)."""
    name = item.origin.split(":", 2)[1] if item.origin.count(":") >= 1 else ""
    is_csv = name.lower().endswith(".csv")
    if item.raw is not None and is_csv:
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=list(item.raw))
        writer.writeheader()
        writer.writerow({k: "" if v is None else v for k, v in item.raw.items()})
        data, fmt = buf.getvalue().encode(), "csv"
    elif item.raw is not None:
        data, fmt = (json.dumps(item.raw, ensure_ascii=False) + "\n").encode(), "jsonl"
    elif item.raw_text:
        data, fmt = (item.raw_text.replace("\n", " ") + "\n").encode(), "csv" if is_csv else "jsonl"
    else:
        raise InvalidInput("Nothing to retry: no payload was kept for this item.")
    with iter_file(io.BytesIO(data), fmt) as reader:  # type: ignore[arg-type]
        for parsed in reader:
            return parsed, fmt
    raise InvalidInput("Nothing to retry: the kept payload is empty.")


def retry_item(session: Session, item_id: int) -> tuple[bool, str]:
    """Ingest a quarantined import line again: (True, '') if it went in (the item is removed),
    (False, reason) if it is still invalid (the item stays, with the new reason)."""
    item = session.get(QuarantinedItem, item_id)
    if item is None:
        raise NotFound("This quarantined item is gone.")
    if not item.origin.startswith("import:"):
        raise InvalidInput("Only import lines can be retried; a source fetches its items again by itself.")
    parsed, _fmt = _reparse(item)
    if isinstance(parsed, LineError):
        item.reason = parsed.reason
        return False, parsed.reason
    _line, mention = parsed  # type: ignore[misc]
    result = ingest_batch(session, [mention], origin=item.origin, rejected=())
    if result.quarantined:
        # ingest stored it again under the new reason (or found it already held): keep one.
        return False, "still invalid; see the quarantine"
    session.delete(item)
    return True, ""


def delete_item(session: Session, item_id: int) -> None:
    """Remove a quarantined item for good."""
    item = session.get(QuarantinedItem, item_id)
    if item is None:
        raise NotFound("This quarantined item is gone.")
    session.delete(item)
