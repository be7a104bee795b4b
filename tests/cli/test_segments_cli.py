"""`crm segments list` and `crm export SEGMENT` against a scratch SQLite database of their own."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from sqlalchemy import select

from cli.main import cli
from crm.engine import make_engine, make_session_factory
from crm.migrate import upgrade
from crm.segments import services
from crm.segments.models import ExportRun
from listeners import runtime
from tests.crm.segment_data import person


@pytest.fixture()
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    upgrade(url)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    with factory.begin() as s:
        for i in range(4):
            person(s, f"+Cli {i}", accounts=(("cliland", i * 10),), tags=("t",))
        services.create_segment(s, name="Cli people", rule={"field": "platforms", "any": ["cliland"]})
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("REDIS_URL", raising=False)
    before = runtime._runtime
    yield factory
    runtime._runtime = before
    engine.dispose()


def test_segments_list(scratch) -> None:  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(cli, ["segments", "list"])
    assert result.exit_code == 0, result.output
    assert "Newcomers (built-in)" in result.output and "Cli people" in result.output


def test_export_by_name_to_xlsx_and_csv(scratch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "out.xlsx"
    result = CliRunner().invoke(cli, ["export", "cli people", "--format", "xlsx", "-o", str(out), "--quiet",
                                      "--columns", "display_name,followers_max,tags"])
    assert result.exit_code == 0, result.output
    assert "4 members written" in result.output
    rows = list(load_workbook(out).active.iter_rows(values_only=True))
    assert rows[0] == ("Name", "Reach", "Tags")
    assert sorted(rows[1:]) == [(f"+Cli {i}", i * 10, "t") for i in range(4)]  # quote-prefixed text cells
    csv_out = tmp_path / "out.csv"
    with scratch() as s:
        seg_id = services.find_segment(s, "Cli people").id
    result = CliRunner().invoke(cli, ["export", str(seg_id), "-o", str(csv_out), "--delimiter", ";", "--quiet"])
    assert result.exit_code == 0, result.output
    with csv_out.open(encoding="utf-8-sig", newline="") as fh:
        assert len(list(csv.reader(fh, delimiter=";"))) == 5
    with scratch() as s:
        audit = s.scalars(select(ExportRun).order_by(ExportRun.id)).all()
    assert [(r.channel, r.format, r.row_count, r.actor.startswith("cli:")) for r in audit] == [
        ("cli", "xlsx", 4, True), ("cli", "csv", 4, True)]
    jsonl = tmp_path / "out.jsonl"
    assert CliRunner().invoke(cli, ["export", "Cli people", "--format", "jsonl", "-o", str(jsonl), "--quiet"]).exit_code == 0
    assert len([json.loads(line) for line in jsonl.read_text().splitlines()]) == 4


def test_unknown_segment_or_column_is_a_clear_error(scratch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(cli, ["export", "Nobody", "-o", str(tmp_path / "x.csv")])
    assert result.exit_code == 1 and "There is no segment 'Nobody'" in result.output
    result = CliRunner().invoke(cli, ["export", "Cli people", "-o", str(tmp_path / "x.csv"), "--columns", "secret"])
    assert result.exit_code == 1 and "There is no column 'secret'" in result.output
