"""Export building blocks: formula neutralisation, columns, rows, and files read back."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from crm.errors import InvalidInput
from crm.segments.export import (
    DEFAULT_COLUMNS,
    collect_member_ids,
    fetch_rows,
    label,
    neutralise,
    open_writer,
    validate_columns,
    validate_format,
)
from tests.crm.segment_data import NOW, person

HOSTILE = ["=HYPERLINK(\"http://evil\",\"x\")", "+1+2", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "=cmd|' /C calc'!A0"]


@pytest.mark.parametrize("value", HOSTILE)
def test_formula_starts_are_neutralised(value: str) -> None:
    assert neutralise(value) == "'" + value


@pytest.mark.parametrize("value", ["Ann", "", "a=b", " =1", "'quoted", "100", "ü@x"])
def test_other_text_is_left_alone(value: str) -> None:
    assert neutralise(value) == value


def test_columns_and_formats_are_validated() -> None:
    assert validate_columns(["id", "handle:reddit", "id", " tags "]) == ["id", "handle:reddit", "tags"]
    assert label("followers:x") == "Followers on x"
    for bad in (["id", "password_hash"], [], ["handle:Not A Platform"]):
        with pytest.raises(InvalidInput):
            validate_columns(bad)
    with pytest.raises(InvalidInput):
        validate_format("xls")
    with pytest.raises(InvalidInput):
        validate_format("csv", "\t")


ROWS = [
    [1, "=HYPERLINK(\"http://evil\")", 0.25, None, datetime(2026, 5, 1, 8, 30, tzinfo=UTC), 3],
    [2, "Zoë, \"the\" ;tester\nnewline", -0.5, "@handle", datetime(2026, 5, 2, 0, 0, tzinfo=UTC), 0],
]
COLS = ["id", "display_name", "sentiment_mean", "tags", "last_seen", "interaction_count"]


def write(tmp_path: Path, fmt: str, delimiter: str = ",") -> Path:
    path = tmp_path / f"out.{fmt}"
    writer = open_writer(fmt, path, COLS, delimiter)
    writer.write(ROWS[:1])
    writer.write(ROWS[1:])
    writer.close()
    return path


def test_csv_has_a_bom_and_reads_back(tmp_path: Path) -> None:
    path = write(tmp_path, "csv")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf\"Member id\",")  # every cell quoted
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == [label(c) for c in COLS]
    assert rows[1] == ["1", "'=HYPERLINK(\"http://evil\")", "0.25", "", "2026-05-01 08:30:00", "3"]
    assert rows[2] == ["2", "Zoë, \"the\" ;tester\nnewline", "-0.5", "'@handle", "2026-05-02 00:00:00", "0"]


def test_csv_for_german_excel_uses_semicolons_and_decimal_commas(tmp_path: Path) -> None:
    path = write(tmp_path, "csv", ";")
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh, delimiter=";"))
    assert rows[1][2] == "0,25" and rows[2][2] == "-0,5"
    assert rows[2][1] == "Zoë, \"the\" ;tester\nnewline"


def test_xlsx_reads_back_with_openpyxl_and_holds_no_formula(tmp_path: Path) -> None:
    path = write(tmp_path, "xlsx")
    sheet = load_workbook(path).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0] == [label(c) for c in COLS]
    # Text cells as written, no apostrophe: Excel's quote-prefix flag keeps them text.
    assert rows[1] == [1, "=HYPERLINK(\"http://evil\")", 0.25, None, datetime(2026, 5, 1, 8, 30), 3]
    assert rows[2][3] == "@handle"
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    assert sheet["B2"].quotePrefix and sheet["D3"].quotePrefix and not sheet["B3"].quotePrefix


def test_jsonl_keeps_values_as_they_are(tmp_path: Path) -> None:
    path = write(tmp_path, "jsonl")
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert lines[0] == {"id": 1, "display_name": "=HYPERLINK(\"http://evil\")", "sentiment_mean": 0.25,
                        "tags": None, "last_seen": "2026-05-01T08:30:00+00:00", "interaction_count": 3}
    assert lines[1]["tags"] == "@handle"


def test_rows_hold_the_chosen_columns(db: Session) -> None:
    ann = person(db, "Ann", accounts=(("reddit", 10), ("x", 500)), tags=("vip", "customer"),
                 said=((5, 0.5, "older"), (1, -0.25, "=1+1 newest")))
    eve = person(db, "Eve", accounts=(("reddit", None),))
    cols = ["display_name", "handles", "handle:x", "followers:x", "profile_url:x", "tags", "identity_count",
            "last_interaction_text", "last_interaction_at", "engagement", "platforms", "sentiment_mean"]
    rows = fetch_rows(db, [eve.id, ann.id], cols, now=NOW)
    assert rows[0][:8] == ["Eve", "reddit:@eve_0", None, None, None, "", 1, None]
    assert rows[1][:9] == ["Ann", "reddit:@ann_0, x:@ann_1", "ann_1", 500, None, "customer, vip", 2,
                           "=1+1 newest", NOW.replace(day=31, month=5)]
    assert rows[1][9:] == ["occasional", "reddit, x", 0.125]  # two comments this week: 3.7 points
    assert list(collect_member_ids(db, {"field": "platforms", "any": ["reddit"]})) == sorted([ann.id, eve.id])
    assert len(fetch_rows(db, [], DEFAULT_COLUMNS)) == 0
