"""The dashboard and the health check."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, jsonify, render_template
from sqlalchemy import text

from crm.db import utcnow
from crm.overview import overview
from web.db import session
from web.views.auth import requires

bp = Blueprint("views", __name__)


@bp.route("/health")
def health() -> Any:
    """For load balancers: the database answers."""
    session().execute(text("SELECT 1"))
    return jsonify(status="ok")


def _trend_chart(db: Any) -> Any:
    """Daily volume over 30 days, stacked by sentiment (team accounts left out)."""
    from flask_babel import format_date, gettext

    from crm.inbox.metrics import volume_by_day
    from web.charts.svg import SENTIMENT_COLORS, Series, stacked_bar_chart
    from web.filters import SENTIMENT_NAMES

    until = utcnow().replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    by_label = volume_by_day(db, until - timedelta(days=30), until)
    labels = [format_date(d, "d MMM") for d, _ in by_label["positive"]]
    series = [
        Series(str(SENTIMENT_NAMES[label]), [n for _, n in points], SENTIMENT_COLORS[label]) for label, points in by_label.items()
    ]
    return stacked_bar_chart(gettext("Mentions per day by sentiment, last 30 days"), labels, series, height=220, width=900)


@bp.route("/")
@requires("view")
def dashboard() -> Any:
    db = session()
    o = overview(db)
    return render_template(
        "dashboard.html", stats=o.stats, trend=_trend_chart(db), by_label=o.by_label, per_platform=o.per_platform,
        top=o.top, recent_negative=o.recent_negative,
    )
