"""Every endpoint needs a login; roles are enforced; sign-in, sign-out, ?next= and CSRF."""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.exceptions import MethodNotAllowed
from werkzeug.routing.converters import NumberConverter

from crm.imports.models import ImportRun
from crm.members.models import Note
from crm.users.services import create_user
from listeners.queue import InlineQueue
from tests.factories import count, ingest, member_of, mention
from tests.web.htmlpage import parse
from web import create_app
from web.views.auth import PUBLIC_ENDPOINTS

# Views that need a login but no particular permission.
LOGIN_ONLY = {"auth.logout"}


def _url(rule) -> str:  # type: ignore[no-untyped-def]
    """The rule with every argument filled in (ints as 1, anything else as 'x')."""
    values = {}
    for arg, conv in rule._converters.items():
        values[arg] = 1 if isinstance(conv, NumberConverter) else "x"
    return rule.build(values, append_unknown=False)[1]


def _protected(app: Flask):  # type: ignore[no-untyped-def]
    rules = [r for r in app.url_map.iter_rules() if r.endpoint not in PUBLIC_ENDPOINTS]
    assert len(rules) >= 15, "the URL map looks too small: did create_app register every blueprint?"
    return rules


def test_every_endpoint_but_the_public_ones_needs_a_login(app: Flask, client, csrf) -> None:  # type: ignore[no-untyped-def]
    token = csrf(client, "/login")
    adapter = app.url_map.bind("localhost")
    checked = 0
    for rule in _protected(app):
        url = _url(rule)
        for method in ("GET", "POST"):
            data = {"csrf_token": token} if method == "POST" else None
            resp = client.open(url, method=method, data=data)
            where = f"{method} {url} ({rule.endpoint})"
            if method not in rule.methods:
                try:
                    adapter.match(url, method)
                except MethodNotAllowed:
                    assert resp.status_code == 405, where
                continue  # else another rule serves this URL and method; it is walked too
            checked += 1
            if rule.rule.startswith("/api/"):
                assert resp.status_code == 401, where
                assert resp.is_json and resp.get_json()["error"] == "Unauthorized", where
            else:
                assert resp.status_code == 302, where
                location = urlsplit(resp.headers["Location"])
                assert location.path == "/login", where
                assert "next=" in location.query, where
    assert checked >= 15


def test_every_protected_view_checks_a_permission(app: Flask) -> None:
    for rule in _protected(app):
        view = app.view_functions[rule.endpoint]
        assert rule.endpoint in LOGIN_ONLY or hasattr(view, "permission"), (
            f"{rule.endpoint} is not wrapped in requires(permission)"
        )


def test_public_endpoints_answer_anonymous_users(client) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/login").status_code == 200
    health = client.get("/health")
    assert health.status_code == 200 and health.get_json() == {"status": "ok"}
    assert client.get("/static/app.css").status_code == 200


def test_a_viewer_is_refused_everything_beyond_viewing(app: Flask, client, login, csrf) -> None:  # type: ignore[no-untyped-def]
    from crm.users.services import PERMISSIONS

    login("viewer")
    token = csrf(client, "/")
    refused = 0
    for rule in _protected(app):
        permission = getattr(app.view_functions[rule.endpoint], "permission", None)
        if permission is None or "viewer" in PERMISSIONS[permission]:
            continue
        for method in sorted(rule.methods & {"GET", "POST"}):
            resp = client.open(_url(rule), method=method, data={"csrf_token": token})
            assert resp.status_code == 403, f"{method} {rule.rule}"
            refused += 1
    assert refused >= 5


def test_a_viewer_cannot_upload_an_import(client, login, csrf, db: Session) -> None:  # type: ignore[no-untyped-def]
    import io

    login("viewer")
    token = csrf(client, "/")
    page = parse(client.get("/imports/").data)
    assert not page.find("input", type="file")  # the form is not even offered
    resp = client.post("/imports/", data={
        "csrf_token": token, "file": (io.BytesIO(b'{"a": 1}\n'), "m.jsonl"), "format": "",
    }, content_type="multipart/form-data")
    assert resp.status_code == 403
    assert "may not do this" in parse(resp.data).text
    assert count(db, ImportRun) == 0


@pytest.mark.parametrize(("role", "allowed"), [("viewer", False), ("marketer", False), ("manager", True)])
def test_notes_and_tags_need_the_curate_role(  # type: ignore[no-untyped-def]
    client, login, csrf, db: Session, role: str, allowed: bool
) -> None:
    m = mention()
    ingest(db, m)
    member = member_of(db, m.platform, m.author.id)
    login(role)
    token = csrf(client, f"/members/{member.id}")
    note = client.post(f"/members/{member.id}/notes", data={"csrf_token": token, "body": "Call back"})
    tag = client.post(f"/members/{member.id}/tags", data={"csrf_token": token, "tag": "VIP"})
    db.expire_all()
    notes = db.scalars(select(Note.body).where(Note.member_id == member.id)).all()
    tags = [t.tag for t in member_of(db, m.platform, m.author.id).tags]
    if allowed:
        assert (note.status_code, tag.status_code) == (302, 302)
        assert notes == ["Call back"] and tags == ["vip"]
        page = parse(client.get(f"/members/{member.id}").data)
        assert "Call back" in page.text
    else:
        assert (note.status_code, tag.status_code) == (403, 403)
        assert notes == [] and tags == []
        page = parse(client.get(f"/members/{member.id}").data)
        assert not page.find("textarea", name="body")  # no note form for this role


