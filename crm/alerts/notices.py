"""What an alert notification says: the same plain facts for every channel.

Bodies are built from our own numbers and the rule's name; nothing a social network wrote goes
into a notification, so an attacker cannot put links or mentions into our team's Slack.
"""

from __future__ import annotations

from dataclasses import dataclass

from crm.alerts.models import Alert, AlertRule

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

    @property
    def title(self) -> str:
        what = "back to normal" if self.event == "resolved" else f"{self.kind} in {SIGNAL_LABELS[self.signal]}"
        return f"[{self.severity.upper()}] {self.rule}: {what}"

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
    )
