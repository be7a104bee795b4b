"""Imports through the upload form: the job runs (inline), the report and the quarantine agree."""

from __future__ import annotations

import io
import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.imports.models import ImportRun
from crm.interactions.models import Interaction
from tests.factories import count
from tests.web.htmlpage import parse


def jsonl_item(n: int, **overrides: object) -> str:
    item: dict[str, object] = {
        "platform": "reddit", "external_id": f"up-{n}", "created_at": f"2026-03-0{n}T09:00:00Z",
        "text": f"Uploaded mention {n}", "author": {"id": f"up-author-{n}", "handle": f"uploader{n}"},
    }
    item.update(overrides)
    return json.dumps(item)


def upload(client, csrf, name: str, content: bytes, fmt: str = ""):  # type: ignore[no-untyped-def]
    token = csrf(client, "/imports/")
    return client.post(
        "/imports/",
        data={"csrf_token": token, "file": (io.BytesIO(content), name), "format": fmt},
        content_type="multipart/form-data",
    )


def report_rows(page) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    table = page.find("table", id="errors")[0]
    start = page.elements.index(table)
    rows = []
    for el in page.elements[start:]:
        if el.tag == "tr" and "class" not in el.attrs and el is not page.elements[start]:
            cells = [c for c in page.elements[page.elements.index(el) + 1:][:2] if c.tag == "td"]
            if len(cells) == 2:
                rows.append((cells[0].text.strip(), cells[1].text.strip()))
    return rows


def test_jsonl_upload_imports_the_good_lines_and_reports_the_bad(client, login, csrf, db: Session) -> None:  # type: ignore[no-untyped-def]
    login("manager")
    content = "\n".join([
        jsonl_item(1),
        jsonl_item(2),
        '{"platform": "reddit", "external_id": "up-3", ',  # line 3: broken JSON
        jsonl_item(4, created_at="yesterday"),  # line 4: parse error in a field
        jsonl_item(5, kind="tweet"),  # line 5: invalid item (rejected by ingest)
        jsonl_item(6),
        "",
    ]).encode()

    resp = upload(client, csrf, "mentions.jsonl", content)

    assert resp.status_code == 302
    run = db.scalars(select(ImportRun).order_by(ImportRun.id.desc())).first()
    assert resp.headers["Location"].endswith(f"/imports/{run.id}")
    db.refresh(run)
    assert run.status == "done" and run.format == "jsonl" and run.filename == "mentions.jsonl"
    assert (run.new_count, run.duplicate_count, run.quarantined_count) == (3, 0, 3)
    assert set(db.scalars(select(Interaction.external_id))) == {"up-1", "up-2", "up-6"}

    page = parse(client.get(f"/imports/{run.id}").data)
    assert page.find("span", id="status")[0].text == "done"
    assert page.find("span", id="new")[0].text == "3"
    assert page.find("span", id="quarantined")[0].text == "3"
    rows = report_rows(page)
    by_line = dict(rows)
    assert "invalid JSON" in by_line["3"]
    assert "created_at 'yesterday' is not an ISO 8601 timestamp" in by_line["4"]
    assert "kind 'tweet' is not one of" in by_line["5"]  # rejected by ingest, still by line

    status = client.get(f"/imports/{run.id}/status.json").get_json()
    assert (status["status"], status["percent"], status["new"], status["quarantined"]) == ("done", 100.0, 3, 3)
    assert [e["line"] for e in status["errors"]] == [3, 4, 5]

    link = next(a for a in page.find("a") if a.text == "see them")
    quarantine = parse(client.get(link.attrs["href"]).data)
    assert "3 items" in quarantine.text
    cells = " ".join(td.text for td in quarantine.find("td"))
    assert "import:mentions.jsonl:line 3" in cells and "import:mentions.jsonl:line 4" in cells
    assert "import:mentions.jsonl:line 5" in cells and "kind 'tweet' is not one of" in cells
    assert '"external_id": "up-3", ' in " ".join(pre.text for pre in quarantine.find("pre"))


