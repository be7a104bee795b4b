"""SLA pages: admins edit business hours, holidays, policies and shifts with errors beside the
fields; viewers see but cannot edit; inbox items show "due in" / "breached"; the live poll and
the metrics page count open items like the sidebar."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.db import utcnow
from crm.inbox.models import InboxItem
from crm.inbox.triage import triage
from crm.sla import policies, teams
from crm.sla.clock import parse_windows
from crm.sla.models import BusinessHours, Holiday, SlaPolicy, Team
from tests.factories import ingest, mention
from tests.web.htmlpage import parse

DAYS = {f"day{d}": ("09:00-17:00" if d < 5 else "") for d in range(7)}


def _field_error(html: bytes, field_id: str) -> str:
    """The error shown right after the field with this id."""
    page = parse(html)
    (field,) = [e for e in page.find() if e.attrs.get("id") == field_id]
    errors = page.find("div", class_="field-error")
    assert errors, "no field errors on the page"
    text = html.decode()
    after = text[text.index(f'id="{field_id}"'):]
    return parse(after.encode()).find("div", class_="field-error")[0].text


def test_admin_creates_a_team_with_hours_and_a_holiday(client, login, csrf, db: Session) -> None:  # type: ignore[no-untyped-def]
    login("admin")
    token = csrf(client, "/settings/sla/teams/new")
    resp = client.post("/settings/sla/teams/new", data={
        "csrf_token": token, "name": "Community DE", "timezone": "Europe/Berlin", "lead_id": "", "oncall_id": "",
        "webhook_url": "", **DAYS, "day2": "09:00-12:00, 13:00-17:00",
    })
    assert resp.status_code == 302, resp.data[:2000]
    team = db.scalar(select(Team).where(Team.name == "Community DE"))
    assert team is not None and team.timezone == "Europe/Berlin"
    assert len(db.scalars(select(BusinessHours).where(BusinessHours.team_id == team.id)).all()) == 6
    resp = client.post(f"/settings/sla/teams/{team.id}/holidays", data={
        "csrf_token": token, "day": "2026-12-24", "holiday_name": "Heiligabend"})
    assert resp.status_code == 302
    assert db.scalar(select(Holiday.name).where(Holiday.team_id == team.id)) == "Heiligabend"
    page = client.get("/settings/sla/").data.decode()
    assert "Community DE" in page and "09:00-12:00, 13:00-17:00" in page


def test_errors_stand_beside_their_fields(client, login, csrf, db: Session) -> None:  # type: ignore[no-untyped-def]
    login("admin")
    token = csrf(client, "/settings/sla/teams/new")
    resp = client.post("/settings/sla/teams/new", data={
        "csrf_token": token, "name": "T", "timezone": "Europe/Berlin", "lead_id": "", "oncall_id": "",
        "webhook_url": "", **DAYS, "day1": "17:00-09:00"})
    assert resp.status_code == 422
    assert "end must come after the start" in _field_error(resp.data, "day1")
    assert db.scalar(select(Team).where(Team.name == "T")) is None  # nothing half-saved
    token = csrf(client, "/settings/sla/policies/new")
    resp = client.post("/settings/sla/policies/new", data={
        "csrf_token": token, "name": "Fast", "position": "10", "active": "y", "team_id": "", "reason": "",
        "segment_id": "", "platform": "", "first_response_minutes": "0", "warn_percent": "80"})
    assert resp.status_code == 422
    assert _field_error(resp.data, "first_response_minutes")
    resp = client.post("/settings/sla/policies/new", data={
        "csrf_token": token, "name": "Fast", "position": "10", "active": "y", "team_id": "", "reason": "",
        "segment_id": "", "platform": "", "first_response_minutes": "30", "warn_percent": "120"})
    assert resp.status_code == 422 and _field_error(resp.data, "warn_percent")
    resp = client.post("/settings/sla/policies/new", data={
        "csrf_token": token, "name": "Fast", "position": "10", "active": "y", "team_id": "", "reason": "",
        "segment_id": "", "platform": "x", "first_response_minutes": "30", "warn_percent": "80"})
    assert resp.status_code == 302
    assert db.scalar(select(SlaPolicy.platform).where(SlaPolicy.name == "Fast")) == "x"


def test_viewers_see_but_cannot_edit(client, login, csrf, db: Session) -> None:  # type: ignore[no-untyped-def]
    team = teams.save_team(db, name="Community DE", timezone="Europe/Berlin")
    policy = policies.save_policy(db, name="Default", team_id=team.id, first_response_minutes=60)
    db.commit()
    for role in ("viewer", "marketer", "manager"):
        login(role)
        page = client.get("/settings/sla/")
        assert page.status_code == 200
        assert b"Community DE" in page.data and b"Default" in page.data
        assert b"Add a policy" not in page.data and b"/settings/sla/policies/" not in page.data
        token = csrf(client, "/settings/sla/")  # the sign-out form's token
        for path in ("/settings/sla/policies/new", f"/settings/sla/policies/{policy.id}", "/settings/sla/teams/new",
                     f"/settings/sla/teams/{team.id}", "/settings/sla/agents/new"):
            assert client.get(path).status_code == 403, (role, path)
            assert client.post(path, data={"csrf_token": token, "name": "hijack", "first_response_minutes": "1",
                                           "timezone": "UTC", "position": "1", "warn_percent": "50"}).status_code == 403
        assert client.post(f"/settings/sla/policies/{policy.id}/delete", data={"csrf_token": token}).status_code == 403
    db.expire_all()
    assert db.get(SlaPolicy, policy.id).name == "Default"  # type: ignore[union-attr]


def test_admin_edits_an_agents_shift_and_out_of_office(client, login, csrf, db: Session) -> None:  # type: ignore[no-untyped-def]
    admin = login("admin")
    token = csrf(client, "/settings/sla/agents/new")
    resp = client.post("/settings/sla/agents/new", data={
        "csrf_token": token, "user_id": str(admin.id), "timezone": "America/New_York", "languages": ["en", "de"],
        "platforms": "reddit, x", "in_rotation": "y", **DAYS})
    assert resp.status_code == 302, resp.data[:3000]
    resp = client.post(f"/settings/sla/agents/{admin.id}/away", data={
        "csrf_token": token, "first_day": "2026-12-24", "last_day": "2026-12-20", "note": ""})
    assert resp.status_code == 422 and "before the first" in _field_error(resp.data, "last_day")
    resp = client.post(f"/settings/sla/agents/{admin.id}/away", data={
        "csrf_token": token, "first_day": "2026-12-24", "last_day": "2026-12-31", "note": "Holidays"})
    assert resp.status_code == 302
    page = client.get(f"/settings/sla/agents/{admin.id}").data.decode()
    assert "2026-12-24" in page and 'value="09:00-17:00"' in page


def test_inbox_items_show_due_and_breached(client, login, db: Session) -> None:  # type: ignore[no-untyped-def]
    team = teams.save_team(db, name="Always", timezone="Asia/Tokyo")
    teams.set_weekly_hours(db, team.id, {d: parse_windows("00:00-24:00") for d in range(7)})
    policies.save_policy(db, name="p", team_id=team.id, first_response_minutes=120)
    now = utcnow()
    result = ingest(db, mention(text="How do I share a folder?", created_at=now - timedelta(hours=3)),
                    mention(text="How do I move a folder?", created_at=now - timedelta(minutes=10)))
    triage(db, result.new_ids)
    items = list(db.scalars(select(InboxItem).order_by(InboxItem.occurred_at)))
    policies.start_clocks(db, items)
    db.commit()
    login("viewer")
    page = parse(client.get("/inbox/").data)
    badges = {b.attrs["class"].split()[-1]: b.text for b in page.find("span") if "sla-badge" in b.attrs.get("class", "")}
    assert set(badges) == {"sla-breached", "sla-ok"}
    assert badges["sla-breached"].startswith("SLA breached") and badges["sla-ok"].startswith("due in")
    detail = client.get(f"/inbox/{items[0].id}").data.decode()
    assert "sla-breached" in detail
    # The metrics page counts the breach (the one still inside its target is pending).
    resp = client.get("/metrics/", query_string={"days": 7})
    assert resp.status_code == 200
    page = parse(resp.data)
    cards = {}
    for label in page.find("span", class_="label"):
        value = page.after(label, "span", class_="value")
        cards[label.text] = value.text if value is not None else None
    assert (cards["SLA met"], cards["SLA breached"]) == ("0", "1")


def test_live_poll_and_metrics_agree_with_the_sidebar(client, login, db: Session) -> None:  # type: ignore[no-untyped-def]
    now = utcnow()
    result = ingest(db, *[mention(text=f"How do I share folder {n}?", created_at=now - timedelta(hours=1))
                          for n in range(3)])
    triage(db, result.new_ids)
    item = db.scalars(select(InboxItem)).first()
    assert item is not None
    item.status, item.snoozed_until = "snoozed", now + timedelta(days=1)  # snoozed is not open
    db.commit()
    login("viewer")
    state = client.get("/live/inbox.json").get_json()
    assert state["open"] == 2
    sidebar = [e for e in parse(client.get("/inbox/").data).find("span") if e.attrs.get("data-live-count") == "open"]
    assert sidebar[0].text == "2"
    metrics = parse(client.get("/metrics/").data)
    open_card = [c for c in metrics.find("div", class_="card stat") if "Open now" in c.text][0]
    assert "2" in open_card.text
    # A change moves the version, so an open inbox page offers the new state.
    item.status = "open"
    db.commit()
    again = client.get("/live/inbox.json").get_json()
    assert again["open"] == 3 and again["version"] != state["version"]


def test_live_poll_needs_a_login(client) -> None:  # type: ignore[no-untyped-def]
    resp = client.get("/live/inbox.json")
    assert resp.status_code in (302, 401)
