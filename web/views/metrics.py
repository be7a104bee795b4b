"""Metrics: first-response times, backlog, volume and sentiment, share of voice, active members."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, render_template
from flask_babel import format_date, gettext

from crm.db import utcnow
from crm.inbox import metrics
from crm.sla import metrics as sla_metrics
from web.charts import svg as charts
from web.db import session
from web.filters import SENTIMENT_NAMES
from web.params import arg_int
from web.views.auth import requires

bp = Blueprint("metrics", __name__, url_prefix="/metrics")
RANGES = (7, 30, 90, 180)


@bp.route("/")
@requires("view")
def index() -> Any:
    db = session()
    span = arg_int("days", 30, lo=1, hi=366)
    span = span if span in RANGES else 30
    until = (utcnow() + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    since = until - timedelta(days=span)
    weeks_since = since - timedelta(days=since.weekday())

    frt = metrics.first_response_by_week(db, weeks_since, until)
    weeks = sorted({s.week for stats in frt.values() for s in stats})
    week_labels = [format_date(w, "d MMM") for w in weeks]
    frt_series = []
    for platform, stats in frt.items():
        by_week = {s.week: s for s in stats}
        frt_series.append(charts.Series(gettext("%(platform)s median", platform=platform),
                                        [by_week[w].median_seconds if w in by_week else None for w in weeks]))
        frt_series.append(charts.Series(gettext("%(platform)s p90", platform=platform),
                                        [by_week[w].p90_seconds if w in by_week else None for w in weeks]))

    backlog = metrics.backlog_by_day(db, since, until)
    volume = metrics.volume_by_day(db, since, until)
    day_labels = [format_date(d, "d MMM") for d, _n in backlog]
    sov = metrics.share_of_voice(db, since, until)
    active = metrics.most_active_members(db, since, until)

    figures = {
        "frt": charts.line_chart(gettext("First-response time by week (median and p90)"), week_labels, frt_series,
                                 fmt=charts.duration),
        "backlog": charts.line_chart(gettext("Unanswered backlog at the end of each day"), day_labels,
                                     [charts.Series(gettext("unanswered"), [n for _d, n in backlog], charts.PALETTE[1])]),
        "volume": charts.stacked_bar_chart(
            gettext("Volume per day by sentiment"), day_labels,
            [charts.Series(str(SENTIMENT_NAMES[label]), [n for _d, n in rows], charts.SENTIMENT_COLORS[label]) for label, rows in volume.items()],
        ),
        "sov": charts.hbar_chart(gettext("Share of voice by channel"), [c for c, _n in sov], [n for _c, n in sov]),
        "active": charts.hbar_chart(gettext("Most active members"), [m.display_name for m, _n in active],
                                    [n for _m, n in active], color=charts.PALETTE[4]),
    }
    total_voice = sum(n for _c, n in sov) or 1
    return render_template(
        "metrics/index.html", figures=figures, span=span, ranges=RANGES, frt=frt, weeks=weeks,
        summary=metrics.summary(db, since, until), sov=sov, total_voice=total_voice, active=active,
        duration=charts.duration, sla=sla_metrics.report(db, weeks_since, until),
    )
