"""What each role is shown is what it may do (README, "Roles"; issue 16)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.alerts.models import AlertMute, AlertRule
from crm.inbox.models import Reminder
from tests.web.htmlpage import parse
from tests.web.test_inbox_web import inbox  # noqa: F401 - the fixture


def _bulk_bar(client):  # type: ignore[no-untyped-def]
    page = parse(client.get("/inbox/").data)
    forms = [f for f in page.find("form") if f.attrs.get("id") == "bulk"]
    options = [o.attrs.get("value") for o in page.find("option")
               if o.attrs.get("value") in ("handle", "reopen", "assign", "snooze", "escalate")]
    boxes = [i for i in page.find("input") if i.attrs.get("form") == "bulk"]
    return bool(forms), options, len(boxes)


def test_the_bulk_bar_offers_only_what_the_role_may_do(client, login, inbox) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    login("viewer")
    assert _bulk_bar(client) == (False, [], 0)
    login("marketer")
    shown, options, boxes = _bulk_bar(client)
    assert shown and options == ["escalate"] and boxes == len(inbox)
    login("manager")
    assert _bulk_bar(client)[1] == ["handle", "reopen", "assign", "snooze", "escalate"]


def test_personal_actions_are_open_to_every_role(client, login, csrf, db: Session, inbox) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    """A viewer keeps their own reminders and mutes alerts for themselves: it changes nothing
    anyone else sees. Muting a rule for everyone stays with managers and admins."""
    me = login("viewer")
    rule = db.scalars(select(AlertRule)).first()
    assert rule is not None
    token = csrf(client, "/alerts/rules")
    assert b"mute for all" not in client.get("/alerts/rules").data
    assert client.post("/alerts/mute", data={"csrf_token": token, "hours": "0", "rule_id": rule.id}).status_code == 302
    assert db.scalars(select(AlertMute).where(AlertMute.user_id == me.id)).one().rule_id == rule.id
    assert client.post(f"/alerts/rules/{rule.id}/mute", data={"csrf_token": token, "hours": "2"}).status_code == 403
    member_id = inbox[0].interaction.member_id
    resp = client.post(f"/tasks/remind/{member_id}", data={"csrf_token": token, "days": "3", "note": "call back"})
    assert resp.status_code == 302
    assert db.scalars(select(Reminder).where(Reminder.user_id == me.id)).one().note == "call back"
