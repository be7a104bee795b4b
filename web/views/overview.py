"""The dashboard and the health check."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, jsonify, render_template
from sqlalchemy import func, select, text

from crm.db import utcnow
from crm.inbox.team import not_team, team_identity_ids
from crm.interactions.models import Interaction, QuarantinedItem
from crm.members.models import Identity, Member
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
    since = utcnow() - timedelta(days=7)
    counts = db.execute(
        select(Interaction.sentiment_label, func.count())
        .where(Interaction.occurred_at >= since, not_team(Interaction.identity_id))
        .group_by(Interaction.sentiment_label)
    ).all()
    by_label = {label: n for label, n in counts}
    per_platform = db.execute(
        select(Interaction.platform, func.count())
        .where(Interaction.occurred_at >= since, not_team(Interaction.identity_id))
        .group_by(Interaction.platform)
        .order_by(func.count().desc())
    ).all()
    stats = {
        "members": db.scalar(select(func.count(Member.id)).where(Member.merged_into_id.is_(None))) or 0,
        "interactions": db.scalar(select(func.count(Interaction.id))) or 0,
        "week": sum(by_label.values()),
        "quarantined": db.scalar(select(func.count(QuarantinedItem.id))) or 0,
        "new_members": db.scalar(
            select(func.count(Member.id)).where(Member.first_seen >= since, Member.merged_into_id.is_(None))
        ) or 0,
    }
    top = db.scalars(
        select(Member)
        .where(Member.last_seen >= since, Member.merged_into_id.is_(None))
        # Our own team accounts are not community members to celebrate.
        .where(Member.id.not_in(select(Identity.member_id).where(Identity.id.in_(team_identity_ids()))))
        .order_by(Member.interaction_count.desc())
        .limit(8)
    ).all()
    recent_negative = db.scalars(
        select(Interaction)
        .where(Interaction.sentiment_label == "negative", not_team(Interaction.identity_id))
        .order_by(Interaction.occurred_at.desc())
        .limit(8)
    ).all()
    return render_template(
        "dashboard.html", stats=stats, trend=_trend_chart(db), by_label=by_label, per_platform=per_platform, top=top,
        recent_negative=recent_negative,
    )
