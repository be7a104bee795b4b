"""Privacy pages: erase from the profile (admin, confirmed), access export, retention, suppression, log."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from connectors.base import Author
from crm.db import utcnow
from crm.interactions.models import Interaction
from crm.members.models import Identity, Member
from crm.privacy.models import PrivacyAudit, RetentionPolicy, Suppression
from tests.factories import ingest, member_of, mention
from tests.web.htmlpage import parse


def _csrf(page) -> str:  # type: ignore[no-untyped-def]
    return str(page.find("input", name="csrf_token")[0].attrs["value"])


def _people(db: Session) -> tuple[Member, Member]:
    anna = Author(id="anna-77", handle="anna_77", display_name="Anna Privacy")
    bert = Author(id="bert-77", handle="bert_77", display_name="Bert Stays")
    ingest(db, mention(external_id="ap-1", by=anna, text="Anna writes about sync =cmd"),
           mention(external_id="ap-2", by=anna, text="How do I export my data?"),
           mention(external_id="bp-1", by=bert, text="Bert is here to stay"))
    db.commit()
    return member_of(db, "reddit", "anna-77"), member_of(db, "reddit", "bert-77")


def test_profile_shows_privacy_actions_to_admins_only(client, login, db) -> None:  # type: ignore[no-untyped-def]
    anna, _ = _people(db)
    login("manager")
    page = parse(client.get(f"/members/{anna.id}").data)
    assert page.find(id="privacy") == []
    assert client.get(f"/privacy/members/{anna.id}/erase").status_code == 403
    assert client.get(f"/privacy/members/{anna.id}/access").status_code == 403
    login("admin")
    page = parse(client.get(f"/members/{anna.id}").data)
    assert page.find(id="privacy") != []


def test_erase_needs_the_member_id_typed_and_names_what_goes(client, login, db) -> None:  # type: ignore[no-untyped-def]
    anna_id, bert_id = (m.id for m in _people(db))
    login("admin")
    confirm = client.get(f"/privacy/members/{anna_id}/erase")
    assert confirm.status_code == 200
    text = parse(confirm.data).text
    assert "Anna Privacy" in text and "anna_77" in text and "2 interactions" in text
    csrf = _csrf(parse(confirm.data))
    wrong = client.post(f"/privacy/members/{anna_id}/erase", data={"csrf_token": csrf, "confirm": str(bert_id)})
    assert wrong.status_code == 422
    assert db.get(Member, anna_id) is not None
    done = client.post(f"/privacy/members/{anna_id}/erase", data={"csrf_token": csrf, "confirm": str(anna_id),
                                                                   "reason": "ticket 4711"})
    assert done.status_code == 302
    db.expire_all()
    assert db.get(Member, anna_id) is None
    assert db.scalar(select(func.count()).select_from(Interaction).where(Interaction.external_id.like("ap-%"))) == 0
    assert db.get(Member, bert_id) is not None
    assert db.scalar(select(func.count()).select_from(Suppression)) == 2  # id and handle
    entry = db.scalars(select(PrivacyAudit).where(PrivacyAudit.action == "erase")).one()
    assert entry.subject == f"member #{anna_id}" and entry.reason == "ticket 4711" and entry.actor.startswith("admin-")
    log = parse(client.get("/privacy/").data).text
    assert "ticket 4711" in log and "Anna" not in log
    # Polling the same item again brings nothing back.
    res = ingest(db, mention(external_id="ap-3", by=Author(id="anna-77", handle="x"), text="back again?"))
    assert res.suppressed == 1 and res.new == 0


def test_access_export_json_and_zip(client, login, db) -> None:  # type: ignore[no-untyped-def]
    anna, _ = _people(db)
    login("admin")
    resp = client.get(f"/privacy/members/{anna.id}/access")
    assert resp.status_code == 200 and resp.mimetype == "application/json"
    assert "attachment" in resp.headers["Content-Disposition"]
    data = json.loads(resp.data)
    assert [i["external_id"] for i in data["identities"]] == ["anna-77"]
    assert sorted(i["external_id"] for i in data["interactions"]) == ["ap-1", "ap-2"]
    assert "bert" not in resp.data.decode().lower()
    z = zipfile.ZipFile(io.BytesIO(client.get(f"/privacy/members/{anna.id}/access?format=zip").data))
    assert sorted(z.namelist()) == sorted([f"member-{anna.id}.json", "interactions.csv", "identities.csv", "notes.csv"])
    csv_text = z.read("interactions.csv").decode("utf-8-sig")
    assert "'=cmd" not in csv_text or "Anna writes" in csv_text
    assert client.get(f"/privacy/members/{anna.id}/access?format=pdf").status_code == 422
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(PrivacyAudit).where(PrivacyAudit.action == "access_export")) == 2


def test_retention_settings_dry_run_and_audit(client, login, db) -> None:  # type: ignore[no-untyped-def]
    old = utcnow() - timedelta(days=40)
    ingest(db, mention(external_id="old-1", text="an old one", created_at=old),
           mention(external_id="new-1", text="a new one", created_at=utcnow() - timedelta(days=1)),
           mention(external_id="xold-1", platform="x", text="old on x", created_at=old))
    db.commit()
    login("admin")
    page = parse(client.get("/privacy/retention").data)
    csrf = _csrf(page)
    bad = client.post("/privacy/retention", data={"csrf_token": csrf, "scope_kind": "platform", "scope_value": "reddit", "days": "0"})
    assert bad.status_code == 200 and db.scalar(select(func.count()).select_from(RetentionPolicy)) == 0
    ok = client.post("/privacy/retention", data={"csrf_token": csrf, "scope_kind": "platform", "scope_value": "reddit", "days": "30"})
    assert ok.status_code == 302
    table = parse(client.get("/privacy/retention").data).find(id="policies")[0].text
    assert "Interactions on Reddit" in table and "30 days" in table
    assert " 1 interaction older than" in " " + " ".join(table.split())  # only old-1: new-1 is recent, xold-1 is on x
    assert db.scalar(select(func.count()).select_from(PrivacyAudit).where(PrivacyAudit.action == "retention_changed")) == 1


def test_unsuppress_by_account(client, login, db) -> None:  # type: ignore[no-untyped-def]
    anna, _ = _people(db)
    from crm.privacy.erase import erase_member

    erase_member(db, anna.id, actor="test")
    db.commit()
    login("admin")
    page = parse(client.get("/privacy/suppressions").data)
    assert "anna" not in page.text.lower()  # the list holds hashes only
    csrf = _csrf(page)
    missing = client.post("/privacy/suppressions", data={"csrf_token": csrf, "platform": "reddit", "external_id": "nobody"})
    assert missing.status_code == 404
    ok = client.post("/privacy/suppressions", data={"csrf_token": csrf, "platform": "reddit", "external_id": "anna-77",
                                                   "handle": "anna_77"})
    assert ok.status_code == 302
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(Suppression)) == 0
    res = ingest(db, mention(external_id="ap-9", by=Author(id="anna-77", handle="anna_77"), text="hello again"))
    assert res.new == 1 and res.suppressed == 0
    assert db.scalar(select(Identity.id).where(Identity.external_id == "anna-77")) is not None
