"""Reading query-string arguments without ever turning junk into a 500."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import request

from crm.errors import InvalidInput
from crm.interactions.services import InteractionFilter


def arg_int(name: str, default: int, *, lo: int = 1, hi: int = 10_000) -> int:
    """An integer argument clamped to [lo, hi]; junk gives the default."""
    try:
        return max(lo, min(hi, int(request.args.get(name, default))))
    except (TypeError, ValueError):
        return default


def arg_date(name: str) -> datetime | None:
    """A YYYY-MM-DD argument as UTC midnight; junk raises InvalidInput naming the field."""
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return None
    try:
        return datetime.strptime(raw, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        raise InvalidInput(f"{raw[:20]!r} is not a date like 2026-09-01.", field=name) from None


def filter_from_args(**fixed: int | None) -> InteractionFilter:
    """The interaction filter described by the query string (q, platform, sentiment, since, until)."""
    until = arg_date("until")
    f = InteractionFilter(
        q=request.args.get("q", "")[:1000],
        platform=request.args.get("platform") or None,
        sentiment=request.args.get("sentiment") or None,
        since=arg_date("since"),
        until=until + timedelta(days=1) if until else None,
        **fixed,  # type: ignore[arg-type]
    )
    f.validate()
    return f
