"""Outgoing webhooks, delivered over real HTTP to a receiver on 127.0.0.1: signatures, retries
with back-off, switching off after repeated failures, redelivery, events from each area."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from crm.db import utcnow
from crm.errors import InvalidInput
from crm.ingest import ingest_batch
from crm.settings import Settings
from crm.webhooks import services as hooks
from crm.webhooks.models import WebhookDelivery, WebhookSubscription
from listeners import runtime
from listeners.queue import InlineQueue
from tests.factories import mention


class Receiver:
    """An HTTP endpoint on 127.0.0.1 that records every POST and answers ``status``."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.status = 200
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                outer.requests.append({"headers": dict(self.headers), "body": body})
                self.send_response(outer.status)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture()
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


@pytest.fixture()
def hook_runtime(settings: Settings, session_factory: sessionmaker[Session]) -> Iterator[None]:
    """The runtime with loopback webhooks allowed (the setting tests use) and an inline queue."""
    previous = runtime._runtime
    runtime.configure(replace(settings, outgoing_allow=("127.0.0.1",)), session_factory, InlineQueue())
    yield
    runtime._runtime = previous


def _sub(db: Session, url: str, events: list[str]) -> WebhookSubscription:
    sub = hooks.create_subscription(db, url=url, events=events, allow=("127.0.0.1",))
    db.commit()
    return sub


def test_signature_is_verifiable_and_replays_are_refused() -> None:
    body = b'{"a":1}'
    header = hooks.sign("whsec_test", 1_700_000_000, body)
    assert header.startswith("t=1700000000,v1=")
    assert hooks.verify("whsec_test", header, body, now=1_700_000_100)
    assert not hooks.verify("whsec_test", header, body + b" ", now=1_700_000_100)  # body changed
    assert not hooks.verify("whsec_other", header, body, now=1_700_000_100)  # wrong secret
    assert not hooks.verify("whsec_test", header, body, now=1_700_000_000 + 3600)  # replayed an hour later
    assert not hooks.verify("whsec_test", "v1=abc", body, now=1_700_000_000)


def test_a_subscription_url_passes_the_one_outgoing_check(db) -> None:  # type: ignore[no-untyped-def]
    for url in ("http://127.0.0.1:8080/x", "http://169.254.169.254/latest/meta-data", "http://10.0.0.5/",
                "http://[::1]/", "ftp://example.com/", "http://user:pw@example.com/", "not a url",
                "http://example.com:notaport/", "https://93.184.216.34/" + "x" * 2000):
        with pytest.raises(InvalidInput):
            hooks.create_subscription(db, url=url, events=["member.merged"])
    sub = hooks.create_subscription(db, url=" http://127.0.0.1:8080/x ", events=["member.merged"], allow=("127.0.0.1",))
    assert sub.url == "http://127.0.0.1:8080/x"
    with pytest.raises(InvalidInput, match="link-local"):  # the allow list names what it allows, nothing more
        hooks.create_subscription(db, url="http://169.254.169.254/", events=["member.merged"], allow=("127.0.0.1",))


def test_a_delivery_to_a_refused_address_fails_without_a_request(db, settings, session_factory, receiver) -> None:  # type: ignore[no-untyped-def]
    """An address allowed when saved but not any more (the setting changed, or DNS now points inside)."""
    from listeners.webhooks import deliver_webhook

    previous = runtime._runtime
    runtime.configure(replace(settings, outgoing_allow=()), session_factory, InlineQueue())
    try:
        _sub(db, receiver.url, ["member.merged"])
        delivery_id = hooks.emit(db, "member.merged", {"x": 1})[0]
        db.commit()
        deliver_webhook(delivery_id)
        db.expire_all()
        assert receiver.requests == [] and "loopback" in (db.get(WebhookDelivery, delivery_id).last_error or "")
    finally:
        runtime._runtime = previous


def test_a_delivery_is_signed_and_logged(db, hook_runtime, receiver) -> None:  # type: ignore[no-untyped-def]
    from listeners.webhooks import deliver_due

    sub = _sub(db, receiver.url, ["member.merged"])
    hooks.emit(db, "member.merged", {"merge_log_id": 1}, member_id=5)
    hooks.emit(db, "export.finished", {"export_id": 1})  # nobody subscribed: no delivery
    db.commit()
    assert deliver_due() == {"sent": 1}
    (req,) = receiver.requests
    headers = {k.lower(): v for k, v in req["headers"].items()}
    assert headers["x-event"] == "member.merged"
    assert hooks.verify(sub.secret, headers["x-signature"], req["body"], now=int(time.time()))
    payload = json.loads(req["body"])
    assert payload["type"] == "member.merged" and payload["data"] == {"merge_log_id": 1}
    db.expire_all()
    d = db.scalars(select(WebhookDelivery)).one()
    assert (d.status, d.attempts, d.last_status_code) == ("sent", 1, 200)
    assert deliver_due() == {}  # nothing due twice