def test_csv_upload(client, login, csrf, db: Session) -> None:  # type: ignore[no-untyped-def]
    login("admin")
    content = (
        b"platform,external_id,author_id,author_handle,created_at,text,kind\n"
        b"x,csv-1,ca-1,csv_one,2026-03-01T10:00:00Z,First CSV row,post\n"
        b"x,csv-2,ca-2,csv_two,not-a-date,Second CSV row,post\n"
        b"x,csv-3,ca-3,csv_three,2026-03-01T11:00:00+02:00,\"Third, quoted\",reply\n"
        b"x,csv-4,ca-4\n"
    )

    resp = upload(client, csrf, "export.CSV", content)

    assert resp.status_code == 302
    run = db.scalars(select(ImportRun).order_by(ImportRun.id.desc())).first()
    db.refresh(run)
    assert (run.status, run.format, run.new_count, run.quarantined_count) == ("done", "csv", 2, 2)
    texts = dict(db.execute(select(Interaction.external_id, Interaction.text)).tuples().all())
    assert texts == {"csv-1": "First CSV row", "csv-3": "Third, quoted"}
    by_line = dict(report_rows(parse(client.get(f"/imports/{run.id}").data)))
    assert "not an ISO 8601 timestamp" in by_line["3"]
    assert "row has 3 fields but the header has 7" in by_line["5"]


def test_the_same_file_twice_changes_nothing(client, login, csrf, db: Session) -> None:  # type: ignore[no-untyped-def]
    login("manager")
    content = "\n".join(jsonl_item(n) for n in (1, 2)).encode()
    upload(client, csrf, "a.jsonl", content)
    upload(client, csrf, "a.jsonl", content)
    runs = db.scalars(select(ImportRun).order_by(ImportRun.id)).all()
    for r in runs:
        db.refresh(r)
    assert [(r.new_count, r.duplicate_count) for r in runs] == [(2, 0), (0, 2)]
    assert count(db, Interaction) == 2


def test_the_format_can_be_chosen_for_an_unusual_name(client, login, csrf, db: Session) -> None:  # type: ignore[no-untyped-def]
    login("manager")
    assert upload(client, csrf, "mentions.txt", jsonl_item(1).encode(), fmt="jsonl").status_code == 302
    assert count(db, Interaction) == 1


def test_a_wrong_extension_without_a_format_is_refused_at_the_field(client, login, csrf, db: Session) -> None:  # type: ignore[no-untyped-def]
    login("manager")
    resp = upload(client, csrf, "mentions.txt", jsonl_item(1).encode())
    assert resp.status_code == 422
    page = parse(resp.data)
    error = page.after(page.find("input", type="file")[0])
    assert error is not None and error.attrs.get("class") == "field-error"
    assert "Name the file .jsonl" in error.text and "or choose the format" in error.text
    assert count(db, ImportRun) == 0


def test_no_file_is_refused_at_the_field(client, login, csrf, db: Session) -> None:  # type: ignore[no-untyped-def]
    login("manager")
    token = csrf(client, "/imports/")
    resp = client.post("/imports/", data={"csrf_token": token, "format": ""},
                       content_type="multipart/form-data")
    assert resp.status_code == 422
    page = parse(resp.data)
    error = page.after(page.find("input", type="file")[0])
    assert error is not None and error.text == "Choose a .jsonl or .csv file."
    assert count(db, ImportRun) == 0


def test_an_unknown_format_value_is_refused(client, login, csrf, db: Session) -> None:  # type: ignore[no-untyped-def]
    login("manager")
    resp = upload(client, csrf, "mentions.jsonl", jsonl_item(1).encode(), fmt="xlsx")
    assert resp.status_code == 422
    assert count(db, ImportRun) == 0


def test_unknown_import_is_a_404(client, login) -> None:  # type: ignore[no-untyped-def]
    login("viewer")
    assert client.get("/imports/999999").status_code == 404
    assert client.get("/imports/999999/status.json", headers={"Accept": "application/json"}).status_code == 404
