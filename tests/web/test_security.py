"""Security headers, cookie flags, sessions that end, and login throttling (issue 16)."""

from __future__ import annotations

import dataclasses
import re
import time
from urllib.parse import urlsplit

import pytest
from sqlalchemy.orm import Session

from crm.users.services import create_user
from listeners.queue import InlineQueue
from tests.web.htmlpage import parse
from web import create_app


@pytest.fixture()
def user(db: Session):  # type: ignore[no-untyped-def]
    u = create_user(db, email="sam@example.com", password="correct horse", role="viewer")
    db.commit()
    return u


def _app(settings, session_factory, **changes):  # type: ignore[no-untyped-def]
    extra = changes.pop("config", {})
    return create_app({"TESTING": True, "SETTINGS": dataclasses.replace(settings, **changes),
                       "SESSION_FACTORY": session_factory, "JOB_QUEUE": InlineQueue(background=False), **extra})


def _sign_in(client, csrf, email="sam@example.com", password="correct horse", remember=False):  # type: ignore[no-untyped-def]
    data = {"csrf_token": csrf(client, "/login"), "email": email, "password": password}
    if remember:
        data["remember"] = "y"
    return client.post("/login", data=data)


def _signed_in(client) -> bool:  # type: ignore[no-untyped-def]
    resp = client.get("/")
    return resp.status_code == 200


# --- headers -------------------------------------------------------------------------------
def test_every_page_has_the_security_headers(client, login) -> None:  # type: ignore[no-untyped-def]
    for path in ("/login", "/static/app.css"):
        resp = client.get(path)
        assert resp.headers["X-Content-Type-Options"] == "nosniff", path
        assert resp.headers["X-Frame-Options"] == "DENY", path
        assert resp.headers["Referrer-Policy"] == "same-origin", path
        assert "frame-ancestors 'none'" in resp.headers["Content-Security-Policy"], path
        assert "Strict-Transport-Security" not in resp.headers  # plain http: no HSTS
    login("viewer")
    resp = client.get("/")
    csp = resp.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "object-src 'none'" in csp and "base-uri 'none'" in csp
    nonce = re.search(r"script-src 'self' 'nonce-([A-Za-z0-9_-]{16,})'", csp)
    assert nonce is not None and "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
    assert nonce.group(1) not in client.get("/").headers["Content-Security-Policy"]  # one per response


def test_no_page_has_an_inline_script_or_handler_without_the_nonce(client, login) -> None:  # type: ignore[no-untyped-def]
    login("admin")
    for path in ("/", "/members/", "/segments/new", "/imports/", "/sources/", "/alerts/", "/account/"):
        resp = client.get(path)
        assert resp.status_code == 200, path
        nonce = re.search(r"'nonce-([^']+)'", resp.headers["Content-Security-Policy"]).group(1)  # type: ignore[union-attr]
        page = parse(resp.data)
        for script in page.find("script"):
            assert script.attrs.get("src", "").startswith("/static/") or script.attrs.get("nonce") == nonce, path
        assert not re.search(rb"\son[a-z]+\s*=", resp.data), path  # no onclick=, onsubmit=, ...
        assert b"javascript:" not in resp.data, path


def test_https_base_url_turns_on_hsts_and_secure_cookies(settings, session_factory, db, user, csrf) -> None:  # type: ignore[no-untyped-def]
    app = _app(settings, session_factory, base_url="https://crm.example.com")
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    client = app.test_client()
    resp = client.get("/login", base_url="https://localhost")
    assert resp.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    # SESSION_COOKIE_SECURE=false wins over the https default (e.g. TLS ends at a proxy you trust).
    app = _app(settings, session_factory, base_url="https://crm.example.com", session_cookie_secure=False)
    assert app.config["SESSION_COOKIE_SECURE"] is False


