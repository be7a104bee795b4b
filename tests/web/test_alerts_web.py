"""Alerts pages: list and badge, the alert page (chart, drivers, terms), workflow, rules, mutes."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.alerts import counters
from crm.alerts.models import Alert, AlertEvent, AlertMute, AlertRule
from crm.db import utcnow
from tests.factories import author, ingest, mention


def make_alert(db: Session, *, texts: int = 6, status: str = "open") -> Alert:
    """A spike alert on the default volume rule, with interactions in its window."""
    rule = db.scalars(select(AlertRule).where(AlertRule.builtin_key == "volume")).one()
    opened = counters.bucket_start(utcnow()) - timedelta(minutes=10)
    loud = author("loud-1", followers=5000)
    items = [
        mention(by=loud, created_at=opened + timedelta(minutes=1, seconds=k),
                text=f"<script>alert(1)</script> meltdown outage number {k}", raw={"score": 40 + k})
        for k in range(texts)
    ]
    result = ingest(db, *items)
    counters.update_counters(db, result.new_ids)
    alert = Alert(
        rule_id=rule.id, scope_key="all", signal="volume", kind="spike", status=status,
        severity="warning", opened_at=opened, peak=texts, peak_at=opened, current=texts,
        baseline_at_open=0.5, last_updated=opened + timedelta(minutes=5),
    )
    db.add(alert)
    db.flush()
    db.add(AlertEvent(alert_id=alert.id, kind="opened", severity="warning", detail="6 in 5 minutes"))
    db.commit()
    return alert


def test_alerts_list_shows_counts_and_nav_badge(client, login, db: Session) -> None:  # type: ignore[no-untyped-def]
    login("viewer")
    make_alert(db)
    page = client.get("/alerts/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Overall volume" in html and "warning" in html
    assert re.search(r'alert-badge" title="open alerts">1<', html)


def test_alert_page_explains_with_chart_posts_members_terms(client, login, db: Session) -> None:  # type: ignore[no-untyped-def]
    login("viewer")
    alert = make_alert(db)
    html = client.get(f"/alerts/{alert.id}").get_data(as_text=True)
    assert "<svg" in html and 'class="series"' in html and 'class="spike"' in html
    assert "meltdown" in html  # an unusual term and the posts
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert "reactions 45" in html  # the top post by score
    assert "1 members in the spike, 1 of them new" in html
    assert "/members/" in html


def test_workflow_acknowledge_assign_note_resolve_keeps_history(client, login, db: Session) -> None:  # type: ignore[no-untyped-def]
    lead = login("manager")
    alert = make_alert(db)
    token = _csrf(client, f"/alerts/{alert.id}")
    assert client.post(f"/alerts/{alert.id}/acknowledge", data={"csrf_token": token}).status_code == 302
    client.post(f"/alerts/{alert.id}/assign", data={"csrf_token": token, "assignee_id": lead.id})
    client.post(f"/alerts/{alert.id}/note", data={"csrf_token": token, "text": "Status page updated"})
    client.post(f"/alerts/{alert.id}/resolve", data={"csrf_token": token, "reason": "outage fixed"})
    db.expire_all()
    alert = db.get(Alert, alert.id)
    assert alert.status == "resolved" and alert.resolution_reason == "outage fixed"
    assert alert.assignee_id == lead.id and alert.acknowledged_by_id == lead.id
    kinds = [e.kind for e in db.scalars(select(AlertEvent).where(AlertEvent.alert_id == alert.id).order_by(AlertEvent.id))]
    assert kinds == ["opened", "acknowledged", "assigned", "note", "closed"]
    html = client.get(f"/alerts/{alert.id}").get_data(as_text=True)
    assert "Status page updated" in html and "outage fixed" in html


def test_viewer_cannot_act_on_alerts(client, login, db: Session) -> None:  # type: ignore[no-untyped-def]
    login("viewer")
    alert = make_alert(db)
    token = _csrf(client, f"/alerts/{alert.id}")
    assert client.post(f"/alerts/{alert.id}/acknowledge", data={"csrf_token": token}).status_code == 403
    assert client.post("/alerts/rules/new", data={"csrf_token": token, "name": "x"}).status_code == 403


def test_rule_form_validates_and_saves(client, login, db: Session) -> None:  # type: ignore[no-untyped-def]
    login("admin")
    token = _csrf(client, "/alerts/rules/new")
    base = {"csrf_token": token, "name": "Outage talk", "scope_kind": "query", "signal": "volume",
            "sensitivity": "high", "min_volume": "20", "webhook_format": "slack", "enabled": "y"}
    bad = client.post("/alerts/rules/new", data={**base, "scope_value": "", "channels": ["webhook"],
                                                 "webhook_url": "not a url"})
    assert bad.status_code == 422
    assert "Type at least one word" in bad.get_data(as_text=True) or "Invalid URL" in bad.get_data(as_text=True)
    ok = client.post("/alerts/rules/new", data={**base, "scope_value": '"server down" OR outage',
                                                "channels": ["email", "webhook"],
                                                "webhook_url": "http://127.0.0.1:9999/hook",
                                                "recipients": "ops@example.com\nlead@example.com"})
    assert ok.status_code == 302
    rule = db.scalars(select(AlertRule).where(AlertRule.name == "Outage talk")).one()
    assert rule.scope_key == f"query:{rule.id}" and rule.sensitivity == "high"
    assert rule.channels == ["email", "webhook"] and rule.recipients == ["ops@example.com", "lead@example.com"]
    listing = client.get("/alerts/rules").get_data(as_text=True)
    assert "Outage talk" in listing and "&#34;server down&#34; OR outage" in listing


def test_default_rules_cannot_be_deleted_but_muted(client, login, db: Session) -> None:  # type: ignore[no-untyped-def]
    user = login("admin")
    rule = db.scalars(select(AlertRule).where(AlertRule.builtin_key == "volume")).one()
    token = _csrf(client, "/alerts/rules")
    assert client.post(f"/alerts/rules/{rule.id}/delete", data={"csrf_token": token}).status_code == 409
    client.post(f"/alerts/rules/{rule.id}/mute", data={"csrf_token": token, "hours": "2"})
    client.post("/alerts/mute", data={"csrf_token": token, "hours": "0", "rule_id": rule.id})
    db.expire_all()
    assert db.get(AlertRule, rule.id).muted_until > utcnow() + timedelta(minutes=110)
    mute = db.scalars(select(AlertMute).where(AlertMute.user_id == user.id)).one()
    assert mute.rule_id == rule.id and mute.until is None


def test_muted_rules_leave_the_badge(client, login, db: Session) -> None:  # type: ignore[no-untyped-def]
    login("viewer")
    make_alert(db)
    token = _csrf(client, "/alerts/rules")
    client.post("/alerts/mute", data={"csrf_token": token, "hours": "1"})  # every rule, for me
    assert "alert-badge" not in client.get("/alerts/").get_data(as_text=True)


def test_cli_backtest_prints_one_line_per_alert(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from click.testing import CliRunner

    from cli.main import cli

    runner = CliRunner()
    lines = ["timestamp,value"]
    start = utcnow().replace(tzinfo=None, hour=0, minute=0, second=0, microsecond=0)
    for i in range(4 * 288):
        value = 20 + (i % 7) + (600 if 3 * 288 + 100 <= i < 3 * 288 + 110 else 0)
        lines.append(f"{start + timedelta(minutes=5 * i):%Y-%m-%d %H:%M:%S},{value}")
    path = tmp_path / "series.csv"
    path.write_text("\n".join(lines) + "\n")
    result = runner.invoke(cli, ["alerts", "backtest", str(path)])
    assert result.exit_code == 0, result.output
    out = result.output.splitlines()
    assert re.match(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d  crisis +peak=\d+ at .* duration=\dh\d\dm", out[0])
    assert out[-1] == "1 incident(s) over 1152 buckets"
    missing = runner.invoke(cli, ["alerts", "backtest", str(tmp_path / "nope.csv")])
    assert missing.exit_code != 0


def _csrf(client, url: str) -> str:  # type: ignore[no-untyped-def]
    html = client.get(url).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, "no CSRF token on " + url
    return match.group(1)


def test_rule_page_says_what_makes_each_severity_and_the_alert_says_why(client, login, db: Session) -> None:  # type: ignore[no-untyped-def]
    login("viewer")
    html = client.get("/alerts/rules").get_data(as_text=True)
    assert "What watch, warning and crisis mean" in html
    assert "4.5x its usual level" in html and "mostly negative" in html and "2 platforms" in html
    alert = make_alert(db)
    db.add(AlertEvent(alert_id=alert.id, kind="graded", severity="crisis",
                      detail="crisis because warning by volume, 80% negative"))
    db.commit()
    page = client.get(f"/alerts/{alert.id}").get_data(as_text=True)
    assert "Crisis because warning by volume, 80% negative." in page


def test_deliveries_explain_themselves_and_retry_now(client, login, db: Session) -> None:  # type: ignore[no-untyped-def]
    from crm.alerts.models import Delivery

    login("manager")
    alert = make_alert(db)
    mail = Delivery(alert_id=alert.id, channel="email", target="lead@example.com", status="pending")
    hook = Delivery(alert_id=alert.id, channel="webhook", target="http://127.0.0.1:9/hook",
                    webhook_format="json", status="failed", attempts=3,
                    last_error="ConnectionError: refused")
    db.add_all([mail, hook])
    db.commit()
    html = client.get(f"/alerts/{alert.id}").get_data(as_text=True)
    assert "not configured: set SMTP_URL" in html
    assert "failed after 3 attempt(s): ConnectionError: refused" in html
    assert html.count("retry now") == 2
    token = _csrf(client, f"/alerts/{alert.id}")
    page = client.post(f"/alerts/{alert.id}/deliveries/{hook.id}/retry", data={"csrf_token": token},
                       follow_redirects=True)
    assert page.status_code == 200 and "Sending again now" in page.get_data(as_text=True)
    db.expire_all()
    row = db.get(Delivery, hook.id)
    assert row is not None and row.attempts > 3  # tried again (port 9 refuses: still failing)


def test_silence_alerts_are_switched_per_rule_in_the_form(client, login, db: Session) -> None:  # type: ignore[no-untyped-def]
    login("admin")
    token = _csrf(client, "/alerts/rules/new")
    data = {"csrf_token": token, "name": "Reddit feed alive", "scope_kind": "platform",
            "scope_value": "reddit", "signal": "volume", "sensitivity": "medium", "min_volume": "30",
            "webhook_format": "slack", "enabled": "y", "detect_silence": "y", "channels": ["email"]}
    assert client.post("/alerts/rules/new", data=data).status_code == 302
    rule = db.scalars(select(AlertRule).where(AlertRule.name == "Reddit feed alive")).one()
    assert rule.detect_silence is True
    assert "silence too" in client.get("/alerts/rules").get_data(as_text=True)
    edit = client.get(f"/alerts/rules/{rule.id}/edit").get_data(as_text=True)
    assert re.search(r'<input[^>]*checked[^>]*name="detect_silence"|<input[^>]*name="detect_silence"[^>]*checked', edit)
