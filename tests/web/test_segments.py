"""Segment pages, the live preview, exports from the web (job, progress, download, audit), roles."""

from __future__ import annotations

import csv
import io
import json

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.segments import services
from crm.segments.models import ExportRun, Segment
from tests.crm.segment_data import person
from tests.web.htmlpage import parse


@pytest.fixture()
def crowd(db: Session) -> Segment:
    person(db, "Ann <b>", accounts=(("webland", 300),), tags=("customer",), said=((1, 0.5, "hi"),))
    person(db, "=HYPERLINK(\"http://evil.example\")", accounts=(("webland", 10),), said=((2, -0.5, "meh"),))
    person(db, "Out", accounts=(("elsewhere", 1),))
    seg = services.create_segment(db, name="Webland", rule={"field": "platforms", "any": ["webland"]})
    db.commit()
    return seg


def rows_form(token: str, *rows: dict[str, str], name: str = "Fans", match: str = "and") -> dict[str, str]:
    data = {"csrf_token": token, "name": name, "description": "", "match": match, "mode": "rows", "rule_json": ""}
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"rows-{i}-{key}"] = value
    return data


def test_the_list_shows_builtins_and_counts(client, login, crowd: Segment) -> None:  # type: ignore[no-untyped-def]
    login("viewer")
    page = parse(client.get("/segments/").data)
    assert {"Newcomers", "Contributors", "Advocates", "Detractors", "Slipping away", "Influencers", "Webland"} <= {
        a.text for a in page.find("a") if a.attrs.get("href", "").startswith("/segments/")}
    resp = client.get(f"/segments/{crowd.id}")
    assert resp.status_code == 200
    assert b"Ann &lt;b&gt;" in resp.data and b"Ann <b>" not in resp.data  # autoescaped
    assert b"Out" not in parse(resp.data).find("table")[0].text.encode()


def test_create_a_segment_from_rows(client, login, csrf, db: Session, crowd: Segment) -> None:  # type: ignore[no-untyped-def]
    login("marketer")
    token = csrf(client, "/segments/new")
    resp = client.post("/segments/new", data=rows_form(
        token, {"field": "platforms", "op": "any", "value": "webland"},
        {"field": "sentiment", "op": "at_least", "value": "0.1", "days": "30"},
        {"field": "tags", "op": "any", "value": "vip", "negate": "y"}))
    assert resp.status_code == 302, resp.data
    seg = db.scalars(select(Segment).where(Segment.name == "Fans")).one()
    assert seg.rule == {"op": "and", "conditions": [
        {"field": "platforms", "any": ["webland"]}, {"field": "sentiment", "min": 0.1, "days": 30},
        {"op": "not", "condition": {"field": "tags", "any": ["vip"]}}]}
    edit = parse(client.get(f"/segments/{seg.id}/edit").data)  # rows come back for editing
    values = [e.attrs.get("value") for e in edit.find("input") if (e.attrs.get("name") or "").endswith("-value")]
    assert values == ["webland", "0.1", "vip"]


def test_an_invalid_row_is_shown_next_to_that_row(client, login, csrf, crowd: Segment) -> None:  # type: ignore[no-untyped-def]
    login("marketer")
    token = csrf(client, "/segments/new")
    resp = client.post("/segments/new", data=rows_form(
        token, {"field": "platforms", "op": "any", "value": "webland"},
        {"field": "interactions", "op": "at_least", "value": "3", "days": "9999"}))
    assert resp.status_code == 422
    page = parse(resp.data)
    row = [e for e in page.find("div") if e.attrs.get("data-row") == "1"][0]
    assert "conditions[1].days must be between 1 and 3,650" in row.text


def test_json_mode_and_add_row(client, login, csrf, db: Session, crowd: Segment) -> None:  # type: ignore[no-untyped-def]
    login("manager")
    token = csrf(client, "/segments/new")
    data = rows_form(token, {"field": "platforms", "op": "any", "value": "webland"})
    added = client.post("/segments/new", data={**data, "add_row": "1"})
    assert added.status_code == 200 and b"rows-1-field" in added.data
    nested = json.dumps({"op": "or", "conditions": [
        {"field": "reach", "top": 1}, {"op": "and", "conditions": [{"field": "segment", "id": crowd.id}]}]})
    resp = client.post("/segments/new", data={**data, "name": "Nested", "mode": "json", "rule_json": nested})
    assert resp.status_code == 302
    seg = db.scalars(select(Segment).where(Segment.name == "Nested")).one()
    edit = parse(client.get(f"/segments/{seg.id}/edit").data)
    assert [e.attrs.get("value") for e in edit.find("input") if e.attrs.get("name") == "mode"] == ["json"]