def test_cookie_flags(client, csrf, user) -> None:  # type: ignore[no-untyped-def]
    resp = _sign_in(client, csrf, remember=True)
    cookies = {c.split("=", 1)[0]: c for c in resp.headers.getlist("Set-Cookie")}
    assert "HttpOnly" in cookies["session"] and "SameSite=Lax" in cookies["session"]
    remember = cookies["remember_token"]
    assert "HttpOnly" in remember and "SameSite=Lax" in remember
    expires = re.search(r"Expires=([^;]+)", remember).group(1)  # type: ignore[union-attr]
    days = (time.mktime(time.strptime(expires, "%a, %d %b %Y %H:%M:%S GMT")) - time.time()) / 86400
    assert 13 < days <= 14.1  # REMEMBER_DAYS, not a year


# --- sessions that end ----------------------------------------------------------------------
def _stolen(app, **cookies):  # type: ignore[no-untyped-def]
    thief = app.test_client()
    for name, value in cookies.items():
        thief.set_cookie(name, value)
    return thief


def test_a_session_cookie_captured_before_logout_is_dead_after_it(app, client, csrf, user) -> None:  # type: ignore[no-untyped-def]
    assert _sign_in(client, csrf).status_code == 302
    captured = client.get_cookie("session").value
    assert _signed_in(_stolen(app, session=captured))  # the copy works while the session lives
    client.post("/logout", data={"csrf_token": csrf(client, "/")})
    assert not _signed_in(client)
    assert not _signed_in(_stolen(app, session=captured))


def test_the_remember_token_is_bound_to_the_session_token(app, client, csrf, user, db) -> None:  # type: ignore[no-untyped-def]
    assert _sign_in(client, csrf, remember=True).status_code == 302
    remember = client.get_cookie("remember_token").value
    assert not remember.startswith(f"{user.id}|")  # not the plain user id any more
    assert _signed_in(_stolen(app, remember_token=remember))
    client.post("/logout", data={"csrf_token": csrf(client, "/")})
    assert not _signed_in(_stolen(app, remember_token=remember))
    # A new sign-in gives a new remember token.
    assert _sign_in(client, csrf, remember=True).status_code == 302
    assert client.get_cookie("remember_token").value != remember


def test_a_new_password_ends_every_other_session(app, client, csrf, user) -> None:  # type: ignore[no-untyped-def]
    assert _sign_in(client, csrf, remember=True).status_code == 302
    other = app.test_client()
    assert _sign_in(other, csrf, remember=True).status_code == 302
    remember = other.get_cookie("remember_token").value
    token = csrf(client, "/account/")
    wrong = client.post("/account/password", data={"csrf_token": token, "current_password": "nope",
                                                   "new_password": "battery staple", "confirm": "battery staple"})
    assert wrong.status_code == 422 and b"The current password is wrong." in wrong.data
    ok = client.post("/account/password", data={"csrf_token": token, "current_password": "correct horse",
                                                "new_password": "battery staple", "confirm": "battery staple"})
    assert ok.status_code == 302
    assert _signed_in(client)  # this browser carries the new token
    assert not _signed_in(other)
    assert not _signed_in(_stolen(app, remember_token=remember))
    assert _sign_in(app.test_client(), csrf, password="correct horse").status_code == 422
    assert _sign_in(app.test_client(), csrf, password="battery staple").status_code == 302


def test_sign_out_everywhere(app, client, csrf, user) -> None:  # type: ignore[no-untyped-def]
    assert _sign_in(client, csrf).status_code == 302
    other = app.test_client()
    assert _sign_in(other, csrf, remember=True).status_code == 302
    page = parse(client.get("/account/").data)
    assert [f for f in page.find("form") if f.attrs.get("action") == "/account/sign-out-everywhere"]
    resp = client.post("/account/sign-out-everywhere", data={"csrf_token": csrf(client, "/account/")})
    assert urlsplit(resp.headers["Location"]).path == "/login"
    assert not _signed_in(client) and not _signed_in(other)


def test_a_cookie_from_before_the_migration_holds_no_user(app, client, user) -> None:  # type: ignore[no-untyped-def]
    with client.session_transaction() as sess:
        sess["_user_id"] = str(user.id)  # what cookies held before: the plain id
    assert not _signed_in(client)


