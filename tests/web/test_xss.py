"""Attacker-controlled text from social networks renders as text on every page, never as markup."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from connectors.base import Author
from crm.db import utcnow
from crm.imports.models import ImportRun
from crm.interactions.models import Interaction
from crm.members import services as members
from crm.members.models import Identity
from tests.factories import ingest, member_of, mention
from tests.web.htmlpage import Page, parse

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
SVG = '"><svg onload=alert(1)>'
JS_URL = "javascript:alert(1)"
TEMPLATE = "{{7*7}}"
# The app draws its own SVG charts; an injected <svg>/<img> is caught by its on* attribute.
DANGEROUS_TAGS = {"iframe", "object", "embed", "base", "math"}
URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "poster", "data"}


def assert_inert(html: bytes, *must_show: str) -> Page:
    """No element, attribute or URL came from a payload; the payloads are visible as text."""
    page = parse(html)
    for el in page.elements:
        assert el.tag not in DANGEROUS_TAGS, el
        if el.tag == "script":
            assert (el.attrs.get("src") or "").startswith("/static/") and not el.text.strip(), el
        for name, value in el.attrs.items():
            assert not name.startswith("on"), el
            if name in URL_ATTRS and value:
                scheme = value.strip().lower().replace("\t", "").replace("\n", "")
                assert not scheme.startswith(("javascript:", "data:", "vbscript:")), el
    lowered = html.decode().lower()
    assert "<script>alert" not in lowered and "<svg onload" not in lowered and "<img src=x" not in lowered
    assert 'href="javascript:' not in lowered
    for text in must_show:
        assert text in page.text, f"{text!r} is not shown as text"
    return page


@pytest.fixture()
def hostile(db: Session) -> dict[str, int]:
    """A member whose every field is a payload, with a reply, a tag, a note and a bad item."""
    now = utcnow()
    evil = Author(id="evil-1", handle=SVG, display_name=f"{IMG} {TEMPLATE}", followers=5,
                  profile_url=JS_URL, avatar_url=JS_URL)
    parent = mention(external_id="evil-parent", by=evil, text=f"{SCRIPT} parent text",
                     created_at=now - timedelta(hours=2), url=JS_URL)
    reply = mention(
        external_id="evil-reply", by=evil, kind="reply", parent_id="evil-parent",
        thread_id="evil-parent", title=IMG, channel=SVG, url=JS_URL,
        text=f"{SCRIPT} this is terrible, awful, I hate it {TEMPLATE} {SVG}",
        created_at=now - timedelta(hours=1),
    )
    bad = mention(external_id=SVG, kind=SCRIPT, text=IMG, raw={"text": SCRIPT, "img": IMG})
    ingest(db, parent, reply, bad, origin=f"api:{IMG}")
    member = member_of(db, "reddit", "evil-1")
    members.add_tag(db, member.id, SVG)
    members.add_note(db, member.id, body=f"{SCRIPT} {TEMPLATE}", author_id=None)
    # Defence in depth: ingest drops non-http URLs; the templates must not trust that.
    db.execute(update(Interaction).values(url=JS_URL))
    db.execute(update(Identity).values(profile_url=JS_URL, avatar_url=JS_URL))
    db.flush()
    return {"member": member.id}


def test_members_list(client, login, hostile) -> None:  # type: ignore[no-untyped-def]
    login("viewer")
    assert_inert(client.get("/members/").data, IMG, TEMPLATE, SVG)
    # Payloads echoed from the query string into attributes and text.
    resp = client.get("/members/", query_string={"q": SVG, "tag": SVG, "sort": SVG})
    page = assert_inert(resp.data)
    assert page.find("input", name="q", placeholder="Name or @handle")[0].attrs["value"] == SVG
    assert page.find("input", name="tag")[0].attrs["value"] == SVG


def test_profile(client, login, hostile) -> None:  # type: ignore[no-untyped-def]
    login("manager")  # curators see the tag and note forms too
    page = assert_inert(
        client.get(f"/members/{hostile['member']}").data,
        SCRIPT, IMG, SVG, TEMPLATE, "parent text",
    )
    assert page.find("h1")[-1].text == f"{IMG} {TEMPLATE}"
    assert f"Remove tag {SVG.lower()}" in [b.attrs.get("aria-label") for b in page.find("button")]
    assert "no link" in page.text  # the javascript: URLs became plain text
    timeline = client.get(f"/members/{hostile['member']}", query_string={"q": SVG, "since": SCRIPT})
    assert_inert(timeline.data)


def test_search(client, login, hostile) -> None:  # type: ignore[no-untyped-def]
    login("viewer")
    assert_inert(client.get("/search/?q=terrible").data, SCRIPT, IMG, SVG, TEMPLATE, "parent text")
    echoed = assert_inert(client.get("/search/", query_string={"q": f"{SVG} terrible"}).data)
    assert echoed.find("input", name="q")[0].attrs["value"] == f"{SVG} terrible"
    error = client.get("/search/", query_string={"since": SCRIPT})
    assert error.status_code == 422
    assert_inert(error.data, "<script>alert(1")  # the bad value is quoted back as text


def test_dashboard(client, login, hostile) -> None:  # type: ignore[no-untyped-def]
    login("viewer")
    assert_inert(client.get("/").data, SCRIPT, f"{IMG} {TEMPLATE}")


def test_quarantine(client, login, hostile) -> None:  # type: ignore[no-untyped-def]
    login("viewer")
    page = assert_inert(client.get("/quarantine/").data, f"api:{IMG}", SVG)
    raw = " ".join(p.text for p in page.find("pre"))
    assert json.loads(raw) == {"text": SCRIPT, "img": IMG}
    assert "kind '<script>alert(1)</script>' is not one of" in page.text
    assert_inert(client.get("/quarantine/", query_string={"origin": SVG}).data)


def test_import_report(client, login, csrf, db: Session) -> None:  # type: ignore[no-untyped-def]
    login("manager")
    lines = [
        {"platform": "reddit", "external_id": "x-1", "created_at": SCRIPT, "text": "bad date",
         "author": {"id": "a"}},
        {"platform": "reddit", "external_id": "x-2", "created_at": "2026-03-01T00:00:00Z",
         "text": f"{SCRIPT} {TEMPLATE}", "kind": IMG, "author": {"id": "a", "handle": SVG}},
        {"platform": "reddit", "external_id": "x-3", "created_at": "2026-03-01T00:00:00Z",
         "text": f"fine {SCRIPT}", "url": JS_URL, "author": {"id": "b", "display_name": IMG}},
    ]
    token = csrf(client, "/imports/")
    name = f"{IMG}.jsonl"
    resp = client.post("/imports/", content_type="multipart/form-data", data={
        "csrf_token": token, "format": "",
        "file": (io.BytesIO("\n".join(json.dumps(x) for x in lines).encode()), name),
    })
    assert resp.status_code == 302
    run = db.scalars(select(ImportRun).order_by(ImportRun.id.desc())).first()
    db.refresh(run)
    assert run.filename == name and run.new_count == 1
    follow = client.get(resp.headers["Location"])
    page = assert_inert(follow.data, name, SCRIPT)
    assert any(SCRIPT in td.text for td in page.find("td"))
    assert_inert(client.get("/imports/").data, name)
    assert_inert(client.get("/quarantine/").data, SCRIPT, IMG)
    assert_inert(client.get("/search/?q=fine").data, f"fine {SCRIPT}", IMG)