def _sign_in(client, csrf, email: str, password: str, next_: str | None = None):  # type: ignore[no-untyped-def]
    token = csrf(client, "/login")
    url = "/login" if next_ is None else "/login?" + urlencode({"next": next_})
    return client.post(url, data={"csrf_token": token, "email": email, "password": password})


@pytest.fixture()
def user(db: Session):  # type: ignore[no-untyped-def]
    u = create_user(db, email="pat@example.com", password="correct horse", role="manager")
    db.commit()
    return u


def test_sign_in_and_out(client, csrf, user) -> None:  # type: ignore[no-untyped-def]
    resp = _sign_in(client, csrf, "Pat@Example.com", "correct horse")
    assert resp.status_code == 302 and urlsplit(resp.headers["Location"]).path == "/"
    assert client.get("/").status_code == 200
    assert client.get("/login").status_code == 302  # already signed in

    token = csrf(client, "/")
    out = client.post("/logout", data={"csrf_token": token})
    assert out.status_code == 302 and urlsplit(out.headers["Location"]).path == "/login"
    assert client.get("/").status_code == 302


def test_a_wrong_password_shows_the_error_next_to_the_field(client, csrf, user) -> None:  # type: ignore[no-untyped-def]
    resp = _sign_in(client, csrf, "pat@example.com", "wrong horse")
    assert resp.status_code == 422
    page = parse(resp.data)
    password = page.find("input", name="password")[0]
    error = page.after(password)
    assert error is not None and error.tag == "div" and error.attrs.get("class") == "field-error"
    assert error.text == "The e-mail or the password is wrong."
    assert password.attrs.get("value") in (None, "")  # the password is not echoed back
    assert client.get("/").status_code == 302  # still signed out


def test_an_invalid_email_is_shown_next_to_its_field(client, csrf, user) -> None:  # type: ignore[no-untyped-def]
    resp = _sign_in(client, csrf, "not-an-email", "whatever")
    assert resp.status_code == 422
    page = parse(resp.data)
    error = page.after(page.find("input", name="email")[0])
    assert error is not None and error.attrs.get("class") == "field-error"


@pytest.mark.parametrize("target", ["/members/?q=anna&sort=name", "/search/?q=refund"])
def test_next_goes_to_a_local_page(client, csrf, user, target: str) -> None:  # type: ignore[no-untyped-def]
    resp = _sign_in(client, csrf, "pat@example.com", "correct horse", next_=target)
    assert resp.status_code == 302
    loc = urlsplit(resp.headers["Location"])
    assert (loc.netloc in ("", "localhost"), loc.path + "?" + loc.query) == (True, target)


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/", "//evil.example/", "///evil.example/", "/\\evil.example/",
        "\\\\evil.example/", "/\\/evil.example/", "javascript:alert(1)", "http:evil.example",
        "evil.example", "/\t/evil.example", "/\n/evil.example", " //evil.example",
    ],
)
def test_next_never_leaves_the_site(client, csrf, user, target: str) -> None:  # type: ignore[no-untyped-def]
    resp = _sign_in(client, csrf, "pat@example.com", "correct horse", next_=target)
    assert resp.status_code == 302
    location = resp.headers["Location"]
    loc = urlsplit(location)
    assert loc.netloc in ("", "localhost"), location
    assert loc.path == "/", location  # falls back to the dashboard
    assert "evil" not in location and "\\" not in location


def test_the_login_redirect_remembers_the_page(client) -> None:  # type: ignore[no-untyped-def]
    resp = client.get("/members/?q=anna")
    assert resp.status_code == 302
    loc = urlsplit(resp.headers["Location"])
    assert loc.path == "/login" and parse_qs(loc.query)["next"] == ["/members/?q=anna"]


@pytest.fixture()
def csrf_app(settings, session_factory) -> Flask:  # type: ignore[no-untyped-def]
    return create_app({
        "TESTING": True, "WTF_CSRF_ENABLED": True, "SETTINGS": settings,
        "SESSION_FACTORY": session_factory, "JOB_QUEUE": InlineQueue(background=False),
    })


def test_csrf_is_enforced(csrf_app: Flask, csrf, db: Session) -> None:  # type: ignore[no-untyped-def]
    client = csrf_app.test_client()
    create_user(db, email="csrf@example.com", password="correct horse", role="manager")
    db.commit()

    resp = client.post("/login", data={"email": "csrf@example.com", "password": "correct horse"})
    assert resp.status_code == 400
    assert "Reload the page and try again" in parse(resp.data).text
    assert client.get("/").status_code == 302  # not signed in

    forged = client.post("/login", data={"email": "csrf@example.com", "password": "correct horse",
                                         "csrf_token": "forged"})
    assert forged.status_code == 400

    ok = _sign_in(client, csrf, "csrf@example.com", "correct horse")
    assert ok.status_code == 302
    m = mention()
    ingest(db, m)
    member = member_of(db, m.platform, m.author.id)
    no_token = client.post(f"/members/{member.id}/notes", data={"body": "sneaky"})
    assert no_token.status_code == 400
    json_client = client.post(f"/members/{member.id}/notes", data={"body": "sneaky"},
                              headers={"Accept": "application/json"})
    assert json_client.status_code == 400 and json_client.get_json()["error"] == "Form expired"
    db.expire_all()
    assert db.scalars(select(Note).where(Note.member_id == member.id)).all() == []
