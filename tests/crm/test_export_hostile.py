"""Exports of hostile text: no live formula with either delimiter, XLSX always written (issue 16)."""

from __future__ import annotations

import csv
import io
import itertools
import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from crm.segments.export import XLSX_MAX_TEXT, open_writer

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PAYLOADS = ["=cmd|' /C calc'!A0", "+1+2", "-2+3", "@SUM(A1)", "=HYPERLINK(\"http://evil\",\"x\")", "\t=1", "\r=1"]
GLUE = [",", ";", "\n", "\r\n", "\t", "\"", ", ", "; ", ",\"", ";\"", "\",\"", "\";\"", " \"", "\n\""]
XML_ILLEGAL = ["\ufffe", "\uffff", "\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1f"]


def corpus() -> list[str]:
    """Payloads at the start, after every separator a reader might split on, and between."""
    texts = list(PAYLOADS)
    for glue, payload in itertools.product(GLUE, PAYLOADS):
        texts += [f"x{glue}{payload}", f"x{glue}{payload}{glue}y", f"{payload}{glue}{payload}",
                  f"{glue}{payload}", f"a{glue}b{glue}{payload}"]
    texts += [f"post {bad} text" for bad in XML_ILLEGAL] + ["\ufffe=1", "ok \uffff;=1"]
    return texts


def _cells(path: Path, delimiter: str) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return [cell for row in csv.reader(fh, delimiter=delimiter) for cell in row]


def _live(cell: str) -> bool:
    """A cell a spreadsheet would run: = + - @ at its start, also behind tabs, line breaks,
    spaces and quotes (stricter than the first character only; a cell of nothing but
    whitespace, e.g. a line end a stray quote pulled in, runs nothing)."""
    return cell.lstrip(" \t\r\n\"").startswith(("=", "+", "-", "@"))


def _write(tmp_path: Path, fmt: str, texts: list[str], delimiter: str = ",") -> Path:
    path = tmp_path / f"hostile-{delimiter == ';'}.{fmt}"
    writer = open_writer(fmt, path, ["id", "display_name", "last_interaction_text"], delimiter)
    writer.write([[i, text, "ok " + text] for i, text in enumerate(texts)])
    writer.close()
    return path


def _check_csv(tmp_path: Path, texts: list[str]) -> int:
    cells = 0
    for written_with in (",", ";"):
        path = _write(tmp_path, "csv", texts, written_with)
        raw = path.read_text(encoding="utf-8-sig")
        assert all(line.startswith('"') for line in raw.split("\r\n") if line)  # every cell quoted
        for read_with in (",", ";"):
            read = _cells(path, read_with)
            live = [c for c in read if _live(c)]
            assert not live, (written_with, read_with, live[:5])
            cells += len(read)
    return cells


def test_no_live_formula_in_csv_read_with_either_delimiter(tmp_path: Path) -> None:
    texts = corpus()
    assert len(texts) > 400
    cells = _check_csv(tmp_path, texts)
    assert cells > 4 * 3 * len(texts)


def test_csv_written_with_commas_still_reads_back_exactly(tmp_path: Path) -> None:
    """Read with its own delimiter, a cell is the text, plus apostrophes only before formula starts."""
    texts = ["Zoë, \"the\" ;tester\nnewline", "plain", "a=b", "e-mail me @ 5"]
    path = _write(tmp_path, "csv", texts)
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert [r[1] for r in rows[1:]] == texts


def test_xlsx_is_always_written_and_holds_no_formula(tmp_path: Path) -> None:
    texts = corpus() + ["x" * 40_000]
    path = _write(tmp_path, "xlsx", texts)
    sheet = load_workbook(path).active
    values = [row for row in sheet.iter_rows(min_row=2)]
    assert len(values) == len(texts)
    for cells, text in zip(values, texts, strict=True):
        assert cells[1].data_type == "s"  # a text cell, never a formula
        expected = "".join(ch for ch in text if ch not in XML_ILLEGAL)[:XLSX_MAX_TEXT]
        assert cells[1].value == expected  # no apostrophe added: Excel shows the text as written
        assert cells[1].quotePrefix == expected.startswith(FORMULA_STARTS)
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)


def test_jsonl_keeps_texts_whole(tmp_path: Path) -> None:
    long = "=1 " + "word " * 20_000
    path = _write(tmp_path, "jsonl", [long, "\ufffe=x"])
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert lines[0]["display_name"] == long and len(long) > 100_000
    assert lines[1]["display_name"] == "\ufffe=x"


_hostile_text = st.text(st.sampled_from(list(",;\n\r\t\" '=+-@xy") + XML_ILLEGAL), max_size=30)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=st.lists(_hostile_text, min_size=1, max_size=8))
def test_random_hostile_text_never_gives_a_live_formula(tmp_path: Path, texts: list[str]) -> None:
    _check_csv(tmp_path, texts)
    path = _write(tmp_path, "xlsx", texts)
    assert all(c.data_type != "f" for row in load_workbook(path).active.iter_rows() for c in row)


def test_the_neutralisation_costs_little_on_ordinary_text() -> None:
    writer_buf = io.StringIO()
    ordinary = ["Anna Schmidt", "reddit:@anna, x:@anna_s", "beta, fans", "Love the new sync!"] * 2500
    from crm.segments.export import neutralise_parts

    for text in ordinary:
        writer_buf.write(neutralise_parts(text))
    assert writer_buf.getvalue().count("'") == 0
