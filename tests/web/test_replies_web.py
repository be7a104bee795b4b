"""The composer and POST /api/v1/inbox/{id}/reply against the fake Reddit (issue 18 parts 1 and 3)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fakes.reddit_api import FakeReddit  # noqa: E402
from fakes.reddit_api import generate as generate_reddit  # noqa: E402

from connectors.reddit_mapping import map_thing  # noqa: E402
from crm.db import utcnow  # noqa: E402
from crm.inbox.models import InboxItem  # noqa: E402
from crm.inbox.triage import triage
from crm.ingest import ingest_batch  # noqa: E402
from crm.replies.models import OutgoingReply, SavedReply  # noqa: E402
from crm.settings import Settings  # noqa: E402
from crm.tokens.services import create_token  # noqa: E402
from crm.users.services import create_user  # noqa: E402
from tests.factories import unique  # noqa: E402
from tests.web.htmlpage import parse  # noqa: E402

QUESTION = "How do I restore a deleted folder? <script>alert(1)</script>"
ANSWER = "Settings, then Versions, then Restore. Hope that helps!"


@pytest.fixture()
def fake_reddit() -> Iterator[FakeReddit]:
    server = FakeReddit(generate_reddit()).start()
    yield server
    server.stop()


@pytest.fixture()
def settings(settings: Settings, fake_reddit: FakeReddit) -> Settings:
    return settings.with_connector_env(
        REDDIT_CLIENT_ID=fake_reddit.client_id, REDDIT_CLIENT_SECRET=fake_reddit.client_secret,
        REDDIT_USERNAME=fake_reddit.username, REDDIT_PASSWORD=fake_reddit.password,
        REDDIT_OAUTH_URL=fake_reddit.url, REDDIT_URL=fake_reddit.url,
    )


@pytest.fixture()
def question(db: Session, fake_reddit: FakeReddit) -> InboxItem:
    post = next(iter(fake_reddit.data.posts.values()))[0]
    mention = map_thing("t1", fake_reddit.data.add_comment(post, author="alice_q", body=QUESTION))
    assert mention is not None
    ids = ingest_batch(db, [mention]).new_ids
    triage(db, ids)
    db.commit()
    item = db.scalar(select(InboxItem).where(InboxItem.interaction_id == ids[0]))
    assert item is not None
    return item


def _form(client: Any, path: str) -> dict[str, str]:
    page = parse(client.get(path).data)
    return {e.attrs["name"]: e.attrs.get("value", "") for e in page.find("input") if e.attrs.get("name")}


def test_manager_answers_in_place_and_the_item_is_handled(client: Any, login: Any, db: Session, question: InboxItem,
                                                           fake_reddit: FakeReddit) -> None:
    login("manager")
    path = f"/replies/compose/{question.interaction_id}"
    page = client.get(path)
    assert page.status_code == 200
    assert b"<script>alert(1)</script>" not in page.data  # the thread is escaped
    assert b"composer.js" in page.data and b"data-limit=\"10000\"" in page.data
    fields = _form(client, path)
    preview = client.post(path, data={**fields, "text": ANSWER, "action": "preview"})
    assert preview.status_code == 200 and fake_reddit.posted == []
    sent = client.post(path, data={**fields, "text": ANSWER, "action": "send"})
    assert sent.status_code == 302
    again = client.post(path, data={**fields, "text": ANSWER, "action": "send"})  # a double click
    assert again.status_code == 302
    assert [c["body"] for c in fake_reddit.posted] == [ANSWER]
    db.expire_all()
    item = db.get(InboxItem, question.id)
    assert item is not None and (item.status, item.handled_via) == ("handled", "team_reply")
    assert b"sent" in client.get(path).data


@pytest.mark.parametrize("role", ["viewer", "marketer"])
def test_viewers_and_marketers_cannot_send(client: Any, login: Any, question: InboxItem, fake_reddit: FakeReddit,
                                           role: str) -> None:
    login("manager")
    fields = _form(client, f"/replies/compose/{question.interaction_id}")
    login(role)
    resp = client.post(f"/replies/compose/{question.interaction_id}", data={**fields, "text": ANSWER, "action": "send"})
    assert resp.status_code == 403
    assert fake_reddit.posted == []
    assert b"Only managers and admins" in client.get(f"/replies/compose/{question.interaction_id}").data


def test_someone_answered_meanwhile_asks_before_posting(client: Any, login: Any, db: Session, question: InboxItem,
                                                        fake_reddit: FakeReddit) -> None:
    login("manager")
    path = f"/replies/compose/{question.interaction_id}"
    fields = _form(client, path)
    fields["since"] = (utcnow() - timedelta(minutes=5)).isoformat()
    colleague = create_user(db, email=f"{unique('c')}@example.com", password="correct horse", role="manager", name="Kim")
    db.add(OutgoingReply(idempotency_key=unique("k"), interaction_id=question.interaction_id, platform="reddit",
                         text="Kim's answer", author_id=colleague.id, state="queued", attempts=0))
    db.commit()
    resp = client.post(path, data={**fields, "text": ANSWER, "action": "send"})
    assert resp.status_code == 409 and b"Kim" in resp.data
    assert fake_reddit.posted == []
    resp = client.post(path, data={**fields, "text": ANSWER, "action": "send", "confirm": "y"})
    assert resp.status_code == 302
    assert [c["body"] for c in fake_reddit.posted] == [ANSWER]


def test_presence_shows_who_else_is_on_the_item(client: Any, login: Any, db: Session, question: InboxItem) -> None:
    login("manager")
    client.get(f"/replies/compose/{question.interaction_id}")
    other = login("admin")
    assert other is not None
    page = client.get(f"/inbox/{question.id}")
    assert b"is replying" in page.data


def test_the_live_poll_keeps_presence_alive_past_its_ttl(client: Any, login: Any, db: Session,
                                                          question: InboxItem) -> None:
    from datetime import timedelta

    from sqlalchemy import update

    from crm.db import utcnow
    from crm.replies.models import Presence

    login("manager")
    assert client.get(f"/live/inbox.json?item={question.id}&activity=replying").get_json()["presence"] == ""
    # The composer stays open for ten minutes: its page view alone would have expired (90 s).
    db.execute(update(Presence).values(seen_at=utcnow() - timedelta(minutes=10)))
    db.commit()
    client.get(f"/live/inbox.json?item={question.id}&activity=replying")
    login("admin")
    state = client.get(f"/live/inbox.json?item={question.id}").get_json()
    assert "is replying" in state["presence"]
    # A viewer polling does not claim to reply, and an unknown item is ignored.
    login("viewer")
    assert client.get(f"/live/inbox.json?item={question.id}&activity=replying").get_json()["presence"].count("is replying") == 1
    assert "presence" not in client.get("/live/inbox.json?item=999999999").get_json()


def _token(db: Session, role: str, scopes: list[str]) -> dict[str, str]:
    user = create_user(db, email=f"{unique(role)}@example.com", password="correct horse", role=role)
    _t, raw = create_token(db, user, name="t", scopes=scopes)
    db.commit()
    return {"Authorization": f"Bearer {raw}"}


def test_api_reply_honours_idempotency_key_and_roles(client: Any, db: Session, question: InboxItem,
                                                     fake_reddit: FakeReddit) -> None:
    headers = {**_token(db, "manager", ["read", "write"]), "Idempotency-Key": "reply-1"}
    url = f"/api/v1/inbox/{question.id}/reply"
    first = client.post(url, json={"text": ANSWER}, headers=headers)
    assert first.status_code == 202, first.json
    assert first.json["state"] == "sent"
    second = client.post(url, json={"text": ANSWER}, headers=headers)
    assert second.status_code == 202 and second.json["id"] == first.json["id"]
    assert len(fake_reddit.posted) == 1
    too_long = client.post(url, json={"text": "x" * 10_001}, headers=_token(db, "manager", ["write"]))
    assert too_long.status_code == 422
    marketer = client.post(url, json={"text": ANSWER}, headers=_token(db, "marketer", ["read", "export"]))
    assert marketer.status_code == 403
    viewer = client.post(url, json={"text": ANSWER}, headers=_token(db, "viewer", ["read"]))
    assert viewer.status_code == 403
    read_only = client.post(url, json={"text": ANSWER}, headers=_token(db, "manager", ["read"]))
    assert read_only.status_code == 403
    assert len(fake_reddit.posted) == 1


def test_saved_replies_page_and_using_one_without_javascript(client: Any, login: Any, db: Session,
                                                             question: InboxItem, csrf: Any) -> None:
    login("manager")
    token = csrf(client, "/replies/saved")
    resp = client.post("/replies/saved", data={"csrf_token": token, "shortcut": "restore", "title": "Restore",
                                               "language": "en", "body": "Hi {first_name}, see {link}", "shared": "y"})
    assert resp.status_code == 302
    bad = client.post("/replies/saved", data={"csrf_token": token, "shortcut": "x", "language": "en",
                                              "body": "Hi {nope}"})
    assert bad.status_code == 422 and b"Unknown variable" in bad.data
    page = client.get("/replies/saved?q=rest")
    assert b"/restore" in page.data
    saved_id = db.scalar(select(SavedReply.id).where(SavedReply.shortcut == "restore"))
    composer = client.get(f"/replies/compose/{question.interaction_id}?saved={saved_id}")
    text = parse(composer.data).find("textarea")[0].text.strip()
    assert text.startswith("Hi ") and "{first_name}" not in text and "https://" in text
    assert b'list="saved-reply-list"' in composer.data


def test_a_failure_shows_the_platform_reason_and_can_be_sent_again(client: Any, login: Any, db: Session,
                                                                    question: InboxItem, fake_reddit: FakeReddit,
                                                                    csrf: Any) -> None:
    user = login("manager")
    row = OutgoingReply(idempotency_key=unique("k"), interaction_id=question.interaction_id, platform="reddit",
                        text=ANSWER, author_id=user.id, state="failed", attempts=1,
                        error="Reddit: RATELIMIT: Take a break for 3 minutes before trying again.")
    unknown = OutgoingReply(idempotency_key=unique("k"), interaction_id=question.interaction_id, platform="reddit",
                            text="Another answer entirely.", author_id=user.id, state="unknown", attempts=1,
                            error="The forum did not answer in time")
    db.add_all([row, unknown])
    db.commit()
    path = f"/replies/compose/{question.interaction_id}"
    page = client.get(path)
    assert b"RATELIMIT: Take a break" in page.data and b"I checked the original" in page.data
    token = csrf(client, path)
    # An unknown outcome is not sent again without the person's confirmation.
    client.post(f"/replies/{unknown.id}/retry", data={"csrf_token": token})
    assert fake_reddit.posted == []
    resp = client.post(f"/replies/{row.id}/retry", data={"csrf_token": token})
    assert resp.status_code == 302
    assert [c["body"] for c in fake_reddit.posted] == [ANSWER]
    db.expire_all()
    assert db.get(OutgoingReply, row.id).state == "sent"  # type: ignore[union-attr]
    assert db.get(OutgoingReply, unknown.id).state == "unknown"  # type: ignore[union-attr]