def test_failures_back_off_then_fail_and_switch_the_hook_off(db, hook_runtime, receiver) -> None:  # type: ignore[no-untyped-def]
    from listeners.webhooks import deliver_due, deliver_webhook

    receiver.status = 500
    sub = _sub(db, receiver.url, ["member.merged"])
    ids = [hooks.emit(db, "member.merged", {"n": n})[0] for n in range(hooks.DISABLE_AFTER)]
    db.commit()
    first = deliver_webhook(ids[0])
    assert first == "retrying"
    db.expire_all()
    d = db.get(WebhookDelivery, ids[0])
    assert d is not None and d.last_status_code == 500
    wait = (d.next_attempt_at - utcnow()).total_seconds()
    assert hooks.BACKOFF[0] - 2 < wait <= hooks.BACKOFF[0]
    assert deliver_due() == {"retrying": len(ids) - 1}  # the first is not due yet
    # Every try after that fails too, until MAX_ATTEMPTS: failed for good.
    for i in ids:
        for _ in range(hooks.MAX_ATTEMPTS):
            if deliver_webhook(i) in ("failed", "subscription disabled"):
                break
    db.expire_all()
    sub = db.get(WebhookSubscription, sub.id)
    assert sub is not None and not sub.enabled
    assert "in a row failed" in (sub.disabled_reason or "")
    statuses = [db.get(WebhookDelivery, i).status for i in ids]  # type: ignore[union-attr]
    assert statuses == ["failed"] * len(ids)
    assert len(receiver.requests) == hooks.MAX_ATTEMPTS * len(ids)
    # Fixed endpoint: switch on, redeliver one from the log.
    receiver.status = 204
    hooks.set_enabled(db, sub.id, True)
    hooks.redeliver(db, ids[0])
    db.commit()
    assert deliver_due() == {"sent": 1}


def test_mentions_created_go_out_in_batches_after_ingest(db, hook_runtime, receiver) -> None:  # type: ignore[no-untyped-def]
    from listeners.followups import drain_followups

    _sub(db, receiver.url, ["mention.created", "inbox.item.created"])
    n = hooks.MENTION_BATCH + 20
    result = ingest_batch(db, [mention(text=f"How do I sync folder {i}?", created_at=utcnow() - timedelta(minutes=1))
                               for i in range(n)])
    db.commit()
    drain_followups()
    drain_followups()  # a second drain writes nothing twice
    bodies = [json.loads(r["body"]) for r in receiver.requests]
    mentions = [b for b in bodies if b["type"] == "mention.created"]
    assert [len(b["data"]["mentions"]) for b in mentions] == [hooks.MENTION_BATCH, 20]
    assert sorted(m["id"] for b in mentions for m in b["data"]["mentions"]) == sorted(result.new_ids)
    items = [b for b in bodies if b["type"] == "inbox.item.created"]
    assert len(items) == n and {b["data"]["reasons"][0] for b in items} == {"question"}


def test_webhooks_page_create_log_and_redeliver(client, login, db, receiver) -> None:  # type: ignore[no-untyped-def]
    from tests.web.htmlpage import parse

    login("admin")
    page = parse(client.get("/webhooks/").data)
    csrf = page.find("input", name="csrf_token")[0].attrs["value"]
    allowing = client.application.extensions["settings"]
    client.application.extensions["settings"] = replace(allowing, outgoing_allow=())
    refused = client.post("/webhooks/", data={"csrf_token": csrf, "url": receiver.url, "events": ["member.merged"]})
    assert refused.status_code == 422  # loopback is refused unless OUTGOING_ALLOW allows it
    client.application.extensions["settings"] = allowing
    made = client.post("/webhooks/", data={"csrf_token": csrf, "url": receiver.url, "name": "Helpdesk",
                                            "events": ["member.merged", "alert.opened"]})
    assert made.status_code == 302
    shown = parse(client.get(made.headers["Location"]).data)
    assert shown.find(id="secret")[0].text.startswith("whsec_")
    sub = db.scalars(select(WebhookSubscription)).one()
    d = hooks.emit(db, "member.merged", {"x": 1})[0]
    db.commit()
    again = parse(client.get(f"/webhooks/{sub.id}").data)
    assert again.find(id="secret") == []  # shown once
    assert "member.merged" in again.find(id="deliveries")[0].text
    assert client.post(f"/webhooks/deliveries/{d}/redeliver", data={"csrf_token": csrf}).status_code == 302
    login("manager")
    assert client.get("/webhooks/").status_code == 403
