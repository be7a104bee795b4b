"""Reading query-string arguments without ever turning junk into a 500."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import request
from flask_babel import gettext

from crm.errors import InvalidInput
from crm.interactions.services import InteractionFilter


def arg_int(name: str, default: int, *, lo: int = 1, hi: int = 10_000) -> int:
    """An integer argument clamped to [lo, hi]; junk gives the default."""
    try:
        return max(lo, min(hi, int(request.args.get(name, default))))
    except (TypeError, ValueError):
        return default


def arg_date(name: str) -> datetime | None:
    """A YYYY-MM-DD argument as midnight in the user's time zone (in UTC); junk raises
    InvalidInput naming the field."""
    from web.i18n import user_zone

    raw = (request.args.get(name) or "").strip()
    if not raw:
        return None
    try:
        day = datetime.strptime(raw, "%Y-%m-%d")
    except ValueError:
        raise InvalidInput(gettext("%(value)s is not a date like 2026-09-01.", value=repr(raw[:20])),
                           field=name) from None
    return day.replace(tzinfo=user_zone()).astimezone(UTC)


def filter_from_args(**fixed: int | None) -> InteractionFilter:
    """The interaction filter described by the query string (q, platform, sentiment, since, until)."""
    until = arg_date("until")
    f = InteractionFilter(
        q=request.args.get("q", "")[:1000],
        platform=request.args.get("platform") or None,
        sentiment=request.args.get("sentiment") or None,
        since=arg_date("since"),
        until=until + timedelta(days=1) if until else None,
        sort="relevance" if request.args.get("sort") == "relevance" and request.args.get("q") else "newest",
        **fixed,  # type: ignore[arg-type]
    )
    f.validate()
    return f
