"""What drives an alert: its series with the usual band, top posts, members, unusual terms, mix.

Everything is read from the interactions table over the spike's window (from the start of the
30-minute level that opened it to its end) and, for the terms, the same hours of the week
before. Bounded: at most a few thousand rows are read whatever the size of the spike.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Integer, func, or_, select
from sqlalchemy.orm import Session, joinedload

from crm.alerts.counters import scope_filter
from crm.alerts.detector import compute_baseline, seasonal_lags
from crm.alerts.models import Alert, AlertRule
from crm.alerts.series import at_bucket, load_counts, needed_ranges, params_for, signal_values
from crm.alerts.types import BUCKET_SECONDS, bucket_number
from crm.inbox.team import not_team
from crm.interactions.models import Interaction
from crm.members.models import Member
from crm.text import STOPWORDS, strip_urls

SAMPLE = 3_000
CHART_BEFORE = timedelta(hours=6)
CHART_MAX = timedelta(days=2)
WORD = re.compile(r"[^\W\d_][\w'’-]{2,}", re.UNICODE)


@dataclass
class ChartData:
    """Per-bucket values of the alert's signal, the usual band, and the spike's span."""

    times: list[datetime] = field(default_factory=list)
    values: list[int] = field(default_factory=list)
    low: list[float | None] = field(default_factory=list)
    high: list[float | None] = field(default_factory=list)
    spike_from: datetime | None = None
    spike_to: datetime | None = None


def spike_window(alert: Alert) -> tuple[datetime, datetime]:
    """From the start of the level that opened the alert to the end of its last bucket."""
    params = params_for(alert.rule)
    start = alert.opened_at - timedelta(seconds=BUCKET_SECONDS * (params.smooth_buckets - 1))
    end = alert.resolved_at or alert.last_updated + timedelta(seconds=BUCKET_SECONDS)
    return start, end


def chart_data(session: Session, alert: Alert, now: datetime) -> ChartData:
    """The signal around the alert with the per-bucket usual band (median +- 2 sigma)."""
    rule = alert.rule
    params = params_for(rule)
    end_time = min(alert.resolved_at or now, now) + timedelta(minutes=30)
    start_time = max(spike_window(alert)[0] - CHART_BEFORE, end_time - CHART_MAX)
    lo, hi = bucket_number(start_time), bucket_number(end_time)
    ranges = needed_ranges(lo, hi, params)
    counts, first = load_counts(session, [rule.scope_key], ranges)
    values = signal_values(rule, counts[rule.scope_key], ranges)
    begin = first.get(rule.scope_key)
    lags = seasonal_lags(params)

    def lookup(bucket: int) -> int | None:
        return None if begin is None or bucket < begin else values.get(bucket, 0)

    span_from, span_to = spike_window(alert)  # the same span as the top posts and the peak
    data = ChartData(spike_from=span_from, spike_to=span_to - timedelta(seconds=BUCKET_SECONDS))
    for b in range(lo, hi + 1):
        base = compute_baseline(lookup, b, params, lags, 1)
        data.times.append(at_bucket(b))
        data.values.append(values.get(b, 0))
        data.low.append(max(0.0, base.median - 2 * base.sigma) if base else None)
        data.high.append(base.median + 2 * base.sigma if base else None)
    return data


def _in_window(session: Session, rule: AlertRule, start: datetime, end: datetime) -> Any:
    restrict = scope_filter(session, rule.scope_key)
    if restrict is None:
        return None
    window = (Interaction.occurred_at >= start, Interaction.occurred_at < end)
    return lambda stmt: restrict(stmt.where(*window))


def people_in_window(session: Session, rule: AlertRule, start: datetime, end: datetime) -> Any:
    """Like _in_window, without our own team accounts' posts (status updates, replies)."""
    restrict = _in_window(session, rule, start, end)
    if restrict is None:
        return None
    return lambda stmt: restrict(stmt).where(not_team(Interaction.identity_id))


def _same_post(interaction: Interaction) -> str:
    """What makes two posts the same to a reader: their words, whatever the platform or link."""
    text = f"{interaction.title or ''} {interaction.text or ''}".lower()
    return " ".join(WORD.findall(text))


def reactions(raw: dict[str, Any] | None) -> int:
    """Reactions an item got, from what the platform reported (score, likes, reposts, replies)."""
    if not raw:
        return 0
    total = 0
    for key in ("score", "num_comments", "like_count", "favourites_count", "reblogs_count"):
        value = raw.get(key)
        if isinstance(value, int | float):
            total += int(value)
    metrics = raw.get("public_metrics")
    if isinstance(metrics, dict):
        total += sum(int(v) for k, v in metrics.items() if isinstance(v, int | float) and k != "impression_count")
    return max(total, 0)


@dataclass(frozen=True)
class TopPost:
    interaction: Interaction
    reactions: int
    reach: int


