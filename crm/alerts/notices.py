"""What an alert notification says: the same plain facts for every channel.

Bodies are built from our own numbers and the rule's name; nothing a social network wrote goes
into a notification, so an attacker cannot put links or mentions into our team's Slack.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from crm.alerts.models import Alert, AlertRule
from crm.locale import Speaker

SIGNAL_LABELS = {
    "volume": "volume",
    "negative_volume": "negative volume",
    "negative_share": "share of negative mentions",
    "mean_sentiment": "negativity",
}


@dataclass(frozen=True)
class Notice:
    """One alert event as plain data: the same facts for every channel."""

    alert_id: int
    event: str
    severity: str
    rule: str
    scope: str
    signal: str
    opened_at: str
    peak: int
    peak_at: str
    current: int
    usual: float
    minutes: int
    url: str
    kind: str = "spike"
    opened: datetime | None = None
    peak_time: datetime | None = None

    @property
    def title(self) -> str:
        what = "back to normal" if self.event == "resolved" else f"{self.kind} in {SIGNAL_LABELS[self.signal]}"
        return f"[{self.severity.upper()}] {self.rule}: {what}"

    def title_for(self, s: Speaker) -> str:
        """The title in a reader's language (e-mail)."""
        if self.event == "resolved":
            what = s._("back to normal")
        else:
            what = s._("%(kind)s in %(signal)s", kind=s._(self.kind), signal=s._(SIGNAL_LABELS[self.signal]))
        return f"[{s._(self.severity).upper()}] {self.rule}: {what}"

    def summary_for(self, s: Speaker) -> str:
        """The summary in a reader's language and time zone (e-mail)."""
        if self.opened is None or self.peak_time is None:
            return self.summary
        return s._(
            "Since %(opened)s (%(minutes)s min): peak %(peak)s per 5 minutes at %(peak_at)s, now %(current)s, "
            "usually %(usual)s. Scope: %(scope)s.",
            opened=s.when(self.opened), minutes=self.minutes, peak=self.peak, peak_at=s.when(self.peak_time, "HH:mm"),
            current=self.current, usual=f"{self.usual:.1f}", scope=self.scope,
        )

    @property
    def summary(self) -> str:
        return (
            f"Since {self.opened_at} UTC ({self.minutes} min): peak {self.peak} per 5 minutes "
            f"at {self.peak_at}, now {self.current}, usually {self.usual:.1f}. Scope: {self.scope}."
        )


def notice(alert: Alert, rule: AlertRule, event: str, base_url: str) -> Notice:
    """The facts of an alert for a notification."""
    end = alert.resolved_at or alert.last_updated
    minutes = max(5, int((end - alert.opened_at).total_seconds() // 60) + (0 if alert.resolved_at else 5))
    return Notice(
        alert_id=alert.id,
        event=event,
        severity=alert.severity,
        rule=rule.name,
        scope=rule.scope_key,
        signal=alert.signal,
        opened_at=f"{alert.opened_at:%Y-%m-%d %H:%M}",
        peak=alert.peak,
        peak_at=f"{alert.peak_at:%H:%M}",
        current=alert.current,
        usual=alert.baseline_at_open,
        minutes=minutes,
        url=f"{base_url.rstrip('/')}/alerts/{alert.id}",
        kind=alert.kind,
        opened=alert.opened_at,
        peak_time=alert.peak_at,
    )
