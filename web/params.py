"""Reading query-string and form arguments without ever turning junk into a 500.

Ids are bounded by the largest BIGINT (a larger one can name no row, and the database driver
would raise on it); dates by the years a date can be moved a day in either direction.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import request
from flask_babel import gettext
from werkzeug.datastructures import MultiDict
from wtforms.validators import NumberRange

from crm.db import MAX_ID
from crm.errors import InvalidInput
from crm.interactions.services import InteractionFilter

FIRST_YEAR, LAST_YEAR = 1900, 9998


def id_range(message: str = "Give the id of an existing row.") -> NumberRange:
    """A WTForms validator for an id field: 1 .. 2^63-1."""
    return NumberRange(min=1, max=MAX_ID, message=message)


def parse_id(raw: str | int | None, field: str) -> int | None:
    """An id from text ("" / None: None); InvalidInput for junk or ids no BIGINT holds."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    text = str(raw).strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 19 or not 0 < int(text) <= MAX_ID:
        raise InvalidInput(f"{text[:24]!r} is not an id (a whole number from 1 to {MAX_ID}).", field=field)
    return int(text)


def arg_id(name: str, values: MultiDict[str, str] | None = None) -> int | None:
    """The id in query (or ``values``) argument ``name``, None when absent; 422 for junk."""
    return parse_id((request.args if values is None else values).get(name), name)


def arg_count(name: str) -> int | None:
    """A whole number 0 .. 2^63-1 in query argument ``name``, None when absent; 422 for junk."""
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 19 or int(raw) > MAX_ID:
        raise InvalidInput(f"{raw[:24]!r} is not a whole number from 0 to {MAX_ID}.", field=name)
    return int(raw)


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
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        # 9999-12-31 plus the one day an "until" date adds overflows.
        raise InvalidInput(gettext("Give a date between the years %(first)d and %(last)d.",
                                   first=FIRST_YEAR, last=LAST_YEAR), field=name)
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
