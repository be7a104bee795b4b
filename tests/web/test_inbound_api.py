"""POST /api/v1/mentions through the Flask test client on the real test database.

Token and HMAC authentication (good, bad, stale, future, replayed), per-item answers,
idempotency on (platform, external_id), quarantined rows with their reasons, the follow-ups
of the outbox, and a 4xx with a message for every bad request.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.inbound import services as inbound
from crm.inbox.models import InboxItem
from crm.interactions.models import Interaction, QuarantinedItem
from crm.outbox.models import OutboxEntry
from crm.sources import services as sources
from crm.sources.models import PollRun, Source
from tests.factories import count
from tests.web.htmlpage import parse

SECRET = "test-secret-key-0123456789"  # the test settings' SECRET_KEY


def item(ext: str, **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "platform": "forum", "external_id": ext, "created_at": "2026-09-01T12:00:00Z",
        "author": {"id": "u-anna", "handle": "anna", "display_name": "Anna Müller"},
        "text": "Die Größenänderung klappt nicht 😡 Hilfe?", "kind": "post",
    }
    base.update(fields)
    return base


@pytest.fixture()
def creds(db: Session) -> inbound.NewCredentials:
    c = inbound.create_inbound_source(db, name="Forum plugin", app_secret=SECRET)
    db.commit()
    return c


def post(client, body: Any, *, token: str | None = None, headers: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    h = dict(headers or {})
    if token is not None:
        h["Authorization"] = f"Bearer {token}"
    return client.post("/api/v1/mentions", data=data, headers=h, content_type="application/json")


def signed(source_id: int, secret: str, body: bytes, ts: int | None = None) -> dict[str, str]:
    ts = int(time.time()) if ts is None else ts
    sig = hmac.new(secret.encode(), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
    return {"X-CRM-Source": str(source_id), "X-CRM-Timestamp": str(ts), "X-CRM-Signature": f"sha256={sig}"}


# --- token ------------------------------------------------------------------------------------


def test_a_batch_lands_with_per_item_results_and_follow_ups(client, db: Session, creds) -> None:  # type: ignore[no-untyped-def]
    batch = {"items": [
        item("p1"),
        item("p2", author={"handle": "nobody"}),  # no author id
        item("p3", text="Shipped it 🚀 thanks", author={"id": "u-bob", "handle": "bob"}),
        item("p1"),  # the same key again in the same batch
        item("p4", kind="tweet"),  # parses, but ingest refuses the kind
        "not an object",
    ]}
    resp = post(client, batch, token=creds.token)
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert (body["received"], body["new"], body["duplicate"], body["quarantined"]) == (6, 2, 1, 3)
    statuses = [(i["index"], i["status"], i["external_id"]) for i in body["items"]]
    assert statuses == [(0, "new", "p1"), (1, "quarantined", "p2"), (2, "new", "p3"),
                        (3, "duplicate", "p1"), (4, "quarantined", "p4"), (5, "quarantined", None)]
    reasons = {i["index"]: i.get("reason") for i in body["items"]}
    assert reasons[1] == "author.id is missing"
    assert reasons[4].startswith("kind 'tweet' is not one of")
    assert reasons[5] == "expected a JSON object {...}, got a string"

    rows = db.scalars(select(Interaction).where(Interaction.source_id == creds.source.id)).all()
    assert sorted(r.external_id for r in rows) == ["p1", "p3"]
    p1 = next(r for r in rows if r.external_id == "p1")
    assert p1.text == "Die Größenänderung klappt nicht 😡 Hilfe?" and p1.platform == "forum"
    assert p1.sentiment_label in ("negative", "neutral", "positive", "not_scored")
    q = db.scalars(select(QuarantinedItem).order_by(QuarantinedItem.id)).all()
    assert [x.reason for x in q] == [reasons[1], reasons[5], reasons[4]]
    assert all(x.origin.startswith(f"inbound:{creds.source.id}") for x in q)
    assert q[0].raw == batch["items"][1]
    # The outbox follow-ups ran after the commit (inline queue): the question landed in the inbox.
    assert count(db, OutboxEntry) == 0
    assert db.scalars(select(InboxItem.interaction_id)).all()
    db.expire_all()
    src = db.get(Source, creds.source.id)
    assert src.items_collected == 2 and src.status == "ok"
    run = db.scalars(select(PollRun).where(PollRun.source_id == src.id)).one()
    assert (run.fetched, run.new, run.duplicates, run.quarantined) == (6, 2, 1, 3)


def test_redelivery_is_idempotent(client, db: Session, creds) -> None:  # type: ignore[no-untyped-def]
    batch = [item("a1"), item("a2")]  # a bare list is accepted too
    first = post(client, batch, token=creds.token).get_json()
    again = post(client, batch + [item("a3")], token=creds.token).get_json()
    assert first["new"] == 2
    assert [i["status"] for i in again["items"]] == ["duplicate", "duplicate", "new"]
    assert count(db, Interaction) == 3


@pytest.mark.parametrize("header", [None, "Bearer crm_in_wrong", "Bearer nope", "Basic dXNlcjpwdw==", "Bearer "])
def test_a_wrong_or_missing_token_is_401_with_a_message(client, db: Session, creds, header) -> None:  # type: ignore[no-untyped-def]
    headers = {"Authorization": header} if header else {}
    resp = post(client, [item("x1")], headers=headers)
    assert resp.status_code == 401
    assert resp.get_json()["error"] == "Unauthorized" and resp.get_json()["message"]
    assert count(db, Interaction) == 0


def test_a_paused_source_refuses_batches(client, db: Session, creds) -> None:  # type: ignore[no-untyped-def]
    sources.set_enabled(db, creds.source.id, False)
    db.commit()
    resp = post(client, [item("x1")], token=creds.token)
    assert resp.status_code == 401 and "paused" in resp.get_json()["message"]


def test_an_inbound_source_is_never_polled(db: Session, creds) -> None:  # type: ignore[no-untyped-def]
    assert creds.source.id not in sources.claim_due(db)
    assert not sources.claim(db, creds.source.id, force=True)


# --- HMAC -------------------------------------------------------------------------------------


def test_a_signed_batch_lands_and_its_replay_is_refused(client, db: Session, creds) -> None:  # type: ignore[no-untyped-def]
    body = json.dumps({"items": [item("s1")]}).encode()
    headers = signed(creds.source.id, creds.signing_secret, body)
    ok = post(client, body, headers=headers)
    assert ok.status_code == 200 and ok.get_json()["new"] == 1
    replay = post(client, body, headers=headers)
    assert replay.status_code == 409 and "used before" in replay.get_json()["message"]
    # A fresh signature over the same body is a re-delivery, not a replay: a duplicate.
    again = post(client, body, headers=signed(creds.source.id, creds.signing_secret, body, int(time.time()) + 1))
    assert again.status_code == 200 and again.get_json()["items"][0]["status"] == "duplicate"


def test_the_signing_secret_is_derived_not_stored(db: Session, creds) -> None:  # type: ignore[no-untyped-def]
    cred = inbound.credential_of(db, creds.source.id)
    assert creds.signing_secret not in (cred.signing_salt, cred.token_hash)
    assert cred.token_hash == hashlib.sha256(creds.token.encode()).hexdigest()
    assert inbound.signing_secret_of(db, creds.source.id, app_secret=SECRET) == creds.signing_secret
    assert inbound.signing_secret_of(db, creds.source.id, app_secret=SECRET + "x") != creds.signing_secret


@pytest.mark.parametrize(
    ("case", "status", "words"),
    [
        ("bad signature", 401, "does not match"),
        ("other secret", 401, "does not match"),
        ("stale", 401, "old"),
        ("future", 401, "in the future"),
        ("junk timestamp", 401, "Unix time"),
        ("unknown source", 401, "Unknown inbound source"),
        ("body changed", 401, "does not match"),
    ],
)
def test_bad_signatures_are_refused(client, db: Session, creds, case: str, status: int, words: str) -> None:  # type: ignore[no-untyped-def]
    body = json.dumps([item("h1")]).encode()
    now = int(time.time())
    headers = signed(creds.source.id, creds.signing_secret, body)
    if case == "bad signature":
        headers["X-CRM-Signature"] = "sha256=" + "0" * 64
    elif case == "other secret":
        headers = signed(creds.source.id, "f" * 64, body)
    elif case == "stale":
        headers = signed(creds.source.id, creds.signing_secret, body, now - inbound.MAX_SKEW - 5)
    elif case == "future":
        headers = signed(creds.source.id, creds.signing_secret, body, now + inbound.MAX_SKEW + 60)
    elif case == "junk timestamp":
        headers["X-CRM-Timestamp"] = "yesterday"
    elif case == "unknown source":
        headers["X-CRM-Source"] = str(creds.source.id + 999)
    elif case == "body changed":
        body = json.dumps([item("h2")]).encode()
    resp = post(client, body, headers=headers)
    assert resp.status_code == status, resp.get_json()
    assert words in resp.get_json()["message"]
    assert count(db, Interaction) == 0


def test_a_stale_request_just_inside_the_window_is_accepted(client, creds) -> None:  # type: ignore[no-untyped-def]
    body = json.dumps([item("w1")]).encode()
    headers = signed(creds.source.id, creds.signing_secret, body, int(time.time()) - inbound.MAX_SKEW + 5)
    assert post(client, body, headers=headers).status_code == 200


# --- bad requests -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        (b"{not json", 400, "not valid JSON"),
        (b"", 400, "empty"),
        (b"\xff\xfe{}", 400, "UTF-8"),
        (b'{"items": NaN}', 400, "not valid JSON"),
        (b'{"items": {"a": 1}}', 422, "list of items"),
        (b'"hello"', 422, "list of items"),
        (b'{"items": []}', 422, "empty"),
        (json.dumps([item(f"b{i}") for i in range(1001)]).encode(), 413, "at most 1000 items"),
        (b"[" + b"[" * 100_000 + b"]" * 100_000 + b"]", 400, "not valid JSON"),
    ],
)
def test_bad_bodies_get_a_4xx_with_a_message(client, db: Session, creds, body: bytes, status: int, words: str) -> None:  # type: ignore[no-untyped-def]
    resp = post(client, body, token=creds.token)
    assert resp.status_code == status, resp.get_json()
    assert words in resp.get_json()["message"]
    assert count(db, Interaction) == 0


def test_an_oversized_body_is_refused_before_it_is_read(client, creds) -> None:  # type: ignore[no-untyped-def]
    from web.api.inbound import MAX_BODY_BYTES

    resp = post(client, b"[" + b" " * MAX_BODY_BYTES + b"]", token=creds.token)
    assert resp.status_code == 413 and "at most" in resp.get_json()["message"]


# --- the sources UI ---------------------------------------------------------------------------


def test_the_ui_creates_a_source_shows_the_token_once_and_rotates_it(client, db: Session, login, csrf) -> None:  # type: ignore[no-untyped-def]
    login("admin")
    token = csrf(client, "/sources/inbound/new")
    page = client.post("/sources/inbound/new", data={"csrf_token": token, "name": "n8n <b>flows</b>"})
    assert page.status_code == 200
    doc = parse(page.data)
    shown = doc.find("code", **{"data-testid": "token"})[0].text
    secret = doc.find("code", **{"data-testid": "signing-secret"})[0].text
    assert shown.startswith("crm_in_") and len(secret) == 64
    assert b"<b>flows</b>" not in page.data  # the name is escaped
    src = db.scalars(select(Source).where(Source.kind == "inbound")).one()
    assert post(client, [item("ui1")], token=shown).status_code == 200

    detail = client.get(f"/sources/{src.id}")
    assert detail.status_code == 200 and shown.encode() not in detail.data  # only shown once
    page = parse(detail.data)
    assert "Recent batches" in page.text and "POST /api/v1/mentions" in page.text
    assert not [a for a in page.find("a") if a.attrs.get("href") == f"/sources/{src.id}/edit"]
    listing = parse(client.get("/sources/").data)
    assert "Inbound API" in listing.text and "pushed" in listing.text
    reveal = client.post(f"/sources/inbound/{src.id}/secret", data={"csrf_token": csrf(client, f"/sources/{src.id}")})
    assert parse(reveal.data).find("code", **{"data-testid": "signing-secret"})[0].text == secret
    assert not parse(reveal.data).find("code", **{"data-testid": "token"})

    rotated = client.post(f"/sources/inbound/{src.id}/rotate", data={"csrf_token": csrf(client, f"/sources/{src.id}")})
    new_token = parse(rotated.data).find("code", **{"data-testid": "token"})[0].text
    assert new_token != shown
    assert post(client, [item("ui2")], token=shown).status_code == 401
    assert post(client, [item("ui3")], token=new_token).status_code == 200


def test_a_viewer_cannot_create_an_inbound_source(client, login, csrf) -> None:  # type: ignore[no-untyped-def]
    login("viewer")
    token = csrf(client, "/sources/")
    assert client.post("/sources/inbound/new", data={"csrf_token": token, "name": "x"}).status_code == 403


def test_control_characters_never_make_a_500(client, db: Session, creds) -> None:  # type: ignore[no-untyped-def]
    batch = [
        item("nul\u0000id"),
        item("ok-1", author={"id": "u\u0000x", "handle": "h"}),
        item("ok-2", author={"id": "u2", "handle": "h\u0000", "display_name": "D\u0000"},
             text="a\u0000b", url="https://x.example/\u0000", channel="c\u0000", language="d\u0000e",
             parent_id="p\u0000", thread_id="t\u0000", title="T\u0000"),
    ]
    resp = post(client, batch, token=creds.token)
    assert resp.status_code == 200, resp.get_data(as_text=True)[:500]
    statuses = [i["status"] for i in resp.get_json()["items"]]
    assert statuses == ["quarantined", "quarantined", "new"]
    row = db.scalars(select(Interaction).where(Interaction.external_id == "ok-2")).one()
    assert "\u0000" not in row.text and row.url is None
