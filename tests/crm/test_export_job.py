"""The export job end to end: files read back and compared, the audit record, re-runs, failures."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from crm.segments import runs, services
from crm.segments.export import label
from crm.segments.models import ExportRun
from listeners import exports
from tests.crm.segment_data import person

COLS = ["id", "display_name", "handle:reddit", "tags", "interaction_count", "last_interaction_text"]


@pytest.fixture()
def segment(db: Session):  # type: ignore[no-untyped-def]
    for i in range(7):
        person(db, f"=Member {i}" if i == 3 else f"Member {i}", accounts=(("exportland", i),),
               tags=("t",) if i % 2 else (), said=((1, 0.1, f"+said {i}"),) if i < 5 else ())
    person(db, "Outsider", accounts=(("elsewhere", 1),))
    seg = services.create_segment(db, name="Export me", rule={"field": "platforms", "any": ["exportland"]})
    db.commit()
    return seg


def start(db: Session, seg, fmt: str, delimiter: str = ",") -> ExportRun:  # type: ignore[no-untyped-def]
    run = runs.create_export(db, seg, fmt=fmt, columns=COLS, delimiter=delimiter, actor="tester@example.com")
    db.commit()
    return run


def expected_rows(db: Session) -> list[list[object]]:
    from crm.segments.export import collect_member_ids, fetch_rows

    seg = services.find_segment(db, "Export me")
    return fetch_rows(db, collect_member_ids(db, seg.rule), COLS)


def test_csv_export_is_recorded_and_reads_back(app, db: Session, segment, settings) -> None:  # type: ignore[no-untyped-def]
    run = start(db, segment, "csv")
    seen: list[tuple[int, int]] = []
    assert exports.run_export(run.id, on_progress=lambda done, total: seen.append((done, total))) == "done"
    db.expire_all()
    run = db.get(ExportRun, run.id)
    assert run.status == "done" and run.row_count == run.total_rows == 7 and seen[-1] == (7, 7)
    assert run.segment_name == "Export me" and run.actor == "tester@example.com" and run.columns == COLS
    path = Path(run.file_path)
    assert path.parent == settings.data_dir / "exports" and run.file_size == path.stat().st_size
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == [label(c) for c in COLS]
    want = expected_rows(db)
    assert len(rows) == 8
    for got, row in zip(rows[1:], want, strict=True):
        assert got[0] == str(row[0]) and got[4] == str(row[4])
    names = [r[1] for r in rows[1:]]
    assert "'=Member 3" in names and "Outsider" not in names
    assert {r[5] for r in rows[1:]} == {"", *(f"'+said {i}" for i in range(5))}


def test_xlsx_and_jsonl_exports_match_the_rows(app, db: Session, segment) -> None:  # type: ignore[no-untyped-def]
    want = expected_rows(db)
    xlsx = start(db, segment, "xlsx")
    jsonl = start(db, segment, "jsonl")
    assert exports.export_segment(xlsx.id) == "done" and exports.export_segment(jsonl.id) == "done"
    db.expire_all()
    sheet = load_workbook(db.get(ExportRun, xlsx.id).file_path, read_only=True).active
    # read-only mode leaves out empty cells at the end of a row
    got = [list(r) + [None] * (len(COLS) - len(r)) for r in sheet.iter_rows(values_only=True)][1:]
    # Text as written: formula starts are quote-prefixed text cells, not apostrophes (export.py).
    assert got == [[None if v == "" else v for v in row] for row in want]
    full = load_workbook(db.get(ExportRun, xlsx.id).file_path).active
    prefixed = [c.value for row in full.iter_rows(min_row=2) for c in row if c.quotePrefix]
    assert prefixed and all(v.startswith(("=", "+")) for v in prefixed)
    assert all(c.data_type != "f" for row in full.iter_rows() for c in row)
    lines = Path(db.get(ExportRun, jsonl.id).file_path).read_text(encoding="utf-8").splitlines()
    assert [list(json.loads(line).values()) for line in lines] == want


def test_a_finished_export_is_not_run_again_and_a_failed_one_keeps_its_reason(app, db: Session, segment) -> None:  # type: ignore[no-untyped-def]
    run = start(db, segment, "csv")
    exports.run_export(run.id)
    db.expire_all()
    first = db.get(ExportRun, run.id).finished_at
    assert exports.export_segment(run.id) == "nothing to do"
    db.expire_all()
    assert db.get(ExportRun, run.id).finished_at == first
    broken = start(db, segment, "csv")
    with pytest.raises(OSError):
        exports.run_export(broken.id, target=Path("/nonexistent-dir/out.csv"))
    db.expire_all()
    failed = db.get(ExportRun, broken.id)
    assert failed.status == "failed" and "No such file" in failed.failure and failed.file_path is None
