"""The rough edges a new user hit (issue 20): each role sees what it may do, the merge log, the
quarantine, the segment builder, highlights, handles, chart legends."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from connectors.base import Author
from crm.db import utcnow
from crm.identities import services as identities
from crm.interactions.models import QuarantinedItem
from crm.segments import services as segments
from tests.factories import author, ingest, member_of, mention
from tests.web.htmlpage import parse
from tests.web.test_alerts_web import make_alert
from tests.web.test_inbox_web import _items


def options(html: str, **attr: str) -> list[str]:
    """The option values of the first <select> with that attribute (name=..., class_=...)."""
    import re

    key, value = next(iter(attr.items()))
    key = "class" if key == "class_" else key
    m = re.search(rf'<select[^>]*\b{key}="[^"]*\b{re.escape(value)}\b[^"]*"[^>]*>(.*?)</select>', html, re.S)
    assert m, f"no select with {key}={value}"
    return re.findall(r'<option[^>]*value="([^"]*)"', m.group(1))


def test_search_highlights_word_forms_and_escapes_the_text(client, login, db: Session) -> None:  # type: ignore[no-untyped-def]
    login("viewer")
    ingest(db, mention(text='<img src=x onerror=alert(1)> Störungen & "Ärger" <b>bold</b>', language="de"))
    db.commit()
    html = client.get("/search/?q=stoerung").get_data(as_text=True)
    assert "<mark>Störungen</mark>" in html
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<b>bold</b>" not in html and "&lt;b&gt;bold&lt;/b&gt;" in html
    assert "1 result" in parse(html.encode()).text


def test_a_long_text_is_cut_around_the_first_match(client, login, db: Session) -> None:  # type: ignore[no-untyped-def]
    login("viewer")
    ingest(db, mention(text="filler " * 300 + "needle here " + "tail " * 50))
    db.commit()
    text = parse(client.get("/search/?q=needle").data).text
    assert "needle here" in text and "…" in text


def test_mastodon_handles_show_one_at_sign(client, login, db: Session) -> None:  # type: ignore[no-untyped-def]
    login("viewer")
    who = Author(id="109", handle="@kwilson@fosstodon.org", display_name="K Wilson")
    ingest(db, mention(platform="mastodon", by=who, text="toot about the product"))
    db.commit()
    html = client.get("/search/?q=toot").get_data(as_text=True)
    assert "@kwilson@fosstodon.org" in html and "@@kwilson" not in html
    member = member_of(db, "mastodon", "109")
    assert "@@" not in client.get(f"/members/{member.id}").get_data(as_text=True)


def test_each_role_sees_only_the_bulk_actions_it_may_do(client, login, db: Session) -> None:  # type: ignore[no-untyped-def]
    _items(db, mention(text="How do I export my data?", created_at=utcnow() - timedelta(hours=2)))
    login("viewer")
    page = parse(client.get("/inbox/").data)
    assert not page.find("form", id="bulk") and not page.find("input", name="ids")
    login("marketer")
    assert options(client.get("/inbox/").get_data(as_text=True), name="action") == ["escalate"]
    login("manager")
    assert options(client.get("/inbox/").get_data(as_text=True), name="action") == [
        "handle", "reopen", "assign", "snooze", "escalate"]


def test_only_managers_and_admins_are_offered_as_alert_assignees(client, login, db: Session, csrf) -> None:  # type: ignore[no-untyped-def]
    viewer, marketer = login("viewer"), login("marketer")
    manager = login("manager")
    alert = make_alert(db)
    offered = set(options(client.get(f"/alerts/{alert.id}").get_data(as_text=True), name="assignee_id"))
    assert str(manager.id) in offered and str(viewer.id) not in offered and str(marketer.id) not in offered
    token = csrf(client, f"/alerts/{alert.id}")
    resp = client.post(f"/alerts/{alert.id}/assign", data={"csrf_token": token, "assignee_id": viewer.id})
    assert resp.status_code in (302, 422)
    db.expire_all()
    assert alert.assignee_id != viewer.id


def test_merge_log_names_the_actor_and_unmerges_in_one_click(client, login, db: Session, csrf) -> None:  # type: ignore[no-untyped-def]
    lead = login("manager")
    a, b = author("a-1"), author("b-1")
    ingest(db, mention(by=a, text="one"), mention(by=b, platform="x", text="two"))
    keep, other = member_of(db, "reddit", "a-1"), member_of(db, "x", "b-1")
    audit = identities.merge(db, keep_id=keep.id, merge_ids=[other.id], actor_id=lead.id, reason="same person")
    db.commit()
    page = parse(client.get("/identity/merges").data)
    assert lead.name in page.text and f"user {lead.id}" not in page.text
    token = csrf(client, "/identity/merges")
    resp = client.post(f"/identity/merges/{audit.id}/unmerge?back=log", data={"csrf_token": token})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/identity/merges")
    db.expire_all()
    assert db.get(type(audit), audit.id).undone_by_id is not None


def _reimport(client, csrf, payload: bytes) -> None:  # type: ignore[no-untyped-def]
    import io

    token = csrf(client, "/imports/")
    resp = client.post("/imports/", data={"csrf_token": token, "format": "jsonl",
                                                 "file": (io.BytesIO(payload), "bad.jsonl")},
                       content_type="multipart/form-data")
    assert resp.status_code == 302


def test_quarantine_keeps_a_bad_line_once_and_an_admin_can_retry_or_delete(client, login, db: Session, csrf) -> None:  # type: ignore[no-untyped-def]
    future = (utcnow() + timedelta(days=3)).isoformat()
    line = {"platform": "reddit", "external_id": "q-1", "author": {"id": "u1", "handle": "u1"},
            "created_at": future, "text": "from the future", "kind": "post"}
    junk = b"{not json\n"
    login("admin")
    payload = (json.dumps(line) + "\n").encode() + junk
    _reimport(client, csrf, payload)
    _reimport(client, csrf, payload)
    assert db.scalar(select(func.count()).select_from(QuarantinedItem)) == 2
    items = {q.reason[:20]: q for q in db.scalars(select(QuarantinedItem))}
    future_item = next(q for q in items.values() if "future" in q.reason)
    junk_item = next(q for q in items.values() if q is not future_item)
    token = csrf(client, "/quarantine/")
    # Still in the future: it stays.
    assert client.post(f"/quarantine/{future_item.id}/retry", data={"csrf_token": token}).status_code == 302
    assert db.scalar(select(func.count()).select_from(QuarantinedItem)) == 2
    assert client.post(f"/quarantine/{junk_item.id}/delete", data={"csrf_token": token}).status_code == 302
    assert db.scalar(select(func.count()).select_from(QuarantinedItem)) == 1
    login("manager")
    token = csrf(client, "/quarantine/")
    assert client.post(f"/quarantine/{future_item.id}/delete", data={"csrf_token": token}).status_code == 403


def test_quarantine_retry_ingests_a_line_that_is_valid_now(client, login, db: Session, csrf) -> None:  # type: ignore[no-untyped-def]
    from crm.ingest import Rejected, quarantine

    line = {"platform": "reddit", "external_id": "q-2", "author": {"id": "u2", "handle": "u2"},
            "created_at": utcnow().isoformat(), "text": "valid by now", "kind": "post"}
    quarantine(db, [Rejected("import:old.jsonl:line 3", "created_at is more than a day in the future", line)])
    db.commit()
    item = db.scalars(select(QuarantinedItem)).one()
    login("admin")
    token = csrf(client, "/quarantine/")
    assert client.post(f"/quarantine/{item.id}/retry", data={"csrf_token": token}).status_code == 302
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(QuarantinedItem)) == 0
    assert "valid by now" in parse(client.get("/search/?q=valid").data).text


def test_segment_rows_offer_only_their_fields_operators_and_name_other_segments(client, login, db: Session) -> None:  # type: ignore[no-untyped-def]
    segments.create_segment(db, name="Superfans", rule={"field": "tags", "any": ["fan"]})
    db.commit()
    login("marketer")
    html = client.get("/segments/new").get_data(as_text=True)
    import re

    field_select = re.search(r'<select[^>]*cond-field[^>]*>(.*?)</select>', html, re.S).group(1)  # type: ignore[union-attr]
    chosen = re.search(r'<option selected value="([^"]*)"|<option value="([^"]*)" selected', field_select)
    first = re.findall(r'value="([^"]*)"', field_select)[0]
    chosen_value = next((g for g in chosen.groups() if g), first) if chosen else first
    from web.forms.segments import FIELD_OPS

    assert options(html, class_="cond-op") == list(FIELD_OPS[chosen_value])
    assert "<strong>Superfans</strong>" in html


def test_a_chart_legend_wraps_instead_of_running_off_the_chart() -> None:
    from web.charts.svg import Series, line_chart

    series = [Series(f"platform{i} median", [1.0, 2.0]) for i in range(8)]
    svg = str(line_chart("t", ["a", "b"], series, width=640, height=240))
    assert 'viewBox="0 0 640 240"' not in svg  # grew to hold a second legend line
    xs = [float(x) for x in __import__("re").findall(r'<rect x="([0-9.]+)" y="\d+" width="10"', svg)]
    assert max(xs) < 640
