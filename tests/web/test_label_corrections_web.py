"""Correcting a sentiment label from the timeline: who may, what the page shows, the report."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.interactions.models import Interaction
from tests.factories import ingest, member_of, mention, unique
from tests.web.htmlpage import parse

NEGATIVE = "This is terrible, awful service and I hate how broken it is."


def _negative_post(db: Session) -> Interaction:
    who = unique("a")
    ext = unique("m")
    ingest(db, mention(external_id=ext, by=who, text=NEGATIVE, language="en"))
    db.commit()
    return db.scalars(select(Interaction).where(Interaction.external_id == ext)).one()


def test_a_manager_corrects_a_label_from_the_timeline(client, login, db, csrf) -> None:  # type: ignore[no-untyped-def]
    item = _negative_post(db)
    login("manager")
    profile = f"/members/{item.member_id}"
    page = parse(client.get(profile).data)
    forms = page.find("form", action=f"/interactions/{item.id}/label")
    assert forms, "the timeline offers the correction"
    resp = client.post(
        f"/interactions/{item.id}/label",
        data={"csrf_token": csrf(client, profile), "label": "neutral", "next": profile},
    )
    assert resp.status_code == 302 and resp.headers["Location"].endswith(profile)
    db.expire_all()
    fresh = db.get(Interaction, item.id)
    assert (fresh.sentiment_label, fresh.label_corrected) == ("neutral", True)
    assert member_of(db, item.platform, fresh.identity.external_id).negative_count == 0
    page = parse(client.get(profile).data)
    assert [b.text for b in page.find("span", class_="badge corrected")] == ["corrected"]

    report = parse(client.get("/sentiment/corrections").data)
    row = [r.text for r in report.find("tr") if r.text.strip().startswith("en")]
    assert row and "1" in row[0] and "0%" in row[0]


def test_viewers_and_marketers_may_not_correct(client, login, db, csrf) -> None:  # type: ignore[no-untyped-def]
    item = _negative_post(db)
    for role in ("viewer", "marketer"):
        login(role)
        profile = f"/members/{item.member_id}"
        assert not parse(client.get(profile).data).find("form", action=f"/interactions/{item.id}/label")
        resp = client.post(
            f"/interactions/{item.id}/label",
            data={"csrf_token": csrf(client, profile), "label": "positive"},
        )
        assert resp.status_code == 403
    db.expire_all()
    assert db.get(Interaction, item.id).sentiment_label == "negative"


def test_a_bad_label_or_unknown_interaction_is_a_clear_answer(client, login, db, csrf) -> None:  # type: ignore[no-untyped-def]
    item = _negative_post(db)
    login("manager")
    token = csrf(client, f"/members/{item.member_id}")
    resp = client.post(f"/interactions/{item.id}/label", data={"csrf_token": token, "label": "furious"},
                       follow_redirects=True)
    assert resp.status_code == 200 and b"Label: Not a valid choice" in resp.data
    db.expire_all()
    assert db.get(Interaction, item.id).sentiment_label == "negative"
    assert client.post("/interactions/999999999/label", data={"csrf_token": token, "label": "positive"}).status_code == 404
    # An open redirect is not offered: an outside "next" goes to the dashboard.
    resp = client.post(f"/interactions/{item.id}/label",
                       data={"csrf_token": token, "label": "positive", "next": "https://evil.example/"})
    assert resp.status_code == 302 and "evil" not in resp.headers["Location"]


def test_the_report_explains_itself_when_empty(client, login) -> None:  # type: ignore[no-untyped-def]
    login("viewer")
    page = parse(client.get("/sentiment/corrections").data)
    assert "No corrections yet" in page.text
