"""Merge suggestions, merge/unmerge and the merge log through the web app."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from connectors.base import Author, Mention
from crm.identities import services
from crm.identities.models import MergeAudit, MergeDecision, MergeSuggestion
from crm.ingest import ingest_batch
from crm.members.models import Identity, Member
from crm.members.services import add_note

T0 = datetime.now(UTC) - timedelta(days=3)


def _csrf(client, url: str) -> str:  # type: ignore[no-untyped-def]
    html = client.get(url).get_data(as_text=True)
    m = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html)
    assert m, html[:500]
    return m.group(1)


def _people(db: Session) -> tuple[int, int]:
    """Jürgen on Reddit and Juergen on X: one person, and a suggestion for them."""
    mentions = []
    for platform, handle, name in (("reddit", "jmueller", "Jürgen Müller"), ("x", "jmueller", "Juergen Mueller")):
        author = Author(id=f"{platform}-jm", handle=handle, display_name=name,
                        profile_url=f"https://{platform}.example/{handle}")
        for k in range(3):
            mentions.append(Mention(platform=platform, external_id=f"{platform}-{k}", author=author,
                                    created_at=T0 + timedelta(hours=k), text="Danke für das Update, super",
                                    kind="comment", language="de"))
    mentions.append(Mention(platform="x", external_id="evil", created_at=T0,
                            author=Author(id="evil", handle="j<script>alert(1)</script>",
                                          display_name="Jürgen <b>Müller</b>"), text="hi there"))
    ingest_batch(db, mentions)
    services.rebuild_suggestions(db)
    db.commit()
    a, b = sorted(db.scalars(select(Identity.member_id).where(Identity.external_id.in_(["reddit-jm", "x-jm"]))))
    return a, b


def test_suggestions_page_shows_both_profiles_and_the_evidence(client, login, db) -> None:  # type: ignore[no-untyped-def]
    a, b = _people(db)
    login("manager")
    res = client.get("/identity/suggestions")
    html = res.get_data(as_text=True)
    assert res.status_code == 200
    assert "Jürgen Müller" in html and "Juergen Mueller" in html
    assert "The same handle" in html and f"#{a}" in html and f"#{b}" in html
    assert "<script>alert(1)</script>" not in html and "<b>Müller</b>" not in html


def test_viewers_cannot_review_or_merge(client, login, db) -> None:  # type: ignore[no-untyped-def]
    _people(db)
    login("viewer")
    assert client.get("/identity/suggestions").status_code == 403
    s = db.scalar(select(MergeSuggestion))
    assert s is not None
    assert client.post(f"/identity/suggestions/{s.id}/merge").status_code in (400, 403)
    assert client.get("/identity/merges").status_code == 200


def test_merge_from_suggestion_then_unmerge_from_the_log(client, login, db) -> None:  # type: ignore[no-untyped-def]
    a, b = _people(db)
    add_note(db, b, body="met at the meetup", author_id=None)
    db.commit()
    login("manager")
    s = db.scalar(select(MergeSuggestion).where(MergeSuggestion.member_a_id == a))
    assert s is not None
    token = _csrf(client, "/identity/suggestions")
    res = client.post(f"/identity/suggestions/{s.id}/merge", data={"csrf_token": token, "keep_id": a})
    assert res.status_code == 302
    db.expire_all()
    assert db.get(Member, b).merged_into_id == a  # type: ignore[union-attr]
    assert db.get(Member, a).interaction_count == 6  # type: ignore[union-attr]
    # The merged member's page sends you to the kept one; the kept one shows the merge.
    assert client.get(f"/members/{b}").headers["Location"].endswith(f"/members/{a}")
    page = client.get(f"/members/{a}").get_data(as_text=True)
    assert "met at the meetup" in page and "Why “" in page and "Channels" in page
    audit = db.scalar(select(MergeAudit).where(MergeAudit.action == "merge"))
    assert audit is not None and audit.evidence
    detail = client.get(f"/identity/merges/{audit.id}").get_data(as_text=True)
    assert "The same handle" in detail and "Unmerge" in detail
    token = _csrf(client, f"/identity/merges/{audit.id}")
    res = client.post(f"/identity/merges/{audit.id}/unmerge", data={"csrf_token": token, "reason": "oops", "not_same": "y"})
    assert res.status_code == 302
    db.expire_all()
    assert db.get(Member, b).merged_into_id is None  # type: ignore[union-attr]
    assert db.get(Member, a).interaction_count == 3  # type: ignore[union-attr]
    assert db.scalar(select(MergeDecision)) is not None
    assert db.scalar(select(MergeSuggestion).where(MergeSuggestion.member_a_id == a, MergeSuggestion.member_b_id == b)) is None
    assert "oops" in client.get("/identity/merges").get_data(as_text=True)


def test_not_the_same_person_is_remembered(client, login, db) -> None:  # type: ignore[no-untyped-def]
    a, b = _people(db)
    login("admin")
    s = db.scalar(select(MergeSuggestion).where(MergeSuggestion.member_a_id == a))
    assert s is not None
    token = _csrf(client, "/identity/suggestions")
    assert client.post(f"/identity/suggestions/{s.id}/dismiss", data={"csrf_token": token}).status_code == 302
    services.rebuild_suggestions(db)
    db.commit()
    assert db.scalar(select(MergeSuggestion).where(MergeSuggestion.member_a_id == a, MergeSuggestion.member_b_id == b)) is None


def test_snooze_hides_a_suggestion(client, login, db) -> None:  # type: ignore[no-untyped-def]
    a, _ = _people(db)
    login("manager")
    s = db.scalar(select(MergeSuggestion).where(MergeSuggestion.member_a_id == a))
    assert s is not None
    token = _csrf(client, "/identity/suggestions")
    assert client.post(f"/identity/suggestions/{s.id}/snooze", data={"csrf_token": token, "days": 7}).status_code == 302
    assert f'id="s{s.id}"' not in client.get("/identity/suggestions").get_data(as_text=True)
    assert f'id="s{s.id}"' in client.get("/identity/suggestions?snoozed=1").get_data(as_text=True)


def test_manual_merge_from_the_profile_and_bad_ids(client, login, db) -> None:  # type: ignore[no-untyped-def]
    a, b = _people(db)
    login("manager")
    token = _csrf(client, f"/members/{a}")
    bad = client.post("/identity/merge", data={"csrf_token": token, "keep_id": a, "merge_ids": "x; 1"})
    assert bad.status_code == 422
    res = client.post("/identity/merge", data={"csrf_token": token, "keep_id": a, "merge_ids": str(b), "reason": "same"})
    assert res.status_code == 302
    db.expire_all()
    assert db.get(Member, b).merged_into_id == a  # type: ignore[union-attr]
    again = client.post("/identity/merge", data={"csrf_token": token, "keep_id": a, "merge_ids": str(b)})
    assert again.status_code == 409


def test_rules_page_is_for_admins_and_switches_rules(client, login, db) -> None:  # type: ignore[no-untyped-def]
    login("manager")
    assert client.get("/identity/rules").status_code == 403
    login("admin")
    html = client.get("/identity/rules").get_data(as_text=True)
    assert "mutual_links" in html
    token = _csrf(client, "/identity/rules")
    assert client.post("/identity/rules", data={"csrf_token": token, "name": "mutual_links"}).status_code == 302
    assert services.rules(db)["mutual_links"] is False
    assert client.post("/identity/rules", data={"csrf_token": token, "name": "nope"}).status_code == 422