def top_posts(session: Session, alert: Alert, limit: int = 8) -> list[TopPost]:
    """The posts of the spike with the most reactions, then the widest reach (followers).

    Our team's own posts are left out, and copies of the same words count once."""
    start, end = spike_window(alert)
    restrict = people_in_window(session, alert.rule, start, end)
    if restrict is None:
        return []
    stmt = restrict(select(Interaction)).options(joinedload(Interaction.identity))
    rows = session.scalars(stmt.order_by(Interaction.occurred_at.desc()).limit(SAMPLE)).all()
    posts = [TopPost(i, reactions(i.raw), i.identity.followers or 0) for i in rows]
    posts.sort(key=lambda p: (p.reactions, p.reach), reverse=True)
    seen: set[str] = set()
    unique = []
    for post in posts:  # a copy (cross-post, repost, double import) shows once, its best copy
        key = _same_post(post.interaction) or f"#{post.interaction.id}"
        if key not in seen:
            seen.add(key)
            unique.append(post)
    return unique[:limit]


@dataclass(frozen=True)
class Drivers:
    members: list[tuple[Member, int, bool]]  # member, mentions in the spike, new in the spike
    total: int
    new: int


def drivers(session: Session, alert: Alert, limit: int = 10) -> Drivers:
    """Members (not our team accounts) with the most mentions in the spike, and how many are new."""
    start, end = spike_window(alert)
    restrict = people_in_window(session, alert.rule, start, end)
    if restrict is None:
        return Drivers([], 0, 0)
    per_member = restrict(
        select(Interaction.member_id, func.count().label("n")).group_by(Interaction.member_id)
    ).subquery()
    total, new = session.execute(
        select(func.count(), func.coalesce(func.sum((Member.first_seen >= start).cast(Integer)), 0))
        .select_from(per_member)
        .join(Member, Member.id == per_member.c.member_id)
    ).one()
    top = session.execute(
        select(Member, per_member.c.n)
        .join(per_member, per_member.c.member_id == Member.id)
        .order_by(per_member.c.n.desc(), Member.id)
        .limit(limit)
    ).all()
    rows = [(m, int(n), m.first_seen is not None and m.first_seen >= start) for m, n in top]
    return Drivers(rows, int(total), int(new))


def _terms(texts: list[str]) -> Counter[str]:
    """In how many texts each word appears."""
    seen: Counter[str] = Counter()
    for text in texts:
        words = {w.lower().strip("'’-") for w in WORD.findall(strip_urls(text))}
        seen.update(w for w in words if len(w) > 2 and w not in STOPWORDS)
    return seen


def unusual_terms(session: Session, alert: Alert, limit: int = 12) -> list[tuple[str, int, float]]:
    """Words far more common in the spike than in the same hours of the previous 7 days.

    (word, texts in the spike, how many times more often) by smoothed ratio of document shares.
    """
    start, end = spike_window(alert)
    restrict = _in_window(session, alert.rule, start, end)
    scope = scope_filter(session, alert.rule.scope_key)
    if restrict is None or scope is None:
        return []
    now_texts = list(session.scalars(restrict(select(Interaction.text)).limit(SAMPLE)))
    shifted = [
        (Interaction.occurred_at >= start - timedelta(days=d)) & (Interaction.occurred_at < end - timedelta(days=d))
        for d in range(1, 8)
    ]
    stmt = scope(select(Interaction.text).where(or_(*shifted)))
    before_texts = list(session.scalars(stmt.limit(SAMPLE)))
    now_terms, before_terms = _terms(now_texts), _terms(before_texts)
    n_now, n_before = max(len(now_texts), 1), max(len(before_texts), 1)
    scored = []
    for word, a in now_terms.items():
        if a < 3:
            continue
        ratio = ((a + 0.5) / (n_now + 1)) / ((before_terms.get(word, 0) + 0.5) / (n_before + 1))
        if ratio >= 2:
            scored.append((word, a, ratio))
    scored.sort(key=lambda t: (math.log(t[2]) * math.sqrt(t[1]), t[1]), reverse=True)
    return [(w, a, round(r, 1)) for w, a, r in scored[:limit]]


def breakdown(session: Session, alert: Alert) -> dict[str, list[tuple[str, int]]]:
    """Mentions of the spike by channel (platform / channel) and by sentiment."""
    start, end = spike_window(alert)
    restrict = _in_window(session, alert.rule, start, end)
    if restrict is None:
        return {"channels": [], "sentiment": []}
    by_channel = session.execute(
        restrict(select(Interaction.platform, Interaction.channel, func.count()))
        .group_by(Interaction.platform, Interaction.channel)
        .order_by(func.count().desc())
        .limit(12)
    ).all()
    by_sentiment = dict(
        session.execute(
            restrict(select(Interaction.sentiment_label, func.count())).group_by(Interaction.sentiment_label)
        ).all()
    )
    return {
        "channels": [(f"{p} / {c}" if c else p, int(n)) for p, c, n in by_channel],
        "sentiment": [(s, int(by_sentiment.get(s, 0))) for s in ("negative", "neutral", "positive")],
    }
