"""Alert rules, per-scope volume counters, alerts (persisted incidents) with history, deliveries.

A rule watches one scope (everything, a platform, a source, a full-text query, a segment) for
one signal. Counters are kept per *scope*, not per rule: every rule on "all" shares one series.
An Alert row is the detector's Incident for one rule, kept between evaluations: the detector
itself is stateless and re-reads stored counters.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.expression import false

from crm.db import Base, BigId, UTCDateTime, utcnow

SCOPE_KINDS = ("all", "platform", "source", "query", "segment")
SIGNALS = ("volume", "negative_volume", "negative_share", "mean_sentiment")
SENSITIVITIES = ("low", "medium", "high")
CHANNELS = ("email", "webhook")  # in-app is always on
WEBHOOK_FORMATS = ("slack", "json")
ALERT_STATUSES = ("open", "acknowledged", "resolved")
DELIVERY_STATUSES = ("pending", "retrying", "sent", "failed", "digest", "muted", "skipped")


def scope_key_of(rule_id: int, kind: str, value: str) -> str:
    """The scope key of a rule's series (a query's series belongs to its rule: the text may change)."""
    if kind == "all":
        return "all"
    if kind == "query":
        return f"query:{rule_id}"
    return f"{kind}:{value}"


class AlertRule(Base):
    """What to watch, how sensitively, and whom to tell."""

    __tablename__ = "alert_rules"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    scope_kind: Mapped[str] = mapped_column(String(16), default="all")
    # platform name, source id, full-text query or segment id, as text; "" for "all".
    scope_value: Mapped[str] = mapped_column(String(300), default="")
    signal: Mapped[str] = mapped_column(String(20), default="volume")
    sensitivity: Mapped[str] = mapped_column(String(8), default="medium")
    min_volume: Mapped[int] = mapped_column(Integer, default=30)
    # E-mail addresses; empty means every active admin and manager.
    recipients: Mapped[list[str]] = mapped_column(JSON, default=list)
    channels: Mapped[list[str]] = mapped_column(JSON, default=list)
    webhook_url: Mapped[str | None] = mapped_column(String(2000))
    webhook_format: Mapped[str] = mapped_column(String(8), default="slack")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # Also alert when a volume scope suddenly goes quiet (a broken connector, a banned account).
    detect_silence: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    muted_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    builtin_key: Mapped[str | None] = mapped_column(String(32), unique=True)
    # Last complete bucket this rule was evaluated through (the partial one is re-read).
    evaluated_through: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @property
    def scope_key(self) -> str:
        """The counter series this rule reads: all, platform:x, source:3, query:<id>, segment:5."""
        return scope_key_of(self.id, self.scope_kind, self.scope_value)

    def is_muted(self, now: datetime) -> bool:
        """True while a rule-wide mute lasts."""
        return self.muted_until is not None and self.muted_until > now


class VolumeBucket(Base):
    """Mentions of one scope in one 5-minute bucket (absolute values, recomputed, upserted)."""

    __tablename__ = "volume_buckets"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    scope_key: Mapped[str] = mapped_column(String(100))
    bucket_start: Mapped[datetime] = mapped_column(UTCDateTime)
    count: Mapped[int] = mapped_column(Integer, default=0)
    negative: Mapped[int] = mapped_column(Integer, default=0)
    sentiment_sum: Mapped[float] = mapped_column(Float, default=0.0)
    # Mentions with a sentiment (not "unscored"): the denominator of shares and means, so texts
    # in a language without an analyzer neither dilute nor raise a negative share.
    scored: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    __table_args__ = (UniqueConstraint("scope_key", "bucket_start"),)


class RuleBaseline(Base):
    """A rule's baseline for one bucket, computed once and reused by every evaluation in it.

    A baseline depends only on buckets at least half an hour old, so it is fixed for the
    whole 5-minute bucket: the evaluation after each batch then reads six recent counters
    per rule instead of the ~100 the seasonal lags need. Kept for an hour, then pruned.
    """

    __tablename__ = "alert_baselines"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    rule_id: Mapped[int] = mapped_column(BigId, ForeignKey("alert_rules.id", ondelete="CASCADE"))
    bucket_start: Mapped[datetime] = mapped_column(UTCDateTime)
    median: Mapped[float] = mapped_column(Float)
    sigma: Mapped[float] = mapped_column(Float)
    samples: Mapped[int] = mapped_column(Integer)
    seasonal: Mapped[bool] = mapped_column(Boolean)

    __table_args__ = (UniqueConstraint("rule_id", "bucket_start"),)


class Alert(Base):
    """One incident of one rule: opened, updated while it lasts, escalated, resolved."""

    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    rule_id: Mapped[int] = mapped_column(BigId, ForeignKey("alert_rules.id", ondelete="CASCADE"))
    scope_key: Mapped[str] = mapped_column(String(100))
    signal: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(8), default="spike")
    status: Mapped[str] = mapped_column(String(12), default="open")
    severity: Mapped[str] = mapped_column(String(8))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    peak: Mapped[int] = mapped_column(Integer)
    peak_at: Mapped[datetime] = mapped_column(UTCDateTime)
    current: Mapped[int] = mapped_column(Integer)
    baseline_at_open: Mapped[float] = mapped_column(Float)
    last_updated: Mapped[datetime] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    quiet_buckets: Mapped[int] = mapped_column(Integer, default=0)
    assignee_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id", ondelete="SET NULL"))
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="SET NULL")
    )
    resolution_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    rule: Mapped[AlertRule] = relationship()

    __table_args__ = (
        Index("ix_alerts_rule_opened", "rule_id", "opened_at"),
        Index("ix_alerts_status_opened", "status", "opened_at"),
    )

    @property
    def is_open(self) -> bool:
        return self.status != "resolved"


class AlertEvent(Base):
    """The history of an alert: detector events, workflow actions and notes, oldest first."""

    __tablename__ = "alert_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    alert_id: Mapped[int] = mapped_column(BigId, ForeignKey("alerts.id", ondelete="CASCADE"))
    # opened / escalated / reopened / resolved (detector); acknowledged / assigned / note /
    # closed (a person resolved it with a reason).
    kind: Mapped[str] = mapped_column(String(16))
    severity: Mapped[str | None] = mapped_column(String(8))
    actor_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id", ondelete="SET NULL"))
    detail: Mapped[str] = mapped_column(Text, default="")
    level: Mapped[int | None] = mapped_column(Integer)
    baseline: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_alert_events_alert", "alert_id", "created_at"),)


class Delivery(Base):
    """One notification of one alert event to one target over one channel."""

    __tablename__ = "alert_deliveries"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    alert_id: Mapped[int] = mapped_column(BigId, ForeignKey("alerts.id", ondelete="CASCADE"))
    event_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("alert_events.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(8))
    target: Mapped[str] = mapped_column(String(2000))
    webhook_format: Mapped[str | None] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(8), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Watch-level deliveries wait for the digest; the digest that carried them.
    digest_key: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (
        Index("ix_alert_deliveries_alert", "alert_id"),
        Index("ix_alert_deliveries_status", "status", "created_at"),
    )


class DeliveryAttempt(Base):
    """Every try of a delivery, successful or not, with the status code or the error."""

    __tablename__ = "alert_delivery_attempts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    delivery_id: Mapped[int] = mapped_column(BigId, ForeignKey("alert_deliveries.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    ok: Mapped[bool] = mapped_column(Boolean)
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_alert_delivery_attempts_delivery", "delivery_id", "number"),)


class AlertMute(Base):
    """A user's mute of one rule (or of every rule when rule_id is NULL), until a time or forever."""

    __tablename__ = "alert_mutes"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"))
    rule_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("alert_rules.id", ondelete="CASCADE"))
    until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_alert_mutes_user", "user_id", "rule_id"),)


def rule_summary(rule: AlertRule) -> dict[str, Any]:
    """A rule as plain data (for webhook bodies and logs)."""
    return {
        "id": rule.id,
        "name": rule.name,
        "scope": rule.scope_key,
        "signal": rule.signal,
        "sensitivity": rule.sensitivity,
    }
