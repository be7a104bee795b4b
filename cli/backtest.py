"""`crm alerts backtest FILE.csv [--windows windows.json]`: read a series, replay it, print.

The replay and the NAB scoring are the domain's (crm/alerts/backtest.py); this reads the files
and formats the lines.
"""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from pathlib import Path

from crm.alerts.backtest import nab_result, run_backtest
from crm.alerts.types import Incident, Params
from crm.errors import InvalidInput

TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


Series = list[tuple[datetime, int]]


def parse_time(text: str) -> datetime:
    """Parse `YYYY-MM-DD HH:MM:SS[.ffffff]` (or ISO 8601) as a naive UTC datetime."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise InvalidInput(f"not a timestamp: {text!r}") from exc
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def load_series(path: str | Path) -> Series:
    """Read a `timestamp,value` CSV into (time, count) pairs sorted by time."""
    rows: Series = []
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None or not {"timestamp", "value"} <= set(reader.fieldnames):
            raise InvalidInput(f"{path}: expected a CSV header 'timestamp,value'")
        for line, row in enumerate(reader, start=2):
            try:
                value = round(float(row["value"]))
            except (TypeError, ValueError) as exc:
                raise InvalidInput(f"{path}:{line}: value is not a number") from exc
            rows.append((parse_time(row["timestamp"] or ""), value))
    rows.sort(key=lambda row: row[0])
    return rows


def load_windows(path: str | Path, series_name: str) -> list[tuple[datetime, datetime]]:
    """Labelled windows of one series from a NAB-style windows.json (keyed by file name)."""
    with open(path, encoding="utf-8") as handle:
        data = json.load(handle)
    name = Path(series_name).name
    matches = [key for key in data if key == name or Path(key).name == name]
    if not matches:
        raise InvalidInput(f"{path}: no windows for {name}")
    return [(parse_time(start), parse_time(end)) for start, end in data[matches[0]]]


def format_incident(incident: Incident) -> str:
    """One line: opened time, severity, peak (with time), duration, then kind and baseline."""
    minutes = int(incident.duration.total_seconds() // 60)
    state = "  (open)" if incident.is_open else ""
    return (
        f"{incident.opened_at.strftime(TIME_FORMAT)}  {str(incident.severity):<7}  "
        f"peak={incident.peak} at {incident.peak_at.strftime(TIME_FORMAT)}  "
        f"duration={minutes // 60}h{minutes % 60:02d}m  {incident.kind}  "
        f"baseline={incident.baseline_at_open:.1f}{state}"
    )


def backtest_command(
    csv_path: str | Path, windows_path: str | Path | None = None, params: Params | None = None
) -> str:
    """The text printed by `crm alerts backtest`: one line per incident, then NAB scores."""
    series = load_series(csv_path)
    incidents = run_backtest(series, params)
    lines = [format_incident(incident) for incident in incidents]
    lines.append(f"{len(incidents)} incident(s) over {len(series)} buckets")
    if windows_path is not None:
        windows = load_windows(windows_path, Path(csv_path).name)
        for profile in ("standard", "reward_low_FP_rate"):
            result = nab_result(incidents, series, windows, profile)
            lines.append(
                f"NAB {profile}: {result.normalised:.1f} (raw {result.raw:.3f}; "
                f"{result.detected}/{result.windows} windows, {result.false_positives} false positives)"
            )
    return "\n".join(lines) + "\n"