# --- throttling -----------------------------------------------------------------------------
def _throttled_app(settings, session_factory, storage=None, window=300):  # type: ignore[no-untyped-def]
    config = {"LOGIN_THROTTLE_STORAGE": storage} if storage else {}
    return _app(settings, session_factory, login_attempts_per_account=5, login_attempts_per_address=20,
                login_window_seconds=window, config=config)


@pytest.mark.parametrize("backend", ["memory", "redis"])
def test_failed_sign_ins_are_throttled_per_account(settings, session_factory, user, csrf, redis_url, backend) -> None:  # type: ignore[no-untyped-def]
    app = _throttled_app(settings, session_factory, storage=redis_url if backend == "redis" else "memory://")
    client = app.test_client()
    statuses = [_sign_in(client, csrf, password=f"wrong {i}").status_code for i in range(7)]
    assert statuses == [422] * 5 + [429] * 2
    blocked = _sign_in(client, csrf)  # even the right password waits: a blocked try is not checked
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) > 200
    assert b"Too many failed sign-ins. Try again in 5 minutes." in blocked.data
    assert not _signed_in(client)
    # Another account from the same address is not locked by this one.
    create_user(session_factory(), email="kim@example.com", password="correct horse", role="viewer")
    assert _sign_in(client, csrf, email="kim@example.com").status_code == 302


def test_failed_sign_ins_are_throttled_per_address(settings, session_factory, user, csrf) -> None:  # type: ignore[no-untyped-def]
    app = _throttled_app(settings, session_factory)
    client = app.test_client()
    # 20 misses spread over 20 e-mail addresses: no account limit is reached, the address's is.
    statuses = [_sign_in(client, csrf, email=f"guess{i}@example.com", password="x").status_code
                for i in range(21)]
    assert statuses == [422] * 20 + [429]
    assert _sign_in(client, csrf).status_code == 429
    # The same account from another address is still open.
    other = app.test_client()
    data = {"csrf_token": csrf(other, "/login"), "email": "sam@example.com", "password": "correct horse"}
    assert other.post("/login", data=data, environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 302


def test_the_right_password_works_again_after_the_window(settings, session_factory, user, csrf) -> None:  # type: ignore[no-untyped-def]
    app = _throttled_app(settings, session_factory, window=2)
    client = app.test_client()
    for _ in range(5):
        _sign_in(client, csrf, password="wrong")
    assert _sign_in(client, csrf).status_code == 429
    time.sleep(2.2)
    assert _sign_in(client, csrf).status_code == 302


def test_unknown_and_known_emails_take_the_same_time(settings, session_factory, user, csrf) -> None:  # type: ignore[no-untyped-def]
    app = _app(settings, session_factory, login_attempts_per_account=100, login_attempts_per_address=100)
    client = app.test_client()
    _sign_in(client, csrf, email="nobody@example.com", password="x")  # the dummy hash is built once

    def timed(email: str) -> float:
        best = 1e9
        for _ in range(3):
            start = time.perf_counter()
            assert _sign_in(client, csrf, email=email, password="wrong horse").status_code == 422
            best = min(best, time.perf_counter() - start)
        return best

    known, unknown = timed("sam@example.com"), timed("nobody@example.com")
    assert unknown > 0.6 * known, (known, unknown)


def test_behind_a_proxy_the_forwarded_address_is_counted(settings, session_factory, user, csrf) -> None:  # type: ignore[no-untyped-def]
    app = _app(settings, session_factory, login_attempts_per_account=100, login_attempts_per_address=2,
               proxy_hops=1)
    client = app.test_client()

    def attempt(address: str) -> int:
        data = {"csrf_token": csrf(client, "/login"), "email": "sam@example.com", "password": "wrong"}
        return client.post("/login", data=data, headers={"X-Forwarded-For": address}).status_code

    assert [attempt("203.0.113.7") for _ in range(3)] == [422, 422, 429]
    assert attempt("198.51.100.4") == 422  # another client behind the same proxy is not blocked
