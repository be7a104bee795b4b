"""End to end with the real worker: a spike committed through ingest opens its alert within
5 s of the commit and its webhook arrives within 10 s (scratch SQLite file, real Redis)."""

from __future__ import annotations

import math
import random
import threading
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from crm.alerts import counters
from crm.alerts.models import Alert, AlertRule
from crm.alerts.types import DAY_BUCKETS
from crm.db import utcnow
from crm.ingest import ingest_batch
from crm.migrate import upgrade
from crm.settings import Settings
from listeners import runtime
from listeners.followups import kick
from listeners.queue import RQQueue
from tests.factories import author, mention
from tests.listeners.test_alerts_delivery import WebhookSink

STEP = timedelta(minutes=5)


def test_spike_through_ingest_alerts_within_5s_and_webhook_within_10s(tmp_path: Path, redis_url: str) -> None:
    from redis import Redis
    from rq import Queue

    from listeners.rq_workers import PromptSimpleWorker as SimpleWorker

    url = f"sqlite:///{tmp_path / 'latency.sqlite3'}"
    upgrade(url)
    settings = Settings(data_dir=tmp_path, database_url=url, redis_url=redis_url,
                        secret_key="test-secret-key-0123456789", base_url="http://127.0.0.1:5000",
                        outgoing_allow=("127.0.0.1",))  # the sink is on loopback
    before = runtime._runtime
    sink = WebhookSink()
    try:
        rt = runtime.configure(settings, job_queue=RQQueue(redis_url))
        now = utcnow()
        current = counters.bucket_start(now)
        rng = random.Random(3)
        with runtime.transaction() as s:
            rule = s.scalars(select(AlertRule).where(AlertRule.builtin_key == "volume")).one()
            rule.channels, rule.webhook_url, rule.webhook_format = ["webhook"], sink.url, "slack"
            n = 3 * DAY_BUCKETS
            counters.upsert_buckets(s, [
                {"scope_key": "all", "bucket_start": current - (n - i) * STEP,
                 "count": max(0, round(rng.gauss(20, 4) * (1 + 0.3 * math.sin(i / 46)))),
                 "negative": 1, "sentiment_sum": 0.0}
                for i in range(n)
            ])
        who = [author(f"latency-{k}") for k in range(50)]
        spike = [mention(by=who[k % 50], created_at=now - timedelta(seconds=1 + k % 30)) for k in range(1200)]
        with runtime.transaction() as s:
            result = ingest_batch(s, spike, origin="latency-test")
        committed = time.perf_counter()
        assert result.new
        kick()

        seen: dict[str, float] = {}
        stop = threading.Event()

        def watch() -> None:
            while not stop.is_set():
                with rt.session_factory() as s:
                    if s.scalar(select(Alert.id).limit(1)) is not None:
                        seen["alert"] = time.perf_counter()
                        return
                time.sleep(0.02)

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        connection = Redis.from_url(redis_url)
        queues = [Queue(name, connection=connection) for name in ("ingest", "alerts", "default")]
        SimpleWorker(queues, connection=connection).work(burst=True)
        watcher.join(timeout=10)
        stop.set()

        assert "alert" in seen, "no alert was opened"
        alert_latency = seen["alert"] - committed
        assert sink.received, "the webhook was not called"
        webhook_latency = sink.received[0][0] - committed
        print(f"alert opened {alert_latency:.2f} s after commit, webhook {webhook_latency:.2f} s")
        assert alert_latency <= 5.0
        assert webhook_latency <= 10.0
        body = sink.received[0][1]
        assert body["text"].startswith(("[WARNING]", "[CRISIS]")) and "/alerts/" in body["blocks"][1]["text"]["text"]
        with runtime.transaction() as s:
            [alert] = s.scalars(select(Alert)).all()
            assert alert.opened_at in (current - STEP, current) and alert.peak >= 600
    finally:
        sink.close()
        runtime._runtime = before
