"""Alert delivery: webhook (Slack and JSON bodies) and e-mail against real local servers,
every attempt recorded, bounded inline retries, RQ Retry with a real worker, the digest."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import timedelta
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from crm.alerts.models import Alert, AlertEvent, AlertRule, Delivery, DeliveryAttempt
from crm.alerts.notices import notice
from crm.db import utcnow
from crm.settings import Settings
from listeners import alerts as alert_jobs
from listeners import runtime
from listeners.delivery import json_body, slack_body


# --- local servers -----------------------------------------------------------------------
class WebhookSink:
    """A real HTTP server on 127.0.0.1 that records POSTs; answers from a script of codes."""

    def __init__(self, codes: list[int] | None = None) -> None:
        self.codes = list(codes or [])
        self.received: list[tuple[float, dict[str, Any]]] = []
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                sink.received.append((time.perf_counter(), json.loads(body)))
                code = sink.codes.pop(0) if sink.codes else 200
                self.send_response(code)
                self.end_headers()
                self.wfile.write(b"ok" if code < 300 else b"nope")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture()
def webhook() -> Iterator[WebhookSink]:
    sink = WebhookSink()
    yield sink
    sink.close()




@pytest.fixture()
def use_runtime(
    settings: Settings, session_factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[..., None]]:
    """Point listeners.runtime at the test transaction; quick inline retries."""
    from listeners.queue import InlineQueue

    monkeypatch.setattr(alert_jobs, "INLINE_RETRY_DELAYS", (0.0, 0.0))
    before = runtime._runtime

    def do(queue: Any = None, **changes: Any) -> None:
        runtime.configure(replace(settings, **changes), session_factory, queue or InlineQueue())

    do()
    yield do
    runtime._runtime = before


def make_delivery(db: Session, channel: str, target: str, *, severity: str = "crisis",
                  status: str = "pending", fmt: str | None = "slack", name: str = "Overall volume") -> Delivery:
    rule = db.scalars(select(AlertRule).where(AlertRule.builtin_key == "volume")).one()
    rule.name = name
    now = utcnow()
    alert = Alert(rule_id=rule.id, scope_key="all", signal="volume", kind="spike", status="open",
                  severity=severity, opened_at=now - timedelta(minutes=20), peak=480,
                  peak_at=now - timedelta(minutes=10), current=300, baseline_at_open=12.5,
                  last_updated=now - timedelta(minutes=5))
    db.add(alert)
    db.flush()
    event = AlertEvent(alert_id=alert.id, kind="opened", severity=severity)
    db.add(event)
    db.flush()
    row = Delivery(alert_id=alert.id, event_id=event.id, channel=channel, target=target,
                   status=status, webhook_format=fmt)
    db.add(row)
    db.commit()
    return row


def attempts(db: Session, delivery_id: int) -> list[DeliveryAttempt]:
    db.expire_all()
    stmt = select(DeliveryAttempt).where(DeliveryAttempt.delivery_id == delivery_id)
    return list(db.scalars(stmt.order_by(DeliveryAttempt.number)))


# --- bodies ------------------------------------------------------------------------------
def test_slack_and_json_bodies(db: Session) -> None:
    row = make_delivery(db, "webhook", "http://x", name="<!channel> & co")
    alert = db.get(Alert, row.alert_id)
    n = notice(alert, alert.rule, "opened", "https://crm.example/")
    body = slack_body([n])
    assert body["text"].startswith("[CRISIS] &lt;!channel&gt; &amp; co: spike in volume")
    assert [b["type"] for b in body["blocks"]] == ["header", "section"]
    section = body["blocks"][1]["text"]["text"]
    assert f"<https://crm.example/alerts/{alert.id}|Open the alert>" in section
    assert "peak 480 per 5 minutes" in section and "usually 12.5" in section and "(20 min)" in section
    plain = json_body([n])
    assert plain["type"] == "alert" and plain["alerts"][0]["severity"] == "crisis"
    assert plain["alerts"][0]["url"] == f"https://crm.example/alerts/{alert.id}"
    assert json_body([n, n])["type"] == "digest"


# --- webhook -----------------------------------------------------------------------------
def test_webhook_retries_inline_and_records_every_attempt(db: Session, use_runtime, webhook) -> None:  # type: ignore[no-untyped-def]
    webhook.codes = [500, 503]
    row = make_delivery(db, "webhook", webhook.url)
    assert alert_jobs.deliver_inline(row.id) == "sent"
    tries = attempts(db, row.id)
    assert [(a.number, a.ok, a.status_code) for a in tries] == [(1, False, 500), (2, False, 503), (3, True, 200)]
    assert "HTTP 500" in (tries[0].error or "")
    assert len(webhook.received) == 3 and webhook.received[-1][1]["blocks"]
    assert db.get(Delivery, row.id).status == "sent"
    # Running the job again does not send again.
    assert alert_jobs.deliver_inline(row.id) == "sent" and len(webhook.received) == 3


def test_unreachable_webhook_ends_failed_after_bounded_retries(db: Session, use_runtime) -> None:  # type: ignore[no-untyped-def]
    row = make_delivery(db, "webhook", "http://127.0.0.1:9/hook", fmt="json")
    assert alert_jobs.deliver_inline(row.id) == "failed"
    tries = attempts(db, row.id)
    assert len(tries) == 3 and not any(a.ok for a in tries)
    assert "ConnectionError" in (tries[-1].error or "")
    assert db.get(Delivery, row.id).status == "failed"


def test_rq_retry_with_a_real_worker(db: Session, use_runtime, webhook, redis_url, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from redis import Redis
    from rq import Queue

    from listeners.queue import RQQueue
    from listeners.rq_workers import PromptSimpleWorker as SimpleWorker

    monkeypatch.setattr(alert_jobs, "RETRY_INTERVALS", [0, 0])  # re-enqueued at once
    use_runtime(RQQueue(redis_url))
    webhook.codes = [502]
    row = make_delivery(db, "webhook", webhook.url)
    alert_jobs.send_deliveries([row.id])
    connection = Redis.from_url(redis_url)
    SimpleWorker([Queue("alerts", connection=connection)], connection=connection).work(burst=True)
    tries = attempts(db, row.id)
    assert [(a.ok, a.status_code) for a in tries] == [(False, 502), (True, 200)]
    assert db.get(Delivery, row.id).status == "sent"


# --- e-mail ------------------------------------------------------------------------------
def test_email_over_a_real_smtp_server(db: Session, use_runtime, smtp) -> None:  # type: ignore[no-untyped-def]
    use_runtime(smtp_url=smtp.url, mail_from="alerts@crm.example")
    row = make_delivery(db, "email", "lead@example.com", fmt=None)
    assert alert_jobs.deliver_inline(row.id) == "sent"
    [(rcpt, data)] = smtp.messages
    msg = message_from_bytes(data)
    assert rcpt == ["lead@example.com"] and msg["From"] == "alerts@crm.example"
    assert msg["Subject"] == "[CRISIS] Overall volume: spike in volume"
    assert f"/alerts/{row.alert_id}" in msg.get_payload()
    assert [a.ok for a in attempts(db, row.id)] == [True]


def test_email_without_smtp_url_is_skipped_and_says_why(db: Session, use_runtime) -> None:  # type: ignore[no-untyped-def]
    row = make_delivery(db, "email", "lead@example.com", fmt=None)
    assert alert_jobs.deliver_inline(row.id) == "skipped"
    assert [a.error for a in attempts(db, row.id)] == ["SMTP_URL is not set"]


# --- digest ------------------------------------------------------------------------------
def test_digest_sends_one_message_per_target(db: Session, use_runtime, webhook) -> None:  # type: ignore[no-untyped-def]
    first = make_delivery(db, "webhook", webhook.url, severity="watch", status="digest", fmt="json")
    second = make_delivery(db, "webhook", webhook.url, severity="watch", status="digest", fmt="json")
    assert alert_jobs.send_digest() == {"sent": 1, "failed": 0}
    [(_, body)] = webhook.received
    assert body["type"] == "digest" and {a["alert_id"] for a in body["alerts"]} == {first.alert_id, second.alert_id}
    db.expire_all()
    assert {db.get(Delivery, first.id).status, db.get(Delivery, second.id).status} == {"sent"}
    assert alert_jobs.send_digest() == {"sent": 0, "failed": 0}


def test_timer_enqueues_evaluation_every_minute_and_digest_hourly() -> None:
    from listeners.dispatcher import PeriodicJobs
    from listeners.queue import InlineQueue

    ran: list[str] = []

    class Recorder(InlineQueue):
        def enqueue(self, func: Any, *args: Any, **options: Any) -> Any:  # type: ignore[override]
            ran.append(options["job_id"])

    timer = PeriodicJobs(alert_jobs.PERIODIC)
    queue = Recorder()
    assert timer.tick(queue, now=0.0) == ["alerts-evaluate"]
    assert timer.tick(queue, now=30.0) == []
    assert timer.tick(queue, now=60.0) == ["alerts-evaluate"]
    assert timer.tick(queue, now=3600.0) == ["alerts-evaluate", "alerts-digest"]
    assert ran == ["alerts-evaluate", "alerts-evaluate", "alerts-evaluate", "alerts-digest"]


def test_the_dispatcher_runs_alert_and_inbox_timers() -> None:
    from listeners.dispatcher import PeriodicJobs
    from listeners.queue import InlineQueue

    class Recorder(InlineQueue):
        def enqueue(self, func: Any, *args: Any, **options: Any) -> Any:  # type: ignore[override]
            return None

    assert PeriodicJobs.default().tick(Recorder(), now=0.0) == [
        "alerts-evaluate", "inbox-due", "purge-old-files", "privacy-retention", "webhooks-sweep", "sla-check"
    ]
