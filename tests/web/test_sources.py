"""The Sources pages: add, edit, pause, resume, delete and "poll now" through the forms.

The connectors point at the fake Reddit on 127.0.0.1 (X is left unconfigured, so its disabled
reason shows); "poll now" runs the poll inline through listeners.runtime into the test database.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/fakes as ``fakes``

from fakes.reddit_api import FakeReddit  # noqa: E402
from fakes.reddit_api import generate as generate_reddit  # noqa: E402

from crm.db import utcnow  # noqa: E402
from crm.settings import Settings  # noqa: E402
from crm.sources import services  # noqa: E402
from crm.sources.models import PollRun, Source  # noqa: E402
from tests.web.htmlpage import Page, parse  # noqa: E402


@pytest.fixture()
def fake_reddit() -> Iterator[FakeReddit]:
    server = FakeReddit(generate_reddit()).start()
    yield server
    server.stop()


@pytest.fixture()
def settings(settings: Settings, fake_reddit: FakeReddit, request: pytest.FixtureRequest) -> Settings:
    """The test settings with Reddit pointed at the fake; X stays unconfigured unless marked."""
    x_token = "token" if request.node.get_closest_marker("x_configured") else None
    return settings.with_connector_env(
        REDDIT_CLIENT_ID=fake_reddit.client_id, REDDIT_CLIENT_SECRET=fake_reddit.client_secret,
        REDDIT_OAUTH_URL=fake_reddit.url, REDDIT_URL=fake_reddit.url, X_BEARER_TOKEN=x_token,
    )


def form_data(**fields: Any) -> dict[str, Any]:
    data = {"name": "", "platform": "reddit", "kind": "subreddit", "query": "r/Python",
            "interval_seconds": "120", "backfill_hours": "24"}
    data.update({k: str(v) for k, v in fields.items()})
    return data


def post_form(client, csrf, path: str, **fields: Any):  # type: ignore[no-untyped-def]
    token = csrf(client, "/sources/")
    return client.post(path, data={"csrf_token": token, **form_data(**fields)})


def action(client, csrf, source_id: int, verb: str):  # type: ignore[no-untyped-def]
    token = csrf(client, "/sources/")
    return client.post(f"/sources/{source_id}/{verb}", data={"csrf_token": token})


def field_error(page: Page, field_id: str) -> str | None:
    """The error shown right after a form field (before the next field's label), if any."""
    field = next(e for e in page.elements if e.attrs.get("id") == field_id and e.tag in ("input", "select"))
    start = page.elements.index(field)
    for el in page.elements[start + 1 :]:
        if el.tag == "label":
            return None
        if el.tag == "div" and el.attrs.get("class") == "field-error":
            return el.text.strip()
    return None


def make_source(db: Session, **fields: Any) -> Source:
    values: dict[str, Any] = {"platform": "reddit", "kind": "subreddit", "query": "python", "interval_seconds": 300}
    values.update(fields)
    source = services.save_source(db, **values)
    db.commit()
    return source


# --- add and edit -----------------------------------------------------------------------
def test_a_manager_adds_a_source_through_the_form(client, login, csrf, db: Session) -> None:  # type: ignore[no-untyped-def]
    login("manager")
    resp = post_form(client, csrf, "/sources/new", query="r/Python", name="Our subreddit", interval_seconds=60)

    assert resp.status_code == 302 and resp.headers["Location"].endswith("/sources/")
    source = db.scalars(select(Source)).one()
    assert (source.platform, source.kind, source.query, source.name) == ("reddit", "subreddit", "Python", "Our subreddit")
    assert (source.interval_seconds, source.backfill_hours, source.enabled, source.status) == (60, 24, True, "new")
    assert source.next_poll_at is not None and source.next_poll_at <= utcnow()
    page = parse(client.get("/sources/").data)
    assert "Our subreddit" in page.text and "Listening to Our subreddit" in page.text


@pytest.mark.parametrize(
    ("fields", "field_id", "message"),
    [
        ({"query": "r/no spaces allowed"}, "query", "is not a subreddit name"),
        ({"query": "ab"}, "query", "3 to 21 letters"),
        ({"query": ""}, "query", "Enter a subreddit name"),
        ({"kind": "search", "query": "widget " * 80}, "query", "at most 512 characters"),
        ({"query": "x" * 1001}, "query", "1000"),
        ({"interval_seconds": 10}, "interval_seconds", "between 24 seconds"),
        ({"interval_seconds": 8 * 86400}, "interval_seconds", "between"),
        ({"interval_seconds": "soon"}, "interval_seconds", ""),
        ({"backfill_hours": 1000}, "backfill_hours", "720"),
        pytest.param({"platform": "x", "kind": "subreddit"}, "query", "x sources can be: search, mentions",
                     marks=pytest.mark.x_configured),
        pytest.param({"platform": "x", "kind": "mentions", "query": "@crm_brand"}, "query", "numeric X user id",
                     marks=pytest.mark.x_configured),
        pytest.param({"platform": "x", "kind": "search", "query": "widget", "interval_seconds": 30},
                     "interval_seconds", "40 seconds", marks=pytest.mark.x_configured),
        ({"platform": "x", "kind": "search", "query": "widget"}, "platform", "X is disabled: set X_BEARER_TOKEN."),
        ({"platform": "reddit", "kind": "mentions", "query": ""}, "platform",
         "Reddit mentions sources need REDDIT_USERNAME and REDDIT_PASSWORD to be set."),
    ],
    ids=["space", "short", "empty", "search-too-long", "query-over-1000", "interval-below-minimum",
         "interval-above-week", "interval-not-a-number", "backfill", "x-subreddit", "x-handle", "x-interval",
         "x-disabled", "reddit-mentions-without-login"],
)
def test_invalid_input_is_shown_next_to_the_field_with_422(  # type: ignore[no-untyped-def]
    client, login, csrf, db: Session, fields: dict[str, Any], field_id: str, message: str
) -> None:
    login("admin")
    resp = post_form(client, csrf, "/sources/new", **fields)

    assert resp.status_code == 422
    error = field_error(parse(resp.data), field_id)
    assert error is not None and message in error, error
    assert db.scalars(select(Source)).first() is None


def test_editing_keeps_the_cursor_unless_the_target_changes(client, login, csrf, db: Session) -> None:  # type: ignore[no-untyped-def]
    login("manager")
    source = make_source(db)
    source.cursor, source.status = {"posts": {"newest": "t3_abc"}}, "ok"
    db.commit()
    page = parse(client.get(f"/sources/{source.id}/edit").data)
    assert next(e for e in page.elements if e.attrs.get("id") == "query").attrs["value"] == "python"

    resp = post_form(client, csrf, f"/sources/{source.id}/edit", query="python", interval_seconds=600)
    assert resp.status_code == 302
    db.expire_all()
    assert (source.interval_seconds, source.cursor, source.status) == (600, {"posts": {"newest": "t3_abc"}}, "ok")

    resp = post_form(client, csrf, f"/sources/{source.id}/edit", query="r/django")
    assert resp.status_code == 302
    db.expire_all()
    assert (source.query, source.cursor, source.status) == ("django", None, "new")

    resp = post_form(client, csrf, f"/sources/{source.id}/edit", interval_seconds=5)
    assert resp.status_code == 422 and field_error(parse(resp.data), "interval_seconds")


# --- pause, resume, delete, poll now ------------------------------------------------------
def test_pause_resume_and_delete(client, login, csrf, db: Session) -> None:  # type: ignore[no-untyped-def]
    login("manager")
    source = make_source(db)
    sid = source.id

    assert action(client, csrf, source.id, "pause").status_code == 302
    db.expire_all()
    assert (source.enabled, source.status, source.status_reason) == (False, "disabled", "Paused by a teammate.")
    page = parse(client.get(f"/sources/{source.id}").data)
    assert page.find("form", action=f"/sources/{source.id}/resume") and not page.find("form", action=f"/sources/{source.id}/pause")
    assert "paused" in parse(client.get("/sources/").data).text

    assert action(client, csrf, source.id, "resume").status_code == 302
    db.expire_all()
    assert (source.enabled, source.status, source.status_reason) == (True, "new", None)

    assert action(client, csrf, sid, "delete").status_code == 302
    db.expire_all()
    assert db.get(Source, sid) is None
    assert client.get(f"/sources/{sid}").status_code == 404
    assert action(client, csrf, sid, "pause").status_code == 404


def test_poll_now_polls_and_the_health_shows_it(client, login, csrf, db: Session) -> None:  # type: ignore[no-untyped-def]
    login("manager")
    source = make_source(db, name="r/python")
    with db.begin_nested():
        db.get(Source, source.id).next_poll_at = utcnow() + timedelta(hours=1)  # type: ignore[union-attr]
    db.commit()

    resp = action(client, csrf, source.id, "poll")
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/sources/{source.id}")
    db.expire_all()
    assert source.status == "ok" and source.last_polled_at is not None and source.items_collected > 0
    run = db.scalars(select(PollRun).where(PollRun.source_id == source.id)).one()

    page = parse(client.get(f"/sources/{source.id}").data)
    assert "Polling now." in page.text
    assert page.find("span", class_="status status-ok")
    assert f"{run.new} " in page.text or str(run.new) in page.text
    assert "No polls yet." not in page.text

    index = parse(client.get("/sources/").data)
    row = next(e for e in index.find("tr") if "r/python" in e.text)
    assert "ok" in row.text and f"{run.new} new" in row.text
    # Items collected in the last 24 hours (the generated posts are all from the last hour).
    assert services.health(db, [source])[source.id]["items_24h"] == source.items_collected


def test_poll_now_on_a_paused_source_says_why_not(client, login, csrf, db: Session) -> None:  # type: ignore[no-untyped-def]
    login("manager")
    source = make_source(db)
    services.set_enabled(db, source.id, False)
    db.commit()

    resp = action(client, csrf, source.id, "poll")
    assert resp.status_code == 302
    page = parse(client.get(f"/sources/{source.id}").data)
    assert "already running, or the source is paused" in page.text
    assert db.scalars(select(PollRun)).first() is None


# --- roles ---------------------------------------------------------------------------------
@pytest.mark.parametrize("role", ["viewer", "marketer"])
def test_viewers_and_marketers_see_sources_but_cannot_manage_them(client, login, csrf, db: Session, role: str) -> None:  # type: ignore[no-untyped-def]
    source = make_source(db)
    login(role)

    index = parse(client.get("/sources/").data)
    assert not index.find("a", href="/sources/new")
    show = parse(client.get(f"/sources/{source.id}").data)
    assert not show.find("form", action=f"/sources/{source.id}/poll")
    assert client.get("/sources/new").status_code == 403
    assert client.get(f"/sources/{source.id}/edit").status_code == 403
    assert post_form(client, csrf, "/sources/new").status_code == 403
    for verb in ("pause", "resume", "delete", "poll"):
        assert action(client, csrf, source.id, verb).status_code == 403, verb
    db.expire_all()
    assert db.get(Source, source.id) is not None and db.get(Source, source.id).enabled  # type: ignore[union-attr]


def test_signed_out_visitors_are_sent_to_the_login(client, db: Session) -> None:  # type: ignore[no-untyped-def]
    resp = client.get("/sources/")
    assert resp.status_code in (302, 401)


# --- the health columns --------------------------------------------------------------------
def test_the_index_shows_status_reason_last_error_items_and_next_poll(client, login, db: Session) -> None:  # type: ignore[no-untyped-def]
    login("viewer")
    ok = make_source(db, name="healthy")
    flaky = make_source(db, name="flaky", query="django")
    broken = make_source(db, name="broken", query="flask")
    locked = make_source(db, name="locked out", query="rust")
    for source, record in ((ok, None), (flaky, "transient"), (broken, "permanent"), (locked, "auth")):
        run = PollRun(source_id=source.id)
        db.add(run)
        if record is None:
            services.record_success(source, run, exhausted=True, cursor={})
            run.new = 7
        elif record == "transient":
            services.record_transient(source, run, "Reddit answered 503")
        elif record == "permanent":
            services.record_permanent(source, run, "Reddit says the listing is banned (404)")
        else:
            services.record_auth_failed(source, run, "Reddit rejected the credentials (401)")
        services.finish_run(run, run.started_at or utcnow())
    db.commit()

    page = parse(client.get("/sources/").data)
    rows = {name: next(e for e in page.find("tr") if name in e.text) for name in ("healthy", "flaky", "broken", "locked out")}
    assert "ok" in rows["healthy"].text and "7 new" in rows["healthy"].text
    assert "degraded" in rows["flaky"].text and "1 failed poll(s) in a row" in rows["flaky"].text
    assert "Reddit answered 503" in rows["flaky"].text  # last error column
    assert "failing" in rows["broken"].text and "banned" in rows["broken"].text
    assert "disabled" in rows["locked out"].text and "Credentials were refused" in rows["locked out"].text
    assert "paused" in rows["locked out"].text  # next poll column
    statuses = {e.attrs["class"] for e in page.find("span") if (e.attrs.get("class") or "").startswith("status status-")}
    assert {"status status-ok", "status status-degraded", "status status-failing", "status status-disabled"} <= statuses


def test_a_disabled_connector_shows_its_reason(client, login, db: Session) -> None:  # type: ignore[no-untyped-def]
    login("manager")
    page = parse(client.get("/sources/").data)
    assert "X is disabled: set X_BEARER_TOKEN" in page.text
    form = parse(client.get("/sources/new").data)
    options = {e.attrs.get("value"): e.text for e in form.find("option")}
    assert options["x"].endswith("(disabled)") and "(disabled)" not in options["reddit"]


def test_source_text_is_escaped(client, login, db: Session) -> None:  # type: ignore[no-untyped-def]
    login("viewer")
    source = make_source(db, name="<script>alert(1)</script>")
    run = PollRun(source_id=source.id)
    db.add(run)
    services.record_transient(source, run, "<img src=x onerror=alert(2)>")
    db.commit()
    for path in ("/sources/", f"/sources/{source.id}"):
        body = client.get(path).data.decode()
        assert "<script>alert(1)" not in body and "<img src=x" not in body
        assert "&lt;script&gt;" in body
