"""Inbox, My tasks, Metrics and team-account pages: filters, actions with CSRF and roles, escaping."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from connectors.base import Author
from crm.db import utcnow
from crm.inbox import services
from crm.inbox.models import InboxEvent, InboxItem, Reminder, TeamAccount
from crm.inbox.triage import triage
from crm.interactions.models import Interaction
from tests.factories import ingest, mention, unique
from tests.web.htmlpage import parse

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
SVG = '"><svg onload=alert(1)>'


def _items(db: Session, *mentions) -> list[InboxItem]:  # type: ignore[no-untyped-def]
    result = ingest(db, *mentions)
    triage(db, result.new_ids)
    db.commit()
    rows = db.scalars(select(InboxItem).where(InboxItem.interaction_id.in_(result.new_ids))).all()
    by_interaction = {i.interaction_id: i for i in rows}
    return [by_interaction[i] for i in result.new_ids if i in by_interaction]


@pytest.fixture()
def inbox(db: Session) -> list[InboxItem]:
    now = utcnow()
    return _items(
        db,
        mention(text="How do I share a folder read-only?", created_at=now - timedelta(hours=5)),
        mention(text="Terrible, broken, awful app. How do I get a refund?", created_at=now - timedelta(hours=1)),
        mention(platform="x", text="wie kann ich mein Abo kündigen", language="de", created_at=now - timedelta(hours=2)),
    )


def test_the_inbox_lists_open_items_most_urgent_first(client, login, inbox) -> None:  # type: ignore[no-untyped-def]
    login("viewer")
    resp = client.get("/inbox/")
    assert resp.status_code == 200
    page = parse(resp.data)
    texts = [p.text for p in page.find("p", class_="text")]
    assert texts[0].startswith("Terrible, broken")
    assert "How do I share a folder read-only?" in texts
    # A viewer gets no "handled" buttons.
    assert not [b for b in page.find("button") if "Handled" in b.text]
    assert "Inbox" in page.text and "My tasks" in page.text and "Metrics" in page.text


def test_filters_narrow_the_inbox(client, login, inbox) -> None:  # type: ignore[no-untyped-def]
    login("viewer")
    page = parse(client.get("/inbox/", query_string={"platform": "x"}).data)
    assert [p.text for p in page.find("p", class_="text")] == ["wie kann ich mein Abo kündigen"]
    negative = [i for i in inbox if i.sentiment_label == "negative"]
    assert 1 <= len(negative) < len(inbox)
    page = parse(client.get("/inbox/", query_string={"sentiment": "negative", "min_age": "0"}).data)
    assert len(page.find("p", class_="text")) == len(negative)
    assert "Terrible, broken" in page.text
    page = parse(client.get("/inbox/", query_string={"status": "handled"}).data)
    assert page.find("p", class_="text") == [] and "No items match" in page.text


@pytest.mark.parametrize("args", [{"status": SCRIPT}, {"level": "x"}, {"sort": SVG}, {"min_age": "-5"}, {"source": "abc"}])
def test_junk_filters_answer_422_not_500(client, login, inbox, args) -> None:  # type: ignore[no-untyped-def]
    login("viewer")
    resp = client.get("/inbox/", query_string=args)
    assert resp.status_code == 422
    assert b"<script>alert" not in resp.data and b"<svg" not in resp.data


def test_handle_needs_csrf_and_the_role(client, login, csrf, db: Session, inbox) -> None:  # type: ignore[no-untyped-def]
    item = inbox[0]
    login("manager")
    assert client.post(f"/inbox/{item.id}/handle").status_code == 400  # no CSRF token
    token = csrf(client, f"/inbox/{item.id}")
    resp = client.post(f"/inbox/{item.id}/handle", data={"csrf_token": token})
    assert resp.status_code == 302
    db.expire_all()
    handled = db.get(InboxItem, item.id)
    assert handled is not None and (handled.status, handled.handled_via) == ("handled", "manual")


def test_a_viewer_may_not_handle_or_escalate(client, login, csrf, db: Session, inbox) -> None:  # type: ignore[no-untyped-def]
    item = inbox[0]
    login("viewer")
    token = csrf(client, "/inbox/")
    assert client.post(f"/inbox/{item.id}/handle", data={"csrf_token": token}).status_code == 403
    resp = client.post(f"/inbox/{item.id}/escalate", data={"csrf_token": token, "level": "1", "reason": "x"})
    assert resp.status_code == 403
    db.expire_all()
    assert db.get(InboxItem, item.id).status == "open"  # type: ignore[union-attr]


def test_bulk_actions(client, login, csrf, db: Session, inbox) -> None:  # type: ignore[no-untyped-def]
    ids = [str(i.id) for i in inbox[:2]]
    login("marketer")
    token = csrf(client, "/inbox/")
    # A marketer may escalate in bulk, but not mark handled.
    resp = client.post("/inbox/bulk", data={"csrf_token": token, "ids": ids, "action": "escalate",
                                             "level": "2", "reason": "Press asked about it"})
    assert resp.status_code == 302
    assert client.post("/inbox/bulk", data={"csrf_token": token, "ids": ids, "action": "handle"}).status_code == 403
    db.expire_all()
    assert {db.get(InboxItem, int(i)).escalation_level for i in ids} == {2}  # type: ignore[union-attr]

    me = login("manager")
    token = csrf(client, "/inbox/")
    resp = client.post("/inbox/bulk", data={"csrf_token": token, "ids": ids, "action": "assign",
                                             "assignee_id": str(me.id)})
    assert resp.status_code == 302
    resp = client.post("/inbox/bulk", data={"csrf_token": token, "ids": ids, "action": "snooze", "hours": "4"})
    assert resp.status_code == 302
    db.expire_all()
    items = [db.get(InboxItem, int(i)) for i in ids]
    assert {(i.assignee_id, i.status) for i in items} == {(me.id, "snoozed")}  # type: ignore[union-attr]
    # Junk ids are a form error, never a 500.
    resp = client.post("/inbox/bulk", data={"csrf_token": token, "ids": ["x"], "action": "handle"})
    assert resp.status_code == 302


def test_item_page_shows_thread_member_card_and_history(client, login, csrf, db: Session) -> None:  # type: ignore[no-untyped-def]
    services.add_team_account(db, platform="reddit", handle="nimbus_team")
    root = mention(external_id=unique("r"), text="Is there a way to undo a sync?",
                   by=Author(id=unique("a"), handle="asker", display_name="Asker"))
    (item,) = _items(db, root)
    ingest(db, mention(text="Following, same question here, how do I do it?", kind="comment",
                       thread_id=root.external_id, parent_id=root.external_id))
    db.commit()
    login("manager")
    token = csrf(client, f"/inbox/{item.id}")
    client.post(f"/inbox/{item.id}/note", data={"csrf_token": token, "body": "Asked engineering"})
    client.post(f"/inbox/{item.id}/escalate", data={"csrf_token": token, "level": "1", "reason": "Data loss?"})
    page = parse(client.get(f"/inbox/{item.id}").data)
    text = page.text
    assert "Is there a way to undo a sync?" in text and "Following, same question here" in text
    assert "Asker" in text
    # The member's engagement level: the asker's one post is months old (the factories' BASE_TIME).
    assert [t.text for t in page.find("span", class_="tag level-dormant")] == ["dormant"]
    assert "Asked engineering" in text and "Data loss?" in text
    kinds = set(db.scalars(select(InboxEvent.kind).where(InboxEvent.item_id == item.id)))
    assert kinds == {"note", "escalated"}


def test_pages_escape_hostile_text(client, login, db: Session) -> None:  # type: ignore[no-untyped-def]
    evil = Author(id=unique("evil"), handle=SVG, display_name=f"{IMG}")
    (item,) = _items(db, mention(by=evil, text=f"{SCRIPT} how do I {SVG}?", title=IMG, channel=SVG,
                                 url="javascript:alert(1)", created_at=utcnow() - timedelta(hours=1)))
    login("manager")
    for url in ("/inbox/", f"/inbox/{item.id}", "/metrics/", "/tasks/"):
        resp = client.get(url)
        assert resp.status_code == 200, url
        html = resp.data.decode().lower()
        assert "<script>alert" not in html and "<img" not in html and "<svg onload" not in html, url
        assert 'href="javascript:' not in html, url
        for el in parse(resp.data).elements:
            assert not any(name.startswith("on") for name in el.attrs), (url, el)
    assert SCRIPT in parse(client.get(f"/inbox/{item.id}").data).text


def test_remind_me_from_the_member_page_to_my_tasks(client, login, csrf, db: Session, inbox) -> None:  # type: ignore[no-untyped-def]
    member_id = db.scalar(select(Interaction.member_id).where(Interaction.id == inbox[0].interaction_id))
    me = login("marketer")
    token = csrf(client, f"/members/{member_id}")
    resp = client.post(f"/tasks/remind/{member_id}", data={"csrf_token": token, "days": "7", "note": "How did it go?"})
    assert resp.status_code == 302
    reminder = db.scalar(select(Reminder).where(Reminder.user_id == me.id))
    assert reminder is not None and reminder.note == "How did it go?"
    assert "How did it go?" in parse(client.get("/tasks/").data).text
    assert client.post(f"/tasks/remind/{member_id}", data={"csrf_token": token, "days": "0"}).status_code == 302
    reminder.due_at = utcnow() - timedelta(minutes=1)
    db.commit()
    page = parse(client.get("/tasks/").data)
    assert "1 due" in page.text
    assert client.post(f"/tasks/{reminder.id}/done", data={"csrf_token": token}).status_code == 302
    db.expire_all()
    assert db.get(Reminder, reminder.id).done_at is not None  # type: ignore[union-attr]


def test_metrics_page_draws_svg_charts(client, login, csrf, db: Session, inbox) -> None:  # type: ignore[no-untyped-def]
    login("manager")
    token = csrf(client, "/inbox/")
    client.post(f"/inbox/{inbox[0].id}/handle", data={"csrf_token": token})
    resp = client.get("/metrics/?days=7")
    assert resp.status_code == 200
    page = parse(resp.data)
    assert len(page.find("svg")) == 5
    assert page.find("circle") and page.find("rect")
    assert any("unanswered" in t.text for t in page.find("title"))
    assert client.get("/metrics/?days=abc").status_code == 200


def test_team_accounts_page_is_for_admins(client, login, csrf, db: Session) -> None:  # type: ignore[no-untyped-def]
    login("manager")
    assert client.get("/inbox/team").status_code == 403
    login("admin")
    token = csrf(client, "/inbox/team")
    resp = client.post("/inbox/team", data={"csrf_token": token, "platform": "x", "handle": "@Nimbus"})
    assert resp.status_code == 302
    assert db.scalar(select(TeamAccount.handle).where(TeamAccount.platform == "x")) == "nimbus"
    again = client.post("/inbox/team", data={"csrf_token": token, "platform": "x", "handle": "nimbus"})
    assert again.status_code == 422 and "already a team account" in parse(again.data).text


def test_cli_backfill_triage_and_team_accounts(app, db: Session, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from click.testing import CliRunner

    from cli import inbox as inbox_cli
    from cli.main import cli

    monkeypatch.setattr(inbox_cli, "_configure", lambda: None)  # the app fixture configured the runtime
    q = mention(external_id=unique("q"), text="Hilfe, wie kann ich das Abo kündigen?", language="de")
    answer = mention(by=Author(id=unique("t"), handle="support_crew"), text="Unter Konto > Abo.", kind="reply",
                     parent_id=q.external_id, thread_id=q.external_id, minutes=20)
    result = ingest(db, q, answer)  # collected before the inbox existed: no triage yet
    db.commit()
    runner = CliRunner()
    assert runner.invoke(cli, ["inbox", "triage"]).exit_code == 2  # says which: --all or --days
    out = runner.invoke(cli, ["inbox", "team", "add", "reddit", "@support_crew"])
    assert out.exit_code == 0, out.output
    out = runner.invoke(cli, ["inbox", "triage", "--all", "--batch", "100"])
    assert out.exit_code == 0, out.output
    db.expire_all()
    item = db.scalar(select(InboxItem).where(InboxItem.interaction_id == result.new_ids[0]))
    assert item is not None and (item.status, item.first_response_seconds) == ("handled", 20 * 60)
    assert runner.invoke(cli, ["inbox", "team", "add", "reddit", "support_crew"]).exit_code == 1
    assert "@support_crew" in runner.invoke(cli, ["inbox", "team", "list"]).output
    assert "reminders delivered" in runner.invoke(cli, ["inbox", "due"]).output