def test_live_preview(client, login, csrf, crowd: Segment) -> None:  # type: ignore[no-untyped-def]
    login("marketer")
    token = csrf(client, "/segments/new")
    ok = client.post("/segments/preview", data=rows_form(token, {"field": "platforms", "op": "any", "value": "webland"}))
    body = ok.get_json()
    assert ok.status_code == 200 and body["count"] == 2
    assert {m["name"] for m in body["members"]} == {"Ann <b>", "=HYPERLINK(\"http://evil.example\")"}
    bad = client.post("/segments/preview", data=rows_form(
        token, {"field": "platforms", "op": "any", "value": "webland"}, {"field": "reach", "op": "at_least", "value": "lots"}))
    assert bad.status_code == 422 and bad.get_json()["row"] == 1 and "conditions[1].min" in bad.get_json()["message"]


def test_export_from_the_web_runs_as_a_job_and_is_audited(client, login, csrf, db: Session, crowd: Segment) -> None:  # type: ignore[no-untyped-def]
    user = login("marketer")
    form = parse(client.get(f"/segments/{crowd.id}/export").data)
    checked = [e.attrs["value"] for e in form.find("input") if e.attrs.get("name") == "columns" and "checked" in e.attrs]
    assert "display_name" in checked and "handle:webland" not in checked
    token = csrf(client, f"/segments/{crowd.id}/export")
    resp = client.post(f"/segments/{crowd.id}/export", data={
        "csrf_token": token, "format": "csv", "delimiter": ";", "columns": ["display_name", "handle:webland", "sentiment_mean"]})
    assert resp.status_code == 302
    run = db.scalars(select(ExportRun).order_by(ExportRun.id.desc())).first()
    assert run.status == "done" and run.row_count == 2 and run.user_id == user.id and run.actor == user.email
    status = client.get(f"/exports/{run.id}/status.json").get_json()
    assert status["percent"] == 100 and status["download"] == f"/exports/{run.id}/download"
    download = client.get(status["download"])
    assert download.status_code == 200 and "attachment" in download.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(download.data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Name", "Handle on webland", "Mean sentiment"]
    assert sorted(rows[1:]) == sorted([
        ["Ann <b>", "ann_<b>_0", "0,5"],
        ["'=HYPERLINK(\"http://evil.example\")", "'=hyperlink(\"http://evil.example\")_0", "-0,5"],
    ])
    history = client.get("/exports/")
    assert history.status_code == 200 and user.email.encode() in history.data


def test_xlsx_download_reads_back(client, login, csrf, db: Session, crowd: Segment) -> None:  # type: ignore[no-untyped-def]
    login("admin")
    token = csrf(client, f"/segments/{crowd.id}/export")
    client.post(f"/segments/{crowd.id}/export", data={"csrf_token": token, "format": "xlsx", "delimiter": ",",
                                                      "columns": ["id", "display_name"]})
    run = db.scalars(select(ExportRun).order_by(ExportRun.id.desc())).first()
    book = load_workbook(io.BytesIO(client.get(f"/exports/{run.id}/download").data))
    names = sorted(r[1] for r in book.active.iter_rows(min_row=2, values_only=True))
    # Text cells as written; the formula start carries Excel's quote prefix instead of an apostrophe.
    assert names == sorted(["Ann <b>", "=HYPERLINK(\"http://evil.example\")"])
    cells = [row[1] for row in book.active.iter_rows(min_row=2)]
    assert all(c.data_type == "s" and c.quotePrefix == c.value.startswith("=") for c in cells)


@pytest.mark.parametrize("role", ["viewer"])
def test_only_admin_manager_and_marketer_export(client, login, csrf, crowd: Segment, role: str) -> None:  # type: ignore[no-untyped-def]
    login(role)
    token = csrf(client, "/segments/")
    assert client.get(f"/segments/{crowd.id}/export").status_code == 403
    assert client.post(f"/segments/{crowd.id}/export", data={"csrf_token": token, "format": "csv"}).status_code == 403
    assert client.get("/exports/").status_code == 403
    assert client.get(f"/api/v1/segments/{crowd.id}/export").status_code == 403
    assert client.get(f"/segments/{crowd.id}").status_code == 200  # looking is allowed
    assert b"/exports/" not in client.get("/segments/").data  # no Exports nav item


def test_a_file_outside_the_exports_directory_is_never_served(client, login, db: Session, crowd: Segment, tmp_path) -> None:  # type: ignore[no-untyped-def]
    login("admin")
    secret = tmp_path / "secret.csv"
    secret.write_text("secret")
    run = ExportRun(segment_id=crowd.id, segment_name="x", rule={}, actor="cli:me", channel="cli", format="csv",
                    delimiter=",", columns=["id"], status="done", total_rows=1, row_count=1, file_path=str(secret))
    db.add(run)
    db.commit()
    assert client.get(f"/exports/{run.id}/download").status_code == 404
